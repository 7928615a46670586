"""/api/v1/reviews/indices/: read-only index rows, filtered, scoped like the pages."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from logistics.models import StaffScope
from logistics.roles import Role
from logistics.tokens import api_token_issue
from reviews.models import IndexRow, Subject
from tests.logistics.factories import DepartmentFactory, UserFactory
from tests.reviews.factories import IndexRowFactory, SubjectFactory

URL = "/api/v1/reviews/indices/"
TODAY = timezone.localdate()


def api_for(user) -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.force_authenticate(user)
    return client


@pytest.fixture
def rows(db):
    department = DepartmentFactory()
    staff = UserFactory(roles=[Role.CANTEEN_STAFF])
    StaffScope.objects.create(user=staff, role=Role.CANTEEN_STAFF, department=department)
    canteen = SubjectFactory(kind=Subject.Kind.CANTEEN, department=department)
    unit = SubjectFactory(kind=Subject.Kind.UNIT)
    made = {
        "canteen_day": IndexRowFactory(subject=canteen, period_start=TODAY),
        "canteen_old": IndexRowFactory(
            subject=canteen, period_start=TODAY - datetime.timedelta(days=40)
        ),
        "canteen_typed": IndexRowFactory(
            subject=canteen, period_start=TODAY, event_type="dining.dish"
        ),
        "unit_month": IndexRowFactory(
            subject=unit, period="month", period_start=TODAY.replace(day=1)
        ),
    }
    return {"staff": staff, "canteen": canteen, "unit": unit, **made}


def ids(response) -> set:
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


def test_it_lists_every_row_to_managers(manager, rows):
    response = api_for(manager).get(URL)
    assert ids(response) == {rows[k].pk for k in rows if k[0] in "cu" and "_" in k}
    first = response.json()["results"][0]
    assert {"adjusted_mean", "response_rate", "complaints_in_time", "subject_name"} <= set(first)


def test_it_filters_by_kind_period_event_type_start_and_subject(manager, rows):
    api = api_for(manager)
    assert ids(api.get(URL, {"kind": "unit"})) == {rows["unit_month"].pk}
    assert ids(api.get(URL, {"period": "day", "event_type": "dining.dish"})) == {
        rows["canteen_typed"].pk
    }
    recent = (TODAY - datetime.timedelta(days=7)).isoformat()
    assert ids(api.get(URL, {"subject": rows["canteen"].pk, "period_start_after": recent})) == {
        rows["canteen_day"].pk,
        rows["canteen_typed"].pk,
    }
    old = (TODAY - datetime.timedelta(days=30)).isoformat()
    assert ids(api.get(URL, {"period_start_before": old})) == {rows["canteen_old"].pk}


def test_it_answers_bad_filters_with_field_errors(manager, rows):
    response = api_for(manager).get(URL, {"period": "year", "period_start_after": "soon"})
    assert response.status_code == 400
    assert {"period", "period_start"} <= set(response.json()["fields"])


def test_it_shows_staff_their_departments_rows_only(rows):
    api = api_for(rows["staff"])
    assert ids(api.get(URL)) == {
        rows["canteen_day"].pk,
        rows["canteen_old"].pk,
        rows["canteen_typed"].pk,
    }
    detail = reverse("reviews-api:index-detail", args=[rows["unit_month"].pk])
    assert api.get(detail).status_code == 404


def test_it_denies_students(student, rows):
    assert api_for(student).get(URL).status_code == 403


def test_it_asks_tokens_for_the_reviews_read_scope(manager, rows):
    _, without = api_token_issue(user=manager, name="app", scopes=["repairs:read"])
    _, with_scope = api_token_issue(user=manager, name="app2", scopes=["reviews:read"])
    client = APIClient()
    assert client.get(URL, HTTP_AUTHORIZATION=f"Bearer {without}").status_code == 403
    assert client.get(URL, HTTP_AUTHORIZATION=f"Bearer {with_scope}").status_code == 200


def test_it_is_read_only(manager, rows):
    assert api_for(manager).post(URL, {}).status_code == 405


def test_it_lists_in_fixed_queries(manager, rows, django_assert_num_queries):
    api = api_for(manager)
    api.get(URL)  # reads the roles once onto the forced user
    with django_assert_num_queries(1):  # rows with their subjects (a cursor page: no count)
        api.get(URL)
    for n in range(10):
        IndexRowFactory(period_start=TODAY - datetime.timedelta(days=n), period=IndexRow.Period.DAY)
    with django_assert_num_queries(1):
        assert len(api.get(URL).json()["results"]) == 14
