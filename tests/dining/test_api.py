"""The dining API: public reads (tokens need dining:read), the cached menu list with its filters,
writes by canteen staff for their own canteen only, price-rule answers; query counts pinned."""

import datetime
from decimal import Decimal

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from dining.models import Meal, Menu, PriceRule
from dining.selectors import local_now
from logistics.tokens import api_token_issue
from tests.dining.factories import (
    CanteenFactory,
    DishCategoryFactory,
    DishFactory,
    MenuFactory,
    MenuItemFactory,
    OpeningHoursFactory,
    PriceRuleFactory,
    WindowFactory,
    canteen_staff_for,
)

pytestmark = pytest.mark.django_db
API = "/api/v1/dining/"


def today():
    return local_now().date()


def serve(canteen=None, *, meal=Meal.LUNCH, date=None, **dish):
    window = WindowFactory(canteen=canteen or CanteenFactory())
    menu = MenuFactory(window=window, date=date or today(), meal=meal)
    return MenuItemFactory(menu=menu, dish=DishFactory(canteen=window.canteen, **dish))


@pytest.fixture
def api():
    return APIClient(HTTP_ACCEPT_LANGUAGE="en")


def test_it_lets_everyone_read_the_menus_and_canteens(api):
    item = serve(name="宫保鸡丁")
    OpeningHoursFactory(canteen=item.menu.canteen)
    for path in ("canteens/", "windows/", "dishes/", "menus/"):
        assert api.get(API + path).status_code == 200, path
    menus = api.get(API + "menus/").json()["results"]
    assert menus[0]["items"][0]["name"] == "宫保鸡丁"
    canteen = api.get(API + "canteens/").json()["results"][0]
    assert canteen["hours"][0]["meal"] == "lunch"


def test_it_asks_tokens_for_the_dining_read_scope(api, student):
    serve()
    _, without = api_token_issue(user=student, name="app", scopes=["repairs:read"])
    _, with_scope = api_token_issue(user=student, name="app2", scopes=["dining:read"])
    assert api.get(API + "menus/", HTTP_AUTHORIZATION=f"Bearer {without}").status_code == 403
    assert api.get(API + "menus/", HTTP_AUTHORIZATION=f"Bearer {with_scope}").status_code == 200


def test_it_filters_menus_by_date_canteen_and_meal(api):
    lunch = serve(name="午饭")
    canteen = lunch.menu.canteen
    serve(canteen, name="晚饭", meal=Meal.DINNER)
    serve(canteen, name="明天", date=today() + datetime.timedelta(days=1))
    serve(name="别的食堂")
    Menu.objects.filter(
        pk=MenuFactory(window=lunch.menu.window, meal=Meal.BREAKFAST, status="draft").pk
    )

    def names(**query):
        results = api.get(API + "menus/", query).json()["results"]
        return {item["name"] for menu in results for item in menu["items"]}

    assert names() == {"午饭", "晚饭", "别的食堂"}
    assert names(canteen=canteen.slug) == {"午饭", "晚饭"}
    assert names(canteen=str(canteen.pk), meal="dinner") == {"晚饭"}
    assert names(date=(today() + datetime.timedelta(days=1)).isoformat()) == {"明天"}


def test_it_answers_bad_menu_filters_with_a_clear_400_or_404(api):
    response = api.get(API + "menus/", {"date": "tomorrow", "meal": "brunch"})
    assert response.status_code == 400
    assert set(response.json()["fields"]) == {"date", "meal"}
    assert api.get(API + "menus/", {"canteen": "nowhere"}).status_code == 404


def test_it_lists_menus_in_queries_independent_of_rows(api, django_assert_num_queries):
    serve()
    cache.clear()
    with django_assert_num_queries(6) as cold:  # catalogue 3 + day 3
        api.get(API + "menus/")
    for _ in range(3):
        canteen = CanteenFactory()
        for n in range(4):
            serve(canteen, allergens=["soy", "eggs"], name=f"菜{canteen.pk}-{n}")
    cache.clear()
    with django_assert_num_queries(len(cold.captured_queries)):
        response = api.get(API + "menus/")
    assert len(response.json()["results"]) == 13
    with django_assert_num_queries(0):  # warm: from the cache only
        assert api.get(API + "menus/").status_code == 200


def test_it_lists_dishes_in_queries_independent_of_rows(api, django_assert_num_queries):
    DishFactory(allergens=["milk"])
    with django_assert_num_queries(2) as few:  # dishes, allergens (lists are not counted)
        api.get(API + "dishes/")
    for _ in range(5):
        DishFactory(allergens=["milk", "soy"])
    with django_assert_num_queries(len(few.captured_queries)):
        assert len(api.get(API + "dishes/").json()["results"]) == 6


def test_it_lets_canteen_staff_build_and_publish_their_own_menu(
    api, django_capture_on_commit_callbacks
):
    window = WindowFactory()
    dish = DishFactory(canteen=window.canteen, name="红烧肉", name_en="")
    staff = canteen_staff_for(window.canteen)
    api.force_authenticate(staff)
    body = {
        "window": window.pk,
        "date": today().isoformat(),
        "meal": "lunch",
        "items": [{"dish": dish.pk, "price": "12.00"}],
    }
    created = api.post(API + "menus/", body, format="json")
    assert created.status_code == 201 and created.json()["status"] == "draft"
    assert APIClient().get(API + "menus/").json()["results"] == []
    with django_capture_on_commit_callbacks(execute=True):  # as a real request commits
        published = api.post(API + f"menus/{created.json()['id']}/publish/", {}, format="json")
    assert published.status_code == 200 and published.json()["status"] == "published"
    items = APIClient().get(API + "menus/").json()["results"][0]["items"]
    assert items[0]["price"] == "12.00"  # the cached list was invalidated on commit


def test_it_asks_for_a_reason_when_a_price_breaks_a_warning_rule(api):
    window = WindowFactory()
    category = DishCategoryFactory(code="meat")
    dish = DishFactory(canteen=window.canteen, category=category)
    PriceRuleFactory(kind=PriceRule.Kind.CATEGORY_CAP, category=category, amount=Decimal("15"))
    staff = canteen_staff_for(window.canteen)
    api.force_authenticate(staff)
    body = {
        "window": window.pk,
        "date": today().isoformat(),
        "meal": "lunch",
        "items": [{"dish": dish.pk, "price": "19.00"}],
    }
    menu_id = api.post(API + "menus/", body, format="json").json()["id"]
    refused = api.post(API + f"menus/{menu_id}/publish/", {}, format="json")
    assert refused.status_code == 409 and refused.json()["code"] == "acknowledge"
    assert refused.json()["fields"]["findings"]
    ok = api.post(
        API + f"menus/{menu_id}/publish/", {"acknowledge_reason": "进价上涨"}, format="json"
    )
    assert ok.status_code == 200


def test_it_refuses_writes_to_another_canteen_and_by_students(api, student):
    window = WindowFactory()
    dish = DishFactory(canteen=window.canteen)
    staff_elsewhere = canteen_staff_for(CanteenFactory(), username="cs-other")
    body = {
        "window": window.pk,
        "date": today().isoformat(),
        "meal": "lunch",
        "items": [{"dish": dish.pk, "price": "9.00"}],
    }
    api.force_authenticate(staff_elsewhere)
    assert api.post(API + "menus/", body, format="json").status_code == 403
    assert (
        api.patch(API + f"dishes/{dish.pk}/", {"price": "1.00"}, format="json").status_code == 403
    )
    api.force_authenticate(student)
    assert api.post(API + "menus/", body, format="json").status_code == 403
    assert APIClient().post(API + "menus/", body, format="json").status_code == 401


def test_it_lets_staff_change_a_dish_and_switch_sold_out(api):
    item = serve(name="鱼香肉丝")
    staff = canteen_staff_for(item.menu.canteen)
    api.force_authenticate(staff)
    changed = api.patch(
        API + f"dishes/{item.dish.pk}/", {"price": "11.50", "reason": "调价"}, format="json"
    )
    assert changed.status_code == 200 and changed.json()["price"] == "11.50"
    switched = api.post(
        API + f"menus/{item.menu.pk}/sold-out/", {"item": item.pk, "sold_out": True}, format="json"
    )
    assert switched.status_code == 200
    listed = APIClient().get(API + "menus/").json()["results"][0]["items"][0]
    assert listed["sold_out"] is True
