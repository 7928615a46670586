"""The parcels peak figures: daily rows that equal the parcels, the stations now, the forecast
(weekday pattern and semester start), the page, its export and the overview section."""

import csv
import io
from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from logistics import daily
from logistics.models import DailyFigure
from logistics.roles import Role
from parcels import figures
from parcels.models import Parcel, Shelf
from tests.logistics.factories import UserFactory
from tests.parcels.factories import ParcelFactory, station_with_shelves

pytestmark = pytest.mark.django_db
Status = Parcel.Status


@pytest.fixture
def station(db):
    return station_with_shelves(code="EAST", name="东区驿站", name_en="East station")


def client_of(client, user):
    client.force_login(user)
    return client


def parcel(station, *, days_ago: float, carrier="sf", status=Status.WAITING, dwell_h=None, **kw):
    """A parcel that arrived `days_ago` days ago (closed `dwell_h` hours after, if given)."""
    arrived = timezone.now() - timedelta(days=days_ago)
    closed = arrived + timedelta(hours=dwell_h) if dwell_h is not None else None
    return ParcelFactory(
        station=station,
        shelf=Shelf.objects.get(station=station, number=1),
        carrier=carrier,
        status=status,
        arrived_at=arrived,
        closed_at=closed,
        free_until=arrived + timedelta(days=station.free_days),
        return_due_at=arrived + timedelta(days=station.return_days),
        pickup_code="",
        **kw,
    )


def refresh(days: int = 10) -> None:
    today = timezone.localdate()
    daily.refresh(days=[today - timedelta(days=n) for n in range(days)], only="parcels")


def a_busy_week(station) -> None:
    """Two days ago: 3 SF (two picked up after 2 h and 10 h), 2 ZTO (one returned); today: one
    waiting YTO, overdue-free, and one JD waiting for a week (overdue)."""
    parcel(station, days_ago=2.5, status=Status.PICKED_UP, dwell_h=2)
    parcel(station, days_ago=2.5, status=Status.PICKED_UP, dwell_h=10)
    parcel(station, days_ago=2.5)
    parcel(station, days_ago=2.5, carrier="zto", status=Status.RETURNED, dwell_h=30)
    parcel(station, days_ago=2.5, carrier="zto", status=Status.TO_RETURN)
    parcel(station, days_ago=0.01, carrier="yto")
    parcel(station, days_ago=6, carrier="jd")


def test_it_computes_daily_rows_that_add_up_to_the_parcels(station):
    a_busy_week(station)
    refresh()
    today = timezone.localdate()
    data = figures.period_figures(start=today - timedelta(days=9), end=today)
    assert data.arrived == Parcel.objects.count() == 7
    assert (data.picked_up, data.returned, data.delivered) == (2, 1, 0)
    assert data.dwell_p50_hours == pytest.approx(6, rel=0.02)  # between 2 h and 10 h
    assert data.dwell_p90_hours == pytest.approx(9.2, rel=0.02)
    sf = next(r for r in data.carriers if r.carrier == "sf")
    assert (sf.arrived, sf.picked_up, sf.waiting, sf.overdue) == (3, 2, 1, 0)
    zto = next(r for r in data.carriers if r.carrier == "zto")
    assert (zto.arrived, zto.returned, zto.to_return) == (2, 1, 1)
    jd = next(r for r in data.carriers if r.carrier == "jd")
    assert (jd.waiting, jd.overdue) == (1, 1)
    assert sum(d.arrived for d in data.days) == 7 and len(data.days) == 10


def test_it_reads_a_period_in_one_query_however_long(station, django_assert_num_queries):
    a_busy_week(station)
    refresh()
    today = timezone.localdate()
    with django_assert_num_queries(1):
        figures.period_figures(start=today - timedelta(days=6), end=today, carriers=False)
    with django_assert_num_queries(2):  # the carriers now
        figures.period_figures(start=today - timedelta(days=365), end=today)


def test_it_rewrites_the_day_of_a_parcel_written_later_with_an_earlier_arrival(station):
    since = timezone.now()
    late = parcel(station, days_ago=5)
    days = figures.changed_days(since, timezone.now())
    assert days == [timezone.localdate(late.arrived_at)]


def test_it_shows_each_stations_stock_and_shelf_fill_now(station):
    a_busy_week(station)
    [stock] = figures.stations_now(timezone.now())
    assert (stock.waiting, stock.to_return, stock.overdue, stock.in_stock) == (3, 1, 1, 4)
    shelf = next(s for s in stock.shelves if s.number == 1)
    assert (shelf.parcels, shelf.capacity) == (4, 4 * 30)
    assert stock.capacity == sum(s.capacity for s in stock.shelves)
    assert figures.stock_now(timezone.now()) == {"in_stock": 4, "overdue": 1, "to_return": 1}


def arrivals(values: dict[date, int]) -> None:
    DailyFigure.objects.bulk_create(
        DailyFigure(key=figures.ARRIVED, day=day, value=value, computed_at=timezone.now())
        for day, value in values.items()
    )


def test_it_forecasts_from_the_weekday_pattern():
    today = date(2026, 6, 1)  # a Monday
    history = {}
    for n in range(1, 57):
        day = today - timedelta(days=n)
        history[day] = 40 if day.weekday() >= 5 else 100
    arrivals(history)
    ahead = figures.forecast(today=today)
    level = (100 * 5 + 40 * 2) / 7
    assert ahead.level == pytest.approx(level)
    assert [value for _day, value in ahead.days] == [100, 100, 100, 100, 100, 40, 40]
    assert ahead.peak_factor is None and ahead.peak_days == []
    assert ahead.total == 580


def test_it_expects_a_semester_start_peak_as_large_as_the_last_one(settings):
    today = date(2027, 2, 22)  # a Monday; the spring semester starts on 2027-02-24
    settings.PARCELS_SEMESTER_STARTS = ["2026-09-01", "2027-02-24", "not a date"]
    history = {}
    for n in range(1, figures.HISTORY_DAYS):
        day = today - timedelta(days=n)
        history[day] = 300 if date(2026, 9, 1) <= day < date(2026, 9, 15) else 100
    arrivals(history)
    ahead = figures.forecast(today=today)
    assert ahead.starts == [date(2026, 9, 1), date(2027, 2, 24)]
    assert ahead.peak_factor == 3.0
    assert ahead.peak_days == [today + timedelta(days=n) for n in range(2, 7)]
    assert [value for _day, value in ahead.days] == [100, 100, 300, 300, 300, 300, 300]


def test_it_forecasts_nothing_without_history():
    ahead = figures.forecast(today=date(2026, 6, 1))
    assert ahead.level is None and ahead.total == 0


# --- the page, the export, the overview ---------------------------------------------------------


def test_it_shows_the_peak_page_to_managers_only(client, station, manager, student):
    a_busy_week(station)
    refresh()
    response = client_of(client, manager).get(reverse("parcels:peak"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "东区驿站" in page and 'id="forecast"' in page and "<meter" in page
    client.force_login(student)
    assert client.get(reverse("parcels:peak")).status_code == 403
    supervisor = UserFactory(username="sup1", roles=[Role.SUPERVISOR])
    client.force_login(supervisor)
    assert client.get(reverse("parcels:peak")).status_code == 200


def test_it_answers_a_bad_period_with_a_message_not_an_error(client, manager):
    client_of(client, manager)
    response = client.get(reverse("parcels:peak"), {"start": "2026-05-01", "end": "2026-04-01"})
    assert response.status_code == 200
    assert "结束日期早于开始日期。" in response.content.decode()  # in the user's language
    response = client.get(reverse("parcels:peak-export"), {"start": "yesterday", "format": "csv"})
    assert response.status_code == 400
    response = client.get(reverse("parcels:peak-export"), {"start": "2020-01-01"})
    assert response.status_code == 200  # no end: the period ends today, too long → 30 days


def test_it_keeps_the_pages_query_count_whatever_the_stations_hold(
    client, station, manager, django_assert_num_queries
):
    client_of(client, manager)
    url = reverse("parcels:peak")
    client.get(url)
    with django_assert_num_queries(7) as few:  # session, user, 3 stations now, rows, carriers…
        client.get(url)
    a_busy_week(station)
    station_with_shelves(code="WEST")
    refresh()
    with django_assert_num_queries(len(few.captured_queries)):
        client.get(url)


def test_it_exports_the_days_with_the_forecast_and_the_carriers(client, station, manager):
    a_busy_week(station)
    refresh()
    client_of(client, manager)
    today = timezone.localdate()
    # 2.5 days ago is the day before yesterday or the day before that, as the clock goes
    query = {"start": (today - timedelta(days=3)).isoformat(), "end": today.isoformat()}
    response = client.get(reverse("parcels:peak-export"), {**query, "headers": "keys"})
    assert response.status_code == 200
    rows = list(
        csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig")))
    )
    history = [r for r in rows if r["kind"] == "history"]
    assert [r["day"] for r in history] == [
        (today - timedelta(days=n)).isoformat() for n in (3, 2, 1, 0)
    ]
    assert sum(int(r["arrived"]) for r in history) == 6  # the JD parcel came six days ago
    assert len([r for r in rows if r["kind"] == "forecast"]) == 6  # after today
    response = client.get(
        reverse("parcels:peak-export"), {**query, "table": "carriers", "headers": "keys"}
    )
    rows = list(
        csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig")))
    )
    assert {r["carrier"]: r["overdue_now"] for r in rows}["jd"] == "1"
    response = client.get(reverse("parcels:peak-export"), {**query, "format": "xlsx"})
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")


def test_it_adds_a_section_to_the_manager_overview(client, station, manager):
    a_busy_week(station)
    refresh()
    page = client_of(client, manager).get(reverse("manager-overview")).content.decode()
    assert reverse("parcels:peak") in page
    assert "All parcels figures" in page or "全部快递数据" in page
