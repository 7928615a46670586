"""The parcels' integration events: arrived (one scan and a bulk arrival) and picked up, with
neither tracking number, pickup code, name nor phone digits."""

import pytest

from parcels import arrivals, services
from tests.fixtures.events import assert_no_personal_data
from tests.parcels.factories import clerk_of, station_with_shelves
from tests.parcels.test_services import zhang  # noqa: F401  (a fixture)

pytestmark = pytest.mark.django_db


def test_it_announces_arrivals_and_the_pickup(event_log, zhang):  # noqa: F811
    station = station_with_shelves(code="EAST", name="东区驿站", name_en="East station")
    clerk = clerk_of(station)
    one = services.parcel_scan_in(
        station=station, number="SF1000000000001", by=clerk, recipient_hint="张伟 1234"
    )
    row = {
        "recipient_hint": "",
        "recipient_name": "张伟",
        "recipient_phone": "13812341234",
        "size_class": "small",
        "carrier": "",
        "arrived_at": None,
    }
    bulk = arrivals.arrivals_scan_in(
        station=station,
        rows=[row | {"number": "SF1000000000002"}, row | {"number": "SF1000000000003"}],
        by=clerk,
    )

    services.parcels_hand_over(station=station, parcels=[one.parcel], by=clerk, method="code")

    arrived = event_log("parcels.parcel.arrived")
    assert [a["data"]["parcel_id"] for a in arrived] == [one.parcel.pk] + [
        r.parcel.pk for r in bulk
    ]
    (picked_up,) = event_log("parcels.parcel.picked_up")
    assert picked_up["data"]["recipient"] == zhang.username
    assert picked_up["data"]["by_proxy"] is False
    for body in [*arrived, picked_up]:
        assert_no_personal_data(body, zhang)
        assert one.parcel.pickup_code not in str(body)
        assert "SF100000000000" not in str(body)
