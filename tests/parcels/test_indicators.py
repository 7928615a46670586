"""The parcels indicators (parcels/indicators.py): on known parcels, each indicator's value for a
day and for the week equals what the parcels give, per station scope too, and each links to a
page a manager can open."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from logistics import daily, indicators
from logistics.indicators import SITE, Period, Scope
from logistics.models import DailyFigure
from parcels.models import Parcel, Shelf
from parcels.workflow import IN_STOCK, overdue_q
from tests.logistics.factories import DepartmentFactory
from tests.parcels.factories import ParcelFactory, station_with_shelves

pytestmark = pytest.mark.django_db
Status = Parcel.Status
Kind = DailyFigure.ScopeKind
KEYS = ("parcels.arrived", "parcels.in_stock", "parcels.overdue", "parcels.dwell_p90")


@pytest.fixture
def stations(db):
    east = station_with_shelves(code="EAST", name="东区驿站", name_en="East station")
    west = station_with_shelves(
        code="WEST", name="西区驿站", name_en="West station", department=DepartmentFactory()
    )
    return east, west


def parcel(station, *, hours_ago: float, status=Status.WAITING, dwell_h=None):
    arrived = timezone.now() - timedelta(hours=hours_ago)
    return ParcelFactory(
        station=station,
        shelf=Shelf.objects.get(station=station, number=1),
        status=status,
        arrived_at=arrived,
        closed_at=arrived + timedelta(hours=dwell_h) if dwell_h is not None else None,
        free_until=arrived + timedelta(days=station.free_days),
        return_due_at=arrived + timedelta(days=station.return_days),
        pickup_code="",
    )


def history(east, west) -> None:
    """Ten days of parcels at two stations: picked up, waiting, overdue, sent for return."""
    for hours_ago, dwell in ((1, 0.5), (30, 3), (30, 20), (100, 50), (200, 90), (220, 2)):
        parcel(east, hours_ago=hours_ago, status=Status.PICKED_UP, dwell_h=dwell)
    parcel(west, hours_ago=50, status=Status.PICKED_UP, dwell_h=40)
    parcel(east, hours_ago=2)
    parcel(east, hours_ago=26)
    parcel(east, hours_ago=100)  # past its three days of free storage: overdue
    parcel(west, hours_ago=120)  # overdue
    parcel(west, hours_ago=200, status=Status.TO_RETURN)  # in stock, no longer "overdue"
    parcel(west, hours_ago=1)


def compute() -> None:
    now = timezone.now()
    today = timezone.localdate(now)
    days = [today - timedelta(days=n) for n in range(11)]
    daily.refresh(days=days, now=now, only="parcels")
    indicators.refresh(days=days, now=now)


def values(period: str, day, scope=SITE) -> dict:
    readings = indicators.read(period=period, day=day, scopes=[scope], keys=KEYS)
    return {r.indicator.key: r.value for r in readings}


def expected(parcels, start, end, *, now):
    """What the parcels themselves give for [start, end) (states: now)."""
    arrived = parcels.filter(arrived_at__gte=start, arrived_at__lt=end)
    picked = parcels.filter(status=Status.PICKED_UP, closed_at__gte=start, closed_at__lt=end)
    seconds = sorted((p.closed_at - p.arrived_at).total_seconds() for p in picked)
    return {
        "parcels.arrived": arrived.count(),
        "parcels.in_stock": parcels.filter(status__in=IN_STOCK).count(),
        "parcels.overdue": parcels.filter(overdue_q(now)).count(),
        "parcels.dwell_p90": exact_percentile(seconds, 0.9) / 3600 if seconds else None,
    }


def exact_percentile(values, fraction):
    rank = fraction * (len(values) - 1)
    low = int(rank)
    high = min(low + 1, len(values) - 1)
    return values[low] + (values[high] - values[low]) * (rank - low)


def assert_equal(found, wanted):
    assert found.keys() == wanted.keys()
    for key, value in wanted.items():
        if value is None or found[key] is None:
            assert found[key] == value, key
        else:
            assert found[key] == pytest.approx(value, rel=0.02), key


@pytest.mark.parametrize("period", [Period.DAY, Period.WEEK])
def test_each_indicator_equals_what_the_parcels_give(stations, period):
    history(*stations)
    compute()
    now = timezone.now()
    today = timezone.localdate(now)
    start = daily.day_bounds(indicators.period_start(period, today))[0]
    end = daily.day_bounds(today)[1]
    assert_equal(values(period, today), expected(Parcel.objects.all(), start, end, now=now))


def test_the_stations_buildings_campuses_and_units_have_their_own_rows(stations):
    east, west = stations
    history(east, west)
    compute()
    now = timezone.now()
    today = timezone.localdate(now)
    start, end = daily.day_bounds(indicators.period_start(Period.WEEK, today))[0], now
    for station, scope in (
        (east, Scope(Kind.BUILDING, east.building_id)),
        (east, Scope(Kind.CAMPUS, east.building.campus_id)),
        (west, Scope(Kind.BUILDING, west.building_id)),
        (west, Scope(Kind.DEPARTMENT, west.department_id)),
    ):
        wanted = expected(Parcel.objects.filter(station=station), start, end, now=now)
        assert_equal(values(Period.WEEK, today, scope), wanted)
    assert values(Period.DAY, today, Scope(Kind.BUILDING, west.building_id))["parcels.overdue"] == 1


def test_a_past_days_states_are_those_at_its_end(stations):
    east, west = stations
    history(east, west)
    compute()
    yesterday = timezone.localdate() - timedelta(days=1)
    midnight = daily.day_bounds(yesterday)[1]
    held = Parcel.objects.filter(arrived_at__lt=midnight).exclude(closed_at__lt=midnight)
    overdue = held.filter(free_until__lt=midnight, return_due_at__gt=midnight)
    found = values(Period.DAY, yesterday)
    assert found["parcels.in_stock"] == held.count() > 0
    assert found["parcels.overdue"] == overdue.count() > 0


def test_overdue_needs_attention_past_its_threshold(stations, settings):
    history(*stations)
    settings.INDICATOR_THRESHOLDS = {"parcels.overdue": 1}
    compute()
    [reading] = indicators.read(
        period=Period.DAY, day=timezone.localdate(), keys=["parcels.overdue"]
    )
    assert reading.value == 2 and reading.attention


def test_each_drill_down_opens_for_a_manager(client, stations, manager):
    east, west = stations
    history(east, west)
    compute()
    client.force_login(manager)
    scopes = [SITE, Scope(Kind.BUILDING, east.building_id), Scope(Kind.DEPARTMENT, 1)]
    for key in KEYS:
        for scope in scopes:
            link = indicators.get(key).link(scope)
            assert client.get(link).status_code == 200, (key, scope, link)


def test_the_peak_page_links_each_station_with_overdue_parcels_to_them(client, stations, manager):
    east, west = stations
    history(east, west)
    client.force_login(manager)
    page = client.get(indicators.get("parcels.overdue").link(SITE)).content.decode()
    for station in (east, west):  # one overdue parcel each
        assert reverse("parcels:overdue", args=[station.pk]) in page


def test_a_buildings_overdue_link_lists_only_that_buildings_stations(client, stations, manager):
    east, west = stations
    history(east, west)
    compute()
    client.force_login(manager)
    scope = Scope(Kind.BUILDING, east.building_id)
    [reading] = indicators.read(
        period=Period.DAY, day=timezone.localdate(), scopes=[scope], keys=["parcels.overdue"]
    )

    response = client.get(reading.link)

    listed = response.context["stations"]
    assert [stock.station for stock in listed] == [east]
    assert sum(stock.overdue for stock in listed) == reading.value == 1
    page = response.content.decode()
    assert reverse("parcels:overdue", args=[east.pk]) in page
    assert reverse("parcels:overdue", args=[west.pk]) not in page


def test_a_campus_or_units_link_lists_their_stations(client, stations, manager):
    east, west = stations
    client.force_login(manager)
    campus = Scope(Kind.CAMPUS, west.building.campus_id)
    unit = Scope(Kind.DEPARTMENT, west.department_id)

    on_campus = client.get(indicators.get("parcels.in_stock").link(campus)).context["stations"]
    of_unit = client.get(indicators.get("parcels.in_stock").link(unit)).context["stations"]

    campus_stations = {s for s in (east, west) if s.building.campus_id == campus.id}
    assert {stock.station for stock in on_campus} == campus_stations
    assert [stock.station for stock in of_unit] == [west]


def test_a_place_that_does_not_exist_lists_no_station(client, stations, manager):
    client.force_login(manager)

    response = client.get(reverse("parcels:peak") + "?building=999999")

    assert response.status_code == 200
    assert response.context["stations"] == []
