"""The Laspeyres price index: base prices, carried-forward prices, points per canteen and campus."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from dining.models import Menu, PriceChange, PriceIndexPoint
from dining.pricing import services as pricing
from dining.tasks import bulk_price_index
from tests.dining.factories import (
    BasketItemFactory,
    CanteenFactory,
    DishFactory,
    MenuFactory,
    MenuItemFactory,
    PriceChangeFactory,
)

pytestmark = pytest.mark.django_db

D = Decimal
BASE = datetime.date(2026, 9, 1)
DAY = datetime.date(2026, 10, 15)


@pytest.fixture(autouse=True)
def base_date(settings):
    settings.DINING_INDEX_BASE_DATE = BASE.isoformat()


def _served(dish, day, price, status=Menu.Status.PUBLISHED):
    menu = MenuFactory(window__canteen=dish.canteen, date=day, status=status)
    return MenuItemFactory(menu=menu, dish=dish, price=price)


def _changed(dish, old, new, when):
    change = PriceChangeFactory(dish=dish, old_price=old, new_price=new)
    at = timezone.make_aware(datetime.datetime.combine(when, datetime.time(9)))
    PriceChange.objects.filter(pk=change.pk).update(changed_at=at)
    return change


def test_it_computes_the_laspeyres_index_with_base_quantities():
    canteen = CanteenFactory()
    rice = DishFactory(canteen=canteen, price=D("10.00"))
    soup = DishFactory(canteen=canteen, price=D("5.00"))
    BasketItemFactory(dish=rice, quantity=D("2"), base_price=D("10.00"))
    BasketItemFactory(dish=soup, quantity=D("1"), base_price=D("5.00"))
    _served(rice, DAY, D("12.00"))
    _served(soup, DAY, D("5.00"))

    # (12·2 + 5·1) / (10·2 + 5·1) × 100 = 29 / 25 × 100
    assert pricing.price_index_values(day=DAY) == {canteen.pk: D("116.00"), None: D("116.00")}


def test_it_computes_one_point_per_canteen_and_one_for_the_campus():
    north, south = CanteenFactory(), CanteenFactory()
    BasketItemFactory(dish=DishFactory(canteen=north), quantity=D("1"), base_price=D("10.00"))
    BasketItemFactory(dish=DishFactory(canteen=south), quantity=D("3"), base_price=D("4.00"))
    _served(north.dishes.get(), DAY, D("11.00"))
    _served(south.dishes.get(), DAY, D("5.00"))

    assert pricing.price_index_compute(day=DAY) == 3

    points = {p.canteen_id: p.value for p in PriceIndexPoint.objects.filter(date=DAY)}
    # campus: (11·1 + 5·3) / (10·1 + 4·3) = 26 / 22
    assert points == {north.pk: D("110.00"), south.pk: D("125.00"), None: D("118.18")}


def test_it_takes_base_prices_from_the_base_date_when_the_basket_has_none():
    dish = DishFactory(price=D("9.00"))
    BasketItemFactory(dish=dish, base_price=None)
    _served(dish, BASE - datetime.timedelta(days=3), D("8.00"))  # in force on the base date
    _served(dish, BASE + datetime.timedelta(days=2), D("7.00"))  # after it: not the base
    _served(dish, DAY, D("10.00"))

    assert pricing.price_index_values(day=DAY)[None] == D("125.00")


def test_it_carries_the_last_known_price_forward():
    dish = DishFactory(price=D("20.00"))
    BasketItemFactory(dish=dish, base_price=D("8.00"))
    _served(dish, DAY - datetime.timedelta(days=5), D("9.00"))
    _served(dish, DAY + datetime.timedelta(days=1), D("30.00"))  # tomorrow: not yet
    _served(dish, DAY, D("50.00"), status=Menu.Status.DRAFT)  # never served

    assert pricing.price_index_values(day=DAY)[None] == D("112.50")


def test_it_prefers_a_standard_price_set_after_the_last_menu():
    dish = DishFactory(price=D("12.00"))
    BasketItemFactory(dish=dish, base_price=D("10.00"))
    _served(dish, DAY - datetime.timedelta(days=10), D("10.00"))
    _changed(dish, D("10.00"), D("11.00"), DAY - datetime.timedelta(days=2))
    _changed(dish, D("11.00"), D("12.00"), DAY + datetime.timedelta(days=2))

    assert pricing.price_index_values(day=DAY)[None] == D("110.00")


def test_it_uses_the_price_before_the_first_change_for_days_before_it():
    dish = DishFactory(price=D("12.00"))
    BasketItemFactory(dish=dish, base_price=None)
    _changed(dish, D("10.00"), D("12.00"), DAY - datetime.timedelta(days=1))

    # On the base date the dish cost 10 (the old price of the first change); today 12.
    assert pricing.price_index_values(day=DAY)[None] == D("120.00")


def test_it_leaves_out_basket_dishes_without_a_quantity():
    dish = DishFactory()
    BasketItemFactory(dish=dish, quantity=D("0"), base_price=D("10"))
    assert pricing.price_index_values(day=DAY) == {}
    assert pricing.price_index_compute(day=DAY) == 0


def test_it_recomputes_a_day_without_duplicating_points():
    dish = DishFactory()
    BasketItemFactory(dish=dish, base_price=D("10.00"))
    item = _served(dish, DAY, D("10.00"))
    pricing.price_index_compute(day=DAY)
    item.price = D("15.00")
    item.save(update_fields=["price"])

    assert pricing.price_index_compute(day=DAY) == 2

    assert PriceIndexPoint.objects.count() == 2
    assert set(PriceIndexPoint.objects.values_list("value", flat=True)) == {D("150.00")}


def test_it_computes_the_index_in_a_fixed_number_of_queries(django_assert_num_queries):
    for n in range(6):
        dish = DishFactory()  # a canteen each
        BasketItemFactory(dish=dish, base_price=None if n % 3 else D("5.00"))
        _served(dish, DAY, D("6.00"))
    # base prices, today's prices, the basket
    with django_assert_num_queries(3):
        values = pricing.price_index_values(day=DAY)
    assert len(values) == 7


def test_it_reads_the_base_date_from_the_settings(settings):
    settings.DINING_INDEX_BASE_DATE = "2025-03-01"
    assert pricing.index_base_date() == datetime.date(2025, 3, 1)
    settings.DINING_INDEX_BASE_DATE = ""
    assert pricing.index_base_date() == pricing.DEFAULT_BASE_DATE
    settings.DINING_INDEX_BASE_DATE = "2026-13-01"
    assert pricing.index_base_date() == pricing.DEFAULT_BASE_DATE


def test_it_computes_yesterday_and_today_in_the_daily_task():
    dish = DishFactory(price=D("10.00"))
    BasketItemFactory(dish=dish, base_price=D("10.00"))
    today = timezone.localdate()

    assert bulk_price_index() == 4
    assert bulk_price_index() == 4

    dates = set(PriceIndexPoint.objects.values_list("date", flat=True))
    assert dates == {today, today - datetime.timedelta(days=1)}
    assert PriceIndexPoint.objects.count() == 4
    assert bulk_price_index(day="2026-10-01") == 2


def test_it_schedules_the_index_every_night_on_beat():
    from django.conf import settings as django_settings

    from logistics.celery import app

    app.loader.import_default_modules()
    scheduled = {entry["task"]: entry for entry in django_settings.CELERY_BEAT_SCHEDULE.values()}
    entry = scheduled["dining.tasks.bulk_price_index"]
    assert "dining.tasks.bulk_price_index" in app.tasks
    assert (entry["schedule"].hour, entry["schedule"].minute) == ({0}, {15})


@pytest.mark.redis
def test_it_computes_the_index_through_a_real_celery_worker(transactional_db, celery_worker):
    from tests.fixtures.celery_worker import wait_until

    dish = DishFactory(price=D("10.00"))
    BasketItemFactory(dish=dish, base_price=D("8.00"))
    bulk_price_index.delay("2026-10-01")
    wait_until(
        lambda: PriceIndexPoint.objects.filter(date="2026-10-01").count() == 2,
        what="the worker computing the index",
    )
    assert set(PriceIndexPoint.objects.values_list("value", flat=True)) == {D("125.00")}
