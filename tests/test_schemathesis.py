"""Schemathesis over /api/schema/: no 5xx and no response that breaks the schema.

Runs against the Django WSGI app in-process, as a logistics manager whose token holds every
scope (so writes are exercised) and anonymously (so every refusal is documented too).
"""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis import checks

from logistics.api.permissions import all_scopes
from logistics.tokens import api_token_issue
from tests.logistics.factories import BuildingFactory, DepartmentFactory, RoomFactory

MAX_EXAMPLES = 25
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


@pytest.fixture
def places(db):
    room = RoomFactory(number="101")
    department = DepartmentFactory(code="repair")
    department.buildings.add(room.building, BuildingFactory())
    return room


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
def test_it_keeps_to_the_schema_as_a_manager_with_every_scope(case, places, manager_token):
    headers = {"Authorization": f"Bearer {manager_token}"}
    case.call_and_validate(headers=headers, checks=checks_for(case))


@schema.parametrize()
@run_settings
def test_it_keeps_to_the_schema_anonymously(case, places):
    case.call_and_validate(checks=checks_for(case))
