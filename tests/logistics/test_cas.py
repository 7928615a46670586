"""Campus CAS sign-on, for real: a mama-cas server in a subprocess, the portal as live_server.

A requests.Session plays the browser through redirect → CAS form → ticket → validation.
"""

import json
import logging
import os
import re
import socket
import sqlite3
import subprocess
import sys
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from django.contrib.auth.models import Group
from django_cas_ng.models import SessionTicket

from logistics.cas import parse_role_map
from logistics.models import User
from logistics.roles import Role
from tests.logistics.factories import UserFactory

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "campus-pass-123"
EVIL_TARGETS = [
    "https://evil.example/",
    "//evil.example",
    "/\\evil.example",
    "https:evil.example",
    "http://evil.example/accounts/login/",
    " //evil.example",
]
ROLE_MAP = (
    "affiliation=student:student, affiliation=teacher:teacher, affiliation=staff:technician,"
    "eduPersonEntitlement=urn:mace:campus:repairs:repair_dispatcher"
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class CASServer:
    url: str
    users_file: Path
    database: Path

    def set_users(self, users: dict) -> None:
        self.users_file.write_text(json.dumps(users, ensure_ascii=False), encoding="utf-8")


@pytest.fixture(scope="session")
def cas_server(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("casserver")
    users_file = workdir / "users.json"
    users_file.write_text("{}", encoding="utf-8")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.casserver.settings",
        "CAS_TEST_DB": str(workdir / "cas.sqlite3"),
        "CAS_TEST_USERS": str(users_file),
    }
    django = [sys.executable, "-m", "django"]
    subprocess.run([*django, "migrate", "--noinput", "-v", "0"], env=env, cwd=ROOT, check=True)
    port = free_port()
    with open(workdir / "server.log", "wb") as log:
        process = subprocess.Popen(
            [*django, "runserver", f"127.0.0.1:{port}", "--noreload"],
            env=env,
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}/cas/"
    try:
        wait_until_answering(url + "login", process, workdir / "server.log")
        yield CASServer(url=url, users_file=users_file, database=workdir / "cas.sqlite3")
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


def wait_until_answering(url: str, process: subprocess.Popen, log: Path) -> None:
    for _attempt in range(300):
        if process.poll() is not None:
            pytest.fail(f"the CAS server stopped:\n{log.read_text(errors='replace')}")
        try:
            if requests.get(url, timeout=1).status_code == 200:
                return
        except requests.ConnectionError:
            pass
        threading.Event().wait(0.1)
    pytest.fail(f"the CAS server never answered:\n{log.read_text(errors='replace')}")


@pytest.fixture
def roles(transactional_db):
    # Transactional tests flush the database, the role groups from the migration included.
    for role in Role:
        Group.objects.get_or_create(name=role.value)


@pytest.fixture
def cas(cas_server, live_server, settings, roles):
    settings.CAS_SERVER_URL = cas_server.url
    settings.AUTHENTICATION_BACKENDS = [
        "logistics.safeguards.LoginLimitBackend",
        "logistics.cas.PortalCASBackend",
        "logistics.backends.PortalModelBackend",
        "django.contrib.auth.backends.ModelBackend",
    ]
    settings.CAS_ROLE_MAP = ROLE_MAP
    settings.CAS_RENAME_ATTRIBUTES = {
        "displayName": "display_name",
        "mail": "email",
        "mobile": "phone",
    }
    cas_server.set_users(
        {
            "s2024101": {
                "password": PASSWORD,
                "attributes": {
                    "affiliation": ["student", "staff"],
                    "displayName": "张三",
                    "mail": "zhangsan@example.edu.cn",
                    "mobile": ["13800000001", "13900000002"],
                },
            },
            "t3001": {
                "password": PASSWORD,
                "attributes": {
                    "affiliation": "teacher",
                    "displayName": "Li Si",
                    "eduPersonEntitlement": "urn:mace:campus:repairs",
                },
            },
        }
    )
    return cas_server


class Browser:
    """A requests session that follows the CAS round trip step by step, as a browser would."""

    def __init__(self, portal: str, cas_url: str):
        self.portal = portal
        self.cas_url = cas_url
        self.http = requests.Session()
        self.http.headers["Accept-Language"] = "en"

    def get(self, path: str, **kwargs):
        url = path if path.startswith("http") else self.portal + path
        return self.http.get(url, allow_redirects=False, timeout=30, **kwargs)

    def start_login(self, next_page: str | None = "/x"):
        params = {"next": next_page} if next_page is not None else {}
        response = self.get("/accounts/login/", params=params)
        assert response.status_code == 302
        return response

    def cas_form_post(self, login_url: str, username: str, password: str = PASSWORD):
        form = self.http.get(login_url, timeout=30)
        assert form.status_code == 200, form.text
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text).group(1)
        data = {"username": username, "password": password, "csrfmiddlewaretoken": token}
        return self.http.post(form.url, data=data, allow_redirects=False, timeout=30)

    def ticket_url(self, username: str, next_page: str | None = "/x") -> str:
        start = self.start_login(next_page)
        answer = self.cas_form_post(start.headers["Location"], username)
        assert answer.status_code == 302, answer.text
        assert "ticket=ST-" in answer.headers["Location"]
        return answer.headers["Location"]

    def login(self, username: str, next_page: str | None = "/x"):
        response = self.get(self.ticket_url(username, next_page))
        assert response.status_code == 302, response.text
        return response

    def me(self):
        return self.get("/api/v1/me/")


@pytest.fixture
def browser(cas, live_server):
    return Browser(live_server.url, cas.url)


def query(url: str) -> dict:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


def stays_on_site(location: str, portal: str) -> bool:
    parts = urlsplit(location)
    return (not parts.netloc and location.startswith("/") and not location.startswith("//")) or (
        f"{parts.scheme}://{parts.netloc}" == portal
    )


# --- The round trip -----------------------------------------------------------------------------


def test_it_signs_in_through_cas_and_maps_attributes_and_roles(browser, cas, live_server):
    start = browser.start_login("/x")
    login_url = start.headers["Location"]
    assert login_url.startswith(cas.url + "login?")
    service = query(login_url)["service"]
    assert service == f"{live_server.url}/accounts/login/?next=%2Fx"

    response = browser.get(browser.cas_form_post(login_url, "s2024101").headers["Location"])

    assert response.status_code == 302
    assert response.headers["Location"] == "/x"
    me = browser.me()
    assert me.status_code == 200
    assert me.json() == {
        "username": "s2024101",
        "display_name": "张三",
        "email": "zhangsan@example.edu.cn",
        "roles": ["student", "technician"],
    }
    user = User.objects.get(username="s2024101")
    assert user.phone == "13800000001"
    assert not user.has_usable_password()


def test_it_maps_an_attribute_value_that_contains_colons(browser):
    browser.login("t3001")
    assert browser.me().json()["roles"] == ["repair_dispatcher", "teacher"]


def test_it_updates_profile_and_mapped_roles_on_the_next_login(browser, cas, live_server):
    browser.login("s2024101")
    user = User.objects.get(username="s2024101")
    user.groups.add(Group.objects.get(name=Role.LOGISTICS_MANAGER))  # given by hand
    users = json.loads(cas.users_file.read_text(encoding="utf-8"))
    users["s2024101"]["attributes"] = {
        "affiliation": ["teacher"],
        "displayName": "张三丰",
        "mail": ["zsf@example.edu.cn"],
        "mobile": "not a phone number",
    }
    cas.set_users(users)

    second = Browser(live_server.url, cas.url)
    second.login("s2024101")

    body = second.me().json()
    assert body["display_name"] == "张三丰"
    assert body["email"] == "zsf@example.edu.cn"
    assert body["roles"] == ["logistics_manager", "teacher"]
    assert User.objects.get(username="s2024101").phone == "13800000001"
    assert User.objects.filter(username="s2024101").count() == 1


def test_it_sends_an_authenticated_user_straight_to_a_safe_next(browser):
    browser.login("s2024101")
    assert browser.start_login("/repairs/").headers["Location"] == "/repairs/"
    assert browser.start_login("https://evil.example/").headers["Location"] == "/"


# --- Open redirects -----------------------------------------------------------------------------


@pytest.mark.parametrize("target", EVIL_TARGETS)
def test_it_never_redirects_off_site_after_login(browser, live_server, target):
    start = browser.start_login(target)
    service = query(start.headers["Location"])["service"]
    assert service == f"{live_server.url}/accounts/login/?next=%2F"

    response = browser.get(browser.ticket_url("s2024101", target))

    assert response.headers["Location"] == "/"
    assert browser.me().status_code == 200


def test_it_ignores_a_foreign_next_smuggled_into_the_ticket_callback(browser):
    ticket = query(browser.ticket_url("s2024101", "/x"))["ticket"]
    response = browser.get(
        "/accounts/login/", params={"next": "https://evil.example/", "ticket": ticket}
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


@pytest.mark.parametrize("target", EVIL_TARGETS)
def test_it_logs_out_through_cas_with_a_safe_service(browser, cas, live_server, target):
    browser.login("s2024101")
    confirm = browser.get("/accounts/logout/")
    assert confirm.status_code == 200
    token = browser.http.cookies["csrftoken"]

    response = browser.http.post(
        live_server.url + "/accounts/logout/",
        data={"csrfmiddlewaretoken": token, "next": target},
        allow_redirects=False,
        timeout=30,
    )

    assert response.status_code == 302
    location = response.headers["Location"]
    assert location.startswith(cas.url + "logout?")
    assert query(location)["service"] == live_server.url + "/"
    assert browser.me().status_code in (401, 403)
    back = browser.http.get(location, allow_redirects=False, timeout=30)
    assert back.headers["Location"] == live_server.url + "/"
    # The CAS session ended too: the next login asks for the password again.
    login_page = browser.http.get(browser.start_login().headers["Location"], timeout=30)
    assert 'name="password"' in login_page.text


def test_it_keeps_a_safe_next_when_logging_out(browser, live_server):
    browser.login("s2024101")
    browser.get("/accounts/logout/")
    response = browser.http.post(
        live_server.url + "/accounts/logout/",
        data={"csrfmiddlewaretoken": browser.http.cookies["csrftoken"], "next": "/bye/"},
        allow_redirects=False,
        timeout=30,
    )
    assert query(response.headers["Location"])["service"] == live_server.url + "/bye/"


def test_it_refuses_to_log_out_without_a_csrf_token(browser, live_server):
    browser.login("s2024101")
    response = browser.http.post(live_server.url + "/accounts/logout/", timeout=30)
    assert response.status_code == 403
    assert browser.me().status_code == 200


# --- Bad tickets and a broken CAS server --------------------------------------------------------


def test_it_refuses_a_replayed_ticket_with_a_clear_page(browser, cas, live_server):
    ticket_url = browser.ticket_url("s2024101", "/x")
    assert browser.get(ticket_url).status_code == 302

    thief = Browser(live_server.url, cas.url)
    response = thief.get(ticket_url)

    assert response.status_code == 403
    assert "Sign-in failed" in response.text
    assert 'lang="en"' in response.text
    assert 'href="/accounts/login/?next=%2Fx"' in response.text
    assert thief.me().status_code in (401, 403)


def test_it_neither_counts_nor_blocks_cas_tickets_in_the_sign_in_limit(browser, cas, settings):
    from axes.models import AccessAttempt

    settings.AXES_FAILURE_LIMIT = 1
    ticket_url = browser.ticket_url("s2024101", "/x")
    assert browser.get(ticket_url).status_code == 302
    assert Browser(browser.portal, cas.url).get(ticket_url).status_code == 403  # replayed

    assert not AccessAttempt.objects.exists()
    assert Browser(browser.portal, cas.url).login("t3001").headers["Location"] == "/x"


def test_it_refuses_an_expired_ticket_with_a_clear_page(browser, cas):
    ticket_url = browser.ticket_url("s2024101", "/x")
    # Age the ticket in the CAS server's own database; the server then answers INVALID_TICKET.
    with sqlite3.connect(cas.database) as cas_db:
        aged = cas_db.execute(
            "UPDATE mama_cas_serviceticket SET expires = '2000-01-01 00:00:00' WHERE ticket = ?",
            (query(ticket_url)["ticket"],),
        )
    assert aged.rowcount == 1
    response = browser.get(ticket_url)
    assert response.status_code == 403
    assert "has expired" in response.text
    assert browser.me().status_code in (401, 403)


@pytest.mark.parametrize(
    "ticket", ["ST-1-garbage0000000000000000000000", "", "<script>", "x" * 300, "ST-\x00"]
)
def test_it_refuses_a_garbage_ticket_with_a_clear_page(browser, ticket):
    response = browser.get("/accounts/login/", params={"next": "/x", "ticket": ticket})
    assert response.status_code == 403
    assert "Try again" in response.text
    assert browser.me().status_code in (401, 403)


def test_it_shows_a_clear_page_when_cas_is_unreachable(browser, settings):
    settings.CAS_SERVER_URL = f"http://127.0.0.1:{free_port()}/cas/"
    response = browser.get("/accounts/login/", params={"ticket": "ST-1-abcdefabcdef"})
    assert response.status_code == 503
    assert "cannot be reached" in response.text
    assert "Try again" in response.text


def test_it_gives_up_on_a_cas_server_that_never_answers(browser, settings):
    # A socket that accepts connections but never replies: validation must time out, not hang.
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        settings.CAS_SERVER_URL = f"http://127.0.0.1:{silent.getsockname()[1]}/cas/"
        settings.CAS_TIMEOUT = 0.5
        response = browser.get("/accounts/login/", params={"ticket": "ST-1-abcdefabcdef"})
    assert response.status_code == 503
    assert "cannot be reached" in response.text


class GarbageHandler(BaseHTTPRequestHandler):
    def do_GET(self):
        status = 500 if "p3/serviceValidate" in self.path and "500" in self.path else 200
        body = b"<html><body>Maintenance<br></body>"
        self.send_response(status)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def garbage_cas():
    server = ThreadingHTTPServer(("127.0.0.1", 0), GarbageHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/cas/"
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize("ticket", ["ST-1-abcdefabcdef", "ST-500-abcdefabcdef"])
def test_it_shows_a_clear_page_when_cas_answers_garbage(browser, settings, garbage_cas, ticket):
    settings.CAS_SERVER_URL = garbage_cas
    response = browser.get("/accounts/login/", params={"ticket": ticket})
    assert response.status_code == 502
    assert "could not read" in response.text


# --- Single logout ------------------------------------------------------------------------------


def test_it_ends_the_portal_session_on_single_logout_from_cas(browser, cas):
    browser.login("s2024101")
    assert browser.me().status_code == 200
    assert SessionTicket.objects.count() == 1

    browser.http.get(cas.url + "logout", timeout=30)  # mama-cas POSTs a logoutRequest to us

    assert browser.me().status_code in (401, 403)
    assert SessionTicket.objects.count() == 0


def test_it_ends_only_the_session_of_the_logged_out_ticket(browser, cas, live_server):
    other = Browser(live_server.url, cas.url)
    other.login("t3001")
    browser.login("s2024101")

    browser.http.get(cas.url + "logout", timeout=30)

    assert browser.me().status_code in (401, 403)
    assert other.me().json()["username"] == "t3001"


@pytest.mark.parametrize(
    "logout_request",
    [
        "<not xml",
        '<?xml version="1.0" encoding="UTF-8"?><x/>',
        '<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>',
        "",
    ],
)
def test_it_answers_a_bad_logout_request_without_crashing(browser, live_server, logout_request):
    browser.login("s2024101")
    response = requests.post(
        live_server.url + "/accounts/login/",
        data={"logoutRequest": logout_request},
        allow_redirects=False,
        timeout=30,
    )
    assert response.status_code in (200, 302)
    assert browser.me().status_code == 200


# --- Local login: break-glass with CAS on, the only door without ------------------------------


@pytest.fixture
def cas_on(settings, roles):
    settings.CAS_SERVER_URL = "https://cas.example.edu.cn/cas/"
    settings.LOCAL_LOGIN_ENABLED = True
    return settings


def test_it_lets_an_admin_through_the_break_glass_login(client, cas_on):
    UserFactory(username="admin1", password="adm1n-pass-123", is_staff=True, is_superuser=True)
    response = client.post(
        "/accounts/local-login/",
        {"username": "admin1", "password": "adm1n-pass-123", "next": "https://evil.example/"},
    )
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert client.get("/api/v1/me/").json()["username"] == "admin1"


def test_it_turns_students_away_from_the_break_glass_login(client, cas_on):
    UserFactory(username="s1", password="stud-pass-123", roles=[Role.STUDENT])
    response = client.post(
        "/accounts/local-login/",
        {"username": "s1", "password": "stud-pass-123"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200
    assert "Local sign-in is for administrators" in response.content.decode()
    assert client.get("/api/v1/me/").status_code in (401, 403)


def test_it_turns_staff_who_are_not_superusers_away_from_the_break_glass_login(client, cas_on):
    UserFactory(username="staff1", password="staff-pass-123", is_staff=True)
    response = client.post(
        "/accounts/local-login/",
        {"username": "staff1", "password": "staff-pass-123"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200
    assert "Local sign-in is for administrators" in response.content.decode()
    assert client.get("/api/v1/me/").status_code in (401, 403)


def test_it_hides_the_break_glass_login_when_turned_off(client, cas_on):
    cas_on.LOCAL_LOGIN_ENABLED = False
    assert client.get("/accounts/local-login/").status_code == 404


def test_it_sends_the_login_page_to_cas_when_cas_is_on(client, cas_on):
    response = client.get("/accounts/login/", {"next": "/repairs/"})
    assert response.status_code == 302
    assert response["Location"].startswith("https://cas.example.edu.cn/cas/login?service=")
    assert "next%3D%252Frepairs%252F" in response["Location"]


@pytest.fixture
def cas_off(settings, roles):
    settings.CAS_SERVER_URL = None
    return settings


def test_it_serves_djangos_login_form_without_cas(client, cas_off):
    response = client.get("/accounts/login/", {"next": "/x"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert 'name="password"' in response.content.decode()
    assert 'value="/x"' in response.content.decode()


@pytest.mark.parametrize("target", EVIL_TARGETS)
def test_it_never_redirects_off_site_from_the_local_form(client, cas_off, target):
    UserFactory(username="s1", password="stud-pass-123")
    response = client.post(
        "/accounts/login/", {"username": "s1", "password": "stud-pass-123", "next": target}
    )
    assert response.status_code == 302
    assert response["Location"] == "/"


def test_it_goes_home_when_next_points_back_at_the_login_page(client, cas_off):
    client.force_login(UserFactory(username="s1"))
    response = client.get("/accounts/login/", {"next": "/accounts/login/"})
    assert response.status_code == 302
    assert response["Location"] == "/"


def test_it_checks_csrf_on_the_local_form(cas_off):
    from django.test import Client

    UserFactory(username="s1", password="stud-pass-123")
    response = Client(enforce_csrf_checks=True).post(
        "/accounts/login/", {"username": "s1", "password": "stud-pass-123"}
    )
    assert response.status_code == 403


@pytest.mark.parametrize("target", EVIL_TARGETS)
def test_it_logs_out_locally_to_a_safe_page(client, cas_off, target):
    client.force_login(UserFactory(username="s1"))
    response = client.post("/accounts/logout/", {"next": target})
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert client.get("/api/v1/me/").status_code in (401, 403)


def test_it_shows_a_logout_button_on_get(client, cas_off):
    client.force_login(UserFactory(username="s1"))
    response = client.get("/accounts/logout/", {"next": "//evil.example"})
    assert response.status_code == 200
    assert 'action="/accounts/logout/"' in response.content.decode()
    assert client.get("/api/v1/me/").status_code == 200


def test_it_redirects_the_local_login_door_to_the_login_page_without_cas(client, cas_off):
    response = client.get("/accounts/local-login/", {"next": "/x"})
    assert response["Location"] == "/accounts/login/?next=%2Fx"


# --- The admin signs in through CAS ------------------------------------------------------------


def test_it_sends_the_admin_login_to_cas_and_back_to_the_admin(browser, cas, live_server):
    User.objects.create(username="t3001", is_staff=True, is_superuser=True)
    response = browser.get("/admin/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/admin/login/?next=")
    response = browser.get(response.headers["Location"])
    assert response.status_code == 302
    assert response.headers["Location"] == "/accounts/login/?next=%2Fadmin%2F"
    login_url = browser.get(response.headers["Location"]).headers["Location"]
    assert login_url.startswith(cas.url + "login?")
    assert query(query(login_url)["service"])["next"] == "/admin/"

    back = browser.get(browser.cas_form_post(login_url, "t3001").headers["Location"])

    assert back.headers["Location"] == "/admin/"
    assert browser.get("/admin/").status_code == 200


def test_it_refuses_the_admin_password_form_with_cas_on(client, cas_on):
    UserFactory(username="root", password="r00t-pass-123", is_staff=True, is_superuser=True)
    response = client.post(
        "/admin/login/?next=/admin/", {"username": "root", "password": "r00t-pass-123"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=%2Fadmin%2F"
    assert client.get("/api/v1/me/").status_code in (401, 403)


def test_it_sends_a_signed_in_non_staff_person_to_a_403_not_round_in_circles(browser, cas):
    browser.login("s2024101")
    assert browser.get("/admin/").headers["Location"].startswith("/admin/login/")
    assert browser.get("/admin/login/?next=/admin/").status_code == 403


@pytest.fixture
def admin_break_glass(cas_on):
    cas_on.ADMIN_PASSWORD_LOGIN = True
    cas_on.LOCAL_LOGIN_ENABLED = False
    return cas_on


def admin_login(client, username, password):
    return client.post(
        "/admin/login/?next=/admin/",
        {"username": username, "password": password, "next": "/admin/"},
        HTTP_ACCEPT_LANGUAGE="en",
    )


def test_it_lets_a_superuser_through_the_admin_break_glass(client, admin_break_glass):
    UserFactory(username="root", password="r00t-pass-123", is_staff=True, is_superuser=True)
    response = admin_login(client, "root", "r00t-pass-123")
    assert response.status_code == 302
    assert response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_it_refuses_staff_at_the_admin_break_glass_even_with_the_right_password(
    client, admin_break_glass
):
    UserFactory(username="staff1", password="staff-pass-123", is_staff=True)
    response = admin_login(client, "staff1", "staff-pass-123")
    assert response.status_code == 200
    assert "Local sign-in is for administrators" in response.content.decode()
    assert client.get("/admin/").status_code == 302


def test_it_rate_limits_the_admin_break_glass(client, admin_break_glass):
    admin_break_glass.AXES_FAILURE_LIMIT = 3
    UserFactory(username="root", password="r00t-pass-123", is_staff=True, is_superuser=True)
    answers = [admin_login(client, "root", "wrong").status_code for _ in range(3)]
    assert answers == [200, 200, 429]
    response = admin_login(client, "root", "r00t-pass-123")
    assert response.status_code == 429
    assert "Too many failed sign-ins" in response.content.decode()
    assert client.get("/admin/").status_code == 302


def test_it_keeps_the_admin_password_form_without_cas(client, cas_off):
    UserFactory(username="staff1", password="staff-pass-123", is_staff=True)
    assert client.get("/admin/login/").status_code == 200
    assert admin_login(client, "staff1", "staff-pass-123").status_code == 302


# --- The role map -------------------------------------------------------------------------------


def test_it_parses_the_role_map_and_skips_bad_entries(caplog):
    with caplog.at_level(logging.WARNING, logger="logistics.cas"):
        rules = parse_role_map(
            " affiliation = student : student ,, no-colon, =x:student, affiliation=alien:overlord,"
            "entitlement=urn:a:b:repair_dispatcher\n"
        )
    assert [(r.attribute, r.value, r.role) for r in rules] == [
        ("affiliation", "student", "student"),
        ("entitlement", "urn:a:b", "repair_dispatcher"),
    ]
    assert "unknown role 'overlord'" in caplog.text
    assert "'no-colon' is not attribute=value:role" in caplog.text


@pytest.mark.parametrize(
    "target", ["/x\r\nSet-Cookie: a=b", "/维修/?q=灯", "/x?next=https://evil.example/"]
)
def test_it_keeps_odd_but_local_targets_on_site_without_crashing(client, cas_on, target):
    response = client.get("/accounts/login/", {"next": target})
    assert response.status_code == 302
    service = query(response["Location"])["service"]
    assert "\n" not in response["Location"]
    assert stays_on_site(query(service)["next"], "https://portal.invalid")
