"""Scan-in, notices, pickup and proxies: the parcels services."""

import re
from datetime import datetime, time, timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone

from logistics.models import Notification, StaffScope
from logistics.roles import Role
from logistics.workflow import InvalidInput, NotAllowed
from parcels import pickup, services
from parcels.errors import InvalidTrackingNumber, NoShelfSpace, NothingToPickUp, TooManyAttempts
from parcels.models import Parcel, ParcelNotice, Shelf
from tests.logistics.factories import RoomFactory, UserFactory
from tests.parcels.factories import clerk_of, station_with_shelves

pytestmark = pytest.mark.django_db


@pytest.fixture
def station():
    return station_with_shelves(code="EAST", name="东区驿站", name_en="East station")


@pytest.fixture
def clerk(station):
    return clerk_of(station)


@pytest.fixture
def zhang(db):
    return UserFactory(
        username="2024001", display_name="张伟", phone="13812341234", roles=[Role.STUDENT]
    )


def scan(station, clerk, number, **kwargs):
    return services.parcel_scan_in(station=station, number=number, by=clerk, **kwargs)


def test_it_scans_in_with_carrier_slot_code_and_timeline(station, clerk, zhang):
    result = scan(station, clerk, "sf1234567890123", recipient_hint="张伟 1234")
    parcel = result.parcel
    assert result.created and parcel.carrier == "sf" and parcel.recipient == zhang
    assert re.fullmatch(r"[12]-[1-4]-\d{4}", parcel.pickup_code)
    assert parcel.pickup_code.startswith(f"{parcel.shelf.number}-{parcel.layer}-")
    assert parcel.free_until == parcel.arrived_at + timedelta(days=3)
    assert parcel.return_due_at == parcel.arrived_at + timedelta(days=7)
    assert list(parcel.events.values_list("action", flat=True)) == ["scanned_in"]


def test_it_is_idempotent_for_a_number_waiting_at_the_station(station, clerk, zhang):
    first = scan(station, clerk, "SF1234567890123", recipient_hint="张伟 1234")
    again = scan(station, clerk, "SF 1234 5678 90123")
    assert not again.created and again.parcel.pk == first.parcel.pk
    assert Parcel.objects.count() == 1 and first.parcel.events.count() == 1


def test_it_keeps_ambiguous_carriers_as_candidates_until_the_clerk_picks(station, clerk):
    parcel = scan(station, clerk, "4312345678901").parcel
    assert parcel.carrier == "" and parcel.carrier_candidates == ["sto", "yunda"]
    services.parcel_set_carrier(parcel=parcel, carrier="yunda", by=clerk)
    parcel.refresh_from_db()
    assert parcel.carrier == "yunda" and parcel.carrier_candidates == []


def test_it_lets_the_clerk_override_the_carrier_at_scan_in(station, clerk):
    assert scan(station, clerk, "SF1234567890123", carrier="jd").parcel.carrier == "jd"


def test_it_refuses_a_malformed_s10_number_with_the_reason(station, clerk):
    with pytest.raises(InvalidTrackingNumber) as refused:
        scan(station, clerk, "EE123456784CN")
    assert "check digit" in str(refused.value.message)
    assert not Parcel.objects.exists()


def test_it_matches_by_campus_id_and_by_room(station, clerk, zhang):
    assert (
        scan(station, clerk, "SF1000000000001", recipient_hint="2024001").parcel.recipient == zhang
    )
    room = RoomFactory(number="101")
    zhang.dorm_room = room
    zhang.save(update_fields=["dorm_room"])
    hint = f"{room.building.code} 101"
    assert scan(station, clerk, "SF1000000000002", recipient_hint=hint).parcel.recipient == zhang


def test_it_keeps_an_unknown_recipient_stored_and_findable(station, clerk, zhang):
    UserFactory(username="2024009", display_name="张伟", phone="13900001234")  # same name + tail
    parcel = scan(station, clerk, "SF1000000000003", recipient_hint="张伟 1234").parcel
    assert (
        parcel.recipient is None and parcel.recipient_name == "张伟" and parcel.phone_tail == "1234"
    )
    assert parcel.pickup_code
    assert Parcel.objects.waiting().unknown_recipient().get() == parcel
    services.parcel_resolve_recipient(parcel=parcel, recipient=zhang, by=clerk)
    parcel.refresh_from_db()
    assert parcel.recipient == zhang and parcel.notice is not None


def test_it_fills_the_emptiest_layer_and_moves_up_a_size_when_full(station, clerk):
    Shelf.objects.filter(station=station, size_class="small").update(capacity_per_layer=1)
    slots = {scan(station, clerk, f"SF10000000000{n:02d}").parcel.slot for n in range(8)}
    assert len(slots) == 8  # two shelves × four layers, one each
    overflow = scan(station, clerk, "SF1000000000099").parcel
    assert overflow.shelf.size_class == "medium"


def test_it_says_when_no_shelf_has_room(station, clerk):
    Shelf.objects.filter(station=station).update(capacity_per_layer=1)
    Shelf.objects.filter(station=station).exclude(size_class="oversized").delete()
    scan(station, clerk, "SF1000000000001")
    with pytest.raises(NoShelfSpace):
        scan(station, clerk, "SF1000000000002")


def test_it_draws_codes_unique_among_waiting_parcels(station, clerk):
    Shelf.objects.filter(station=station).exclude(number=1).delete()
    Shelf.objects.filter(station=station).update(layers=1, capacity_per_layer=500)
    codes = [scan(station, clerk, f"SF1{n:012d}").parcel.pickup_code for n in range(200)]
    assert len(set(codes)) == 200


def test_it_announces_a_batch_of_parcels_in_one_notice(station, clerk, zhang, settings):
    settings.LANGUAGE_CODE = "en"
    parcels = [
        scan(station, clerk, f"SF100000000000{n}", recipient_hint="2024001").parcel
        for n in range(3)
    ]
    assert ParcelNotice.objects.count() == 1
    assert services.notices_send_due() == 0  # the window is still open
    # past the window, at 10:00 tomorrow (the station is open until 21:00, whenever this runs)
    later = timezone.make_aware(
        datetime.combine(timezone.localdate() + timedelta(days=1), time(10))
    )
    assert services.notices_send_due(now=later) == 1
    assert services.notices_send_due(now=later) == 0  # sent once
    notice = Notification.objects.get(recipient=zhang)
    assert notice.kind == "parcels.arrived"
    assert notice.title.startswith("3 parcels at East station: ")
    assert all(p.pickup_code in notice.title for p in parcels)
    assert "open until 21:00" in notice.title
    # a parcel scanned after the window opens a new notice
    scan(station, clerk, "SF1000000000009", recipient_hint="2024001", arrived_at=later)
    assert ParcelNotice.objects.count() == 2


def test_it_sends_no_notice_when_everything_was_collected_in_the_window(station, clerk, zhang):
    parcel = scan(station, clerk, "SF1000000000001", recipient_hint="2024001").parcel
    services.parcels_hand_over(station=station, parcels=[parcel], by=clerk, method="code")
    assert services.notices_send_due(now=timezone.now() + timedelta(minutes=11)) == 0
    assert not Notification.objects.filter(recipient=zhang).exists()


def test_it_finds_parcels_by_qr_code_phone_tail_and_hands_them_over(station, clerk, zhang):
    for n in range(3):
        scan(station, clerk, f"SF100000000000{n}", recipient_hint="2024001")
    found = pickup.lookup(station=station, text=pickup.qr_token(zhang), by=clerk)
    assert found.method == "qr" and len(found.parcels) == 3
    assert len(pickup.lookup(station=station, text="1234", by=clerk).parcels) == 3
    one = pickup.lookup(station=station, text=found.parcels[0].pickup_code, by=clerk)
    assert one.parcels == [found.parcels[0]]
    proof = services.parcels_hand_over(
        station=station, parcels=found.parcels, by=clerk, method="qr"
    )
    assert proof.clerk == clerk and proof.recipient == zhang and proof.collected_by_name == "张伟"
    assert Parcel.objects.filter(status="picked_up", pickup=proof).count() == 3
    with pytest.raises(NothingToPickUp):
        pickup.lookup(station=station, text="1234", by=clerk)


def test_it_refuses_an_expired_or_forged_qr_code(station, clerk, zhang, settings):
    scan(station, clerk, "SF1000000000001", recipient_hint="2024001")
    token = pickup.qr_token(zhang)
    with pytest.raises(NothingToPickUp):
        pickup.lookup(station=station, text=token[:-2] + "xx", by=clerk)
    settings.PARCELS_PICKUP_QR_MINUTES = -1
    with pytest.raises(NothingToPickUp):
        pickup.lookup(station=station, text=token, by=clerk)


def test_it_rate_limits_wrong_codes(station, clerk, settings):
    settings.PARCELS_WRONG_CODES_PER_HOUR = 3
    cache.delete_many(pickup._keys(station, clerk))  # a test database reuses ids across runs
    for _attempt in range(3):
        with pytest.raises(NothingToPickUp):
            pickup.lookup(station=station, text="1-1-0000", by=clerk)
    with pytest.raises(TooManyAttempts):
        pickup.lookup(station=station, text="1-1-0000", by=clerk)


def test_the_wrong_code_limit_holds_per_station_and_per_clerk(station, clerk, settings):
    settings.PARCELS_WRONG_CODES_PER_HOUR = 2
    west = station_with_shelves(code="WEST", name="西区驿站", name_en="West station")
    StaffScope.objects.create(user=clerk, role=Role.MAILROOM_CLERK, building=west.building)
    colleague = clerk_of(station, "clerk2")
    newcomer = clerk_of(west, "clerk3")
    for who in (clerk, colleague, newcomer):
        cache.delete_many(pickup._keys(station, who) + pickup._keys(west, who))
    for _attempt in range(2):
        with pytest.raises(NothingToPickUp):
            pickup.lookup(station=station, text="1-1-0000", by=clerk)
    with pytest.raises(TooManyAttempts):  # the station's limit: another clerk there too
        pickup.lookup(station=station, text="1-1-0000", by=colleague)
    with pytest.raises(TooManyAttempts):  # the clerk's limit: at another station too
        pickup.lookup(station=west, text="1-1-0000", by=clerk)
    with pytest.raises(NothingToPickUp):  # someone else at another station is not limited
        pickup.lookup(station=west, text="1-1-0000", by=newcomer)


def test_it_lets_a_proxy_collect_with_a_one_time_code(station, clerk, zhang):
    parcels = [
        scan(station, clerk, f"SF100000000000{n}", recipient_hint="2024001").parcel
        for n in range(2)
    ]
    proxy = services.proxy_create(recipient=zhang, proxy_name="李雷")
    found = pickup.lookup(station=station, text=proxy.code, by=clerk)
    assert found.proxy == proxy and {p.pk for p in found.parcels} == {p.pk for p in parcels}
    proof = services.parcels_hand_over(
        station=station, parcels=found.parcels, by=clerk, method="proxy", proxy=proxy
    )
    assert proof.collected_by_name == "李雷" and proof.by_proxy
    proxy.refresh_from_db()
    assert proxy.used_at is not None
    with pytest.raises(NothingToPickUp):  # one time only
        pickup.lookup(station=station, text=proxy.code, by=clerk)


def test_a_proxy_code_holds_for_its_day_only(station, clerk, zhang):
    scan(station, clerk, "SF1000000000001", recipient_hint="2024001")
    yesterday = timezone.localdate() - timedelta(days=1)
    stale = services.proxy_create(recipient=zhang, proxy_name="李雷", valid_on=yesterday)
    with pytest.raises(NothingToPickUp):
        pickup.lookup(station=station, text=stale.code, by=clerk)
    fresh = services.proxy_create(recipient=zhang, proxy_name="李雷")
    assert len(pickup.lookup(station=station, text=fresh.code, by=clerk).parcels) == 1


def test_it_limits_a_proxy_to_its_parcel(station, clerk, zhang, other_student):
    one, two = (
        scan(station, clerk, f"SF100000000000{n}", recipient_hint="2024001").parcel
        for n in range(2)
    )
    proxy = services.proxy_create(recipient=zhang, parcel=two, proxy_user=other_student)
    assert pickup.lookup(station=station, text=proxy.code, by=clerk).parcels == [two]
    assert Notification.objects.filter(recipient=other_student, kind="parcels.proxy").exists()
    with pytest.raises(NotAllowed):
        services.proxy_create(recipient=other_student, parcel=one, proxy_name="X")


def test_it_hands_over_only_at_the_clerks_own_station(station, zhang):
    other = station_with_shelves(code="WEST")
    stranger = clerk_of(other, "clerk2")
    parcel = scan(station, None, "SF1000000000001", recipient_hint="2024001").parcel
    with pytest.raises(NotAllowed):
        services.parcels_hand_over(station=station, parcels=[parcel], by=stranger, method="code")
    with pytest.raises(InvalidInput):
        services.parcels_hand_over(station=station, parcels=[], by=stranger, method="code")
