"""The core review services: events, one review per person per event, edits, moderation."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError

from reviews.errors import AlreadyReviewed
from reviews.models import FollowUp, Invitation, Review, Subject
from reviews.services import (
    SubjectRef,
    review_create,
    review_hide,
    service_event_record,
)
from tests.logistics.factories import DepartmentFactory, UserFactory
from tests.reviews.factories import TEST_EVENT_TYPE, ReviewFactory, ServiceEventFactory

pytestmark = pytest.mark.django_db


def _record(served, source_id="1", **kwargs):
    department = kwargs.pop("department", None) or DepartmentFactory()
    from django.utils import timezone

    return service_event_record(
        event_type=TEST_EVENT_TYPE,
        source_id=source_id,
        served=served,
        occurred_at=timezone.now(),
        title="Repair 1",
        department=department,
        subjects=[SubjectRef("unit", str(department.pk), department.name, department=department)],
        **kwargs,
    )


def test_it_records_an_event_once_with_its_subjects_and_one_invitation(student):
    first = _record(student)
    again = _record(student)
    assert first.pk == again.pk
    assert set(first.subjects.values_list("kind", flat=True)) == {"campus", "unit"}
    assert Invitation.objects.filter(event=first).count() == 1
    assert Subject.objects.filter(kind="campus").count() == 1


def test_it_lets_only_the_person_served_review_once(student, other_student):
    event = _record(student)
    with pytest.raises(PermissionDenied):
        review_create(event=event, by=other_student, stars=5)
    review = review_create(event=event, by=student, stars=5, scores={"speed": 4})
    assert review.scores == {"speed": 4}
    assert Invitation.objects.get(event=event).answered_at is not None
    with pytest.raises(AlreadyReviewed):
        review_create(event=event, by=student, stars=4)
    assert Review.objects.filter(event=event).count() == 1


def test_the_database_refuses_a_second_review_of_an_event():
    review = ReviewFactory()
    with pytest.raises(IntegrityError):
        ReviewFactory(event=review.event)


def test_it_reports_every_bad_field_at_once(student):
    event = _record(student)
    with pytest.raises(ValidationError) as error:
        review_create(event=event, by=student, stars=6, scores={"taste": 3}, comment="x" * 2001)
    assert set(error.value.message_dict) == {"stars", "scores", "comment"}
    assert not Review.objects.exists()


def test_a_low_score_opens_one_follow_up():
    event = ServiceEventFactory()
    review_create(event=event, by=event.served, stars=2)
    follow_up = FollowUp.objects.get()
    assert (follow_up.role, follow_up.department) == ("repair_dispatcher", event.department)


def test_hiding_needs_a_manager_and_a_reason(manager):
    review = ReviewFactory()
    with pytest.raises(PermissionDenied):
        review_hide(review=review, by=UserFactory(), reason="spam")
    with pytest.raises(ValidationError):
        review_hide(review=review, by=manager, reason=" ")
    review = review_hide(review=review, by=manager, reason="spam")
    assert review.is_hidden and review.moderations.get().reason == "spam"
