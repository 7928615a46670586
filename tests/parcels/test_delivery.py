"""Consent and delivery preference: the recipient's choice, scan-in onto the delivery run,
the delivered record with who signed, and a parcel the office could not take."""

import pytest
from django.test import Client
from django.urls import reverse

from logistics.models import Notification
from logistics.roles import Role
from logistics.workflow import InvalidInput, NotAllowed
from parcels import delivery, services
from parcels.models import Delivery, DeliveryPreference, Parcel, ParcelNotice
from tests.logistics.factories import BuildingFactory, UserFactory
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
def office():
    return BuildingFactory(code="ADM", name="行政楼", name_en="Admin building")


@pytest.fixture
def teacher(db):
    return UserFactory(
        username="T1001", display_name="王老师", phone="13900005678", roles=[Role.TEACHER]
    )


@pytest.fixture
def student(db):
    return UserFactory(username="2024001", display_name="张伟", roles=[Role.STUDENT])


def as_user(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def scan(station, clerk, number, hint):
    return services.parcel_scan_in(station=station, number=number, by=clerk, recipient_hint=hint)


def test_everyone_collects_at_a_station_until_they_choose(station, clerk, teacher):
    parcel = scan(station, clerk, "SF1000000000001", "T1001").parcel
    assert parcel.status == Status.WAITING and parcel.notice is not None


def test_staff_may_choose_their_office_and_students_may_not(teacher, student, office):
    chosen = delivery.preference_set(user=teacher, mode="office", building=office, office="305")
    assert chosen.delivers and chosen.chosen_at is not None
    with pytest.raises(InvalidInput) as refused:
        delivery.preference_set(user=student, mode="office", building=office)
    assert "mode" in refused.value.fields
    with pytest.raises(InvalidInput) as no_building:
        delivery.preference_set(user=teacher, mode="office")
    assert "building" in no_building.value.fields
    back = delivery.preference_set(user=teacher, mode="station", building=office, office="305")
    assert not back.delivers and back.building is None
    assert DeliveryPreference.objects.count() == 1


def test_scan_in_for_office_delivery_goes_on_the_run_without_a_station_notice(
    station, clerk, teacher, office
):
    delivery.preference_set(user=teacher, mode="office", building=office, office="305")
    result = scan(station, clerk, "SF1000000000001", "T1001")
    parcel = result.parcel
    parcel.refresh_from_db()
    assert parcel.status == Status.FOR_DELIVERY and parcel.notice is None
    assert (parcel.delivery_building, parcel.delivery_office) == (office, "305")
    assert list(parcel.events.values_list("action", flat=True)) == [
        "scanned_in",
        "sent_for_delivery",
    ]
    assert not ParcelNotice.objects.exists()
    again = scan(station, clerk, "SF1000000000001", "")
    assert not again.created and Parcel.objects.count() == 1  # still idempotent on the run
    assert list(delivery.delivery_run(station)) == [parcel]


def test_the_delivery_is_recorded_with_who_signed_and_the_recipient_told(
    station, clerk, teacher, office
):
    delivery.preference_set(user=teacher, mode="office", building=office, office="305")
    parcels = [
        scan(station, clerk, n, "T1001").parcel for n in ("SF1000000000001", "JD0001234567890")
    ]
    for parcel in parcels:
        parcel.refresh_from_db()
    proof = delivery.parcels_deliver(
        station=station, parcels=parcels, signed_by_name="李秘书", by=clerk
    )
    assert (proof.building, proof.office, proof.clerk, proof.signed_by_name) == (
        office,
        "305",
        clerk,
        "李秘书",
    )
    for parcel in parcels:
        parcel.refresh_from_db()
        assert parcel.status == Status.DELIVERED and parcel.delivery == proof
        assert parcel.events.get(action="delivered").data["signed_by"] == "李秘书"
    told = Notification.objects.filter(recipient=teacher, kind="parcels.delivered")
    assert told.count() == 2 and "李秘书" in told.first().title


def test_it_refuses_a_delivery_without_signature_or_by_a_stranger(
    station, clerk, teacher, student, office
):
    delivery.preference_set(user=teacher, mode="office", building=office)
    parcel = scan(station, clerk, "SF1000000000001", "T1001").parcel
    parcel.refresh_from_db()
    with pytest.raises(InvalidInput):
        delivery.parcels_deliver(station=station, parcels=[parcel], signed_by_name=" ", by=clerk)
    with pytest.raises(NotAllowed):
        delivery.parcels_deliver(station=station, parcels=[parcel], signed_by_name="李", by=student)
    assert not Delivery.objects.exists()


def test_a_parcel_the_office_could_not_take_goes_back_on_the_shelf(station, clerk, teacher, office):
    delivery.preference_set(user=teacher, mode="office", building=office)
    parcel = scan(station, clerk, "SF1000000000001", "T1001").parcel
    parcel.refresh_from_db()
    delivery.parcel_undeliverable(parcel=parcel, by=clerk)
    parcel.refresh_from_db()
    assert parcel.status == Status.WAITING
    note = Notification.objects.get(recipient=teacher, kind="parcels.not_delivered")
    assert parcel.pickup_code in note.title


def test_the_preference_page_saves_and_offers_students_the_station_only(teacher, student, office):
    client = as_user(teacher)
    url = reverse("parcels:preference")
    assert 'value="office"' in client.get(url).content.decode()
    refused = client.post(url, {"mode": "office", "office": "305"})
    assert refused.status_code == 200 and "Choose the building" in refused.content.decode()
    saved = client.post(url, {"mode": "office", "building": office.pk, "office": "305"})
    assert saved.status_code == 302
    assert DeliveryPreference.objects.get(user=teacher).delivers
    page = as_user(student).get(url).content.decode()
    assert 'value="office"' not in page and "for staff" in page
    forged = as_user(student).post(url, {"mode": "office", "building": office.pk})
    assert forged.status_code == 200 and not DeliveryPreference.objects.filter(user=student)


def test_the_run_page_lists_by_building_and_records_a_stop(
    station, clerk, teacher, office, django_assert_num_queries
):
    delivery.preference_set(user=teacher, mode="office", building=office, office="305")
    other = UserFactory(username="T1002", roles=[Role.TEACHER])
    delivery.preference_set(user=other, mode="office", building=BuildingFactory(), office="101")
    parcels = [scan(station, clerk, f"SF100000000000{n}", "T1001").parcel for n in range(3)]
    scan(station, clerk, "SF1000000000009", "T1002")
    client = as_user(clerk)
    url = reverse("parcels:delivery-run", args=[station.pk])
    client.get(url)
    # session, user (with its roles and unread count), the station in scope, the run (parcels,
    # recipients, buildings)
    with django_assert_num_queries(3):
        html = client.get(url).content.decode()
    assert html.count('class="card delivery-stop"') == 2 and "Admin building" in html
    missing = client.post(url, {"building": office.pk, "parcels": [parcels[0].pk]})
    assert missing.status_code == 200
    done = client.post(
        url,
        {"building": office.pk, "parcels": [p.pk for p in parcels], "signed_by_name": "李秘书"},
    )
    assert done.status_code == 302
    assert Parcel.objects.filter(status=Status.DELIVERED).count() == 3


def test_another_stations_clerk_gets_404_for_undeliverable(station, clerk, teacher, office):
    delivery.preference_set(user=teacher, mode="office", building=office)
    parcel = scan(station, clerk, "SF1000000000001", "T1001").parcel
    elsewhere = clerk_of(station_with_shelves(code="WEST"), username="clerk2")
    url = reverse("parcels:undeliverable", args=[station.pk, parcel.pk])
    assert as_user(elsewhere).post(url).status_code == 404
    assert as_user(clerk).post(url).status_code == 302
    parcel.refresh_from_db()
    assert parcel.status == Status.WAITING
