"""The reviews API: reviews (scoped, anonymous authors hidden), my events, follow-ups."""

from datetime import timedelta

import pytest
from django.utils import timezone

from logistics.tokens import api_token_issue
from reviews.models import FollowUp, Review, ReviewPhoto
from reviews.services import review_create
from tests.logistics.factories import UserFactory
from tests.reviews.factories import ReviewFactory, ServiceEventFactory

pytestmark = pytest.mark.django_db

REVIEWS = "/api/v1/reviews/reviews/"
EVENTS = "/api/v1/reviews/events/"
FOLLOW_UPS = "/api/v1/reviews/follow-ups/"
ERROR_KEYS = {"code", "detail", "fields", "request_id"}


def post(client, url, data, **kwargs):
    return client.post(url, data, content_type="application/json", **kwargs)


def patch(client, url, data):
    return client.patch(url, data, content_type="application/json")


def test_it_creates_a_review_of_my_event_once(client, student):
    event = ServiceEventFactory(served=student)
    client.force_login(student)
    data = {"event": event.pk, "stars": 5, "scores": {"speed": 4}, "comment": "quick"}
    response = post(client, REVIEWS, data)
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["stars"], body["scores"], body["author"]["id"]) == (5, {"speed": 4}, student.pk)
    again = post(client, REVIEWS, data)
    assert again.status_code == 409 and set(again.json()) == ERROR_KEYS


def test_it_answers_bad_fields_in_the_error_body(client, student):
    event = ServiceEventFactory(served=student)
    client.force_login(student)
    response = post(client, REVIEWS, {"event": event.pk, "stars": 9, "scores": {"taste": 2}})
    assert response.status_code == 400
    assert {"stars", "scores"} <= set(response.json()["fields"])


def test_another_users_event_and_review_are_not_found(client, student, other_student):
    event = ServiceEventFactory(served=other_student)
    review = ReviewFactory(event=ServiceEventFactory(served=other_student))
    client.force_login(student)
    assert post(client, REVIEWS, {"event": event.pk, "stars": 3}).status_code == 404
    assert client.get(f"{REVIEWS}{review.pk}/").status_code == 404
    assert patch(client, f"{REVIEWS}{review.pk}/", {"stars": 1}).status_code == 404
    assert len(client.get(REVIEWS).json()["results"]) == 0
    assert len(client.get(EVENTS).json()["results"]) == 0


def test_it_edits_within_the_period_only(client, student):
    review = ReviewFactory(event=ServiceEventFactory(served=student), stars=2, comment="meh")
    client.force_login(student)
    response = patch(client, f"{REVIEWS}{review.pk}/", {"stars": 4})
    assert response.status_code == 200
    assert (response.json()["stars"], response.json()["comment"]) == (4, "meh")
    Review.objects.filter(pk=review.pk).update(editable_until=timezone.now() - timedelta(days=1))
    assert patch(client, f"{REVIEWS}{review.pk}/", {"stars": 1}).status_code == 409


def test_staff_get_anonymous_reviews_without_the_author(client, technician):
    event = ServiceEventFactory()
    technician.staff_scopes.create(role="technician", department=event.department)
    ReviewFactory(event=event, anonymous=True)
    client.force_login(technician)
    body = client.get(REVIEWS).json()
    assert len(body["results"]) == 1 and body["results"][0]["author"] is None


def test_managers_hide_and_show_with_a_reason(client, manager, student):
    review = ReviewFactory()
    client.force_login(manager)
    assert post(client, f"{REVIEWS}{review.pk}/hide/", {}).status_code == 400
    response = post(client, f"{REVIEWS}{review.pk}/hide/", {"reason": "spam"})
    assert response.status_code == 200 and response.json()["is_hidden"]
    assert (
        post(client, f"{REVIEWS}{review.pk}/show/", {"reason": "ok"}).json()["is_hidden"] is False
    )
    client.force_login(review.author)
    assert post(client, f"{REVIEWS}{review.pk}/hide/", {"reason": "x"}).status_code == 403


def test_the_list_pins_its_queries(client, manager, django_assert_num_queries):
    for _ in range(3):
        ReviewFactory()
    client.force_login(manager)
    client.get(REVIEWS)
    with django_assert_num_queries(3):  # lists are not counted
        assert len(client.get(REVIEWS).json()["results"]) == 3


def test_a_reviews_photos_come_oldest_first_in_lists_and_follow_ups(client, manager):
    event = ServiceEventFactory()
    review = review_create(event=event, by=event.served, stars=1)
    newer = ReviewPhoto.objects.create(review=review, image="reviews/newer.jpg")
    older = ReviewPhoto.objects.create(review=review, image="reviews/older.jpg")
    ReviewPhoto.objects.filter(pk=older.pk).update(created_at=newer.created_at - timedelta(hours=1))
    ReviewPhoto.objects.create(review=ReviewFactory(), image="reviews/other.jpg")  # another's
    client.force_login(manager)

    listed = {r["id"]: r for r in client.get(REVIEWS).json()["results"]}[review.pk]
    alone = client.get(f"{REVIEWS}{review.pk}/").json()
    (follow_up,) = client.get(FOLLOW_UPS).json()["results"]

    assert [p["id"] for p in listed["photos"]] == [older.pk, newer.pk]
    assert alone["photos"] == listed["photos"] == follow_up["review"]["photos"]
    # read without reviews_for(), the same list by a query of its own
    assert Review.objects.get(pk=review.pk).photos_in_order == [older, newer]


def test_my_events_say_what_is_still_to_review(client, student, django_assert_num_queries):
    waiting = ServiceEventFactory(served=student)
    rated = ReviewFactory(event=ServiceEventFactory(served=student))
    client.force_login(student)
    client.get(EVENTS)
    with django_assert_num_queries(2):  # lists are not counted
        body = client.get(EVENTS).json()
    reviews = {e["id"]: e["review"] for e in body["results"]}
    assert reviews == {waiting.pk: None, rated.event_id: rated.pk}
    to_review = client.get(EVENTS, {"to_review": "1"}).json()
    assert [e["id"] for e in to_review["results"]] == [waiting.pk]


def test_the_dispatcher_lists_and_closes_follow_ups(client, django_assert_num_queries):
    dispatcher = UserFactory(roles=["repair_dispatcher"])
    event = ServiceEventFactory()
    review_create(event=event, by=event.served, stars=1)
    follow_up = FollowUp.objects.get()
    client.force_login(dispatcher)
    client.get(FOLLOW_UPS)
    # user (with roles, unread count and scopes), the page, the photos: lists are not counted
    with django_assert_num_queries(3):
        body = client.get(FOLLOW_UPS).json()
    assert body["results"][0]["contact"]["username"] == event.served.username
    response = post(client, f"{FOLLOW_UPS}{follow_up.pk}/close/", {"note": "called"})
    assert response.status_code == 200 and response.json()["status"] == "done"
    assert post(client, f"{FOLLOW_UPS}{follow_up.pk}/close/", {"note": "x"}).status_code == 409
    client.force_login(event.served)
    assert client.get(f"{FOLLOW_UPS}{follow_up.pk}/").status_code == 404


def test_a_read_token_cannot_write(client, student):
    event = ServiceEventFactory(served=student)
    _, raw = api_token_issue(user=student, name="app", scopes=["reviews:read"])
    headers = {"Authorization": f"Bearer {raw}"}
    assert client.get(EVENTS, headers=headers).status_code == 200
    response = post(client, REVIEWS, {"event": event.pk, "stars": 4}, headers=headers)
    assert response.status_code == 403 and "reviews:write" in response.json()["detail"]
