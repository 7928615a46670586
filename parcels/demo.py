"""Demo data of the parcels system, registered with logistics.demo.register_demo_seeder.

Two stations of the 收发室 (so the demo clerk serves both), their shelves, and about 1,500
parcels over the last 30 days with realistic carriers and numbers: most collected (a few by a
proxy), some waiting, some overdue, some unknown recipients and some returned. The student has
three parcels waiting at 东区驿站. Rows are written in bulk (this is history, not a replay of the
services); running it twice changes nothing.
"""

from __future__ import annotations

import random
from datetime import time, timedelta

from django.utils import timezone

from logistics.demo import DemoData, register_demo_seeder
from parcels.carriers import s10_check_digit
from parcels.models import (
    Carrier,
    Parcel,
    ParcelEvent,
    Pickup,
    Proxy,
    ReturnRecord,
    Shelf,
    SizeClass,
    Station,
    StationClosedDay,
)
from parcels.opening import StationCalendar

DAYS = 30
PER_DAY = 50
# (code, name, English name, building, shelves [(number, size, layers)])
STATIONS = [
    (
        "MH-EAST",
        "东区驿站",
        "East Parcel Station",
        "MH-D1",
        [(n, SizeClass.SMALL, 5) for n in range(1, 9)]
        + [(9, SizeClass.MEDIUM, 4), (10, SizeClass.MEDIUM, 4), (11, SizeClass.LARGE, 3)]
        + [(20, SizeClass.OVERSIZED, 1)],
    ),
    (
        "MH-ADMIN",
        "行政楼收发室",
        "Administration Mailroom",
        "MH-A1",
        [(1, SizeClass.SMALL, 4), (2, SizeClass.SMALL, 4), (3, SizeClass.MEDIUM, 3)]
        + [(9, SizeClass.OVERSIZED, 1)],
    ),
]
CARRIER_SHARE = [
    (Carrier.ZTO, 20),
    (Carrier.YTO, 16),
    (Carrier.YUNDA, 14),
    (Carrier.STO, 10),
    (Carrier.JT, 10),
    (Carrier.SF, 10),
    (Carrier.JD, 9),
    (Carrier.EMS, 5),
    (Carrier.CAINIAO, 3),
    (Carrier.DEPPON, 2),
    (Carrier.UPU, 1),
]
UNKNOWN_NAMES = ["王磊", "刘洋", "陈晨", "杨帆", "赵雪", "孙杰", "周琳", "吴昊", "郑爽", "马超"]
COURIERS = ["李师傅", "王师傅", "陈师傅"]
PHONES = {"student": "13800131234", "student2": "13900135678", "teacher": "13700132468"}


def tracking_number(carrier: str, rng: random.Random) -> str:
    digits = lambda n: "".join(rng.choice("0123456789") for _ in range(n))  # noqa: E731
    if carrier == Carrier.UPU:
        serial = digits(8)
        return f"RR{serial}{s10_check_digit(serial)}{rng.choice(['US', 'DE', 'JP', 'GB'])}"
    return {
        Carrier.SF: lambda: "SF" + digits(13),
        Carrier.JD: lambda: "JDV" + digits(12),
        Carrier.JT: lambda: "JT" + digits(13),
        Carrier.YTO: lambda: "YT" + digits(13),
        Carrier.ZTO: lambda: "7" + digits(13),
        Carrier.STO: lambda: "77" + digits(11),
        Carrier.YUNDA: lambda: "46" + digits(11),
        Carrier.EMS: lambda: "9" + digits(12),
        Carrier.CAINIAO: lambda: "LP" + digits(14),
        Carrier.DEPPON: lambda: "DPK" + digits(12),
    }[carrier]()


def seed_parcels(demo: DemoData) -> None:
    stations = [_station(demo, *row) for row in STATIONS]
    if Parcel.objects.filter(station__in=stations).exists():
        return
    _closed_days(stations[1])
    for username, phone in PHONES.items():
        user = demo.users[username]
        if not user.phone:
            user.phone = phone
            user.save(update_fields=["phone"])
    _history(demo, stations, random.Random(13))
    _ageing_and_delivery(demo, stations[0])


def _station(demo: DemoData, code, name, name_en, building, shelves) -> Station:
    station, _ = Station.objects.get_or_create(
        code=code,
        defaults={
            "name": name,
            "name_en": name_en,
            "building": demo.buildings[building],
            "department": demo.departments["MAIL"],
            "opens_at": time(9),
            "closes_at": time(21),
        },
    )
    for number, size, layers in shelves:
        Shelf.objects.get_or_create(
            station=station,
            number=number,
            defaults={"size_class": size, "layers": layers, "capacity_per_layer": 40},
        )
    return station


def _closed_days(station: Station) -> None:
    """The west station closes for a stock-taking day a week ago and next week: its parcels'
    deadlines count the open days around them."""
    today = timezone.localdate()
    for offset in (-7, 7):
        StationClosedDay.objects.get_or_create(
            station=station, date=today + timedelta(days=offset), defaults={"reason": "盘点"}
        )


def _history(demo: DemoData, stations: list[Station], rng: random.Random) -> None:
    now = timezone.now()
    clerk = demo.users["mailroom_clerk"]
    people = [demo.users[name] for name in PHONES]
    shelves = {s.pk: list(s.shelves.all()) for s in stations}
    calendars = {s.pk: StationCalendar(s) for s in stations}
    carriers, weights = zip(*CARRIER_SHARE, strict=True)
    codes: set[tuple[int, str]] = set()
    parcels = []
    for day in range(DAYS, -1, -1):
        for _n in range(PER_DAY if day else 12):
            station = stations[0] if rng.random() < 0.75 else stations[1]
            arrived = now - timedelta(days=day, minutes=rng.randint(0, 600))
            parcels.append(
                _parcel(station, arrived, rng, carriers, weights, people, shelves, codes, clerk)
            )
    _student_batch(demo, stations[0], parcels, shelves, codes, clerk, now)
    for parcel in parcels:  # free storage and return count the station's open days
        calendar = calendars[parcel.station_id]
        parcel.free_until = calendar.add_open_days(parcel.arrived_at, parcel.station.free_days)
        parcel.return_due_at = calendar.add_open_days(parcel.arrived_at, parcel.station.return_days)
    Parcel.objects.bulk_create(parcels, batch_size=500)
    _close_old(parcels, demo, rng, clerk, now)


def _parcel(station, arrived, rng, carriers, weights, people, shelves, codes, clerk) -> Parcel:
    carrier = rng.choices(carriers, weights)[0]
    shelf = rng.choice([s for s in shelves[station.pk] if s.size_class != SizeClass.OVERSIZED])
    layer = rng.randint(1, shelf.layers)
    code = _code(station, shelf, layer, rng, codes)
    known = rng.random() > 0.08
    person = rng.choice(people) if known else None
    return Parcel(
        station=station,
        tracking_number=tracking_number(carrier, rng),
        carrier=carrier,
        recipient=person,
        recipient_name=person.get_display_name() if person else rng.choice(UNKNOWN_NAMES),
        phone_tail=(
            person.phone[-4:] if person and person.phone else f"{rng.randint(0, 9999):04d}"
        ),
        size_class=shelf.size_class,
        shelf=shelf,
        layer=layer,
        pickup_code=code,
        arrived_at=arrived,
        scanned_by=clerk,
    )


def _code(station, shelf, layer, rng, codes) -> str:
    while True:
        code = f"{shelf.number}-{layer}-{rng.randint(0, 9999):04d}"
        if (station.pk, code) not in codes:
            codes.add((station.pk, code))
            return code


def _student_batch(demo, station, parcels, shelves, codes, clerk, now) -> None:
    """Three parcels of the student, scanned ten minutes ago, at 东区驿站."""
    student = demo.users["student"]
    rng = random.Random(7)
    for index, carrier in enumerate((Carrier.SF, Carrier.ZTO, Carrier.JD)):
        shelf = shelves[station.pk][index]
        parcel = Parcel(
            station=station,
            tracking_number=tracking_number(carrier, rng),
            carrier=carrier,
            recipient=student,
            recipient_name=student.get_display_name(),
            phone_tail=student.phone[-4:],
            shelf=shelf,
            layer=2,
            pickup_code=_code(station, shelf, 2, rng, codes),
            arrived_at=now - timedelta(minutes=10 + index),
            scanned_by=clerk,
        )
        parcels.append(parcel)


def _close_old(parcels, demo, rng, clerk, now) -> None:
    """Collects most parcels older than a day (a few by a proxy), returns some of those past
    the return period, and writes every parcel's timeline."""
    events, picked, returned = [], [], []
    proxy = Proxy.objects.create(
        recipient=demo.users["student2"],
        valid_on=(now - timedelta(days=2)).date(),
        proxy_user=demo.users["student"],
        code="204816",
        used_at=now - timedelta(days=2),
    )
    for parcel in parcels:
        events.append(_event(parcel, "scanned_in", parcel.arrived_at, clerk))
        age = now - parcel.arrived_at
        if age < timedelta(days=1) or rng.random() < 0.04:
            continue  # still waiting (some of them overdue)
        overdue = age > timedelta(days=parcel.station.return_days + 1)
        if parcel.recipient_id is None or (overdue and rng.random() < 0.5):
            if parcel.return_due_at <= now:  # else still waiting for its return date
                returned.append(parcel)
            continue
        # nothing is closed in the future: a pickup still to come leaves the parcel waiting
        # (the stock of the last days then ebbs away as it would, not all at once today)
        when = parcel.arrived_at + timedelta(hours=rng.randint(2, 60))
        if when <= now:
            picked.append((parcel, when))
    _pick_up(picked, proxy, rng, clerk, events)
    _return(returned, clerk, events)
    Parcel.objects.bulk_update(
        [parcel for parcel, _when in picked] + returned,
        ["status", "closed_at", "pickup", "return_record"],
        batch_size=500,
    )
    ParcelEvent.objects.bulk_create(events, batch_size=1000)


def _return(returned, clerk, events) -> None:
    """One courier's sign-out per station, carrier and day (a ReturnRecord each)."""
    records: dict[tuple, ReturnRecord] = {}
    for parcel in returned:
        parcel.status = Parcel.Status.RETURNED
        parcel.closed_at = parcel.return_due_at
        key = (parcel.station_id, parcel.carrier, parcel.closed_at.date())
        if key not in records:
            records[key] = ReturnRecord.objects.create(
                station=parcel.station,
                carrier=parcel.carrier or Carrier.OTHER,
                courier_name=COURIERS[len(records) % len(COURIERS)],
                clerk=clerk,
                created_at=parcel.closed_at,
            )
        parcel.return_record = records[key]
        events.append(_event(parcel, "returned", parcel.closed_at, clerk))


def _ageing_and_delivery(demo: DemoData, station: Station) -> None:
    """The ageing sweep once (overdue parcels onto the return lists), and the teacher's office
    delivery: two parcels on the delivery run to the administration building."""
    from parcels import delivery, returns, services

    returns.parcels_send_for_return(now=timezone.now())
    teacher = demo.users["teacher"]
    delivery.preference_set(
        user=teacher, mode="office", building=demo.buildings["MH-A1"], office="305"
    )
    clerk = demo.users["mailroom_clerk"]
    for number in ("SF7300000000001", "JDX000000000731"):
        services.parcel_scan_in(
            station=station, number=number, by=clerk, recipient_hint=teacher.username
        )


def _pick_up(picked, proxy, rng, clerk, events) -> None:
    pickups = []
    for parcel, when in picked:
        by_proxy = parcel.recipient_id == proxy.recipient_id and rng.random() < 0.05
        pickups.append(
            Pickup(
                station=parcel.station,
                clerk=clerk,
                recipient=parcel.recipient,
                proxy=proxy if by_proxy else None,
                method=Pickup.Method.PROXY if by_proxy else rng.choice(["qr", "code", "phone"]),
                collected_by_name=(
                    proxy.collector_name if by_proxy else parcel.recipient.get_display_name()
                ),
                created_at=when,
            )
        )
        parcel.status, parcel.closed_at = Parcel.Status.PICKED_UP, when
        events.append(_event(parcel, "picked_up", when, clerk))
    Pickup.objects.bulk_create(pickups, batch_size=500)
    for (parcel, _when), pickup in zip(picked, pickups, strict=True):
        parcel.pickup = pickup


def _event(parcel, action, when, clerk) -> ParcelEvent:
    return ParcelEvent(
        parcel=parcel,
        actor=clerk,
        action=action,
        from_status="" if action == "scanned_in" else Parcel.Status.WAITING,
        to_status={"scanned_in": "waiting", "picked_up": "picked_up"}.get(action, "returned"),
        created_at=when,
    )


register_demo_seeder(60, seed_parcels)
