"""The review pages: rating an event, my reviews, editing, photos, moderation, staff list,
follow-ups, the page rate limit and the home section."""

import re
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from logistics.models import StaffScope
from reviews.models import FollowUp, Moderation, Review
from reviews.services import review_create
from tests.logistics.factories import UserFactory
from tests.repairs.factories import image_upload
from tests.reviews.factories import ReviewFactory, ServiceEventFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english(client, settings, tmp_path):
    cache.clear()  # the page rate limit counts in the cache (this run's Redis db)
    settings.MEDIA_ROOT = tmp_path / "media"
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"


def review_url(event):
    return reverse("reviews:event-review", args=[event.pk])


def test_it_rates_an_event_with_scores_and_a_photo(client, student):
    event = ServiceEventFactory(served=student)
    client.force_login(student)
    assert client.get(review_url(event)).status_code == 200
    data = {"stars": "4", "score_speed": "5", "comment": "<b>ok</b>", "photos": [image_upload()]}
    response = client.post(review_url(event), data)
    review = Review.objects.get(event=event)
    assert response.status_code == 302 and response.url == review.get_absolute_url()
    assert (review.stars, review.scores, review.photos.count()) == (4, {"speed": 5}, 1)
    page = client.get(review.get_absolute_url()).content.decode()
    assert "&lt;b&gt;ok&lt;/b&gt;" in page and "<b>ok</b>" not in page
    photo = review.photos.get()
    assert client.get(photo.get_absolute_url()).status_code == 200


def test_it_keeps_the_input_and_the_chosen_photos(client, student):
    event = ServiceEventFactory(served=student)
    client.force_login(student)
    data = {"stars": "9", "comment": "kept text", "photos": [image_upload()]}
    response = client.post(review_url(event), data)
    assert response.status_code == 400
    page = response.content.decode()
    assert "kept text" in page and 'name="photos_kept"' in page
    assert not Review.objects.exists()
    token = re.search(r'name="photos_kept" value="([^"]+)"', page).group(1)
    response = client.post(review_url(event), {"stars": "4", "photos_kept": token})
    assert Review.objects.get(event=event).photos.count() == 1


def test_another_persons_event_and_review_are_not_found(client, student, other_student):
    event = ServiceEventFactory(served=student)
    review = ReviewFactory(event=ServiceEventFactory(served=student))
    client.force_login(other_student)
    assert client.get(review_url(event)).status_code == 404
    assert client.post(review_url(event), {"stars": "1"}).status_code == 404
    assert client.get(review.get_absolute_url()).status_code == 404
    assert client.get(reverse("reviews:review-edit", args=[review.pk])).status_code == 404


def test_a_second_rating_goes_to_the_first(client, student):
    review = ReviewFactory(event=ServiceEventFactory(served=student))
    client.force_login(student)
    response = client.post(review_url(review.event), {"stars": "1"})
    assert response.status_code == 302 and response.url == review.get_absolute_url()
    assert Review.objects.get().stars == review.stars


def test_it_edits_within_the_edit_period_and_refuses_later(client, student):
    review = ReviewFactory(event=ServiceEventFactory(served=student), stars=2)
    client.force_login(student)
    edit = reverse("reviews:review-edit", args=[review.pk])
    assert client.post(edit, {"stars": "5", "comment": "better"}).status_code == 302
    review.refresh_from_db()
    assert (review.stars, review.comment) == (5, "better")
    Review.objects.filter(pk=review.pk).update(editable_until=timezone.now() - timedelta(days=1))
    response = client.post(edit, {"stars": "1"}, follow=True)
    assert "no longer" in response.content.decode()
    assert Review.objects.get().stars == 5


def test_my_reviews_lists_what_waits_and_what_i_wrote(client, student, django_assert_num_queries):
    waiting = ServiceEventFactory(served=student, title="Waiting one")
    ServiceEventFactory(served=student, occurred_at=timezone.now() - timedelta(days=40))
    ServiceEventFactory(title="Someone else's")
    ReviewFactory(event=ServiceEventFactory(served=student, title="Rated one"))
    client.force_login(student)
    client.get(reverse("reviews:index"))  # warm the session
    # the complaints link's rule reads the scopes that came with the session's user
    with django_assert_num_queries(4):
        page = client.get(reverse("reviews:index")).content.decode()
    assert "Waiting one" in page and "Rated one" in page and "Someone else" not in page
    assert review_url(waiting) in page
    assert "/reviews/complaints/" in page


def test_the_home_page_shows_what_to_review(client, student):
    ServiceEventFactory(served=student, title="Fix the tap")
    client.force_login(student)
    page = client.get("/").content.decode()
    assert "To review" in page and "Fix the tap" in page


def test_it_limits_reviews_per_hour(client, settings):
    settings.REVIEWS_CREATE_PER_HOUR = 2
    user = UserFactory(roles=["student"])
    client.force_login(user)
    events = [ServiceEventFactory(served=user) for _ in range(3)]
    assert client.post(review_url(events[0]), {"stars": "5"}).status_code == 302
    assert client.post(review_url(events[1]), {"stars": "5"}).status_code == 302
    response = client.post(review_url(events[2]), {"stars": "5"})
    assert response.status_code == 429
    assert "try later" in response.content.decode()
    assert Review.objects.count() == 2


# --- Moderation and staff ----------------------------------------------------------------------


def test_a_manager_hides_with_a_reason_and_sees_the_record(client, manager, student):
    review = ReviewFactory(comment="spam spam")
    client.force_login(manager)
    hide = reverse("reviews:review-hide", args=[review.pk])
    client.post(hide, {"reason": ""})
    assert not Review.objects.get().is_hidden
    client.post(hide, {"reason": "advertising"})
    assert Review.objects.get().is_hidden
    page = client.get(review.get_absolute_url()).content.decode()
    assert "advertising" in page
    assert Moderation.objects.get().by == manager
    client.force_login(student)
    assert client.post(hide, {"reason": "x"}).status_code == 403


def test_the_moderation_list_filters_and_pins_its_queries(
    client, manager, django_assert_num_queries
):
    ReviewFactory(stars=1, comment="bad one")
    ReviewFactory(stars=5, comment="good one")
    client.force_login(manager)
    url = reverse("reviews:moderation") + "?stars_max=2"
    client.get(url)
    with django_assert_num_queries(3):  # a cursor page: no count
        page = client.get(url).content.decode()
    assert "bad one" in page and "good one" not in page
    assert client.get(reverse("reviews:moderation") + "?stars_max=x").status_code == 400


def test_staff_see_their_units_reviews_without_anonymous_names(
    client, technician, django_assert_num_queries
):
    event = ServiceEventFactory()
    StaffScope.objects.create(user=technician, role="technician", department=event.department)
    author = event.served
    author.display_name = "Zhang San"
    author.save(update_fields=["display_name"])
    ReviewFactory(event=event, anonymous=True, comment="slow")
    ReviewFactory(comment="elsewhere")
    ReviewFactory(event=ServiceEventFactory(department=event.department), is_hidden=True)
    client.force_login(technician)
    url = reverse("reviews:review-list")
    client.get(url)
    with django_assert_num_queries(3):  # a cursor page: no count; scopes with the user
        page = client.get(url).content.decode()
    assert "slow" in page and "elsewhere" not in page
    assert "Zhang San" not in page and "Anonymous" in page


def test_students_may_not_open_the_staff_pages(client, student):
    client.force_login(student)
    for name in ("reviews:review-list", "reviews:moderation", "reviews:follow-up-list"):
        assert client.get(reverse(name)).status_code == 403


# --- Follow-ups ---------------------------------------------------------------------------------


@pytest.fixture
def dispatcher(db):
    return UserFactory(roles=["repair_dispatcher"], phone="13800000000")


def test_a_low_score_reaches_the_dispatcher_who_calls_and_closes(
    client, dispatcher, django_assert_num_queries
):
    event = ServiceEventFactory()
    event.served.phone = "13912345678"
    event.served.save(update_fields=["phone"])
    review_create(event=event, by=event.served, stars=1, comment="never came")
    follow_up = FollowUp.objects.get()
    client.force_login(dispatcher)
    url = reverse("reviews:follow-up-list")
    client.get(url)
    # user (with roles, unread count and scopes: whether the dispatcher is scoped costs no query),
    # the cursor page (no count)
    with django_assert_num_queries(2):
        page = client.get(url).content.decode()
    assert event.title in page
    detail = client.get(follow_up.get_absolute_url()).content.decode()
    assert "13912345678" in detail and "never came" in detail
    # A campus-wide dispatcher is no staff of the unit: no link to a review page they cannot open.
    assert reverse("reviews:review-detail", args=[follow_up.review_id]) not in detail
    close = reverse("reviews:follow-up-close", args=[follow_up.pk])
    assert client.post(close, {"note": ""}).status_code == 400
    assert client.post(close, {"note": "Called, fixed tomorrow"}).status_code == 302
    follow_up.refresh_from_db()
    assert (follow_up.status, follow_up.done_by) == ("done", dispatcher)


def test_an_anonymous_low_score_hides_the_contact_from_the_dispatcher(client, dispatcher):
    event = ServiceEventFactory()
    event.served.phone = "13912345678"
    event.served.save(update_fields=["phone"])
    review_create(event=event, by=event.served, stars=1, anonymous=True)
    client.force_login(dispatcher)
    page = client.get(FollowUp.objects.get().get_absolute_url()).content.decode()
    assert "13912345678" not in page and "no call-back" in page


def test_people_a_review_is_about_never_see_it_hidden_even_without_a_staff_role(client, manager):
    from reviews.services import review_hide
    from tests.reviews.factories import SubjectFactory

    former = UserFactory()  # a technician whose role was removed since
    review = ReviewFactory(event__subjects=[SubjectFactory(kind="staff", user=former)])
    client.force_login(former)
    detail = reverse("reviews:review-detail", args=[review.pk])
    assert client.get(detail).status_code == 200
    review_hide(review=review, by=manager, reason="abuse")
    assert client.get(detail).status_code == 404
    client.force_login(review.author)  # the author still sees their own, marked hidden
    assert client.get(detail).status_code == 200


def test_a_student_cannot_see_a_follow_up(client, student):
    review = ReviewFactory(stars=1)
    follow_up = FollowUp.objects.create(review=review, role="repair_dispatcher")
    client.force_login(review.author)
    assert client.get(follow_up.get_absolute_url()).status_code == 404
