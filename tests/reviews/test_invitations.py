"""The invitation sweep: once, after the delay, one reminder at most, never after an answer."""

from datetime import timedelta

import pytest
from django.utils import timezone

from logistics.models import Notification
from reviews import tasks
from reviews.invitations import invitations_sweep
from reviews.models import Invitation
from reviews.services import review_create, service_event_record
from tests.fixtures.celery_worker import wait_until
from tests.logistics.factories import UserFactory
from tests.reviews.factories import TEST_EVENT_TYPE


def record(served, source_id="1", occurred_at=None):
    return service_event_record(
        event_type=TEST_EVENT_TYPE,
        source_id=source_id,
        served=served,
        occurred_at=occurred_at or timezone.now(),
        title="Repair 1",
    )


def kinds(user) -> list[str]:
    return list(
        Notification.objects.filter(recipient=user).order_by("id").values_list("kind", flat=True)
    )


@pytest.fixture
def timing(settings):
    settings.REVIEWS_INVITE_DELAY_MINUTES = 30
    settings.REVIEWS_REMINDER_DAYS = 3
    settings.REVIEWS_INVITATION_DAYS = 14
    return settings


def test_it_invites_once_after_the_delay(db, timing, student):
    event = record(student)
    now = timezone.now()
    assert invitations_sweep(now=now + timedelta(minutes=10)) == {"sent": 0, "reminded": 0}
    assert invitations_sweep(now=now + timedelta(minutes=31)) == {"sent": 1, "reminded": 0}
    assert invitations_sweep(now=now + timedelta(minutes=40)) == {"sent": 0, "reminded": 0}
    assert kinds(student) == ["reviews.invitation"]
    notification = Notification.objects.get()
    assert notification.url == f"/reviews/events/{event.pk}/review/"


def test_it_reminds_at_most_once(db, timing, student):
    record(student)
    now = timezone.now()
    invitations_sweep(now=now + timedelta(minutes=31))
    assert invitations_sweep(now=now + timedelta(days=2))["reminded"] == 0
    assert invitations_sweep(now=now + timedelta(days=3, minutes=32))["reminded"] == 1
    assert invitations_sweep(now=now + timedelta(days=5))["reminded"] == 0
    assert kinds(student) == ["reviews.invitation", "reviews.reminder"]


def test_it_does_not_remind_after_an_answer(db, timing, student):
    event = record(student)
    now = timezone.now()
    invitations_sweep(now=now + timedelta(minutes=31))
    review_create(event=event, by=student, stars=4)
    assert invitations_sweep(now=now + timedelta(days=4))["reminded"] == 0
    assert kinds(student) == ["reviews.invitation"]


def test_it_sends_nothing_for_expired_or_reviewed_events_and_stops_them_being_due(
    db, timing, student
):
    long_ago = timezone.now() - timedelta(days=20)
    expired = record(student, "old", occurred_at=long_ago)
    reviewed = record(student, "done")
    review_create(event=reviewed, by=student, stars=5)
    Invitation.objects.update(send_at=timezone.now() - timedelta(minutes=1))
    assert invitations_sweep() == {"sent": 0, "reminded": 0}
    assert kinds(student) == []
    assert not Invitation.objects.filter(sent_at__isnull=True).exists()
    assert Invitation.objects.get(event=expired).sent_at is not None


def test_running_it_twice_sends_once(db, timing, student, other_student):
    record(student)
    record(other_student)
    later = timezone.now() + timedelta(hours=1)
    assert invitations_sweep(now=later)["sent"] == 2
    assert invitations_sweep(now=later) == {"sent": 0, "reminded": 0}
    assert Notification.objects.filter(kind="reviews.invitation").count() == 2


def test_the_beat_task_delivers_through_a_real_celery_worker(
    transactional_db, celery_worker, settings
):
    settings.REVIEWS_INVITE_DELAY_MINUTES = 0
    served = UserFactory(username="rv-worker")
    record(served, occurred_at=timezone.now() - timedelta(minutes=5))
    for _ in range(2):
        tasks.bulk_invitations_sweep.delay()
    wait_until(
        lambda: Invitation.objects.filter(sent_at__isnull=False).exists(),
        what="the invitation marked sent by the worker",
    )
    wait_until(lambda: kinds(served), what="the invitation notification")
    assert kinds(served) == ["reviews.invitation"]
