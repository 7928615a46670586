"""The public dining pages: today's menus with filters, search, a canteen, a dish, favourites."""

import datetime
import gzip
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from dining import selectors
from dining.models import Favourite, Meal, Menu
from dining.selectors import meal_now, meal_sequence
from tests.dining.factories import (
    CanteenFactory,
    ClosedDayFactory,
    DishFactory,
    MenuFactory,
    MenuItemFactory,
    OpeningHoursFactory,
    PriceChangeFactory,
    WindowFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def client():
    """A browser that reads English (the portal's source language) for readable assertions."""
    return Client(HTTP_ACCEPT_LANGUAGE="en")


def today():
    return selectors.local_now().date()


def serve(canteen=None, *, meal=Meal.LUNCH, date=None, status=Menu.Status.PUBLISHED, **dish):
    """One dish on a menu of `canteen` (a new one if None); returns the MenuItem."""
    window = WindowFactory(canteen=canteen or CanteenFactory())
    menu = MenuFactory(window=window, date=date or today(), meal=meal, status=status)
    dish.setdefault("name_en", "")  # English pages then show the Chinese name the tests look for
    return MenuItemFactory(menu=menu, dish=DishFactory(canteen=window.canteen, **dish))


def test_it_shows_todays_published_menus_to_anonymous_visitors(client):
    served = serve(name="宫保鸡丁", price=Decimal("12.50"))
    serve(served.menu.canteen, name="草稿菜", status=Menu.Status.DRAFT)
    serve(served.menu.canteen, name="明天的菜", date=today() + datetime.timedelta(days=1))
    response = client.get(reverse("dining:index"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "宫保鸡丁" in html and "12.50" in html
    assert "草稿菜" not in html
    assert "明天的菜" not in html


def test_it_puts_the_meal_served_now_first(client):
    lunch = serve(name="午饭菜", meal=Meal.LUNCH)
    canteen = lunch.menu.canteen
    serve(canteen, name="晚饭菜", meal=Meal.DINNER)
    # Dinner is served all day here, so whatever the hour it is the meal now.
    OpeningHoursFactory(
        canteen=canteen,
        meal=Meal.DINNER,
        opens_at=datetime.time(0, 0),
        closes_at=datetime.time(23, 59, 59),
    )
    html = client.get(reverse("dining:index")).content.decode()
    assert html.index('id="meal-dinner"') < html.index('id="meal-lunch"')
    assert "晚饭菜" in html
    # The day's other meals are folded: a link that loads them (htmx) or opens them (no JS).
    assert "午饭菜" not in html
    assert 'href="/dining/?meal=lunch"' in html and 'hx-get="/dining/?meal=lunch"' in html
    assert 'hx-select="#meal-lunch"' in html and "Show Lunch (1 dish)" in html


def test_it_opens_the_meal_asked_for_and_folds_the_others(client):
    lunch = serve(name="午饭菜", meal=Meal.LUNCH, is_vegetarian=True)
    serve(lunch.menu.canteen, name="晚饭菜", meal=Meal.DINNER, is_vegetarian=True)
    serve(lunch.menu.canteen, name="晚饭肉", meal=Meal.DINNER)
    html = client.get(reverse("dining:index"), {"meal": "dinner", "vegetarian": "on"})
    html = html.content.decode()
    assert "晚饭菜" in html and "晚饭肉" not in html and "午饭菜" not in html
    section = html[html.index('id="meal-dinner"') :]
    assert "晚饭菜" in section[: section.index("</section>")]  # the section htmx picks
    # The folded lunch keeps the filters.
    assert 'href="/dining/?vegetarian=on&amp;meal=lunch"' in html
    html = client.get(reverse("dining:index"), {"meal": "late_night"}).content.decode()
    assert "No dish matches these filters" in html and "Show Lunch (1 dish)" in html


def test_it_knows_the_meal_now_and_the_next_one():
    canteens = [
        {
            "hours": [
                (Meal.BREAKFAST, datetime.time(6, 30), datetime.time(9, 0)),
                (Meal.LUNCH, datetime.time(11, 0), datetime.time(13, 0)),
                (Meal.DINNER, datetime.time(17, 0), datetime.time(19, 0)),
            ]
        }
    ]
    at = datetime.datetime.combine(datetime.date(2026, 11, 25), datetime.time(11, 30))
    assert meal_now(canteens, at) == Meal.LUNCH
    assert meal_now(canteens, at.replace(hour=14)) == Meal.DINNER
    assert meal_now(canteens, at.replace(hour=22)) is None
    assert meal_sequence(Meal.DINNER) == ["dinner", "breakfast", "lunch", "late_night"]


def test_it_hides_dishes_with_an_excluded_allergen(client):
    peanut = serve(name="花生米", allergens=["peanuts"])
    serve(peanut.menu.canteen, name="白米饭", allergens=["gluten"])
    html = client.get(reverse("dining:index"), {"exclude": ["peanuts"]}).content.decode()
    assert "白米饭" in html
    assert "花生米" not in html


@pytest.mark.parametrize(
    ("query", "kept", "dropped"),
    [
        ({"halal": "on"}, "清真牛肉", "红烧肉"),
        ({"vegetarian": "on"}, "炒青菜", "红烧肉"),
        ({"price_max": "8"}, "炒青菜", "清真牛肉"),
        ({"price_min": "15", "price_max": "30"}, "清真牛肉", "炒青菜"),
        ({"kcal_max": "300"}, "炒青菜", "红烧肉"),
        ({"meal": "dinner"}, "红烧肉", "炒青菜"),
    ],
)
def test_it_filters_by_diet_price_kcal_and_meal(client, query, kept, dropped):
    beef = serve(name="清真牛肉", is_halal=True, price=Decimal("18.00"), kcal=600)
    canteen = beef.menu.canteen
    serve(canteen, name="炒青菜", is_vegetarian=True, price=Decimal("4.00"), kcal=120)
    serve(canteen, name="红烧肉", price=Decimal("16.00"), kcal=800, meal=Meal.DINNER)
    html = client.get(reverse("dining:index"), query).content.decode()
    assert kept in html
    assert dropped not in html


def test_it_filters_by_canteen(client):
    north = serve(name="北区面条")
    serve(name="南区米粉")
    html = client.get(reverse("dining:index"), {"canteen": north.menu.canteen.slug}).content
    assert "北区面条" in html.decode() and "南区米粉" not in html.decode()


def test_it_explains_bad_filter_input_instead_of_failing(client):
    serve(name="白米饭")
    response = client.get(
        reverse("dining:index"),
        {"price_min": "abc", "kcal_max": "-5", "canteen": "nowhere", "exclude": ["bogus"]},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Enter a number." in html
    assert "白米饭" in html  # the filters are ignored, the menus still show


def test_it_rejects_a_price_range_upside_down(client):
    response = client.get(reverse("dining:index"), {"price_min": "20", "price_max": "5"})
    assert "The lowest price is above the highest price." in response.content.decode()


def test_it_builds_the_page_in_a_fixed_number_of_queries(
    client, monkeypatch, django_assert_num_queries
):
    _clock_at(monkeypatch, 12)  # lunch is served: its dishes are on the page
    serve(name="一号菜")
    with django_assert_num_queries(6) as first:
        client.get(reverse("dining:index"))
    for _ in range(3):
        canteen = CanteenFactory()
        OpeningHoursFactory(canteen=canteen)
        for n in range(4):
            serve(canteen, name=f"菜{canteen.pk}-{n}", allergens=["soy", "milk"])
    cache.clear()
    with django_assert_num_queries(len(first.captured_queries)):
        response = client.get(reverse("dining:index"))
    assert response.content.decode().count('class="dish') >= 13


def test_it_answers_a_warm_page_without_the_database(client, django_assert_num_queries):
    serve(name="一号菜")
    client.get(reverse("dining:index"), {"exclude": ["peanuts"]})
    with django_assert_num_queries(0):
        response = client.get(reverse("dining:index"), {"exclude": ["peanuts"]})
    html = response.content.decode()
    assert "一号菜" in html
    # Nothing of the visitor: no CSRF token, no cookie set, the same bytes the next time.
    assert "csrfmiddlewaretoken" not in html and 'name="csrf-token" content=""' in html
    assert not response.cookies
    assert client.get(reverse("dining:index"), {"exclude": ["peanuts"]}).content == response.content


def test_it_sends_the_same_gzip_bytes_to_every_anonymous_visitor():
    serve(name="一号菜")
    plain = Client(HTTP_ACCEPT_LANGUAGE="zh-CN").get(reverse("dining:index"))
    assert "Accept-Encoding" in plain["Vary"] and not plain.has_header("Content-Encoding")
    phones = [
        Client(HTTP_ACCEPT_ENCODING="gzip, deflate, br", HTTP_ACCEPT_LANGUAGE="zh-CN")
        for _ in range(2)
    ]
    phones[1].cookies["csrftoken"] = "x" * 32  # a visitor who has been to a form page
    packed = [phone.get(reverse("dining:index")) for phone in phones]
    assert packed[0].content == packed[1].content
    for response in packed:
        assert response["Content-Encoding"] == "gzip" and not response.cookies
        assert "Accept-Encoding" in response["Vary"] and "Accept-Language" in response["Vary"]
        # The language may come from the cookie: a shared cache keeps one copy per cookie.
        assert "Cookie" in response["Vary"] and "private" not in response.get("Cache-Control", "")
    assert len(packed[0].content) < len(plain.content) / 2
    assert gzip.decompress(packed[0].content) == plain.content
    # The language switch is a GET form: it works from the cached page without a token.
    html = plain.content.decode()
    assert f'action="{reverse("language-switch")}" method="get"' in html
    csrf = Client(enforce_csrf_checks=True)
    response = csrf.get(reverse("language-switch"), {"language": "en", "next": "/dining/"})
    assert response.status_code == 302 and response["Location"] == "/dining/"
    assert '<html lang="en">' in csrf.get(reverse("dining:index")).content.decode()


def test_it_shows_signed_in_users_their_header_on_the_cached_page(client, student):
    serve(name="一号菜")
    client.get(reverse("dining:index"))
    client.force_login(student)
    html = client.get(reverse("dining:index")).content.decode()
    assert student.username in html and "一号菜" in html


def test_it_finds_dishes_by_chinese_or_english_name(client):
    DishFactory(name="鱼香肉丝", name_en="Fish-flavoured pork")
    DishFactory(name="麻婆豆腐", name_en="Mapo tofu")
    by_zh = client.get(reverse("dining:search"), {"q": "鱼香"}).content.decode()
    by_en = client.get(reverse("dining:search"), {"q": "mapo"}).content.decode()
    assert "Fish-flavoured pork" in by_zh and "Mapo tofu" not in by_zh
    assert "Mapo tofu" in by_en and "Fish-flavoured pork" not in by_en
    assert client.get(reverse("dining:search"), {"q": ""}).status_code == 200


def test_it_shows_a_canteens_day_hours_and_closed_days(client):
    item = serve(name="一号菜")
    canteen = item.menu.canteen
    OpeningHoursFactory(canteen=canteen)
    ClosedDayFactory(canteen=canteen, date=today() + datetime.timedelta(days=2), reason="检修停业")
    html = client.get(reverse("dining:canteen", args=[canteen.slug])).content.decode()
    assert "一号菜" in html and "11:00" in html and "检修停业" in html
    closed = ClosedDayFactory(canteen=canteen, date=today() + datetime.timedelta(days=5))
    html = client.get(
        reverse("dining:canteen", args=[canteen.slug]), {"date": closed.date.isoformat()}
    ).content.decode()
    assert "Closed on this day." in html


def test_it_says_so_when_the_date_is_not_a_date(client):
    canteen = CanteenFactory()
    response = client.get(reverse("dining:canteen", args=[canteen.slug]), {"date": "soon"})
    assert response.status_code == 200
    assert "YYYY-MM-DD" in response.content.decode()


def test_it_answers_404_for_a_closed_down_canteen_or_unknown_dish(client):
    canteen = CanteenFactory(is_active=False)
    assert client.get(reverse("dining:canteen", args=[canteen.slug])).status_code == 404
    assert client.get(reverse("dining:dish", args=[999999])).status_code == 404


def test_it_shows_a_dish_with_prices_allergens_nutrition_and_history(client):
    item = serve(name="花生酥", allergens=["peanuts"], kcal=420, price_other=Decimal("16.50"))
    PriceChangeFactory(dish=item.dish, old_price=Decimal("9.00"), new_price=Decimal("9.80"))
    html = client.get(reverse("dining:dish", args=[item.dish.pk])).content.decode()
    for text in ("花生酥", "16.50", "Peanuts", "420", "9.80"):
        assert text in html
    assert "No ratings yet." in html  # the ratings section of the reviews system


def test_it_toggles_a_favourite_with_htmx(client, student):
    dish = DishFactory(name_en="")
    client.force_login(student)
    url = reverse("dining:favourite-toggle", args=[dish.pk])
    response = client.post(url, HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and 'aria-pressed="true"' in response.content.decode()
    assert Favourite.objects.filter(user=student, dish=dish).exists()
    assert dish.name in client.get(reverse("dining:favourites")).content.decode()
    response = client.post(url)
    assert response.status_code == 302
    assert not Favourite.objects.filter(user=student, dish=dish).exists()


def test_it_asks_visitors_to_sign_in_for_favourites(client):
    dish = DishFactory()
    response = client.post(reverse("dining:favourite-toggle", args=[dish.pk]))
    assert response.status_code == 302 and "login" in response["Location"]
    assert client.get(reverse("dining:favourites")).status_code == 302


def test_it_shows_the_next_meal_on_the_home_page_of_signed_in_users(client, student):
    serve(name="回锅肉")
    client.force_login(student)
    html = client.get("/").content.decode()
    assert "Today&#x27;s menu" in html and "回锅肉" in html


def _clock_at(monkeypatch, hour: int, minute: int = 0) -> datetime.date:
    """A fixed clock at hour:minute of today on campus; returns today."""
    day = today()
    moment = datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=selectors.SHANGHAI)
    monkeypatch.setattr("django.utils.timezone.now", lambda: moment)
    return day


def _breakfast_to_dinner(canteen):
    for meal, opens, closes in (
        (Meal.BREAKFAST, datetime.time(6, 30), datetime.time(9, 0)),
        (Meal.LUNCH, datetime.time(11, 0), datetime.time(13, 0)),
        (Meal.DINNER, datetime.time(17, 0), datetime.time(19, 0)),
    ):
        OpeningHoursFactory(canteen=canteen, meal=meal, opens_at=opens, closes_at=closes)


@pytest.mark.parametrize("signed_in", [False, True])
def test_it_says_the_canteens_are_closed_after_the_last_meal_and_offers_tomorrow(
    client, monkeypatch, student, signed_in
):
    day = _clock_at(monkeypatch, 21, 30)
    breakfast = serve(name="今早菜", meal=Meal.BREAKFAST)
    canteen = breakfast.menu.canteen
    _breakfast_to_dinner(canteen)
    serve(canteen, name="今晚菜", meal=Meal.DINNER)
    serve(canteen, name="明早菜", meal=Meal.BREAKFAST, date=day + datetime.timedelta(days=1))
    if signed_in:
        client.force_login(student)
    html = client.get(reverse("dining:index")).content.decode()
    assert "Closed now" in html
    assert "Today's meals are over. Next: Breakfast tomorrow, from 06:30." in html
    assert "No menus published" not in html
    # Today's meals are folded (none of them expanded as if it were served), tomorrow one tap away.
    assert "今早菜" not in html and "今晚菜" not in html
    assert "Show Breakfast (1 dish)" in html and "Show Dinner (1 dish)" in html
    assert '<a class="button" href="/dining/?date=tomorrow">Tomorrow\'s menus</a>' in html
    assert '<a href="/dining/" aria-current="page">Today</a>' in html

    html = client.get(reverse("dining:index"), {"date": "tomorrow"}).content.decode()
    assert "<h1>Tomorrow's menus</h1>" in html
    assert (day + datetime.timedelta(days=1)).isoformat() in html
    assert "明早菜" in html and "今早菜" not in html and "Closed now" not in html
    assert '<a href="/dining/?date=tomorrow" aria-current="page">Tomorrow</a>' in html
    # The filters and the folded meals keep the day.
    assert '<input type="hidden" name="date" value="tomorrow">' in html
    filtered = client.get(reverse("dining:index"), {"date": "tomorrow", "vegetarian": "on"})
    assert "No dish matches these filters" in filtered.content.decode()


def test_it_shows_the_meal_served_now_without_a_closed_notice(client, monkeypatch):
    _clock_at(monkeypatch, 12)
    lunch = serve(name="午饭菜", meal=Meal.LUNCH)
    _breakfast_to_dinner(lunch.menu.canteen)
    html = client.get(reverse("dining:index")).content.decode()
    assert "Closed now" not in html
    assert "Serving now: Lunch" in html and "午饭菜" in html
    assert 'href="/dining/?date=tomorrow">Tomorrow</a>' in html


def test_it_shows_today_and_says_why_for_a_day_it_does_not_know(client):
    serve(name="一号菜")
    response = client.get(reverse("dining:index"), {"date": "2026-13-01"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "Choose today or tomorrow." in html and "一号菜" in html


def test_it_shows_tomorrows_first_meal_on_the_home_page_after_the_last_meal(
    client, monkeypatch, student
):
    day = _clock_at(monkeypatch, 21, 30)
    tonight = serve(name="今晚菜", meal=Meal.DINNER)
    canteen = tonight.menu.canteen
    _breakfast_to_dinner(canteen)
    serve(canteen, name="明早菜", meal=Meal.BREAKFAST, date=day + datetime.timedelta(days=1))
    client.force_login(student)
    html = client.get("/").content.decode()
    section = html[html.index('id="section-diningtodays-menu"') :]
    section = section[: section.index("</section>")]
    assert "明早菜" in section and "今晚菜" not in section
    assert "Tomorrow: Breakfast" in section
    tomorrow = (day + datetime.timedelta(days=1)).isoformat()
    assert f'href="/dining/canteens/{canteen.slug}/?date={tomorrow}"' in section
    assert 'href="/dining/?date=tomorrow"' in section
