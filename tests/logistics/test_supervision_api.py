"""/api/v1/supervision/daily/: who reads it, tokens with supervision:read, JSON and XLSX, and the
one error body for a missing, malformed or future date."""

import datetime
import importlib

import pytest
from django.apps import apps as django_apps
from django.core.exceptions import ValidationError
from django.utils import timezone

from logistics.models import ApiToken
from logistics.roles import Role
from logistics.spreadsheets import XLSX_TYPE
from logistics.tokens import api_token_issue
from tests.logistics.factories import UserFactory
from tests.logistics.supervision_day import PERSONAL

pytestmark = pytest.mark.django_db

URL = "/api/v1/supervision/daily/"


@pytest.fixture
def supervisor(db):
    return UserFactory(username="sv1001", roles=[Role.SUPERVISOR])


def bearer(user, scopes):
    _, raw = api_token_issue(user=user, name="city platform", scopes=scopes)
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def today() -> str:
    return timezone.localdate().isoformat()


def test_a_supervisor_reads_the_days_document(client, supervisor, city_day):
    client.force_login(supervisor)

    response = client.get(URL, {"date": city_day.day.isoformat()})

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body["date"] == city_day.day.isoformat()
    assert {i["key"] for i in body["indicators"]} >= {"repairs.filed", "reviews.complaints"}
    assert body["dining"]["benchmark_dishes"][0]["name"] == "米饭"
    assert PERSONAL["display_name"] not in response.content.decode()


def test_a_token_needs_supervision_read(client, integrator, city_day):
    allowed = client.get(URL, {"date": today()}, **bearer(integrator, ["supervision:read"]))
    refused = client.get(URL, {"date": today()}, **bearer(integrator, ["places:read"]))

    assert allowed.status_code == 200
    assert refused.status_code == 403
    assert "supervision:read" in refused.json()["detail"]


def test_there_is_no_write_scope_to_issue():
    with pytest.raises(ValidationError) as refused:
        api_token_issue(user=UserFactory(), name="city", scopes=["supervision:write"])
    assert "supervision:write" in str(refused.value)


def test_a_stored_token_that_still_holds_the_old_write_scope_reads_and_loses_it(
    client, integrator, city_day
):
    token, raw = api_token_issue(user=integrator, name="city", scopes=["supervision:read"])
    # issued before the write scope was dropped: stored unknown scopes break nothing
    ApiToken.objects.filter(pk=token.pk).update(scopes=["supervision:read", "supervision:write"])
    other, _raw = api_token_issue(user=integrator, name="repairs", scopes=["repairs:read"])

    response = client.get(URL, {"date": today()}, HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert response.status_code == 200
    post = client.post(URL, {}, HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert post.status_code == 405  # nothing to write, whatever the token holds

    migration = importlib.import_module("logistics.migrations.0013_drop_supervision_write_scope")
    migration.drop_scope(django_apps, None)
    token.refresh_from_db()
    other.refresh_from_db()
    assert token.scopes == ["supervision:read"]
    assert other.scopes == ["repairs:read"]
    again = client.get(URL, {"date": today()}, HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert again.status_code == 200


@pytest.mark.parametrize("role", [Role.STUDENT, Role.TECHNICIAN, Role.CANTEEN_STAFF])
def test_other_roles_are_refused_even_with_the_scope(client, role):
    user = UserFactory(roles=[role])
    session = client.get(URL, {"date": today()}) if client.force_login(user) is None else None
    token = client.get(URL, {"date": today()}, **bearer(user, ["supervision:read"]))

    assert session.status_code == 403 and token.status_code == 403
    assert token.json()["code"] == "permission_denied"


def test_anonymous_visitors_must_sign_in(client):
    assert client.get(URL, {"date": today()}).status_code == 401


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({}, "This field is required."),
        ({"date": "2026-13-01"}, "Date has wrong format"),
        ({"date": "yesterday"}, "Date has wrong format"),
        ({"date": "2999-01-01"}, "This day has not begun yet."),
        ({"date": "0001-01-01"}, "Give a day from 2000 on."),
    ],
)
def test_a_missing_bad_or_future_date_is_400_in_the_error_body(client, manager, query, message):
    client.force_login(manager)

    for extra in ({}, {"format": "xlsx"}):  # errors are JSON whatever format was asked for
        response = client.get(URL, {**query, **extra}, HTTP_ACCEPT_LANGUAGE="en")

        assert response.status_code == 400
        body = response.json()
        assert body["code"] == "invalid" and set(body) == {"code", "detail", "fields", "request_id"}
        assert message in body["fields"]["date"][0]


def test_the_date_error_is_in_chinese_for_a_chinese_reader(client, manager):
    client.force_login(manager)

    response = client.get(URL, {"date": "2999-01-01"}, HTTP_ACCEPT_LANGUAGE="zh-hans")

    assert response.json()["fields"]["date"] == ["该日期尚未到来。"]


def test_today_is_allowed_and_tomorrow_is_not(client, manager):
    client.force_login(manager)
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)

    assert client.get(URL, {"date": today()}).status_code == 200
    assert client.get(URL, {"date": tomorrow.isoformat()}).status_code == 400


def test_the_xlsx_by_format_or_accept_header(client, manager, city_day):
    client.force_login(manager)
    day = city_day.day.isoformat()

    by_format = client.get(URL, {"date": day, "format": "xlsx"})
    by_accept = client.get(URL, {"date": day}, HTTP_ACCEPT=XLSX_TYPE)

    for response in (by_format, by_accept):
        assert response.status_code == 200
        assert response["Content-Type"] == XLSX_TYPE
        assert f"supervision-campus-{day}.xlsx" in response["Content-Disposition"]
        assert b"".join(response.streaming_content)[:2] == b"PK"


def test_an_unknown_format_is_400_naming_the_formats(client, manager):
    client.force_login(manager)

    response = client.get(URL, {"date": today(), "format": "pdf"}, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 400
    assert response.json()["fields"] == {"format": ["Ask for json or xlsx."]}


def test_the_schema_documents_the_operation(client):
    schema = client.get("/api/schema/", {"format": "json"}).json()

    operation = schema["paths"][URL]["get"]
    assert {p["name"] for p in operation["parameters"]} >= {"date", "format"}
    assert set(operation["responses"]["200"]["content"]) == {"application/json", XLSX_TYPE}
    assert "supervision:read" not in operation.get("security", [])  # bearer, like the rest
