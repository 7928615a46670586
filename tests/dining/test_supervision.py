"""Dining's section of the city supervision document: the benchmark dishes matched by name,
priced as on the day, and the day's price index per canteen."""

import datetime
from decimal import Decimal

import pytest

from dining.models import Dish, Menu, PriceIndexPoint
from dining.supervision import benchmarks, dining_section
from tests.dining.factories import (
    CanteenFactory,
    DishFactory,
    MenuFactory,
    MenuItemFactory,
    PriceChangeFactory,
)

pytestmark = pytest.mark.django_db

DAY = datetime.date(2026, 11, 16)


def benchmark(section, name):
    (found,) = [b for b in section["benchmark_dishes"] if b["name"] == name]
    return found


def test_the_setting_gives_names_and_the_local_names_that_count(settings):
    settings.SUPERVISION_BENCHMARK_DISHES = ["米饭", " 大排 = 炸大排 | 红烧大排 ", "", "馒头=馒头"]

    assert benchmarks() == [
        ("米饭", ["米饭"]),
        ("大排", ["大排", "炸大排", "红烧大排"]),
        ("馒头", ["馒头"]),
    ]


def test_each_benchmark_lists_every_dish_that_counts_with_its_range(settings):
    settings.SUPERVISION_BENCHMARK_DISHES = ["米饭", "大排=炸大排"]
    east, west = CanteenFactory(slug="east", name="东区食堂"), CanteenFactory(slug="west")
    DishFactory(canteen=east, name="米饭", price=Decimal("1.00"))
    DishFactory(canteen=west, name="米饭", price=Decimal("1.20"))
    DishFactory(canteen=west, name="炸大排", price=Decimal("8.50"))
    DishFactory(canteen=east, name="米饭（二两）", price=Decimal("0.60"))  # not named
    DishFactory(canteen=east, name="大排", price=Decimal("9"), is_active=False)  # off the menu
    DishFactory(canteen=CanteenFactory(is_active=False), name="米饭", price=Decimal("2"))

    section = dining_section(DAY)

    rice = benchmark(section, "米饭")
    assert [(p["canteen"], p["price"]) for p in rice["prices"]] == [("east", 1.0), ("west", 1.2)]
    assert rice["prices"][0]["canteen_name"] == "东区食堂"
    assert (rice["dishes"], rice["min_price"], rice["max_price"], rice["mean_price"]) == (
        2,
        1.0,
        1.2,
        1.1,
    )
    chop = benchmark(section, "大排")
    assert [(p["dish_name"], p["price"]) for p in chop["prices"]] == [("炸大排", 8.5)]
    assert section["price_tier"] == "student"


def test_a_benchmark_nobody_sells_is_there_with_no_prices(settings):
    settings.SUPERVISION_BENCHMARK_DISHES = ["荷包蛋"]

    (egg,) = dining_section(DAY)["benchmark_dishes"]

    assert egg == {
        "name": "荷包蛋",
        "dishes": 0,
        "min_price": None,
        "max_price": None,
        "mean_price": None,
        "prices": [],
    }


def test_the_price_is_the_one_of_that_day(settings):
    settings.SUPERVISION_BENCHMARK_DISHES = ["红烧肉"]
    pork = DishFactory(name="红烧肉", price=Decimal("13.00"))
    menu = MenuFactory(canteen=pork.canteen, date=DAY, status=Menu.Status.PUBLISHED)
    MenuItemFactory(menu=menu, dish=pork, price=Decimal("12.00"))
    MenuFactory(canteen=pork.canteen, date=DAY + datetime.timedelta(days=1))
    PriceChangeFactory(dish=pork, old_price=Decimal("12.00"), new_price=Decimal("13.00"))

    assert benchmark(dining_section(DAY), "红烧肉")["prices"][0]["price"] == 12.0


def test_priced_by_weight_dishes_stay_out_of_the_range(settings):
    settings.SUPERVISION_BENCHMARK_DISHES = ["红烧肉"]
    DishFactory(name="红烧肉", price=Decimal("12.00"))
    DishFactory(name="红烧肉", price=Decimal("30.00"), pricing_unit=Dish.PricingUnit.PER_500G)

    pork = benchmark(dining_section(DAY), "红烧肉")

    assert pork["dishes"] == 2 and pork["max_price"] == 12.0
    assert [p["unit"] for p in pork["prices"]] == ["portion", "per_500g"]


def test_the_price_index_of_the_day_for_the_campus_and_open_canteens():
    east, closed = CanteenFactory(slug="east"), CanteenFactory(slug="gone", is_active=False)
    PriceIndexPoint.objects.create(date=DAY, canteen=None, value=Decimal("101.25"))
    PriceIndexPoint.objects.create(date=DAY, canteen=east, value=Decimal("99.50"))
    PriceIndexPoint.objects.create(date=DAY, canteen=closed, value=Decimal("120"))
    PriceIndexPoint.objects.create(date=DAY - datetime.timedelta(days=1), value=Decimal("1"))

    index = dining_section(DAY)["price_index"]

    assert index["campus"] == 101.25
    assert [(c["canteen"], c["value"]) for c in index["canteens"]] == [("east", 99.5)]
    assert index["base_date"] == "2026-09-01"
