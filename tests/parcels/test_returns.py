"""Ageing and returns: the overdue list, the reminder before the return deadline, the move to
the return list, the courier's sign-out, moving a parcel, and the parcel's timeline."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from logistics.models import Notification
from logistics.roles import Role
from logistics.workflow import InvalidInput, NotAllowed
from parcels import returns, services
from parcels.errors import InvalidTransition, NoShelfSpace
from parcels.models import Parcel, ReturnRecord, Shelf
from parcels.tasks import sweep_ageing
from tests.logistics.factories import UserFactory
from tests.parcels.factories import clerk_of, station_with_shelves

pytestmark = pytest.mark.django_db
Status = Parcel.Status


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


def scan(station, clerk, number, *, days_ago=0, **kwargs):
    arrived = timezone.now() - timedelta(days=days_ago)
    return services.parcel_scan_in(
        station=station, number=number, by=clerk, arrived_at=arrived, **kwargs
    ).parcel


def as_user(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def test_it_lists_overdue_parcels_oldest_first(station, clerk, zhang):
    fresh = scan(station, clerk, "SF1000000000001", recipient_hint="2024001", days_ago=1)
    old = scan(station, clerk, "SF1000000000002", recipient_hint="2024001", days_ago=6)
    older = scan(station, clerk, "SF1000000000003", days_ago=5.5)
    assert list(returns.overdue_parcels(station)) == [old, older]
    assert fresh not in returns.overdue_parcels(station)


def test_it_reminds_once_per_person_before_the_return_deadline(station, clerk, zhang):
    first = scan(station, clerk, "SF1000000000001", recipient_hint="2024001", days_ago=6.5)
    second = scan(station, clerk, "SF1000000000002", recipient_hint="2024001", days_ago=6.2)
    scan(station, clerk, "SF1000000000003", recipient_hint="2024001", days_ago=2)
    Notification.objects.all().delete()
    assert returns.return_reminders_send(now=timezone.now()) == 2
    notes = Notification.objects.filter(recipient=zhang, kind="parcels.return_reminder")
    assert notes.count() == 1
    assert first.pickup_code in notes.get().title and second.pickup_code in notes.get().title
    assert returns.return_reminders_send(now=timezone.now()) == 0  # a second run sends nothing
    assert notes.count() == 1
    assert first.events.filter(action="reminded").count() == 1


def test_it_moves_parcels_past_the_return_period_to_the_return_list(station, clerk, zhang):
    due = scan(station, clerk, "SF1000000000001", recipient_hint="2024001", days_ago=8)
    kept = scan(station, clerk, "SF1000000000002", recipient_hint="2024001", days_ago=3)
    assert sweep_ageing() == {"reminded": 0, "to_return": 1}
    assert sweep_ageing() == {"reminded": 0, "to_return": 0}
    due.refresh_from_db(), kept.refresh_from_db()
    assert due.status == Status.TO_RETURN and kept.status == Status.WAITING
    assert list(returns.return_list(station, "sf")) == [due]
    assert list(due.events.values_list("action", flat=True)) == ["scanned_in", "sent_for_return"]


def test_the_courier_signs_out_the_carriers_parcels_with_a_record(station, clerk, zhang):
    parcels = [
        scan(station, clerk, number, recipient_hint="2024001", days_ago=8)
        for number in ("SF1000000000001", "SF1000000000002")
    ]
    returns.parcels_send_for_return(now=timezone.now())
    for parcel in parcels:
        parcel.refresh_from_db()
    proof = returns.parcels_return(
        station=station, parcels=parcels, courier_name=" 李师傅 ", by=clerk
    )
    assert (proof.carrier, proof.courier_name, proof.clerk) == ("sf", "李师傅", clerk)
    for parcel in parcels:
        parcel.refresh_from_db()
        assert parcel.status == Status.RETURNED and parcel.return_record == proof
        assert parcel.closed_at is not None
        event = parcel.events.get(action="returned")
        assert event.actor == clerk and event.data["courier"] == "李师傅"


def test_it_refuses_a_sign_out_without_courier_or_mixing_carriers(station, clerk):
    sf = scan(station, clerk, "SF1000000000001", days_ago=8)
    jd = scan(station, clerk, "JD0001234567890", days_ago=8)
    with pytest.raises(InvalidInput) as no_name:
        returns.parcels_return(station=station, parcels=[sf], courier_name=" ", by=clerk)
    assert "courier_name" in no_name.value.fields
    with pytest.raises(InvalidInput) as mixed:
        returns.parcels_return(station=station, parcels=[sf, jd], courier_name="李", by=clerk)
    assert "parcels" in mixed.value.fields
    assert not ReturnRecord.objects.exists()


def test_a_student_may_not_sign_out_and_a_returned_parcel_stays_returned(station, clerk, zhang):
    parcel = scan(station, clerk, "SF1000000000001", recipient_hint="2024001")
    with pytest.raises(NotAllowed):
        returns.parcels_return(station=station, parcels=[parcel], courier_name="李", by=zhang)
    returns.parcels_return(station=station, parcels=[parcel], courier_name="李", by=clerk)
    with pytest.raises(InvalidTransition):
        returns.parcels_return(station=station, parcels=[parcel], courier_name="李", by=clerk)


def test_it_moves_a_parcel_to_another_shelf_with_a_new_code(station, clerk, zhang):
    parcel = scan(station, clerk, "SF1000000000001", recipient_hint="2024001")
    target = Shelf.objects.get(station=station, number=3)
    returns.parcel_move(parcel=parcel, shelf=target, layer=2, by=clerk)
    parcel.refresh_from_db()
    assert parcel.pickup_code.startswith("3-2-") and parcel.slot == "3-2"
    event = parcel.events.get(action="moved")
    assert event.data["to"]["code"] == parcel.pickup_code
    target.capacity_per_layer = 1
    target.save()
    other = scan(station, clerk, "SF1000000000002")
    with pytest.raises(NoShelfSpace):
        returns.parcel_move(parcel=other, shelf=target, layer=2, by=clerk)


def test_the_overdue_page_lists_by_age_with_a_pinned_query_count(
    station, clerk, zhang, django_assert_num_queries
):
    for n in range(4):
        scan(station, clerk, f"SF100000000000{n}", recipient_hint="2024001", days_ago=4 + n)
    scan(station, clerk, "SF1000000000009", recipient_hint="2024001", days_ago=1)
    client = as_user(clerk)
    url = reverse("parcels:overdue", args=[station.pk])
    client.get(url)
    # session, user (with its roles and unread count), the station in scope, one page of parcels
    # (with the recipients)
    with django_assert_num_queries(3):
        response = client.get(url)
    html = response.content.decode()
    assert response.status_code == 200
    assert html.count("SF100000000000") == 4 and "SF1000000000009" not in html
    assert html.index("SF1000000000003") < html.index("SF1000000000000")


def test_the_returns_page_signs_out_and_refuses_a_missing_courier_name(station, clerk, zhang):
    parcel = scan(station, clerk, "SF1000000000001", recipient_hint="2024001", days_ago=8)
    returns.parcels_send_for_return(now=timezone.now())
    client = as_user(clerk)
    url = reverse("parcels:returns", args=[station.pk])
    listing = client.get(url, {"carrier": "sf"}).content.decode()
    assert parcel.pickup_code in listing and "SF Express" in listing
    refused = client.post(url, {"carrier": "sf", "parcels": [parcel.pk], "courier_name": ""})
    assert refused.status_code == 200 and "This field is required" in refused.content.decode()
    done = client.post(url, {"carrier": "sf", "parcels": [parcel.pk], "courier_name": "李师傅"})
    assert done.status_code == 302
    parcel.refresh_from_db()
    assert parcel.status == Status.RETURNED and parcel.return_record.courier_name == "李师傅"


def test_the_parcel_page_shows_the_timeline_and_the_move_form_to_clerks(station, clerk, zhang):
    parcel = scan(station, clerk, "SF1000000000001", recipient_hint="2024001")
    target = Shelf.objects.get(station=station, number=3)
    client = as_user(clerk)
    moved = client.post(
        reverse("parcels:move", args=[station.pk, parcel.pk]), {"shelf": target.pk, "layer": 1}
    )
    assert moved.status_code == 302
    html = client.get(parcel.get_absolute_url()).content.decode()
    assert "Moved to another shelf" in html and "Scanned in" in html and "Move" in html
    mine = as_user(zhang).get(parcel.get_absolute_url()).content.decode()
    assert "Moved to another shelf" in mine and "Move to another shelf" not in mine
    bad = client.post(
        reverse("parcels:move", args=[station.pk, parcel.pk]), {"shelf": target.pk, "layer": 99}
    )
    assert bad.status_code == 302  # the message says why; nothing changed
    parcel.refresh_from_db()
    assert parcel.slot == "3-1"


def test_another_stations_clerk_gets_404_on_the_move(station, clerk, zhang):
    parcel = scan(station, clerk, "SF1000000000001", recipient_hint="2024001")
    elsewhere = clerk_of(station_with_shelves(code="WEST"), username="clerk2")
    response = as_user(elsewhere).post(
        reverse("parcels:move", args=[station.pk, parcel.pk]), {"shelf": 1, "layer": 1}
    )
    assert response.status_code == 404


def test_it_reminds_on_the_last_day_of_free_storage_once(station, clerk, zhang):
    last_day = scan(station, clerk, "SF1000000000001", recipient_hint="2024001", days_ago=2.999)
    scan(station, clerk, "SF1000000000002", recipient_hint="2024001", days_ago=2)  # tomorrow
    Notification.objects.all().delete()
    assert returns.last_day_reminders_send(now=timezone.now()) == 1
    assert returns.last_day_reminders_send(now=timezone.now()) == 0
    note = Notification.objects.get(recipient=zhang, kind="parcels.last_day_reminder")
    assert last_day.pickup_code in note.title
    event = last_day.events.get(action="reminded")
    assert event.data == {"before": "free_end"}
    html = as_user(zhang).get(last_day.get_absolute_url()).content.decode()
    assert "Last day of free storage" in html
