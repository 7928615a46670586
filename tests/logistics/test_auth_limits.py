"""Failed sign-ins lock an account and an address (django-axes, in the database); page form
writes share the API's write limit. Each test sets small limits (tests/settings.py raises them)."""

import re

import pytest
from axes.models import AccessAttempt
from django.core.cache import cache
from django.core.management import call_command
from django.test import Client

from logistics.safeguards import client_ip
from tests.logistics.factories import UserFactory

PASSWORD = "right-pass-123"


@pytest.fixture
def limits(settings):
    settings.CAS_SERVER_URL = None
    settings.AXES_FAILURE_LIMIT = 3
    return settings


def sign_in(client, username, password, path="/accounts/login/", **extra):
    return client.post(path, {"username": username, "password": password}, **extra)


def test_it_locks_an_account_after_the_limit_and_refuses_the_right_password(client, limits, db):
    UserFactory(username="s1", password=PASSWORD)
    answers = [sign_in(client, "s1", "wrong").status_code for _ in range(3)]
    assert answers == [200, 200, 429]

    response = sign_in(client, "s1", PASSWORD, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 15 * 60
    page = response.content.decode()
    assert "Too many failed sign-ins" in page
    assert re.search(r"paused until \d\d:\d\d \(about 15 minutes\)", page)
    assert client.get("/api/v1/me/").status_code in (401, 403)


def test_it_says_so_in_chinese(client, limits, db):
    UserFactory(username="s1", password=PASSWORD)
    for _ in range(3):
        sign_in(client, "s1", "wrong")
    response = sign_in(client, "s1", PASSWORD, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 429
    assert "登录失败次数过多" in response.content.decode()


def test_it_locks_one_account_from_any_address(limits, db):
    UserFactory(username="s1", password=PASSWORD)
    for number in range(3):
        sign_in(Client(REMOTE_ADDR=f"10.0.0.{number + 1}"), "s1", "wrong")
    assert sign_in(Client(REMOTE_ADDR="10.0.0.9"), "s1", PASSWORD).status_code == 429


def test_it_locks_an_address_that_tries_many_accounts(limits, db):
    UserFactory(username="victim", password=PASSWORD)
    attacker = Client(REMOTE_ADDR="10.0.0.66")
    for name in ("a1", "a2", "a3"):
        sign_in(attacker, name, "guess")
    assert sign_in(attacker, "victim", PASSWORD).status_code == 429
    assert sign_in(Client(REMOTE_ADDR="10.0.0.7"), "victim", PASSWORD).status_code == 302


def test_it_locks_the_admin_login_too(client, limits, db):
    UserFactory(username="root", password=PASSWORD, is_staff=True, is_superuser=True)
    answers = [sign_in(client, "root", "wrong", "/admin/login/").status_code for _ in range(3)]
    assert answers == [200, 200, 429]
    assert sign_in(client, "root", PASSWORD, "/admin/login/").status_code == 429


def test_it_unlocks_with_the_management_command(client, limits, db):
    UserFactory(username="s1", password=PASSWORD)
    for _ in range(3):
        sign_in(client, "s1", "wrong")
    call_command("axes_reset_username", "s1")
    assert sign_in(client, "s1", PASSWORD).status_code == 302


def test_it_forgets_failures_after_a_successful_sign_in(client, limits, db):
    UserFactory(username="s1", password=PASSWORD)
    sign_in(client, "s1", "wrong")
    sign_in(client, "s1", "wrong")
    assert sign_in(client, "s1", PASSWORD).status_code == 302
    assert not AccessAttempt.objects.filter(username="s1").exists()


# --- The client's address behind the reverse proxy ----------------------------------------------


def test_it_counts_the_forwarded_address_only_behind_a_trusted_proxy(limits, db):
    limits.TRUSTED_PROXIES = ["127.0.0.1", "10.1.0.0/16"]
    UserFactory(username="s1", password=PASSWORD)
    proxied = Client(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.5, 10.1.2.3")
    sign_in(proxied, "nobody", "guess")
    assert AccessAttempt.objects.get().ip_address == "203.0.113.5"


@pytest.mark.parametrize(
    ("remote", "forwarded", "expected"),
    [
        ("198.51.100.1", "1.2.3.4", "198.51.100.1"),  # not from our proxy: the header is a lie
        ("127.0.0.1", "1.2.3.4", "1.2.3.4"),
        ("127.0.0.1", "", "127.0.0.1"),
        ("127.0.0.1", "127.0.0.1", "127.0.0.1"),
        ("127.0.0.1", "not-an-address", "127.0.0.1"),
        ("::1", "2001:db8::1", "2001:db8::1"),
    ],
)
def test_it_finds_the_client_address(rf, settings, remote, forwarded, expected):
    settings.TRUSTED_PROXIES = ["127.0.0.1", "::1"]
    request = rf.get("/", REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=forwarded)
    assert client_ip(request) == expected


def test_it_believes_no_forwarded_header_without_trusted_proxies(rf, settings):
    settings.TRUSTED_PROXIES = []
    request = rf.get("/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="1.2.3.4")
    assert client_ip(request) == "127.0.0.1"


# --- Page writes share the API's write limit -----------------------------------------------------


@pytest.fixture
def write_rate(settings):
    cache.clear()
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"write": "3/min"},
    }
    yield settings
    cache.clear()


def test_it_limits_page_form_writes_per_user(client, write_rate, db):
    client.force_login(UserFactory(username="s1"))
    answers = [client.post("/notifications/read-all/").status_code for _ in range(3)]
    assert answers == [302, 302, 302]

    response = client.post("/notifications/read-all/", HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 60
    page = response.content.decode()
    assert "please wait" in page.lower()
    assert "Nothing you typed is lost" in page
    assert client.get("/notifications/").status_code == 200

    other = Client()
    other.force_login(UserFactory(username="s2"))
    assert other.post("/notifications/read-all/").status_code == 302


def test_it_answers_the_write_limit_in_chinese(client, write_rate, db):
    client.force_login(UserFactory(username="s1"))
    for _ in range(3):
        client.post("/notifications/read-all/")
    response = client.post("/notifications/read-all/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 429
    assert "请稍候" in response.content.decode()


def test_it_leaves_signing_out_and_anonymous_posts_alone(client, write_rate, db):
    client.force_login(UserFactory(username="s1"))
    for _ in range(3):
        client.post("/notifications/read-all/")
    assert client.post("/i18n/setlang/", {"language": "en"}).status_code == 302
    assert client.post("/accounts/logout/").status_code == 302
    assert client.post("/notifications/read-all/").status_code == 302  # to the login page
