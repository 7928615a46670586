"""The canteen staff pages: own canteen only, the menu builder, import, dishes, sold out."""

import datetime
import io
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from dining.models import Dish, Menu, MenuItem, PriceChange, PriceRule, PriceViolation
from tests.dining.factories import (
    CanteenFactory,
    DishCategoryFactory,
    DishFactory,
    MenuFactory,
    MenuItemFactory,
    MenuTemplateFactory,
    MenuTemplateItemFactory,
    PriceRuleFactory,
    WindowFactory,
    canteen_staff_for,
)

pytestmark = pytest.mark.django_db
DAY = datetime.date(2026, 3, 4)


@pytest.fixture
def window():
    return WindowFactory(canteen=CanteenFactory(slug="north"), code="W1")


@pytest.fixture
def staff(window, client):
    user = canteen_staff_for(window.canteen)
    client.force_login(user)
    return user


def _menu_url(window, day=DAY, meal="lunch"):
    return reverse(
        "dining:staff-menu", args=[window.canteen.slug, day.isoformat(), meal, window.code]
    )


def _post_items(client, window, rows, **extra):
    """Posts the builder's form: rows are (dish, price or "", order, delete)."""
    data = {
        "items-TOTAL_FORMS": str(len(rows)),
        "items-INITIAL_FORMS": str(len(rows)),
        "items-MIN_NUM_FORMS": "0",
        "items-MAX_NUM_FORMS": "1000",
    }
    for n, (dish, price, order, delete) in enumerate(rows):
        data |= {
            f"items-{n}-dish": str(dish.pk),
            f"items-{n}-price": str(price),
            f"items-{n}-ORDER": str(order),
        }
        if delete:
            data[f"items-{n}-DELETE"] = "on"
    return client.post(_menu_url(window), data | extra)


# --- Access -------------------------------------------------------------------------------------


def test_it_shows_staff_their_canteens_today_and_tomorrow(staff, window, client):
    CanteenFactory(slug="south", name="南区食堂")
    MenuFactory(window=window, date=timezone.localdate(), status=Menu.Status.PUBLISHED)
    response = client.get(reverse("dining:staff-home"))
    assert response.status_code == 200
    body = response.content.decode()
    assert _menu_url(window, timezone.localdate()) in body
    assert "南区食堂" not in body
    assert "status-published" in body


def test_it_refuses_students_the_staff_pages(student, client, window):
    client.force_login(student)
    assert client.get(reverse("dining:staff-home")).status_code == 403
    assert client.get(_menu_url(window)).status_code == 403


def test_it_hides_another_canteens_pages_from_its_staff(staff, client):
    other = WindowFactory(canteen=CanteenFactory(slug="south"))
    dish = DishFactory(canteen=other.canteen)
    item = MenuItemFactory(menu=MenuFactory(window=other))
    assert client.get(_menu_url(other)).status_code == 404
    assert client.get(reverse("dining:staff-dishes", args=["south"])).status_code == 404
    assert client.get(reverse("dining:staff-dish-edit", args=["south", dish.pk])).status_code == 404
    assert client.get(reverse("dining:staff-import", args=["south"])).status_code == 404
    response = client.post(reverse("dining:staff-sold-out", args=[item.pk]), {"sold_out": "1"})
    assert response.status_code == 404
    item.refresh_from_db()
    assert not item.sold_out


def test_it_answers_404_for_a_bad_date_meal_or_window(staff, client, window):
    slug = window.canteen.slug
    for args in (
        [slug, "2026-02-30", "lunch", "W1"],
        [slug, "2026-03-04", "brunch", "W1"],
        [slug, "2026-03-04", "lunch", "W9"],
    ):
        assert client.get(reverse("dining:staff-menu", args=args)).status_code == 404


def test_it_lets_a_manager_open_any_canteen(manager, client, window):
    client.force_login(manager)
    assert client.get(_menu_url(window)).status_code == 200


# --- The menu builder ---------------------------------------------------------------------------


def test_it_renders_the_menu_page_in_a_fixed_number_of_queries(
    staff, client, window, django_assert_num_queries
):
    menu = MenuFactory(window=window, date=DAY, status=Menu.Status.PUBLISHED)
    for _ in range(3):
        MenuItemFactory(menu=menu)
    MenuTemplateFactory(canteen=window.canteen)
    client.get(_menu_url(window))  # warm the session
    # user (with its roles, scopes and unread count), canteen, window, menu, items with dishes,
    # templates, windows
    with django_assert_num_queries(7):
        response = client.get(_menu_url(window))
    assert response.status_code == 200
    for _ in range(5):
        MenuItemFactory(menu=menu)
    with django_assert_num_queries(7):
        client.get(_menu_url(window))


def test_it_saves_a_draft_adds_reorders_and_removes_dishes(staff, client, window):
    rice, pork, fish = (DishFactory(canteen=window.canteen) for _ in range(3))
    menu = MenuFactory(window=window, date=DAY, status=Menu.Status.DRAFT)
    MenuItemFactory(menu=menu, dish=rice)
    MenuItemFactory(menu=menu, dish=pork)
    response = _post_items(
        client, window, [(rice, "2.50", 2, False), (pork, "", 1, True)], add_dish=str(fish.pk)
    )
    assert response.status_code == 302
    items = list(menu.items.order_by("sort_order").values_list("dish", "price"))
    assert items == [(rice.pk, Decimal("2.50")), (fish.pk, fish.price)]
    assert PriceChange.objects.get().new_price == Decimal("2.50")


def test_it_refuses_a_dish_of_another_canteen_in_the_form(staff, client, window):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"  # asserts the English texts
    foreign = DishFactory(canteen=CanteenFactory())
    response = _post_items(client, window, [(foreign, "", 1, False)], action="save")
    assert response.status_code == 200
    assert "not one of this canteen" in response.content.decode()
    assert not MenuItem.objects.exists()


def test_it_shows_price_rule_warnings_and_publishes_with_a_reason(staff, client, window):
    pork = DishFactory(canteen=window.canteen, category=DishCategoryFactory(code="meat"))
    PriceRuleFactory(kind=PriceRule.Kind.CATEGORY_CAP, amount=Decimal("12.00"))
    response = _post_items(client, window, [(pork, "18.00", 1, False)], action="publish")
    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="findings"' in body and 'name="publish-reason"' in body
    assert not Menu.objects.filter(status=Menu.Status.PUBLISHED).exists()
    assert not MenuItem.objects.exists()  # rolled back with the refused publishing
    response = _post_items(
        client, window, [(pork, "18.00", 1, False)], action="publish", **{"publish-reason": "节日"}
    )
    assert response.status_code == 302
    menu = Menu.objects.get()
    assert menu.status == Menu.Status.PUBLISHED
    assert menu.items.get().price == Decimal("18.00")
    assert PriceViolation.objects.get().reason == "节日"


def test_it_shows_blocking_findings(staff, client, window):
    pork = DishFactory(canteen=window.canteen)
    PriceRuleFactory(kind=PriceRule.Kind.CATEGORY_CAP, amount=Decimal("12.00"), severity="block")
    response = _post_items(
        client, window, [(pork, "18.00", 1, False)], action="publish", **{"publish-reason": "x"}
    )
    assert response.status_code == 200
    assert "findings-block" in response.content.decode()
    assert not Menu.objects.filter(status=Menu.Status.PUBLISHED).exists()


def test_it_schedules_a_menu(staff, client, window):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"  # asserts the English texts
    dish = DishFactory(canteen=window.canteen)
    at = timezone.localtime() + datetime.timedelta(days=2)
    response = _post_items(
        client,
        window,
        [(dish, "", 1, False)],
        action="schedule",
        **{"publish-publish_at": at.strftime("%Y-%m-%dT%H:%M")},
    )
    assert response.status_code == 302
    assert Menu.objects.get().status == Menu.Status.SCHEDULED
    too_far = timezone.localtime() + datetime.timedelta(days=20)
    response = _post_items(
        client,
        window,
        [(dish, "", 1, False)],
        action="schedule",
        **{"publish-publish_at": too_far.strftime("%Y-%m-%dT%H:%M")},
    )
    assert "14 days" in response.content.decode()


def test_it_copies_yesterdays_same_meal(staff, client, window):
    item = MenuItemFactory(menu=MenuFactory(window=window, date=DAY - datetime.timedelta(days=1)))
    response = client.post(_menu_url(window), {"action": "copy_yesterday"})
    assert response.status_code == 302
    menu = Menu.objects.get(date=DAY)
    assert list(menu.items.values_list("dish", flat=True)) == [item.dish_id]


def test_it_copies_a_previous_week_and_applies_a_template(staff, client, window):
    monday = DAY - datetime.timedelta(days=DAY.weekday())
    source = monday - datetime.timedelta(days=7)
    MenuItemFactory(menu=MenuFactory(window=window, date=source + datetime.timedelta(days=1)))
    response = client.post(
        _menu_url(window, day=monday),
        {"action": "copy", "copy-from_date": source.isoformat(), "copy-days": "7"},
    )
    assert response.status_code == 302
    assert Menu.objects.filter(date=monday + datetime.timedelta(days=1)).exists()
    template = MenuTemplateFactory(canteen=window.canteen)
    MenuTemplateItemFactory(template=template, window=window, weekday=4)
    client.post(_menu_url(window), {"action": "template", "tpl-template": str(template.pk)})
    assert Menu.objects.filter(date=monday + datetime.timedelta(days=4)).exists()


def test_it_finds_dishes_for_the_builder(staff, client, window):
    DishFactory(canteen=window.canteen, name="红烧肉")
    DishFactory(canteen=CanteenFactory(), name="红烧鱼")
    url = reverse("dining:staff-dish-search", args=[window.canteen.slug])
    body = client.get(url, {"q": "红烧"}, HTTP_HX_REQUEST="true").content.decode()
    assert "红烧肉" in body and "红烧鱼" not in body


def test_it_switches_sold_out_with_htmx(staff, client, window):
    item = MenuItemFactory(menu=MenuFactory(window=window))
    url = reverse("dining:staff-sold-out", args=[item.pk])
    response = client.post(url, {"sold_out": "1"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert 'aria-pressed="true"' in response.content.decode()
    item.refresh_from_db()
    assert item.sold_out


# --- Import -------------------------------------------------------------------------------------


def _upload(text: str, name="menu.csv"):
    upload = io.BytesIO(text.encode())
    upload.name = name
    return upload


def test_it_imports_a_menu_file(staff, client, window):
    DishFactory(canteen=window.canteen, name="米饭")
    url = reverse("dining:staff-import", args=[window.canteen.slug])
    text = "date,meal,window,dish,price\n2026-03-05,lunch,W1,米饭,1.5\n"
    response = client.post(url, {"file": _upload(text)})
    assert response.status_code == 302
    assert MenuItem.objects.get().price == Decimal("1.50")


def test_it_lists_bad_rows_and_imports_nothing(staff, client, window):
    DishFactory(canteen=window.canteen, name="米饭")
    url = reverse("dining:staff-import", args=[window.canteen.slug])
    text = "date,meal,window,dish,price\n2026-03-05,lunch,W1,米饭,1.5\n2026-03-05,lunch,W1,汉堡,x\n"
    response = client.post(url, {"file": _upload(text)})
    body = response.content.decode()
    assert response.status_code == 200
    assert 'id="line-3"' in body and 'id="line-2"' not in body
    assert not MenuItem.objects.exists()


def test_an_import_without_a_file_says_so_with_a_400(staff, client, window):
    url = reverse("dining:staff-import", args=[window.canteen.slug])
    response = client.post(url, {})
    assert response.status_code == 400
    assert "data-error-summary" in response.content.decode()
    assert not MenuItem.objects.exists()


def test_it_offers_the_import_template(staff, client, window):
    url = reverse("dining:staff-import-template", args=[window.canteen.slug])
    response = client.get(url)
    assert response["Content-Type"] == "text/csv"
    assert response.content.decode("utf-8-sig").startswith(
        "date,meal,window,dish,price,price_employee,price_other"
    )


# --- Dishes -------------------------------------------------------------------------------------


def _png() -> io.BytesIO:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 80, 40)).save(buffer, format="PNG")
    buffer.seek(0)
    buffer.name = "pork.png"
    return buffer


def _dish_data(**extra):
    return {
        "name": "红烧肉",
        "name_en": "Braised pork",
        "category": DishCategoryFactory(code="meat").pk,
        "pricing_unit": "portion",
        "price": "12.00",
        "spicy_level": "0",
        "is_active": "on",
        **extra,
    }


def test_it_creates_a_dish_with_a_photo(staff, client, window, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    url = reverse("dining:staff-dish-new", args=[window.canteen.slug])
    response = client.post(url, _dish_data(photo_upload=_png()))
    assert response.status_code == 302
    dish = Dish.objects.get()
    assert dish.photo.name.startswith("dining/dishes/") and dish.photo.name.endswith(".png")


def test_a_dish_that_comes_back_keeps_its_photo(staff, client, window, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    url = reverse("dining:staff-dish-new", args=[window.canteen.slug])
    first = client.post(url, _dish_data(price="-1", photo_upload=_png()))

    html = first.content.decode()
    assert first.status_code == 400 and not Dish.objects.exists()
    assert "data-error-summary" in html and 'alt="pork.png"' in html
    [token] = re.findall(r'name="photo_upload_kept" value="([^"]+)"', html)

    second = client.post(url, _dish_data(photo_upload_kept=token))
    assert second.status_code == 302
    dish = Dish.objects.get()
    assert dish.photo and dish.photo.storage.exists(dish.photo.name)


def test_it_refuses_a_photo_that_is_no_image(staff, client, window):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"  # asserts the English texts
    upload = _upload("<?php echo 1; ?>", name="x.png")
    url = reverse("dining:staff-dish-new", args=[window.canteen.slug])
    response = client.post(url, _dish_data(photo_upload=upload))
    assert response.status_code == 400
    assert "not a JPEG, PNG or WebP" in response.content.decode()
    assert not Dish.objects.exists()


def test_it_records_a_price_change_with_its_reason(staff, client, window):
    dish = DishFactory(canteen=window.canteen, name="红烧肉", price=Decimal("12.00"))
    url = reverse("dining:staff-dish-edit", args=[window.canteen.slug, dish.pk])
    response = client.post(url, _dish_data(price="13.00", reason="猪肉涨价"))
    assert response.status_code == 302
    change = PriceChange.objects.get(dish=dish, tier="student")
    assert (change.old_price, change.new_price, change.reason, change.changed_by) == (
        Decimal("12.00"),
        Decimal("13.00"),
        "猪肉涨价",
        staff,
    )


def test_it_refuses_a_duplicate_dish_name(staff, client, window):
    DishFactory(canteen=window.canteen, name="红烧肉")
    url = reverse("dining:staff-dish-new", args=[window.canteen.slug])
    response = client.post(url, _dish_data())
    assert response.status_code == 400
    assert "data-error-summary" in response.content.decode()
    assert Dish.objects.count() == 1


def test_it_lists_and_searches_dishes(staff, client, window):
    DishFactory(canteen=window.canteen, name="红烧肉")
    DishFactory(canteen=window.canteen, name="清炒时蔬")
    url = reverse("dining:staff-dishes", args=[window.canteen.slug])
    body = client.get(url, {"q": "红烧"}).content.decode()
    assert "红烧肉" in body and "清炒时蔬" not in body


def test_it_shows_my_canteen_today_on_the_home_page(staff, client, window):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"  # asserts the English texts
    WindowFactory(canteen=window.canteen, code="W2")
    MenuFactory(window=window, date=timezone.localdate(), meal="lunch")
    body = client.get(reverse("home")).content.decode()
    assert "My canteen today" in body  # English msgid until the lead translates it
    assert "1 of 2 published" in body
    assert f"#canteen-{window.canteen.slug}" in body


def test_it_renders_the_staff_home_in_a_fixed_number_of_queries(
    manager, client, django_assert_num_queries
):
    client.force_login(manager)
    for slug in ("a", "b"):
        window = WindowFactory(canteen=CanteenFactory(slug=slug))
        MenuItemFactory(menu=MenuFactory(window=window, date=timezone.localdate()))
    client.get(reverse("dining:staff-home"))
    # user (with its roles and unread count), canteens, their windows, the menus of both days
    with django_assert_num_queries(4):
        client.get(reverse("dining:staff-home"))
    WindowFactory(canteen=CanteenFactory(slug="c"))
    with django_assert_num_queries(4):
        assert client.get(reverse("dining:staff-home")).status_code == 200


def test_it_records_a_price_changed_in_the_admin(client, window):
    from tests.logistics.factories import UserFactory

    admin_user = UserFactory(username="root", is_staff=True, is_superuser=True)
    client.force_login(admin_user)
    dish = DishFactory(canteen=window.canteen, price=Decimal("10.00"))
    url = reverse("admin:dining_dish_change", args=[dish.pk])
    form = client.get(url).context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and k != "photo"}
    data |= {
        "canteen": window.canteen.pk,
        "category": dish.category_id,
        "price": "10.50",
        "allergens": [],
    }
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    change = PriceChange.objects.get(dish=dish, tier="student")
    assert (change.old_price, change.new_price, change.changed_by) == (
        Decimal("10.00"),
        Decimal("10.50"),
        admin_user,
    )
