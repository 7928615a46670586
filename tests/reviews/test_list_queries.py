"""Every list of reviews and complaints, page or API, costs the same number of queries with one
row and with several (each with its own event, author, department or photos: an N+1 would
show), and the next page by its link continues where the first stopped: no row twice, none
skipped, ties of the ordering broken by the id. docs/performance.md, "Reviews and dining lists
(item 7)" names them."""

import datetime
import html
import re

import pytest
from django.core.cache import cache
from django.db.models import F
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from logistics.models import StaffScope
from logistics.roles import Role
from reviews.complaints import views as complaint_views
from reviews.complaints.services import (
    complaint_create,
    complaint_reply,
    complaint_resolve,
)
from reviews.models import Complaint, FollowUp, IndexRow, Review, ReviewPhoto, ServiceEvent
from reviews.services import review_create
from reviews.views import follow_ups as follow_up_views
from reviews.views import staff as staff_views
from tests.logistics.factories import DepartmentFactory, UserFactory
from tests.reviews.factories import IndexRowFactory, ReviewFactory, ServiceEventFactory

pytestmark = pytest.mark.django_db
NEXT = re.compile(r'<a href="([^"]+)" rel="next">')


@pytest.fixture(autouse=True)
def fresh_cache():
    cache.clear()  # the page rate limit and cached counts live in this run's Redis db


def as_user(user=None) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    if user is not None:
        client.force_login(user)
    return client


def api_for(user) -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def walk(client, url, django_assert_num_queries, queries, query="") -> list[list[int]]:
    """The ids of every page of a keyset list, following its "Next" link (which carries the
    list's filters), each page in `queries`."""
    pages, target = [], f"{url}?{query}"
    while target:
        with django_assert_num_queries(queries):
            response = client.get(target)
        assert response.status_code == 200
        pages.append([row.pk for row in response.context["page"]])
        found = NEXT.search(response.content.decode())
        target = f"{url}{html.unescape(found.group(1))}" if found else None
    return pages


def pages_of(client, url, query):
    """Every page of a keyset list, following its "Next" link (not counted)."""
    target = f"{url}?{query}"
    while target:
        response = client.get(target)
        assert response.status_code == 200
        yield response.context["page"]
        found = NEXT.search(response.content.decode())
        target = f"{url}{html.unescape(found.group(1))}" if found else None


def walk_api(client, url, django_assert_num_queries, queries, **params) -> list[list[int]]:
    """The ids of every page of an API list, following `next`, each page in `queries`."""
    pages, target, query = [], url, params
    while target:
        with django_assert_num_queries(queries):
            response = client.get(target, query)
        assert response.status_code == 200, response.content
        body = response.json()
        pages.append([row["id"] for row in body["results"]])
        target, query = body["next"], None
    return pages


def flat(pages) -> list[int]:
    return [pk for page in pages for pk in page]


def reviews(count, *, stars=4, department=None, tie=True) -> list[Review]:
    """`count` reviews by different people about different events, the first four written at
    the same moment (a tie the ids break); every other one with a photo."""
    moment = timezone.now() - datetime.timedelta(hours=2)
    made = []
    for n in range(count):
        event = ServiceEventFactory(**({"department": department} if department else {}))
        review = ReviewFactory(
            event=event, stars=stars, created_at=moment if tie and n < 4 else timezone.now()
        )
        if n % 2:
            ReviewPhoto.objects.create(review=review, image=f"reviews/{n}.jpg")
        made.append(review)
    return made


# --- Review pages ---------------------------------------------------------------------------------


def test_the_moderation_list_pins_its_queries_and_pages_by_cursor(
    manager, monkeypatch, django_assert_num_queries
):
    monkeypatch.setattr(staff_views, "PAGE_SIZE", 3)
    client = as_user(manager)
    url = reverse("reviews:moderation")
    reviews(1)
    client.get(url)
    # user (with its roles and unread count), the page's reviews (with event and author), their
    # photos
    walk(client, url, django_assert_num_queries, 3)
    reviews(7)

    pages = walk(client, url, django_assert_num_queries, 3)

    assert [len(p) for p in pages] == [3, 3, 2]
    assert flat(pages) == [r.pk for r in Review.objects.order_by("-created_at", "-id")]


def test_the_staff_review_list_pins_its_queries_and_keeps_its_filter(
    technician, monkeypatch, django_assert_num_queries
):
    monkeypatch.setattr(staff_views, "PAGE_SIZE", 2)
    department = DepartmentFactory()
    StaffScope.objects.create(user=technician, role="technician", department=department)
    client = as_user(technician)
    url = reverse("reviews:review-list")
    reviews(1, stars=1, department=department)
    client.get(url)
    # user (with its roles, unread count and the staff's departments), the page's reviews, their
    # photos
    walk(client, url, django_assert_num_queries, 3, "stars_max=2")
    low = reviews(4, stars=2, department=department)
    reviews(3, stars=5, department=department)
    reviews(2, stars=1)  # another unit's

    pages = walk(client, url, django_assert_num_queries, 3, "stars_max=2")

    expected = Review.objects.filter(event__department=department, stars__lte=2)
    assert [len(p) for p in pages] == [2, 2, 1]
    assert flat(pages) == [r.pk for r in expected.order_by("-created_at", "-id")]
    assert set(flat(pages)) >= {r.pk for r in low}


def test_my_reviews_page_pins_its_queries(student, django_assert_num_queries):
    client = as_user(student)
    url = reverse("reviews:index")
    ServiceEventFactory(served=student)
    ReviewFactory(event=ServiceEventFactory(served=student))
    client.get(url)
    # user (with its roles, unread count and scopes, which the complaints link's rule reads), the
    # events to review, my reviews (with event), their photos — however many (at most 50 of each:
    # bounded by construction)
    with django_assert_num_queries(4):
        client.get(url)
    for n in range(5):
        ServiceEventFactory(served=student, department=DepartmentFactory())
        review = ReviewFactory(event=ServiceEventFactory(served=student))
        ReviewPhoto.objects.create(review=review, image=f"reviews/{n}.jpg")
    with django_assert_num_queries(4):
        response = client.get(url)
    assert (len(response.context["waiting"]), len(response.context["mine"])) == (6, 6)


# --- Follow-ups -----------------------------------------------------------------------------------


def low_scores(count) -> list[FollowUp]:
    """`count` follow-ups of one-star reviews, each of its own event, author and department."""
    for _ in range(count):
        event = ServiceEventFactory()
        review_create(event=event, by=event.served, stars=1, comment="never came")
    return list(FollowUp.objects.order_by("-created_at", "-id"))


def test_the_follow_up_page_pins_its_queries_and_pages_by_cursor(
    monkeypatch, django_assert_num_queries
):
    monkeypatch.setattr(follow_up_views, "PAGE_SIZE", 3)
    client = as_user(UserFactory(roles=[Role.REPAIR_DISPATCHER]))
    url = reverse("reviews:follow-up-list")
    low_scores(1)
    client.get(url)
    # user (with its roles, unread count and scopes: whether the dispatcher is scoped costs no
    # query), the page (with review, event, author and department)
    walk(client, url, django_assert_num_queries, 2)
    FollowUp.objects.update(created_at=timezone.now() - datetime.timedelta(hours=1))
    expected = low_scores(7)  # the first one and three more at the same moment: a tie

    pages = walk(client, url, django_assert_num_queries, 2)

    assert [len(p) for p in pages] == [3, 3, 2]
    assert flat(pages) == [f.pk for f in expected]


def test_the_follow_up_page_keeps_show_done_on_the_next_page(monkeypatch):
    monkeypatch.setattr(follow_up_views, "PAGE_SIZE", 2)
    manager = UserFactory(roles=[Role.LOGISTICS_MANAGER])
    done = low_scores(5)[:3]
    FollowUp.objects.filter(pk__in=[f.pk for f in done]).update(status=FollowUp.Status.DONE)
    client = as_user(manager)

    pages = [
        [f.pk for f in page]
        for page in pages_of(client, reverse("reviews:follow-up-list"), "show=done")
    ]

    assert [len(p) for p in pages] == [2, 1]
    assert flat(pages) == [f.pk for f in done]


# --- Complaints -----------------------------------------------------------------------------------


def complaints(count, *, author=None, department=None) -> list[Complaint]:
    made = []
    for n in range(count):
        made.append(
            complaint_create(
                author=author or UserFactory(roles=[Role.STUDENT]),
                kind="complaint",
                title=f"投诉 {n}",
                body="菜太咸了",
                department=department or DepartmentFactory(),
            )
        )
    return made


def test_my_complaints_pin_their_queries_and_page_by_cursor(
    student, monkeypatch, django_assert_num_queries
):
    monkeypatch.setattr(complaint_views, "PAGE_SIZE", 3)
    client = as_user(student)
    url = reverse("reviews:complaint-list")
    complaints(1, author=student)
    client.get(url)
    # user (with its roles, unread count and staff departments: none, no inbox), the page (with
    # department)
    walk(client, url, django_assert_num_queries, 2)
    complaints(7, author=student)
    complaints(2)  # someone else's
    Complaint.objects.filter(
        pk__in=Complaint.objects.filter(author=student).values("pk")[:4]
    ).update(created_at=timezone.now() - datetime.timedelta(hours=1))

    pages = walk(client, url, django_assert_num_queries, 2)

    mine = Complaint.objects.filter(author=student).order_by("-created_at", "-id")
    assert [len(p) for p in pages] == [3, 3, 2]
    assert flat(pages) == [c.pk for c in mine]


def test_the_widened_inbox_keeps_its_filter_on_the_next_page(monkeypatch):
    monkeypatch.setattr(complaint_views, "PAGE_SIZE", 2)
    department = DepartmentFactory()
    staff = UserFactory(roles=[Role.REPAIR_DISPATCHER])
    StaffScope.objects.create(user=staff, role=Role.REPAIR_DISPATCHER, department=department)
    filed = complaints(5, department=department)
    complaints(2)  # another department's

    pages = [
        [c.pk for c in page]
        for page in pages_of(as_user(staff), reverse("reviews:complaint-list"), "is_open=true")
    ]

    assert [len(p) for p in pages] == [2, 2, 1]
    assert flat(pages) == [c.pk for c in reversed(filed)]  # newest first


def test_the_public_board_pins_its_queries_and_pages_by_cursor(
    monkeypatch, django_assert_num_queries
):
    monkeypatch.setattr(complaint_views, "BOARD_PAGE_SIZE", 3)

    def suggestions(count, resolved_at=None):
        for n in range(count):
            department = DepartmentFactory()
            staff = UserFactory(roles=[Role.REPAIR_DISPATCHER])  # its scopes are read once
            StaffScope.objects.create(
                user=staff, role=Role.REPAIR_DISPATCHER, department=department
            )
            item = complaint_create(
                author=UserFactory(roles=[Role.STUDENT]),
                kind="suggestion",
                title=f"建议 {n}",
                body="早点开门",
                department=department,
                public_ok=True,
            )
            complaint_reply(complaint=item, by=staff, body="已安排", public=True)
            complaint_resolve(complaint=item, by=staff, note="七点开门")
            if resolved_at:
                Complaint.objects.filter(pk=item.pk).update(resolved_at=resolved_at)

    suggestions(1)
    client = as_user()
    # the page (with department), the public replies
    walk(client, reverse("reviews:complaint-board"), django_assert_num_queries, 2)
    suggestions(4, resolved_at=timezone.now() - datetime.timedelta(days=1))  # a tie
    suggestions(3)

    pages = walk(client, reverse("reviews:complaint-board"), django_assert_num_queries, 2)

    board = Complaint.objects.filter(kind="suggestion").order_by("-resolved_at", "-id")
    assert [len(p) for p in pages] == [3, 3, 2]
    assert flat(pages) == [c.pk for c in board]


# --- The API --------------------------------------------------------------------------------------


def test_the_reviews_api_pages_by_cursor_through_ties(manager, django_assert_num_queries):
    client = api_for(manager)
    reviews(1)
    client.get("/api/v1/reviews/reviews/")
    reviews(6)
    # user (with its roles and unread count), the page (with event and author), the photos
    pages = walk_api(client, "/api/v1/reviews/reviews/", django_assert_num_queries, 3, page_size=3)
    assert [len(p) for p in pages] == [3, 3, 1]
    assert flat(pages) == [r.pk for r in Review.objects.order_by("-created_at", "-id")]


def test_my_events_api_pins_its_queries_and_pages_by_cursor(student, django_assert_num_queries):
    client = api_for(student)
    url = "/api/v1/reviews/events/"
    ServiceEventFactory(served=student)
    client.get(url)
    # user, the page (with its review and invitation)
    walk_api(client, url, django_assert_num_queries, 2)
    moment = timezone.now() - datetime.timedelta(hours=3)
    for n in range(6):
        event = ServiceEventFactory(served=student, occurred_at=moment if n < 4 else timezone.now())
        if n % 2:
            ReviewFactory(event=event)
    ServiceEventFactory()  # someone else's

    pages = walk_api(client, url, django_assert_num_queries, 2, page_size=3)

    mine = ServiceEvent.objects.filter(served=student).order_by("-occurred_at", "-id")
    assert [len(p) for p in pages] == [3, 3, 1]
    assert flat(pages) == [e.pk for e in mine]


def test_the_follow_ups_api_pins_its_queries_and_pages_by_cursor(django_assert_num_queries):
    client = api_for(UserFactory(roles=[Role.REPAIR_DISPATCHER]))
    url = "/api/v1/reviews/follow-ups/"
    low_scores(1)
    client.get(url)
    # user (with its roles, unread count and scopes: whether the dispatcher is scoped costs no
    # query), the page (with review, event, author, department), the photos
    walk_api(client, url, django_assert_num_queries, 3)
    low_scores(6)
    done = FollowUp.objects.order_by("id")[:2]
    FollowUp.objects.filter(pk__in=[f.pk for f in done]).update(status=FollowUp.Status.DONE)

    pages = walk_api(client, url, django_assert_num_queries, 3, page_size=3)

    # open ones first ("done" sorts after "open"), newest first within each
    expected = FollowUp.objects.order_by("status", "-created_at", "-id")
    assert [len(p) for p in pages] == [3, 3, 1]
    assert flat(pages) == [f.pk for f in expected]


def test_the_complaints_api_pages_by_cursor(django_assert_num_queries):
    department = DepartmentFactory()
    staff = UserFactory(roles=[Role.REPAIR_DISPATCHER])
    StaffScope.objects.create(user=staff, role=Role.REPAIR_DISPATCHER, department=department)
    filed = complaints(7, department=department)
    complaints(2)
    Complaint.objects.filter(pk__in=[c.pk for c in filed[:4]]).update(
        created_at=timezone.now() - datetime.timedelta(hours=1)
    )
    client = api_for(staff)
    client.get("/api/v1/reviews/complaints/")

    # user (with its roles, unread count and the staff's departments), the page, the entries (with
    # who wrote them)
    pages = walk_api(
        client, "/api/v1/reviews/complaints/", django_assert_num_queries, 3, page_size=3
    )

    expected = Complaint.objects.filter(department=department).order_by("-created_at", "-id")
    assert [len(p) for p in pages] == [3, 3, 1]
    assert flat(pages) == [c.pk for c in expected]


def test_the_index_api_pages_by_cursor_in_a_chosen_order_with_nulls(
    manager, django_assert_num_queries
):
    today = timezone.localdate()
    for n in range(7):  # ties on the mean, and three without one (NULL comes first, descending)
        IndexRowFactory(
            period_start=today - datetime.timedelta(days=n),
            adjusted_mean=None if n % 3 == 0 else 4.0 + n % 2,
        )
    client = api_for(manager)
    client.get("/api/v1/reviews/indices/")

    # user (with its roles and unread count), the rows with their subjects
    pages = walk_api(
        client,
        "/api/v1/reviews/indices/",
        django_assert_num_queries,
        2,
        ordering="-adjusted_mean",
        page_size=2,
    )

    expected = IndexRow.objects.order_by(F("adjusted_mean").desc(nulls_first=True), "-id")
    assert [len(p) for p in pages] == [2, 2, 2, 1]
    assert flat(pages) == [r.pk for r in expected]
