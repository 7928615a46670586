"""A lost database answers 503 with Retry-After (pages in the user's language, JSON for the API
and Open311); cookies carry the __Host- prefix in production; Permissions-Policy is sent."""

import socket
import subprocess
import sys

import pytest
from django.db import connection
from django.test import Client

from tests.logistics.factories import UserFactory
from tests.logistics.test_settings import BASE_DIR, production_env


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def database_away(transactional_db):
    """The default connection pointed at a port nobody listens on: a real refused connection,
    without touching the shared PostgreSQL."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (DATABASE_URL)")
    saved = dict(connection.settings_dict)

    def go_away():
        connection.close()
        connection.settings_dict.update(HOST="127.0.0.1", PORT=str(closed_port()))

    def come_back():
        connection.close()
        connection.settings_dict.clear()
        connection.settings_dict.update(saved)

    go_away.come_back = come_back
    yield go_away
    come_back()


@pytest.fixture
def signed_in(transactional_db):
    client = Client(raise_request_exception=False)
    client.force_login(UserFactory(username="s1"))
    return client


def test_it_answers_a_page_with_503_in_the_users_language(signed_in, database_away):
    database_away()
    response = signed_in.get("/notifications/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 503
    assert response["Retry-After"] == "10"
    assert "门户暂时无法连接数据库" in response.content.decode()

    english = signed_in.get("/notifications/", HTTP_ACCEPT_LANGUAGE="en")
    assert "cannot reach its database" in english.content.decode()


def test_it_answers_a_page_form_post_with_503(signed_in, database_away):
    database_away()
    response = signed_in.post("/notifications/read-all/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 503
    assert response["Retry-After"] == "10"


def test_it_answers_the_api_with_the_json_error_body(signed_in, database_away):
    database_away()
    response = signed_in.get("/api/v1/me/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 503
    assert response["Retry-After"] == "10"
    body = response.json()
    assert body["code"] == "service_unavailable"
    assert body["fields"] == {}
    assert body["request_id"] == response["X-Request-ID"]


def test_it_answers_open311_with_the_json_error_body(transactional_db, database_away):
    database_away()
    response = Client(raise_request_exception=False).get("/open311/v2/services.json")
    assert response.status_code == 503
    assert response.json()["code"] == "service_unavailable"


def test_it_recovers_when_the_database_is_back(signed_in, database_away):
    database_away()
    assert signed_in.get("/notifications/").status_code == 503
    database_away.come_back()
    assert signed_in.get("/notifications/").status_code == 200


def test_it_sends_a_permissions_policy(client, db):
    response = client.get("/accounts/login/")
    policy = response["Permissions-Policy"]
    assert "camera=(self)" in policy
    assert "geolocation=()" in policy
    assert "microphone=()" in policy
    assert "payment=()" in policy


def test_it_names_secure_cookies_with_the_host_prefix_in_production():
    code = (
        "from django.conf import settings; "
        "print(settings.SESSION_COOKIE_NAME, settings.CSRF_COOKIE_NAME, "
        "settings.SESSION_COOKIE_DOMAIN, settings.CSRF_COOKIE_DOMAIN, "
        "settings.SESSION_COOKIE_PATH, settings.CSRF_COOKIE_PATH)"
    )
    env = {**production_env(), "DJANGO_SETTINGS_MODULE": "logistics.settings"}
    env["PATH"] = "/usr/bin:/bin"
    result = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "__Host-sessionid",
        "__Host-csrftoken",
        "None",
        "None",
        "/",
        "/",
    ]


def test_it_keeps_plain_cookie_names_without_https(client, db):
    UserFactory(username="s1", password="right-pass-123")
    response = client.post("/accounts/login/", {"username": "s1", "password": "right-pass-123"})
    assert "sessionid" in response.cookies
    assert client.get("/accounts/login/").status_code in (200, 302)
