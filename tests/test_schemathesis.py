"""Schemathesis over /api/schema/: no 5xx and no response that breaks the schema.

Runs against the Django WSGI app in-process, as a logistics manager whose token holds every
scope (so writes are exercised) and anonymously (so every refusal is documented too). The write
rate is raised for the run (a run at the production rate answered most writes 429), and one
object of every kind exists, with the `{id}` of the manager's cases pointing at it, so details,
changes and actions answer with bodies, not only 404.
"""

import datetime
import os
import re
from decimal import Decimal

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis import checks

from dining.models import Meal
from logistics.api.permissions import all_scopes
from logistics.models import Notification, WebhookEndpoint
from logistics.tokens import api_token_issue
from reviews.models import FollowUp
from tests.dining.factories import (
    CanteenFactory,
    DishFactory,
    MenuFactory,
    MenuItemFactory,
    OpeningHoursFactory,
    PriceChangeFactory,
    WindowFactory,
)
from tests.logistics.factories import BuildingFactory, DepartmentFactory, RoomFactory
from tests.parcels.factories import ParcelFactory, StationFactory
from tests.repairs.factories import CategoryFactory, RepairRequestFactory
from tests.reviews.factories import (
    ComplaintFactory,
    IndexRowFactory,
    ReviewFactory,
    ServiceEventFactory,
)

MAX_EXAMPLES = int(os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "25"))
# What the issue asks of every endpoint: no 5xx, and every response as the schema describes it.
CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_headers_conformance,
    checks.response_schema_conformance,
]
# The core's own endpoints are held to more: input the schema forbids is refused. (Not the
# converse: schema-valid input may still name a campus that does not exist, or a taken code.)
STRICT_CHECKS = [*CHECKS, checks.negative_data_rejection]
STRICT_PATHS = ("/api/v1/places/", "/api/v1/me/")


def _is_blank(value) -> bool:
    if isinstance(value, list | tuple | dict):
        return all(_is_blank(v) for v in value) if not isinstance(value, dict) else not value
    return value is None or value == ""


def checks_for(case) -> list:
    # An empty filter (?kind=) means "any", as in the HTML forms the FilterSets also serve.
    empty_filter = any(_is_blank(value) for value in (case.query or {}).values())
    # Form encodings flatten a mistyped body into plain key=value pairs, which then parse fine.
    form_body = case.media_type is not None and case.media_type != "application/json"
    if case.path.startswith(STRICT_PATHS) and not (empty_filter or form_body):
        return STRICT_CHECKS
    return CHECKS


@pytest.fixture(autouse=True)
def keep_db_connection():
    # As Django's test client does: the WSGI handler would otherwise close the connection, and
    # with it the test's transaction, at the end of every request.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture(autouse=True)
def write_rate_raised(settings):
    # Every example is a write of the same user: at the production rate most would be 429.
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"write": "1000000/min"},
    }


@pytest.fixture
def places(db):
    room = RoomFactory(number="101")
    department = DepartmentFactory(code="repair")
    department.buildings.add(room.building, BuildingFactory())
    return room


@pytest.fixture
def reachable(places, manager) -> dict[str, int]:
    """One object of every kind the API serves, by the path its `{id}` follows."""
    department = places.building.departments.first()
    canteen = CanteenFactory(building=places.building)
    OpeningHoursFactory(
        canteen=canteen,
        meal=Meal.BREAKFAST,
        opens_at=datetime.time(6, 30),
        closes_at=datetime.time(9, 0),
    )
    window = WindowFactory(canteen=canteen)
    dish = DishFactory(canteen=canteen, price=Decimal("8.50"))
    menu = MenuFactory(window=window, date=datetime.date.today())
    MenuItemFactory(menu=menu, dish=dish)
    parent = CategoryFactory(code="water", department=department)
    category = CategoryFactory(code="tap", parent=parent, department=department)
    repair = RepairRequestFactory(category=category, room=places)
    complaint = ComplaintFactory(department=department)  # no subject: subject_kind is null
    event = ServiceEventFactory(department=department)
    own_event = ServiceEventFactory(department=department, served=manager)  # events are one's own
    review = ReviewFactory(event=event, stars=1)
    follow_up = FollowUp.objects.create(review=review, department=department, role="manager")
    notification = Notification.objects.create(recipient=manager, kind="tests.x", title="x")
    endpoint = WebhookEndpoint.objects.create(
        owner=manager, name="IT", url="https://it.example/", secret="s" * 20, notifications=False
    )
    ids = {
        "dining/canteens": canteen.pk,
        "dining/dishes": dish.pk,
        "dining/menus": menu.pk,
        "dining/price-changes": PriceChangeFactory(dish=dish).pk,
        "dining/windows": window.pk,
        "notifications": notification.pk,
        "places/buildings": places.building_id,
        "places/campuses": places.building.campus_id,
        "places/departments": department.pk,
        "places/rooms": places.pk,
        "repairs/categories": category.pk,
        "repairs/requests": repair.pk,
        "reviews/complaints": complaint.pk,
        "reviews/events": own_event.pk,
        "reviews/follow-ups": follow_up.pk,
        "reviews/indices": IndexRowFactory().pk,
        "reviews/reviews": review.pk,
        "parcels/parcels": ParcelFactory().pk,
        "parcels/stations": StationFactory().pk,
        "webhooks": endpoint.pk,
    }
    return {f"/api/v1/{prefix}/{{id}}/": pk for prefix, pk in ids.items()}


def aim_at_existing_objects(case, reachable: dict[str, int]) -> None:
    # Ids are integers, or digit strings where a viewset's lookup is a pattern (dining).
    generated = (case.path_parameters or {}).get("id")
    if isinstance(generated, bool):
        return
    if not isinstance(generated, int) and not re.fullmatch(r"[0-9]{1,18}", str(generated)):
        return  # absent, or a mistyped id of a negative case: keep it, it must be refused
    for prefix, pk in reachable.items():
        if case.path.startswith(prefix):
            case.path_parameters["id"] = pk if isinstance(generated, int) else str(pk)


@pytest.fixture
def manager_token(manager):
    _, raw = api_token_issue(user=manager, name="schemathesis", scopes=all_scopes())
    return raw


# Loaded at collection (the schema view needs no database). schemathesis.pytest.from_fixture
# would load it per test, but it breaks on pytest 9 (it sets the removed Node._nodeid).
schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", get_wsgi_application())
run_settings = settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)


@schema.parametrize()
@run_settings
def test_it_keeps_to_the_schema_as_a_manager_with_every_scope(case, reachable, manager_token):
    aim_at_existing_objects(case, reachable)
    headers = {"Authorization": f"Bearer {manager_token}"}
    case.call_and_validate(headers=headers, checks=checks_for(case))


@schema.parametrize()
@run_settings
def test_it_keeps_to_the_schema_anonymously(case, places):
    case.call_and_validate(checks=checks_for(case))
