"""The price-change and price-index API: public reads with filters, who-changed-it and the index
per canteen only for those who supervise the canteen, tokens need dining:read, pinned queries."""

import datetime
from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from dining.models import PriceChange, PriceIndexPoint
from logistics.tokens import api_token_issue
from tests.dining.factories import (
    CanteenFactory,
    DishFactory,
    MenuItemFactory,
    PriceChangeFactory,
    canteen_staff_for,
)

pytestmark = pytest.mark.django_db
API = "/api/v1/dining/"
D = Decimal


@pytest.fixture
def api():
    return APIClient()


def test_it_lists_price_changes_to_everyone_without_who_changed_them(api, student):
    staff_user = canteen_staff_for(CanteenFactory())
    change = PriceChangeFactory(changed_by=staff_user, reason="原料涨价")

    anonymous = api.get(API + "price-changes/").json()
    api.force_authenticate(student)
    signed_in = api.get(API + "price-changes/").json()

    for body in (anonymous, signed_in):
        (row,) = body["results"]
        assert (row["id"], row["old_price"], row["new_price"]) == (change.pk, "10.00", "11.00")
        assert row["reason"] == "原料涨价" and row["changed_by"] is None


def test_it_shows_who_changed_a_price_to_managers_and_the_canteen_staff(api, manager):
    canteen, other = CanteenFactory(), CanteenFactory()
    staff_user = canteen_staff_for(canteen)
    own = PriceChangeFactory(dish=DishFactory(canteen=canteen), changed_by=staff_user)
    theirs = PriceChangeFactory(dish=DishFactory(canteen=other), changed_by=manager)

    api.force_authenticate(staff_user)
    seen = {r["id"]: r["changed_by"] for r in api.get(API + "price-changes/").json()["results"]}
    api.force_authenticate(manager)
    managed = api.get(API + "price-changes/").json()["results"]

    assert seen == {own.pk: staff_user.username, theirs.pk: None}
    assert {r["changed_by"] for r in managed} == {staff_user.username, manager.username}


def test_it_filters_price_changes(api):
    canteen = CanteenFactory()
    item = MenuItemFactory(menu__window__canteen=canteen)
    on_menu = PriceChangeFactory(dish=item.dish, menu_item=item, tier="employee")
    old = PriceChangeFactory(dish=DishFactory(canteen=canteen))
    PriceChange.objects.filter(pk=old.pk).update(
        changed_at=datetime.datetime(2026, 1, 5, tzinfo=datetime.UTC)
    )
    PriceChangeFactory()

    def ids(**query):
        return {r["id"] for r in api.get(API + "price-changes/", query).json()["results"]}

    assert ids(canteen=canteen.pk) == {on_menu.pk, old.pk}
    assert ids(tier="employee") == {on_menu.pk}
    assert ids(on_menu="true") == {on_menu.pk}
    assert ids(canteen=canteen.pk, changed_before="2026-02-01") == {old.pk}
    assert ids(dish=item.dish_id) == {on_menu.pk}
    row = api.get(API + f"price-changes/{on_menu.pk}/").json()
    assert (row["menu_date"], row["meal"]) == (item.menu.date.isoformat(), "lunch")


def test_it_answers_bad_price_change_filters_with_400(api):
    assert api.get(API + "price-changes/", {"tier": "vip"}).status_code == 400
    assert api.get(API + "price-changes/", {"canteen": "x"}).status_code == 400
    assert api.get(API + "price-changes/", {"changed_after": "soon"}).status_code == 400


def test_it_hides_price_changes_of_closed_canteens(api):
    change = PriceChangeFactory(dish=DishFactory(canteen=CanteenFactory(is_active=False)))
    assert api.get(API + "price-changes/").json()["results"] == []
    assert api.get(API + f"price-changes/{change.pk}/").status_code == 404


def test_it_lists_price_changes_in_queries_independent_of_rows(
    api, manager, django_assert_num_queries
):
    for _ in range(3):
        PriceChangeFactory(changed_by=manager, menu_item=MenuItemFactory())
    api.force_authenticate(manager)
    assert manager.is_manager  # the roles are read once per user (cached on the instance)
    with django_assert_num_queries(1):  # the page (joined); nothing is counted
        first = api.get(API + "price-changes/").json()
    for _ in range(5):
        PriceChangeFactory(changed_by=manager, menu_item=MenuItemFactory())
    with django_assert_num_queries(1):
        second = api.get(API + "price-changes/").json()
    assert (len(first["results"]), len(second["results"])) == (3, 8)


def test_it_shows_the_campus_index_to_everyone_and_canteens_to_their_supervisors(api, manager):
    canteen, other = CanteenFactory(), CanteenFactory()
    day = datetime.date(2026, 10, 1)
    PriceIndexPoint.objects.create(date=day, canteen=None, value=D("101.00"))
    PriceIndexPoint.objects.create(date=day, canteen=canteen, value=D("102.00"))
    PriceIndexPoint.objects.create(date=day, canteen=other, value=D("103.00"))

    def values(**query):
        return {r["value"] for r in api.get(API + "price-index/", query).json()["results"]}

    assert values() == {"101.00"}
    api.force_authenticate(canteen_staff_for(canteen))
    assert values() == {"101.00", "102.00"}
    api.force_authenticate(manager)
    assert values() == {"101.00", "102.00", "103.00"}
    assert values(campus="true") == {"101.00"}
    assert values(canteen=other.pk) == {"103.00"}
    assert values(date_after="2026-10-02") == set()
    assert api.get(API + "price-index/", {"date_after": "x"}).status_code == 400


def test_it_asks_tokens_for_the_dining_read_scope_on_prices(api, student):
    _, without = api_token_issue(user=student, name="app", scopes=["repairs:read"])
    _, with_scope = api_token_issue(user=student, name="app2", scopes=["dining:read"])
    for path in ("price-changes/", "price-index/"):
        assert api.get(API + path, HTTP_AUTHORIZATION=f"Bearer {without}").status_code == 403
        assert api.get(API + path, HTTP_AUTHORIZATION=f"Bearer {with_scope}").status_code == 200


def test_it_refuses_writes_to_the_price_history(api, manager):
    change = PriceChangeFactory()
    api.force_authenticate(manager)
    assert api.post(API + "price-changes/", {"new_price": "1"}).status_code == 405
    assert api.delete(API + f"price-changes/{change.pk}/").status_code == 405
    assert api.post(API + "price-index/", {}).status_code == 405
