"""Every list of the dining app, page or API, costs the same number of queries with one row and
with several (each with its own category, window, canteen, rule or user: an N+1 would show),
and the next page by its link continues where the first stopped: no row twice, none skipped,
ties of the ordering broken by the id. docs/performance.md, "Reviews and dining lists (item 7)"
names them; lists bounded by construction (a day's menus, a canteen's price board, search
results) are pinned here too."""

import datetime
import html
import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from dining.models import Dish, PriceChange, PriceIndexPoint, PriceViolation, Window
from dining.pricing import views as price_views
from dining.views import staff as staff_views
from tests.dining.factories import (
    CanteenFactory,
    ClosedDayFactory,
    DishCategoryFactory,
    DishFactory,
    FavouriteFactory,
    MenuFactory,
    MenuItemFactory,
    OpeningHoursFactory,
    PriceChangeFactory,
    PriceRuleFactory,
    WindowFactory,
    canteen_staff_for,
)
from tests.logistics.factories import UserFactory

pytestmark = pytest.mark.django_db
API = "/api/v1/dining/"
NEXT = re.compile(r'<a href="([^"]+)" rel="next">')


def as_user(user=None) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    if user is not None:
        client.force_login(user)
    return client


def next_link(response) -> str | None:
    """The page's "Next" link (the pager's, with the list's filters), or None on the last."""
    found = NEXT.search(response.content.decode())
    return html.unescape(found.group(1)) if found else None


def walk(client, url, django_assert_num_queries, queries, **params) -> list[list[int]]:
    """The ids of every page of a keyset list, following "Next", each page in `queries`."""
    pages, target = [], f"{url}?{'&'.join(f'{k}={v}' for k, v in params.items())}"
    while target:
        with django_assert_num_queries(queries):
            response = client.get(target)
        assert response.status_code == 200
        pages.append([row.pk for row in response.context["page"]])
        link = next_link(response)
        target = f"{url}{link}" if link else None
    return pages


def walk_api(client, url, django_assert_num_queries, queries, key=None, **params) -> list[list]:
    """The ids of every page of an API list, following `next`, each page in `queries` (not
    counted without `django_assert_num_queries`)."""
    pages, target, query = [], url, params
    while target:
        if django_assert_num_queries is None:
            response = client.get(target, query)
        else:
            with django_assert_num_queries(queries):
                response = client.get(target, query)
        assert response.status_code == 200, response.content
        body = response.json()
        pages.append([key(row) if key else row["id"] for row in body["results"]])
        target, query = body["next"], None
    return pages


def flat(pages) -> list[int]:
    return [pk for page in pages for pk in page]


# --- The dish catalogue (canteen staff) ---------------------------------------------------------


def test_the_dish_catalogue_pins_its_queries_and_pages_by_cursor(
    monkeypatch, django_assert_num_queries
):
    monkeypatch.setattr(staff_views, "DISHES_PER_PAGE", 3)
    canteen = CanteenFactory()
    client = as_user(canteen_staff_for(canteen))
    url = reverse("dining:staff-dishes", args=[canteen.slug])
    DishFactory(canteen=canteen, window=WindowFactory(canteen=canteen))
    client.get(url)  # the session
    # user (with its roles, scopes and unread count), the canteen (of those the staff may edit,
    # from the scopes: no query), the page's dishes (with category and window) (the session is in
    # Redis)
    (only,) = walk(client, url, django_assert_num_queries, 3)
    # Two categories sorted alike (a tie the names and then the ids break), windows, one off offer.
    veg, staple = DishCategoryFactory(code="veg"), DishCategoryFactory(code="staple")
    staple.sort_order = veg.sort_order
    staple.save(update_fields=["sort_order"])
    for n in range(7):
        DishFactory(
            canteen=canteen,
            category=(veg, staple)[n % 2],
            window=WindowFactory(canteen=canteen) if n % 3 else None,
            name=f"菜{n % 4}{n}",
            is_active=n != 5,
        )
    DishFactory(category=veg)  # another canteen's

    pages = walk(client, url, django_assert_num_queries, 3)

    expected = Dish.objects.filter(canteen=canteen).order_by("category__sort_order", "name", "pk")
    assert [len(p) for p in pages] == [3, 3, 2]
    assert flat(pages) == [d.pk for d in expected] and only[0] in flat(pages)


def test_the_dish_catalogue_keeps_the_search_on_the_next_page(monkeypatch):
    monkeypatch.setattr(staff_views, "DISHES_PER_PAGE", 2)
    canteen = CanteenFactory()
    client = as_user(canteen_staff_for(canteen))
    url = reverse("dining:staff-dishes", args=[canteen.slug])
    braised = [DishFactory(canteen=canteen, name=f"红烧{n}号") for n in range(3)]
    DishFactory(canteen=canteen, name="清蒸鱼")

    first = client.get(url, {"q": "红烧"})
    second = client.get(url + next_link(first))

    shown = [d.pk for d in first.context["page"]] + [d.pk for d in second.context["page"]]
    assert sorted(shown) == sorted(d.pk for d in braised) and len(shown) == 3
    assert "q=" in next_link(first) and next_link(second) is None


# --- Price rule violations ----------------------------------------------------------------------


def violation(canteen, *, by=None, rule=None, when=None) -> PriceViolation:
    item = MenuItemFactory(menu=MenuFactory(window=WindowFactory(canteen=canteen)))
    found = PriceViolation.objects.create(
        rule=rule or PriceRuleFactory(),
        menu=item.menu,
        dish=item.dish,
        severity="warning",
        message=f"{item.dish.name} 超出限价",
        reason="进价上涨" if by else "",
        acknowledged_by=by,
        acknowledged_at=timezone.now() if by else None,
    )
    if when is not None:
        PriceViolation.objects.filter(pk=found.pk).update(created_at=when)
    return found


def test_the_violations_pin_their_queries_and_page_by_cursor(
    manager, settings, monkeypatch, django_assert_num_queries
):
    settings.LIST_COUNT_SECONDS = 0  # the capped count on every request, so every page alike
    monkeypatch.setattr(price_views, "VIOLATIONS_PER_PAGE", 3)
    client = as_user(manager)
    url = reverse("dining:violations")
    north, south = CanteenFactory(), CanteenFactory()
    violation(north)
    client.get(url)
    # user (with its roles and unread count), the filters' canteen and rule choices, the capped
    # count, the page (with rule, menu, canteen, window, dish and who acknowledged)
    walk(client, url, django_assert_num_queries, 5)
    same_moment = timezone.now() - datetime.timedelta(hours=1)  # a tie the ids break
    for n in range(7):
        violation(
            (north, south)[n % 2],
            by=UserFactory() if n % 2 else None,
            when=same_moment if n < 4 else None,
        )

    pages = walk(client, url, django_assert_num_queries, 5)

    expected = PriceViolation.objects.order_by("-created_at", "-id")
    assert [len(p) for p in pages] == [3, 3, 2]
    assert flat(pages) == [v.pk for v in expected]


def test_the_violations_keep_their_filters_on_the_next_page(manager, monkeypatch):
    monkeypatch.setattr(price_views, "VIOLATIONS_PER_PAGE", 2)
    north, south = CanteenFactory(slug="north"), CanteenFactory(slug="south")
    northern = [violation(north) for _ in range(3)]
    violation(south)
    client = as_user(manager)

    first = client.get(reverse("dining:violations"), {"canteen": "north"})
    second = client.get(reverse("dining:violations") + next_link(first))

    shown = [v.pk for v in first.context["page"]] + [v.pk for v in second.context["page"]]
    assert shown == [v.pk for v in reversed(northern)]


# --- Lists bounded by construction ---------------------------------------------------------------


def test_my_favourites_pin_their_queries(student, django_assert_num_queries):
    client = as_user(student)
    url = reverse("dining:favourites")
    FavouriteFactory(user=student, dish=DishFactory(allergens=["milk"]))
    client.get(url)
    # session, user (with its roles and unread count), the dishes (with canteen and category), their
    # allergens
    with django_assert_num_queries(3):
        client.get(url)
    for n in range(5):
        FavouriteFactory(user=student, dish=DishFactory(allergens=["soy", "eggs"][: n % 3]))
    FavouriteFactory(dish=DishFactory())  # someone else's
    with django_assert_num_queries(3):
        response = client.get(url)
    assert len(response.context["dishes"]) == 6


def test_the_dish_search_pins_its_queries(django_assert_num_queries):
    client = as_user()
    url = reverse("dining:search")
    DishFactory(name="红烧肉", allergens=["soy"])
    # the dishes (through the search index, with canteen and category), their allergens
    with django_assert_num_queries(2):
        client.get(url, {"q": "红烧"})
    for n in range(6):
        DishFactory(name=f"红烧鱼{n}", allergens=["fish", "soy"][: n % 3])
    with django_assert_num_queries(2):
        response = client.get(url, {"q": "红烧"})
    assert len(response.context["dishes"]) == 7


def test_the_menu_builders_dish_search_pins_its_queries(django_assert_num_queries):
    canteen = CanteenFactory()
    client = as_user(canteen_staff_for(canteen))
    url = reverse("dining:staff-dish-search", args=[canteen.slug])
    DishFactory(canteen=canteen, name="红烧肉")
    client.get(url, {"q": "红烧"})
    # user (with its roles, scopes and unread count), the canteen (of those the staff may edit,
    # from the scopes: no query), the dishes
    with django_assert_num_queries(3):
        client.get(url, {"q": "红烧"})
    for n in range(6):
        DishFactory(canteen=canteen, name=f"红烧鱼{n}", category=DishCategoryFactory(code=f"c{n}"))
    with django_assert_num_queries(3):
        response = client.get(url, {"q": "红烧"})
    assert len(response.context["results"]) == 7


def test_the_price_rules_pin_their_queries(manager, django_assert_num_queries):
    client = as_user(manager)
    url = reverse("dining:price-rules")
    PriceRuleFactory()
    client.get(url)
    # user (with its roles and unread count), the rules (with canteen and category), the form's
    # canteen and category choices
    with django_assert_num_queries(4):
        client.get(url)
    for n in range(5):
        PriceRuleFactory(canteen=CanteenFactory(), category=DishCategoryFactory(code=f"c{n}"))
    with django_assert_num_queries(4):
        response = client.get(url)
    assert len(response.context["rules"]) == 6


def test_a_canteens_day_pins_its_queries(django_assert_num_queries):
    canteen = CanteenFactory()
    url = reverse("dining:canteen", args=[canteen.slug])
    MenuItemFactory(menu=MenuFactory(window=WindowFactory(canteen=canteen)))
    OpeningHoursFactory(canteen=canteen)
    client = as_user()
    # the canteen, the catalogue (3) and the day (3) from the database when the cache is cold,
    # the hours, the closed days
    with django_assert_num_queries(9) as cold:
        client.get(url)
    for n in range(4):
        window = WindowFactory(canteen=canteen)
        for meal in ("breakfast", "dinner"):
            MenuItemFactory(menu=MenuFactory(window=window, meal=meal))
        ClosedDayFactory(canteen=canteen, date=timezone.localdate() + datetime.timedelta(n + 1))
    from django.core.cache import cache

    cache.clear()
    with django_assert_num_queries(len(cold.captured_queries)):
        response = client.get(url)
    assert sum(len(m["menus"]) for m in response.context["meals"]) == 9


# --- The API -------------------------------------------------------------------------------------


@pytest.fixture
def api():
    return APIClient(HTTP_ACCEPT_LANGUAGE="en")


def test_the_dishes_api_pages_by_cursor_through_ties(api, django_assert_num_queries):
    meat, veg = DishCategoryFactory(code="meat"), DishCategoryFactory(code="veg")
    veg.sort_order = meat.sort_order
    veg.save(update_fields=["sort_order"])
    for canteen in (CanteenFactory(), CanteenFactory()):
        for n in range(4):
            # the same names in both canteens, two categories sorted alike
            DishFactory(canteen=canteen, category=(meat, veg)[n % 2], name=f"同名{n}")
    DishFactory(canteen=CanteenFactory(is_active=False))

    # the dishes (with canteen and category), their allergens
    pages = walk_api(api, API + "dishes/", django_assert_num_queries, 2, page_size=3)

    expected = Dish.objects.filter(canteen__is_active=True).order_by(
        "canteen_id", "category__sort_order", "name", "id"
    )
    assert [len(p) for p in pages] == [3, 3, 2]
    assert flat(pages) == [d.pk for d in expected]


def test_the_dishes_api_keeps_the_search_on_the_next_page(api):
    canteen = CanteenFactory()
    braised = [DishFactory(canteen=canteen, name=f"红烧{n}号") for n in range(3)]
    DishFactory(canteen=canteen, name="清蒸鱼")
    pages = walk_api(api, API + "dishes/", None, 0, q="红烧", page_size=2)
    assert sorted(flat(pages)) == sorted(d.pk for d in braised)
    assert [len(p) for p in pages] == [2, 1]


def test_the_price_changes_api_pages_by_cursor_through_ties(
    api, manager, django_assert_num_queries
):
    api.force_authenticate(manager)
    assert manager.is_manager  # the roles are read once per forced user
    moment = timezone.now() - datetime.timedelta(days=1)
    for n in range(7):
        change = PriceChangeFactory(
            changed_by=UserFactory(),
            menu_item=MenuItemFactory() if n % 2 else None,
        )
        if n < 4:
            PriceChange.objects.filter(pk=change.pk).update(changed_at=moment)

    # the page, joined (dish, canteen, menu, who changed it)
    pages = walk_api(api, API + "price-changes/", django_assert_num_queries, 1, page_size=3)

    assert [len(p) for p in pages] == [3, 3, 1]
    assert flat(pages) == [c.pk for c in PriceChange.objects.order_by("-changed_at", "-id")]


def test_the_canteens_and_windows_apis_pin_their_queries_and_page_by_cursor(
    api, django_assert_num_queries
):
    def canteen_with_hours():
        canteen = CanteenFactory()
        OpeningHoursFactory(canteen=canteen)
        ClosedDayFactory(canteen=canteen)
        WindowFactory(canteen=canteen)
        WindowFactory(canteen=canteen)
        return canteen

    canteen_with_hours()
    # canteens: the page, their hours, their upcoming closed days; windows: the page
    (one,) = walk_api(api, API + "canteens/", django_assert_num_queries, 3)
    walk_api(api, API + "windows/", django_assert_num_queries, 1)
    for _ in range(4):
        canteen_with_hours()

    canteens = walk_api(api, API + "canteens/", django_assert_num_queries, 3, page_size=2)
    windows = walk_api(api, API + "windows/", django_assert_num_queries, 1, page_size=3)

    assert len(one) == 1 and [len(p) for p in canteens] == [2, 2, 1]
    assert flat(windows) == [
        w.pk for w in Window.objects.order_by("canteen_id", "sort_order", "code", "id")
    ]
    assert len(flat(canteens)) == len(set(flat(canteens))) == 5


def test_the_price_index_api_pages_by_cursor_with_the_campus_rows(
    api, manager, django_assert_num_queries
):
    api.force_authenticate(manager)
    assert manager.is_manager
    canteens = [CanteenFactory(), CanteenFactory()]
    today = timezone.localdate()
    for days in range(3):
        day = today - datetime.timedelta(days=days)
        for canteen in (None, *canteens):  # the campus row has no canteen: NULL in the ordering
            PriceIndexPoint.objects.create(date=day, canteen=canteen, value="100.00")

    # the canteens the manager supervises are a subquery; the points with their canteens
    pages = walk_api(
        api,
        API + "price-index/",
        django_assert_num_queries,
        1,
        key=lambda row: (row["date"], row["canteen"]),
        page_size=4,
    )

    expected = PriceIndexPoint.objects.order_by("-date", "canteen_id", "id")
    assert [len(p) for p in pages] == [4, 4, 1]
    assert flat(pages) == [(p.date.isoformat(), p.canteen_id) for p in expected]


def test_the_menus_api_pages_a_days_menus_by_position(api, django_assert_num_queries):
    for _ in range(5):
        window = WindowFactory()
        MenuItemFactory(menu=MenuFactory(window=window, date=timezone.localdate()))
    api.get(API + "menus/")  # the day's menus are read once into the cache

    pages = walk_api(api, API + "menus/", django_assert_num_queries, 0, page_size=2)

    assert [len(p) for p in pages] == [2, 2, 1]
    assert len(set(flat(pages))) == 5
