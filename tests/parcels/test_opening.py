"""A station's closed days (its own, and the campus holidays it follows): free storage and the
return period count open days only, a deadline never falls on a closed day, the bulk arrival
counts the same way, and the arrival notice says when a closed station opens next."""

from datetime import date, datetime, time, timedelta

import pytest
from django.utils import timezone

from logistics.models import CalendarDay, Notification
from parcels import services
from parcels.arrivals import arrivals_scan_in
from parcels.models import ParcelNotice, StationClosedDay
from parcels.opening import StationCalendar
from tests.logistics.factories import UserFactory
from tests.parcels.factories import clerk_of, station_with_shelves

pytestmark = pytest.mark.django_db
MONDAY = date(2026, 12, 7)


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


@pytest.fixture
def station():
    return station_with_shelves(code="EAST", name="东区驿站", name_en="East station")


@pytest.fixture
def clerk(station):
    return clerk_of(station)


@pytest.fixture
def zhang(db):
    return UserFactory(username="2024001", display_name="张伟", phone="13812341234")


def closed_on_tuesday_and_a_holiday_on_thursday(station):
    StationClosedDay.objects.create(station=station, date=MONDAY + timedelta(days=1), reason="盘点")
    CalendarDay.objects.create(date=MONDAY + timedelta(days=3), name="校庆")


def test_without_closed_days_the_deadlines_are_whole_days(station, clerk):
    parcel = services.parcel_scan_in(
        station=station, number="SF1000000000001", by=clerk, arrived_at=at(MONDAY, 10)
    ).parcel
    assert parcel.free_until == at(MONDAY + timedelta(days=3), 10)
    assert parcel.return_due_at == at(MONDAY + timedelta(days=7), 10)


def test_the_deadlines_skip_the_stations_closed_days_and_the_campus_holidays(station, clerk):
    closed_on_tuesday_and_a_holiday_on_thursday(station)
    parcel = services.parcel_scan_in(
        station=station, number="SF1000000000001", by=clerk, arrived_at=at(MONDAY, 10)
    ).parcel
    # Wed (1), Fri (2), Sat (3): Tuesday and Thursday do not count
    assert parcel.free_until == at(date(2026, 12, 12), 10)
    # Wed, Fri, Sat, Sun, Mon, Tue, Wed
    assert parcel.return_due_at == at(date(2026, 12, 16), 10)


def test_a_station_open_on_holidays_counts_them_and_make_up_days_are_open(station, clerk):
    closed_on_tuesday_and_a_holiday_on_thursday(station)
    CalendarDay.objects.create(date=MONDAY + timedelta(days=5), is_workday=True, name="调休")
    station.closed_on_holidays = False
    station.save(update_fields=["closed_on_holidays"])
    parcel = services.parcel_scan_in(
        station=station, number="SF1000000000001", by=clerk, arrived_at=at(MONDAY, 10)
    ).parcel
    assert parcel.free_until == at(date(2026, 12, 11), 10)  # Wed, Thu, Fri


def test_a_deadline_never_falls_on_a_closed_day(station):
    for offset in (3, 4, 5):  # Thursday to Saturday
        StationClosedDay.objects.create(station=station, date=MONDAY + timedelta(days=offset))
    calendar = StationCalendar(station)
    deadline = calendar.add_open_days(at(MONDAY, 20, 30), 3)
    assert deadline == at(date(2026, 12, 13), 20, 30)  # Tue, Wed, Sun
    assert all(calendar.is_open(MONDAY + timedelta(days=d)) for d in (1, 2, 6))


def test_a_long_closure_reads_past_the_first_stretch(station):
    StationClosedDay.objects.bulk_create(
        StationClosedDay(station=station, date=MONDAY + timedelta(days=d)) for d in range(1, 71)
    )
    deadline = StationCalendar(station).add_open_days(at(MONDAY, 9), 1)
    assert deadline == at(MONDAY + timedelta(days=71), 9)


def test_the_bulk_arrival_counts_the_same_days(station, clerk):
    closed_on_tuesday_and_a_holiday_on_thursday(station)
    rows = [
        {
            "number": f"SF100000000000{n}",
            "recipient_hint": "",
            "recipient_name": "",
            "recipient_phone": "",
            "size_class": "small",
            "carrier": "",
            "arrived_at": at(MONDAY, 10),
        }
        for n in range(3)
    ]
    results = arrivals_scan_in(station=station, rows=rows, by=clerk)
    assert {r.parcel.free_until for r in results} == {at(date(2026, 12, 12), 10)}
    assert {r.parcel.return_due_at for r in results} == {at(date(2026, 12, 16), 10)}


def send(moment: datetime) -> None:
    """Sends the open notice at `moment`, as the beat sweep would then."""
    ParcelNotice.objects.update(send_at=moment - timedelta(minutes=1))
    assert services.notices_send_due(now=moment) == 1


@pytest.mark.parametrize(
    ("sent", "says"),
    [
        (at(MONDAY, 10), "open until 21:00"),
        (at(MONDAY, 22), "closed now, opens 12-09 09:00"),  # Tuesday is closed
        (at(MONDAY + timedelta(days=1), 12), "closed now, opens tomorrow 09:00"),
    ],
)
def test_the_arrival_notice_says_when_a_closed_station_opens(
    station, clerk, zhang, settings, sent, says
):
    settings.LANGUAGE_CODE = "en"
    closed_on_tuesday_and_a_holiday_on_thursday(station)
    services.parcel_scan_in(
        station=station, number="SF1000000000001", by=clerk, recipient_hint="2024001"
    )
    send(sent)
    title = Notification.objects.get(recipient=zhang).title
    assert title.endswith(says), title


def test_the_arrival_notice_in_chinese_on_a_closed_day(station, clerk, zhang, settings):
    settings.LANGUAGE_CODE = "zh-hans"
    closed_on_tuesday_and_a_holiday_on_thursday(station)
    services.parcel_scan_in(
        station=station, number="SF1000000000001", by=clerk, recipient_hint="2024001"
    )
    send(at(MONDAY, 22))
    title = Notification.objects.get(recipient=zhang).title
    assert title.endswith("今日已闭站，12-09 09:00 开放"), title
