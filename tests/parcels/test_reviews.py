"""Parcels in the reviews system: a pickup records a service event about the station and the
clerk, the recipient is invited like a repair's requester, a low score opens a follow-up."""

import pytest
from django.utils import timezone

from logistics.models import Notification
from logistics.roles import Role
from parcels import pickup, services
from parcels.reviews import EVENT_TYPE
from reviews.invitations import invitations_sweep
from reviews.models import FollowUp, Invitation, ServiceEvent
from reviews.services import review_create
from tests.logistics.factories import DepartmentFactory, UserFactory
from tests.parcels.factories import clerk_of, station_with_shelves

pytestmark = pytest.mark.django_db


@pytest.fixture
def unit(db):
    return DepartmentFactory(code="MAIL", name="收发中心", name_en="Mail centre")


@pytest.fixture
def station(unit):
    return station_with_shelves(
        code="EAST", name="东区驿站", name_en="East station", department=unit
    )


@pytest.fixture
def clerk(station):
    return clerk_of(station)


@pytest.fixture
def zhang(db):
    return UserFactory(
        username="2024001", display_name="张伟", phone="13812341234", roles=[Role.STUDENT]
    )


def _hand_over(station, clerk, zhang, numbers=("SF1234567890123", "YT1234567890123")):
    for number in numbers:
        services.parcel_scan_in(station=station, number=number, by=clerk, recipient_hint="2024001")
    found = pickup.lookup(station=station, text=pickup.qr_token(zhang), by=clerk)
    return services.parcels_hand_over(
        station=station, parcels=found.parcels, by=clerk, method=found.method
    )


def test_it_records_a_pickup_as_an_event_about_the_station_and_the_clerk(
    station, clerk, zhang, unit
):
    proof = _hand_over(station, clerk, zhang)
    event = ServiceEvent.objects.get(event_type=EVENT_TYPE, source_id=str(proof.pk))
    assert (event.served, event.department, event.verified) == (zhang, unit, True)
    assert event.occurred_at == proof.created_at
    assert event.title == "东区驿站 取件 2 件"
    subjects = {(s.kind, s.ref): s for s in event.subjects.all()}
    assert set(subjects) == {
        ("campus", "all"),
        ("unit", str(unit.pk)),
        ("category", "parcels:station:EAST"),
        ("staff", str(clerk.pk)),
    }
    assert subjects[("staff", str(clerk.pk))].user == clerk
    assert subjects[("category", "parcels:station:EAST")].name == "东区驿站"


def test_it_invites_the_recipient_after_the_delay_like_repairs(station, clerk, zhang, settings):
    proof = _hand_over(station, clerk, zhang)
    invitation = Invitation.objects.get(
        event__source_id=str(proof.pk), event__event_type=EVENT_TYPE
    )
    assert invitation.sent_at is None
    assert invitation.send_at > proof.created_at
    later = timezone.now() + timezone.timedelta(minutes=settings.REVIEWS_INVITE_DELAY_MINUTES + 1)
    assert invitations_sweep(now=later)["sent"] == 1
    assert Notification.objects.filter(recipient=zhang, kind="reviews.invitation").count() == 1
    assert invitations_sweep(now=later)["sent"] == 0


def test_it_opens_a_follow_up_for_the_stations_clerks_after_a_low_score(station, clerk, zhang):
    proof = _hand_over(station, clerk, zhang, numbers=("SF1234567890123",))
    event = ServiceEvent.objects.get(event_type=EVENT_TYPE, source_id=str(proof.pk))
    review = review_create(event=event, by=zhang, stars=1, scores={"speed": 1}, comment="排队太久")
    follow_up = FollowUp.objects.get(review=review)
    assert follow_up.role == Role.MAILROOM_CLERK
    assert follow_up.department == station.department


def test_it_records_no_event_for_a_parcel_of_an_unknown_recipient(station, clerk):
    result = services.parcel_scan_in(
        station=station, number="SF1234567890999", by=clerk, recipient_hint="陌生人 0000"
    )
    assert result.parcel.recipient_id is None
    services.parcels_hand_over(station=station, parcels=[result.parcel], by=clerk, method="code")
    assert not ServiceEvent.objects.filter(event_type=EVENT_TYPE).exists()
