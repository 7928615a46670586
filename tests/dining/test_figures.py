"""Manager figures of dining: dishes served, index trend, violations, low-price share; scope;
a fixed number of queries; the SVG chart's geometry."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from dining.figures import dining_figures, figure_canteens, index_chart
from dining.models import Menu, PriceIndexPoint, PriceRule, PriceViolation
from logistics.roles import Role
from tests.dining.factories import (
    CanteenFactory,
    MenuFactory,
    MenuItemFactory,
    PriceRuleFactory,
    WindowFactory,
    canteen_staff_for,
)
from tests.logistics.factories import UserFactory

pytestmark = pytest.mark.django_db

D = Decimal
TODAY = datetime.date(2026, 10, 20)
START, END = TODAY - datetime.timedelta(days=6), TODAY


def _menu(canteen, day=TODAY, meal="lunch", status=Menu.Status.PUBLISHED, prices=()):
    menu = MenuFactory(window=WindowFactory(canteen=canteen), date=day, meal=meal, status=status)
    for price in prices:
        MenuItemFactory(menu=menu, price=D(price))
    return menu


def _violation(menu, *, severity="warning", acknowledged=False):
    return PriceViolation.objects.create(
        rule=PriceRuleFactory(severity=severity),
        menu=menu,
        severity=severity,
        message="x",
        acknowledged_at=timezone.now() if acknowledged else None,
    )


@pytest.fixture
def north():
    return CanteenFactory(slug="north", sort_order=1)


@pytest.fixture
def south():
    return CanteenFactory(slug="south", sort_order=2)


def test_it_counts_the_dishes_served_per_canteen_in_the_period(manager, north, south):
    menu = _menu(north, prices=["4", "8", "12"])
    _menu(north, day=TODAY - datetime.timedelta(days=1), meal="dinner", prices=["3"])
    _menu(north, status=Menu.Status.DRAFT, meal="breakfast", prices=["1", "1"])  # not served
    _menu(north, day=START - datetime.timedelta(days=1), prices=["1"])  # before the period
    _menu(south, prices=["9"])

    data = dining_figures(user=manager, start=START, end=END)

    rows = {row.canteen.slug: row for row in data.rows}
    assert (rows["north"].items, rows["north"].menus, rows["north"].dishes) == (4, 2, 4)
    assert rows["south"].items == 1
    assert data.items == 5
    assert menu.pk


def test_it_computes_the_low_price_share_per_canteen_and_meal(manager, north):
    _menu(north, prices=["4", "5", "8", "12"])
    _menu(north, meal="dinner", prices=["3", "9"])
    PriceRuleFactory(kind=PriceRule.Kind.LOW_PRICE_SHARE, amount=D("5.00"), percent=D("20"))

    data = dining_figures(user=manager, start=START, end=END)

    (row,) = data.rows
    assert data.threshold == D("5.00")
    assert [(m["meal"], m["low"], m["total"], m["share"]) for m in row.meal_shares] == [
        ("lunch", 2, 4, D("50.0")),
        ("dinner", 1, 2, D("50.0")),
    ]
    assert row.low_share == D("50.0")
    assert dining_figures(user=manager, start=START, end=END, threshold=D("8")).low_share == D(
        "66.7"
    )


def test_it_counts_violations_in_the_period(manager, north):
    menu = _menu(north, prices=["4"])
    _violation(menu)
    _violation(menu, acknowledged=True)
    _violation(menu, severity="block")
    _violation(_menu(north, day=START - datetime.timedelta(days=2)))  # a menu before the period

    data = dining_figures(user=manager, start=START, end=END)

    (row,) = data.rows
    assert (row.violations, row.blocks, row.unacknowledged) == (3, 1, 1)
    assert len(data.recent_violations) == 3


def test_it_reads_the_index_trend_of_the_period(manager, north):
    for days, value in ((8, "99"), (3, "101"), (1, "103")):
        day = TODAY - datetime.timedelta(days=days)
        PriceIndexPoint.objects.create(date=day, canteen=None, value=D(value))
        PriceIndexPoint.objects.create(date=day, canteen=north, value=D(value) + 1)

    data = dining_figures(user=manager, start=START, end=END)

    assert [v for _d, v in data.series[None]] == [D("101"), D("103")]
    assert data.campus_index == D("103")
    assert data.rows[0].index == D("104")


def test_it_limits_canteen_staff_to_their_own_canteen(north, south):
    _menu(north, prices=["4"])
    _menu(south, prices=["4", "4"])
    PriceIndexPoint.objects.create(date=TODAY, canteen=south, value=D("120"))
    staff = canteen_staff_for(north)

    data = dining_figures(user=staff, start=START, end=END)

    assert [row.canteen for row in data.rows] == [north]
    assert south.pk not in data.series
    assert list(figure_canteens(UserFactory(roles=[Role.STUDENT]))) == []
    assert set(figure_canteens(UserFactory(roles=[Role.SUPERVISOR]))) == {north, south}


def test_it_reads_the_figures_in_a_fixed_number_of_queries(manager, django_assert_num_queries):
    def grow():
        canteen = CanteenFactory()
        menu = _menu(canteen, prices=["4", "9"])
        _violation(menu)
        PriceIndexPoint.objects.create(date=TODAY, canteen=canteen, value=D("101"))

    grow()
    assert manager.is_manager  # roles read once
    # canteens, low-price threshold, served, low-price share, violations, index, latest violations
    with django_assert_num_queries(7):
        dining_figures(user=manager, start=START, end=END)
    grow()
    grow()
    with django_assert_num_queries(7):
        data = dining_figures(user=manager, start=START, end=END)
    assert data.items == 6 and data.violations == 3


def test_it_draws_the_index_chart_inside_its_plot_area():
    series = {
        None: [(START, D("100")), (END, D("110"))],
        7: [(START, D("95")), (START + datetime.timedelta(days=3), D("105"))],
    }

    chart = index_chart(series=series, labels={None: "Campus", 7: "North"}, start=START, end=END)

    campus, north = chart.lines
    assert campus.label == "Campus" and campus.width == 3 and north.label == "North"
    plot = chart.plot
    for line in chart.lines:
        for x, y, _d, _v in line.dots:
            assert plot["left"] <= x <= plot["right"] and plot["top"] <= y <= plot["bottom"]
    assert campus.dots[0][0] == plot["left"] and campus.dots[-1][0] == plot["right"]
    assert campus.dots[1][1] < campus.dots[0][1]  # higher value, higher on the chart
    assert chart.baseline == campus.dots[0][1]  # 100 is the dashed base line
    assert chart.x_ticks[0][1] == START.strftime("%m-%d")
    assert chart.x_ticks[-1][1] == END.strftime("%m-%d")


def test_it_draws_nothing_without_points():
    chart = index_chart(series={}, labels={}, start=START, end=END)
    assert chart.empty and chart.lines == []
