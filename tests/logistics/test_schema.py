"""The OpenAPI schema says what the responses hold: the operations schemathesis found disagreeing
(null fields typed as strings, a time without an offset typed as RFC 3339 time, a key missing
from PATCH answers), each checked against a real response."""

import datetime
import re

import pytest
from django.conf import settings

from dining.models import Meal
from tests.dining.factories import CanteenFactory, OpeningHoursFactory
from tests.logistics.factories import DepartmentFactory
from tests.repairs.factories import CategoryFactory
from tests.reviews.factories import ComplaintFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def components(client):
    return client.get("/api/schema/", {"format": "json"}).json()["components"]["schemas"]


def test_a_complaint_without_a_subject_has_null_subject_fields_typed_nullable(
    client, manager, components
):
    ComplaintFactory()
    client.force_login(manager)
    complaint = client.get("/api/v1/reviews/complaints/").json()["results"][0]
    assert complaint["subject_kind"] is None and complaint["subject_ref"] is None
    properties = components["Complaint"]["properties"]
    assert properties["subject_kind"]["nullable"] is True
    assert properties["subject_ref"]["nullable"] is True


def test_opening_hours_are_local_times_matching_their_pattern(client, components):
    canteen = CanteenFactory()
    OpeningHoursFactory(
        canteen=canteen,
        meal=Meal.BREAKFAST,
        opens_at=datetime.time(6, 30),
        closes_at=datetime.time(9, 0),
    )
    opens_at = components["OpeningHours"]["properties"]["opens_at"]
    assert "format" not in opens_at  # OpenAPI's time is RFC 3339's, which needs an offset
    body = client.get(f"/api/v1/dining/canteens/{canteen.pk}/").json()
    hours = body["hours"]
    assert hours[0]["opens_at"] == "06:30:00"
    assert re.match(opens_at["pattern"], hours[0]["opens_at"])
    assert not re.match(opens_at["pattern"], "24:00:00")


def test_a_patched_category_answers_with_its_null_parent_code(client, manager, components):
    category = CategoryFactory(code="tap", parent=None)
    client.force_login(manager)
    response = client.patch(
        f"/api/v1/repairs/categories/{category.pk}/",
        {"sort_order": 3},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["parent_code"] is None
    assert "parent_code" in components["RepairCategory"]["required"]


@pytest.mark.parametrize(
    "change", [{"phone": 110}, {"buildings": {}}], ids=["number-for-text", "object-for-list"]
)
def test_the_places_api_refuses_what_the_schema_forbids(client, manager, change):
    department = DepartmentFactory()
    client.force_login(manager)
    response = client.patch(
        f"/api/v1/places/departments/{department.pk}/", change, content_type="application/json"
    )
    assert response.status_code == 400, response.content
    assert list(response.json()["fields"]) == list(change)


def test_it_names_both_ways_in_the_session_cookie_and_the_bearer_token(client):
    schema = client.get("/api/schema/", {"format": "json"}).json()
    schemes = schema["components"]["securitySchemes"]
    assert schemes["cookieAuth"] == {
        "type": "apiKey",
        "in": "cookie",
        "name": settings.SESSION_COOKIE_NAME,
    }
    assert schemes["bearerAuth"]["scheme"] == "bearer"
    listing = schema["paths"]["/api/v1/repairs/requests/"]["get"]
    assert {"cookieAuth": []} in listing["security"]
    assert {"bearerAuth": []} in listing["security"]
