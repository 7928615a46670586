"""The dining indicators (dining/indicators.py): on known menus, prices and violations, each value
of a day and a week is what the rows themselves give, for the site and each canteen's building
and campus; a dish sold out later rewrites its day; the links answer a manager."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from dining.models import Menu, MenuItem, PriceViolation
from logistics import daily, indicators
from logistics.indicators import SITE, Period, Scope, ScopeKind
from tests.dining.factories import (
    BasketItemFactory,
    CanteenFactory,
    DishFactory,
    MenuFactory,
    MenuItemFactory,
    PriceRuleFactory,
    WindowFactory,
)

pytestmark = pytest.mark.django_db
D = Decimal
BASE = datetime.date(2026, 9, 1)
MONDAY = datetime.date(2026, 10, 19)
TUESDAY = MONDAY + datetime.timedelta(days=1)
WEEK = [MONDAY, TUESDAY]
KEYS = (
    "dining.price_index",
    "dining.rule_violations",
    "dining.low_price_share",
    "dining.sold_out_rate",
)


@pytest.fixture(autouse=True)
def base_date(settings):
    settings.DINING_INDEX_BASE_DATE = BASE.isoformat()


def serve(canteen, day, items, *, status=Menu.Status.PUBLISHED):
    """A menu of `canteen` on `day` with items (dish, price, sold out)."""
    menu = MenuFactory(window=WindowFactory(canteen=canteen), date=day, status=status)
    for dish, price, sold_out in items:
        MenuItemFactory(menu=menu, dish=dish, price=D(price), sold_out=sold_out)
    return menu


def violation(menu, severity="warning"):
    return PriceViolation.objects.create(
        rule=PriceRuleFactory(severity=severity), menu=menu, severity=severity, message="x"
    )


@pytest.fixture
def canteens():
    """North and west share a building; south has its own, on another campus."""
    north = CanteenFactory()
    west = CanteenFactory(building=north.building)
    south = CanteenFactory()
    rice, egg = DishFactory(canteen=north, price=D("10")), DishFactory(canteen=west, price=D("2"))
    soup, bun = DishFactory(canteen=south, price=D("5")), DishFactory(canteen=south, price=D("3"))
    BasketItemFactory(dish=rice, quantity=D("2"), base_price=D("10"))
    BasketItemFactory(dish=egg, quantity=D("3"), base_price=D("2"))
    BasketItemFactory(dish=soup, quantity=D("1"), base_price=D("5"))
    noodles = DishFactory(canteen=north, price=D("12"))
    lunch = serve(north, MONDAY, [(rice, "12", False), (noodles, "12", True)])
    serve(west, MONDAY, [(egg, "2", False)])
    serve(south, MONDAY, [(soup, "5", False), (bun, "3", True)])
    serve(north, TUESDAY, [(rice, "11", False)])
    serve(west, TUESDAY, [(egg, "2", False)])
    serve(south, TUESDAY, [(soup, "6", False), (bun, "4", False)])
    serve(south, TUESDAY, [(bun, "1", False)], status=Menu.Status.DRAFT)  # not served
    violation(lunch)
    violation(lunch, "block")
    violation(serve(south, TUESDAY, [(soup, "6", False)]))
    return {"north": north, "west": west, "south": south, "rice": rice, "egg": egg, "soup": soup}


def compute(now=None):
    now = now or timezone.make_aware(datetime.datetime.combine(TUESDAY, datetime.time(20)))
    daily.refresh(days=WEEK, now=now)
    indicators.refresh(days=WEEK, now=now)


def values(period, day, scope=SITE):
    readings = indicators.read(period=period, day=day, scopes=[scope], keys=KEYS)
    return {r.indicator.key: r.value for r in readings}


def expected(days, canteens, basket):
    """The indicators of `days` for `canteens`, from the menus and violations themselves;
    `basket` is [(dish, quantity, base price)] and a dish's price on a day the one it was
    served at (every basket dish is served each day here)."""
    items = list(
        MenuItem.objects.filter(
            menu__date__in=days, menu__status=Menu.Status.PUBLISHED, menu__canteen__in=canteens
        )
    )
    indexes = []
    for day in days:
        served = {
            i.dish_id: i.price
            for i in MenuItem.objects.filter(menu__date=day, menu__status="published")
        }
        pairs = [(served[dish.pk], base, q) for dish, q, base in basket if dish.canteen in canteens]
        current = sum(p * q for p, _, q in pairs)
        indexes.append(float(current / sum(b * q for _, b, q in pairs) * 100))
    violations = PriceViolation.objects.filter(menu__date__in=days, menu__canteen__in=canteens)
    return {
        "dining.price_index": sum(indexes) / len(indexes),
        "dining.rule_violations": violations.count(),
        "dining.low_price_share": 100 * sum(i.price <= 5 for i in items) / len(items),
        "dining.sold_out_rate": 100 * sum(i.sold_out for i in items) / len(items),
    }


def test_a_day_and_a_week_are_what_the_rows_give(canteens):
    compute()
    every = [canteens["north"], canteens["west"], canteens["south"]]
    basket = [(canteens["rice"], 2, 10), (canteens["egg"], 3, 2), (canteens["soup"], 1, 5)]

    for day in WEEK:
        assert values(Period.DAY, day) == pytest.approx(expected([day], every, basket), abs=0.01)
    week = values(Period.WEEK, TUESDAY)
    assert week == pytest.approx(expected(WEEK, every, basket), abs=0.01)
    assert week["dining.rule_violations"] == 3


def test_a_building_and_a_campus_count_their_canteens(canteens):
    compute()
    north, south = canteens["north"], canteens["south"]
    basket = [(canteens["rice"], 2, 10), (canteens["egg"], 3, 2), (canteens["soup"], 1, 5)]

    shared = Scope(ScopeKind.BUILDING, north.building_id)  # north and west together
    want = expected([MONDAY], [north, canteens["west"]], basket)
    assert values(Period.DAY, MONDAY, shared) == pytest.approx(want, abs=0.01)
    campus = Scope(ScopeKind.CAMPUS, south.building.campus_id)
    assert values(Period.WEEK, TUESDAY, campus) == pytest.approx(
        expected(WEEK, [south], basket), abs=0.01
    )


def test_the_attention_marks_follow_the_thresholds(canteens):
    compute()
    monday = indicators.read(period=Period.DAY, day=MONDAY, keys=KEYS)

    attention = {r.indicator.key for r in monday if r.attention}

    # index (24+6+5)/(20+6+5) = 112.9 > 110; violations; 2 of 5 sold out = 40 % > 10 %;
    # low-price share 3 of 5 = 60 % is fine
    assert attention == {"dining.price_index", "dining.rule_violations", "dining.sold_out_rate"}


def test_a_dish_sold_out_later_rewrites_its_day(canteens):
    first = timezone.make_aware(datetime.datetime.combine(TUESDAY, datetime.time(20)))
    compute(first)
    daily.refresh(days=[timezone.localdate(first)], now=first)
    later = first + datetime.timedelta(minutes=30)
    item = MenuItem.objects.filter(menu__date=TUESDAY, dish=canteens["rice"]).get()
    MenuItem.objects.filter(pk=item.pk).update(sold_out=True, sold_out_at=later)

    daily.refresh(now=later + datetime.timedelta(minutes=1))  # what beat runs
    indicators.refresh(now=later + datetime.timedelta(minutes=1))

    assert values(Period.DAY, TUESDAY)["dining.sold_out_rate"] == pytest.approx(100 / 5)


def test_every_drill_down_answers_a_manager(client, manager, canteens):
    compute()
    client.force_login(manager)
    building = Scope(ScopeKind.BUILDING, canteens["south"].building_id)

    readings = indicators.read(period=Period.WEEK, day=TUESDAY, scopes=[SITE, building], keys=KEYS)

    assert len(readings) == 2 * len(KEYS)
    for reading in readings:
        assert client.get(reading.link).status_code == 200, reading.link
