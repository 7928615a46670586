"""Every new PostgreSQL connection turns Memoize off for its session (logistics.db_session),
unless DATABASE_MEMOIZE keeps PostgreSQL's default; the portal's queries still answer."""

import os

import pytest
from django.db import connections

from repairs.models import RepairRequest
from tests.repairs.factories import RepairRequestFactory

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        not os.environ.get("DATABASE_URL", "").startswith("postgres"), reason="needs PostgreSQL"
    ),
]


def new_connection_says(setting: str) -> str:
    """SHOW `setting` on a connection made now (connection_created fires for it)."""
    connection = connections.create_connection("default")
    try:
        with connection.cursor() as cursor:
            cursor.execute(f"SHOW {setting}")
            return cursor.fetchone()[0]
    finally:
        connection.close()


def test_a_new_connection_plans_without_memoize(settings):
    settings.DATABASE_MEMOIZE = False
    assert new_connection_says("enable_memoize") == "off"
    # only that: the other planner settings keep PostgreSQL's defaults
    assert new_connection_says("enable_incremental_sort") == "on"


def test_database_memoize_keeps_postgresqls_default(settings):
    settings.DATABASE_MEMOIZE = True
    assert new_connection_says("enable_memoize") == "on"


def test_the_requests_connection_has_it_and_the_joined_list_answers(client, manager):
    RepairRequestFactory.create_batch(3)
    client.force_login(manager)

    body = client.get("/api/v1/repairs/requests/").json()

    assert len(body["results"]) == 3
    with connections["default"].cursor() as cursor:
        cursor.execute("SHOW enable_memoize")
        assert cursor.fetchone()[0] == "off"
    plan = RepairRequest.objects.for_api().order_by("-created_at", "-id")[:51].explain()
    assert "Memoize" not in plan
