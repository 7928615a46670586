"""A bulk arrival's SlotPlan: the same slots as scanning one by one, codes unique, no query for
the shelves and the fill of each row (bench/bench_parcels.py times it)."""

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from parcels import services
from parcels.errors import NoShelfSpace
from parcels.models import Parcel, Shelf
from tests.parcels.factories import StationFactory, clerk_of, station_with_shelves

pytestmark = pytest.mark.django_db


def scan_all(station, clerk, numbers, plan=None, size="small"):
    with transaction.atomic():
        return [
            services.parcel_scan_in(
                station=station, number=number, by=clerk, size_class=size, slots=plan
            ).parcel
            for number in numbers
        ]


def test_it_fills_the_same_slots_as_one_by_one_with_unique_codes():
    one, bulk = station_with_shelves(code="ONE"), station_with_shelves(code="BULK")
    clerk = clerk_of(one)
    numbers = [f"SF{1000000000000 + n}" for n in range(45)]
    singly = scan_all(one, clerk, numbers)
    planned = scan_all(bulk, clerk, numbers, services.SlotPlan(bulk))
    assert [(p.shelf.number, p.layer) for p in planned] == [
        (p.shelf.number, p.layer) for p in singly
    ]
    codes = [p.pickup_code for p in planned]
    assert len(set(codes)) == len(codes)
    assert all(p.pickup_code.startswith(f"{p.shelf.number}-{p.layer}-") for p in planned)


def test_it_reads_the_shelves_and_the_fill_once_for_all_rows():
    station = station_with_shelves(code="EAST")
    clerk = clerk_of(station)
    scan_all(station, clerk, ["SF1000000000001"])  # warm: the station's first notice etc.
    with CaptureQueriesContext(connection) as singly:
        scan_all(station, clerk, ["SF1000000000002"])
    plan = services.SlotPlan(station)
    scan_all(station, clerk, ["SF1000000000003"], plan)  # reads the codes of its layer
    with CaptureQueriesContext(connection) as planned:
        scan_all(station, clerk, ["SF1000000000004"], plan)
    # no shelves, no fill; the layer's codes were read once (the next emptiest layer's now)
    assert len(planned.captured_queries) <= len(singly.captured_queries) - 2


def test_it_moves_up_a_size_and_says_when_everything_is_full():
    station = StationFactory(code="TINY")
    Shelf.objects.create(
        station=station, number=1, size_class="small", layers=1, capacity_per_layer=2
    )
    Shelf.objects.create(
        station=station, number=2, size_class="large", layers=1, capacity_per_layer=1
    )
    clerk = clerk_of(station)
    plan = services.SlotPlan(station)
    stored = scan_all(station, clerk, [f"SF{2000000000000 + n}" for n in range(3)], plan)
    assert [p.shelf.number for p in stored] == [1, 1, 2]
    with pytest.raises(NoShelfSpace):
        scan_all(station, clerk, ["SF2000000000009"], plan)
    assert Parcel.objects.filter(station=station).count() == 3
