"""Repairs in the reviews system: completion records the event, the rating prompt writes the
review, the repair's rating columns follow it, a low score opens the dispatcher's follow-up."""

import pytest
from django.urls import reverse

from logistics.models import Notification, StaffScope
from repairs import errors, services
from repairs.models import RepairEvent, RepairRequest
from repairs.reviews import EVENT_TYPE, repair_review
from reviews.models import FollowUp, Invitation, Review, ServiceEvent
from reviews.services import review_hide, review_show, review_update
from tests.logistics.factories import DepartmentFactory, RoomFactory, UserFactory
from tests.repairs.factories import CategoryFactory, RepairRequestFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def centre(db):
    return DepartmentFactory(code="REPAIR-T", name="维修中心", name_en="Repair Centre")


@pytest.fixture
def dispatcher(db, centre):
    user = UserFactory(username="d2001", roles=["repair_dispatcher"])
    StaffScope.objects.create(user=user, role="repair_dispatcher", department=centre)
    return user


@pytest.fixture
def completed(student, technician, dispatcher, centre):
    category = CategoryFactory(code="light-t", name="灯具", department=centre)
    request = services.repair_request_create(
        requester=student, category=category, room=RoomFactory(), description="灯不亮"
    )
    services.repair_request_assign(repair=request, technician=technician, by=dispatcher)
    services.repair_request_start(repair=request, by=technician)
    return services.repair_request_complete(repair=request, by=technician, note="换了灯管")


def test_it_records_the_event_of_a_completed_repair_with_its_subjects(
    completed, student, technician, centre
):
    event = ServiceEvent.objects.get(event_type=EVENT_TYPE, source_id=str(completed.pk))
    assert (event.served, event.department, event.verified) == (student, centre, True)
    assert event.occurred_at == completed.completed_at
    subjects = {(s.kind, s.ref): s for s in event.subjects.all()}
    assert set(subjects) == {
        ("campus", "all"),
        ("unit", str(centre.pk)),
        ("staff", str(technician.pk)),
        ("category", "repairs:light-t"),
    }
    staff = subjects[("staff", str(technician.pk))]
    assert (staff.user, staff.name) == (technician, technician.get_display_name())
    assert subjects[("category", "repairs:light-t")].department == centre
    # The reviews system invites the requester, after its delay.
    assert Invitation.objects.get(event=event).sent_at is None


def test_it_keeps_one_event_when_a_reopened_repair_is_completed_again(
    completed, student, technician
):
    services.repair_request_reopen(repair=completed, by=student, reason="又坏了")
    services.repair_request_start(repair=completed, by=technician)
    services.repair_request_complete(repair=completed, by=technician)
    assert ServiceEvent.objects.filter(source_id=str(completed.pk)).count() == 1


def test_it_turns_a_confirmation_with_a_rating_into_a_review(completed, student, technician):
    services.repair_request_confirm(
        repair=completed,
        by=student,
        rating=4,
        comment="很快",
        scores={"speed": 5, "quality": 4},
        anonymous=True,
    )
    review = repair_review(completed)
    assert (review.stars, review.scores, review.comment) == (4, {"speed": 5, "quality": 4}, "很快")
    assert review.anonymous and review.author == student
    completed.refresh_from_db()
    assert (completed.status, completed.rating, completed.rating_comment) == (
        "confirmed",
        4,
        "很快",
    )
    assert completed.rated_at == review.created_at
    assert Invitation.objects.get(event=review.event).answered_at is not None
    assert RepairEvent.objects.filter(request=completed, action="rated").count() == 1
    assert Notification.objects.filter(recipient=technician, kind="repairs.rated").count() == 1


def test_it_rates_once_through_the_reviews_system(completed, student):
    services.repair_request_rate(repair=completed, by=student, rating=5)
    with pytest.raises(errors.AlreadyRated):
        services.repair_request_rate(repair=completed, by=student, rating=1)
    stale = RepairRequest.objects.get(pk=completed.pk)
    stale.rating = None  # a copy read before the rating: the database still refuses
    with pytest.raises(errors.AlreadyRated):
        services.repair_request_rate(repair=stale, by=student, rating=1)
    assert Review.objects.filter(event__source_id=str(completed.pk)).count() == 1


def test_it_answers_bad_scores_as_field_errors(completed, student):
    with pytest.raises(services.ValidationError) as error:
        services.repair_request_rate(repair=completed, by=student, rating=3, scores={"speed": 9})
    assert "scores" in error.value.message_dict
    assert not Review.objects.exists()
    completed.refresh_from_db()
    assert completed.rating is None


def test_it_opens_a_follow_up_for_the_dispatcher_on_two_stars_or_fewer(
    completed, student, dispatcher, centre
):
    services.repair_request_rate(repair=completed, by=student, rating=1, comment="没修好")
    follow_up = FollowUp.objects.get(review__event__source_id=str(completed.pk))
    assert (follow_up.role, follow_up.department, follow_up.status) == (
        "repair_dispatcher",
        centre,
        "open",
    )
    assert Notification.objects.filter(recipient=dispatcher, kind="reviews.follow_up").exists()


def test_it_opens_no_follow_up_on_three_stars(completed, student):
    services.repair_request_rate(repair=completed, by=student, rating=3)
    assert not FollowUp.objects.exists()


def test_it_copies_an_edited_review_onto_the_repair(completed, student):
    services.repair_request_rate(repair=completed, by=student, rating=2, comment="慢")
    review = repair_review(completed)
    review_update(review=review, by=student, stars=4, comment="后来修好了")
    completed.refresh_from_db()
    assert (completed.rating, completed.rating_comment) == (4, "后来修好了")
    assert RepairEvent.objects.filter(request=completed, action="rated").count() == 1


def test_it_keeps_the_stars_but_drops_the_hidden_words_when_a_moderator_hides_it(
    completed, student, manager
):
    before = completed.updated_at
    services.repair_request_rate(repair=completed, by=student, rating=1, comment="骂人的话")
    completed.refresh_from_db()
    assert completed.updated_at > before  # Open311 and API clients see the request changed
    review = review_hide(review=repair_review(completed), by=manager, reason="辱骂")
    completed.refresh_from_db()
    assert (completed.rating, completed.rating_comment) == (1, "")
    assert completed.events.get(action="rated").note == ""
    review_show(review=review, by=manager, reason="误判")
    completed.refresh_from_db()
    assert completed.rating_comment == "骂人的话"
    assert completed.events.get(action="rated").note == "骂人的话"


def test_it_rates_a_repair_completed_before_the_reviews_system(student):
    # Completed without the services (as before the reviews system): the event comes on demand.
    old = RepairRequestFactory(requester=student, completed=True)
    assert not ServiceEvent.objects.exists()
    services.repair_request_rate(repair=old, by=student, rating=5)
    event = ServiceEvent.objects.get(source_id=str(old.pk))
    assert event.served == student and event.review.stars == 5


def test_it_takes_the_dimensions_and_anonymity_from_the_rating_page(client, completed, student):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    client.force_login(student)
    page = client.get(completed.get_absolute_url()).content.decode()
    assert 'id="confirm-speed-star-5"' in page and 'name="anonymous"' in page
    response = client.post(
        reverse("repairs:confirm", args=[completed.pk]),
        {"rating": "2", "speed": "1", "attitude": "3", "comment": "慢", "anonymous": "on"},
    )
    assert response.status_code == 302
    review = repair_review(completed)
    assert (review.stars, review.scores, review.anonymous) == (2, {"speed": 1, "attitude": 3}, True)
    page = client.get(completed.get_absolute_url()).content.decode()
    assert reverse("reviews:review-detail", args=[review.pk]) in page


def test_it_keeps_the_api_actions_confirm_and_rate(client, completed, student):
    client.force_login(student)
    url = f"/api/v1/repairs/requests/{completed.pk}/rate/"
    response = client.post(url, {"rating": 3, "comment": "还行"}, content_type="application/json")
    assert response.status_code == 200 and response.json()["rating"] == 3
    assert repair_review(completed).stars == 3


def test_it_adopts_the_ratings_given_before_the_reviews_system(student, technician, centre):
    from importlib import import_module

    from django.apps import apps

    migration = import_module("reviews.migrations.0005_adopt_repair_ratings")
    category = CategoryFactory(code="door-t", name="门锁", department=centre)
    rated = RepairRequestFactory(
        requester=student, category=category, completed=True, assignee=technician, rating=2
    )
    RepairRequest.objects.filter(pk=rated.pk).update(
        rating_comment="慢", rated_at=rated.completed_at
    )
    RepairRequestFactory(requester=student, completed=True)  # not rated: nothing to adopt
    migration.adopt(apps, None)
    migration.adopt(apps, None)  # a second run changes nothing
    review = Review.objects.get()
    assert (review.author, review.stars, review.comment) == (student, 2, "慢")
    assert review.created_at == rated.completed_at and review.event.source_id == str(rated.pk)
    kinds = set(review.event.subjects.values_list("kind", "ref"))
    assert kinds == {
        ("campus", "all"),
        ("unit", str(centre.pk)),
        ("staff", str(technician.pk)),
        ("category", "repairs:door-t"),
    }
    # Old low ratings do not flood the dispatchers with call-backs; nobody was invited.
    assert not FollowUp.objects.exists() and not Invitation.objects.exists()


def test_it_offers_the_requester_a_complaint_about_the_finished_repair(
    client, completed, student, other_student
):
    event = ServiceEvent.objects.get(event_type=EVENT_TYPE, source_id=str(completed.pk))
    client.force_login(student)
    page = client.get(completed.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en")
    link = f"{reverse('reviews:complaint-new')}?event={event.pk}"
    assert link in page.content.decode()
    form = client.get(link, HTTP_ACCEPT_LANGUAGE="en")
    assert form.status_code == 200 and completed.number in form.content.decode()
    client.force_login(other_student)  # someone else's event is not shown in their form
    other = client.get(link, HTTP_ACCEPT_LANGUAGE="en")
    assert other.status_code == 200 and completed.number not in other.content.decode()
