"""Redis is an accelerator: with it stopped or hung people sign in, browse and file repairs
(pages, API, Open311), and the notifications go out exactly once when it is back.

Redis here is never the shared one: a private redis-server on a free port that the test stops,
pauses (SIGSTOP: it accepts connections and never answers) and starts again, a closed port, or
a socket server in a thread that accepts and never answers.
"""

import json
import logging
import shutil
import signal
import socket
import subprocess
import threading
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.cache import cache
from django.db import transaction
from django.test import Client
from django.urls import reverse

from dining import services as dining_services
from dining.selectors import local_now
from logistics import outbox, resilience
from logistics.models import OutboxMessage, WebhookEndpoint
from logistics.notifications import notify
from logistics.resilience import CircuitBreaker
from logistics.roles import Role
from logistics.tokens import api_token_issue
from repairs import services as repair_services
from repairs.models import RepairRequest
from tests.dining.factories import (
    DishFactory,
    MenuFactory,
    MenuItemFactory,
    WindowFactory,
    canteen_staff_for,
)
from tests.fixtures.celery_worker import (
    CeleryWorker,
    new_worker,
    wait_until,
)
from tests.logistics.factories import RoomFactory, UserFactory
from tests.repairs.factories import CategoryFactory, RepairRequestFactory

PASSWORD = "demo-pass-123"
API_REQUESTS = "/api/v1/repairs/requests/"
OPEN311_REQUESTS = "/open311/v2/requests.json"


# --- The breaker --------------------------------------------------------------------------------


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def breaker(clock):
    return CircuitBreaker("test", failures=3, reset_after=10, clock=clock)


def test_it_stays_closed_below_the_failure_count(breaker):
    breaker.record_failure()
    breaker.record_failure()
    assert breaker.allow() and breaker.state == CircuitBreaker.CLOSED


def test_it_counts_failures_in_a_row_only(breaker):
    breaker.record_failure()
    breaker.record_failure()
    breaker.record_success()
    breaker.record_failure()
    breaker.record_failure()
    assert breaker.allow()


def test_it_opens_after_n_failures_in_a_row(breaker, clock, caplog):
    with caplog.at_level(logging.WARNING, logger="logistics.resilience"):
        for _ in range(3):
            breaker.record_failure()
    assert breaker.state == CircuitBreaker.OPEN
    assert not breaker.allow()
    clock.now += 9.9
    assert not breaker.allow() and breaker.is_open()
    assert "circuit open" in caplog.text


def test_it_lets_one_trial_through_after_the_interval(breaker, clock):
    for _ in range(3):
        breaker.record_failure()
    clock.now += 10
    assert not breaker.is_open()  # a peek takes no trial
    assert breaker.allow()  # the trial
    assert breaker.state == CircuitBreaker.HALF_OPEN
    assert not breaker.allow()  # everyone else waits for its answer


def test_it_closes_when_the_trial_succeeds(breaker, clock, caplog):
    for _ in range(3):
        breaker.record_failure()
    clock.now += 10
    assert breaker.allow()
    with caplog.at_level(logging.WARNING, logger="logistics.resilience"):
        breaker.record_success()
    assert breaker.state == CircuitBreaker.CLOSED
    assert breaker.allow() and breaker.allow()
    assert "answering again" in caplog.text


def test_it_opens_again_when_the_trial_fails(breaker, clock):
    for _ in range(3):
        breaker.record_failure()
    clock.now += 10
    assert breaker.allow()
    breaker.record_failure()  # one failure is enough in half-open state
    assert breaker.state == CircuitBreaker.OPEN and not breaker.allow()
    clock.now += 10
    assert breaker.allow()


def test_it_gives_a_new_trial_when_the_last_one_never_answered(breaker, clock):
    for _ in range(3):
        breaker.record_failure()
    clock.now += 10
    assert breaker.allow()  # its caller died without reporting
    clock.now += 10
    assert breaker.allow()


def test_it_reads_its_defaults_from_settings(settings):
    settings.REDIS_BREAKER_FAILURES = 7
    settings.REDIS_BREAKER_RESET_SECONDS = 2.5
    breaker = CircuitBreaker("cache")
    assert (breaker.failures, breaker.reset_after) == (7, 2.5)


def test_it_runs_repairs_once_and_keeps_the_failed_one(settings):
    settings.REDIS_BREAKER_FAILURES = 3  # a settings change starts with empty queues
    done = []

    def fails():
        raise ConnectionError("still away")

    resilience.when_back(resilience.CACHE, lambda: done.append(1))
    resilience.when_back(resilience.CACHE, fails)
    assert resilience.repair(resilience.CACHE) is False
    assert done == [1] and resilience.pending_repairs(resilience.CACHE) == 1
    settings.REDIS_BREAKER_FAILURES = 4
    assert resilience.pending_repairs(resilience.CACHE) == 0


# --- Redis away: helpers ------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class PrivateRedis:
    """A redis-server of this test on its own port: stopped, paused and started at will."""

    def __init__(self, directory: Path):
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.directory = directory
        self.process = None

    def start(self) -> None:
        command = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1"]
        command += ["--save", "", "--appendonly", "no", "--dir", str(self.directory)]
        self.process = subprocess.Popen(
            command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        wait_until(self._answers, timeout=10, what="the private redis-server")

    def _answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)

    def pause(self) -> None:
        # Stopped by the kernel, its socket still accepts: a hung Redis that keeps its data.
        self.process.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        self.process.send_signal(signal.SIGCONT)


@pytest.fixture
def private_redis(tmp_path):
    if not shutil.which("redis-server"):
        pytest.skip("needs redis-server on PATH")
    server = PrivateRedis(tmp_path)
    server.start()
    yield server
    if server.process.poll() is None:
        server.resume()
        server.stop()


def cache_at(url: str, timeout: float = 0.5) -> dict:
    """The production CACHES, pointed at `url`."""
    default = dict(django_settings.CACHES["default"])
    if "redis" not in default["BACKEND"].lower():
        pytest.skip("needs the Redis cache of the production settings (REDIS_URL)")
    options = {"socket_connect_timeout": timeout, "socket_timeout": timeout}
    return {"default": {**default, "LOCATION": url, "OPTIONS": options}}


@pytest.fixture
def cast(db):
    """A student (without e-mail: only webhook rows go out), a room, a category, a token and a
    group bot that receives every notification."""
    student = UserFactory(username="s2024101", email="", roles=[Role.STUDENT])
    _, raw = api_token_issue(user=student, name="app", scopes=["repairs:write", "repairs:read"])
    return {
        "student": student,
        "token": raw,
        "room": RoomFactory(number="101"),
        "category": CategoryFactory(code="light", name="灯具", name_en="Lights"),
    }


def sign_in(client: Client, user) -> None:
    response = client.post(reverse("login"), {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302, response.content[:500]
    assert client.get(reverse("home")).context["user"] == user


def file_everywhere(cast, client: Client) -> None:
    """One repair through the page form, one through the API, one through Open311."""
    room, category = cast["room"], cast["category"]
    page = client.post(
        reverse("repairs:create"),
        {
            "category": category.pk,
            "building": room.building_id,
            "room_number": room.number,
            "description": "The ceiling light flickers",
            "urgency": "normal",
            "contact_phone": "13800000000",
        },
    )
    assert page.status_code == 302, page.content[:500]
    api = Client().post(
        API_REQUESTS,
        {"category": category.pk, "room": room.pk, "description": "灯不亮"},
        content_type="application/json",
        headers={"Authorization": f"Bearer {cast['token']}"},
    )
    assert api.status_code == 201, api.content[:500]
    open311 = Client().post(
        OPEN311_REQUESTS,
        {
            "api_key": cast["token"],
            "service_code": "light",
            "address_string": "图书馆南门",
            "description": "路灯不亮",
        },
    )
    assert open311.status_code == 201, open311.content[:500]


SIGNED_IN_PAGES = ["home", "repairs:mine", "repairs:create", "notifications:list", "dining:index"]


def browse(client: Client) -> None:
    for name in SIGNED_IN_PAGES:
        response = client.get(reverse(name))
        assert response.status_code == 200, (name, response.status_code)
        assert response.wsgi_request.user.is_authenticated


def webhook_ids(receiver) -> list[str]:
    return [json.loads(r.body)["id"] for r in receiver.received()]


def start_worker(redis_url: str, log_path: Path) -> CeleryWorker:
    """A Celery worker on the private Redis (the session's worker consumes the shared one)."""
    private = new_worker(log_path, name="resilience", REDIS_URL=redis_url)
    private.env.pop("CELERY_BROKER_URL", None)
    private.start()
    return private


# --- Redis stopped ------------------------------------------------------------------------------


@pytest.mark.redis
def test_it_signs_in_browses_and_files_with_redis_stopped_and_delivers_once_it_is_back(
    transactional_db, settings, private_redis, http_receiver, cast, tmp_path
):
    settings.CACHES = cache_at(private_redis.url)
    settings.CELERY_BROKER_URL = private_redis.url
    settings.REDIS_BREAKER_RESET_SECONDS = 1
    WebhookEndpoint.objects.create(name="维修群", url=http_receiver.url, secret="s" * 24)

    private_redis.stop()
    client = Client()
    sign_in(client, cast["student"])
    browse(client)
    file_everywhere(cast, client)
    browse(client)

    assert RepairRequest.objects.count() == 3
    rows = OutboxMessage.objects.filter(channel=OutboxMessage.Channel.WEBHOOK)
    ids = sorted(str(message_id) for message_id in rows.values_list("id", flat=True))
    assert len(ids) >= 3
    assert set(rows.values_list("status", "published_at")) == {(OutboxMessage.Status.PENDING, None)}

    private_redis.start()
    private_worker = start_worker(private_redis.url, tmp_path / "worker.log")
    try:

        def all_sent() -> bool:
            outbox.relay()  # what beat does every OUTBOX_RELAY_INTERVAL
            return not rows.exclude(status=OutboxMessage.Status.SENT).exists()

        wait_until(all_sent, interval=0.5, what="the relayed notifications")
        outbox.relay()  # a second relay finds nothing to send
        with transaction.atomic():
            notify(recipients=[cast["student"]], kind="repairs.assigned", title="sentinel")
        sentinel = str(OutboxMessage.objects.filter(channel="webhook").latest("created_at").id)
        wait_until(lambda: sentinel in webhook_ids(http_receiver), what="the sentinel webhook")
    finally:
        private_worker.stop()

    assert sorted(webhook_ids(http_receiver)) == sorted([*ids, sentinel])  # each exactly once
    browse(client)  # still signed in, now through Redis again


@pytest.mark.redis
def test_it_draws_the_kept_repairs_pages_while_redis_is_stopped(settings, private_redis, cast):
    """The queue, a request's page and the API list are kept whole in Redis; without it each
    is drawn from the database on every request."""
    settings.CACHES = cache_at(private_redis.url)
    dispatcher = UserFactory(username="d2024101", roles=[Role.REPAIR_DISPATCHER])
    repair = RepairRequestFactory(requester=cast["student"], room=cast["room"])
    private_redis.stop()
    client = Client()
    client.force_login(dispatcher)
    for url in (reverse("repairs:queue"), repair.get_absolute_url(), API_REQUESTS):
        for _ in range(2):
            response = client.get(url)
            assert response.status_code == 200, url
            assert repair.number in response.content.decode(), url
    client.post(reverse("repairs:accept", args=[repair.pk]), {"note": ""})
    assert RepairRequest.objects.get(pk=repair.pk).status == RepairRequest.Status.ACCEPTED
    assert "accepted" in client.get(API_REQUESTS).content.decode()


@pytest.mark.redis
def test_it_keeps_the_write_limit_per_process_while_redis_is_away(settings, cast, caplog):
    # counting in the shared cache, as a process starts (tests/conftest.py resets it)
    settings.CACHES = cache_at(f"redis://127.0.0.1:{free_port()}/0")
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"write": "2/min"},
    }
    headers = {"Authorization": f"Bearer {cast['token']}"}
    data = {"category": cast["category"].pk, "room": cast["room"].pk, "description": "灯不亮"}

    with caplog.at_level(logging.WARNING, logger="logistics.api.throttling"):
        statuses = [
            Client()
            .post(API_REQUESTS, data, content_type="application/json", headers=headers)
            .status_code
            for _ in range(3)
        ]

    assert statuses == [201, 201, 429]
    assert "counting per process" in caplog.text


# --- Redis hung ---------------------------------------------------------------------------------


class SilentServer:
    """Accepts connections and reads what is sent, never answers: a hung Redis. Counts the
    connections and the commands (reads) it got."""

    def __init__(self):
        self.server = socket.socket()
        self.server.bind(("127.0.0.1", 0))
        self.server.listen(64)
        self.url = f"redis://127.0.0.1:{self.server.getsockname()[1]}/0"
        self.connections = 0
        self.commands = 0
        self.lock = threading.Lock()
        self.open = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                conn, _ = self.server.accept()
            except OSError:
                return
            with self.lock:
                self.connections += 1
                self.open.append(conn)
            threading.Thread(target=self._read, args=(conn,), daemon=True).start()

    def _read(self, conn):
        while True:
            try:
                data = conn.recv(65536)
            except OSError:
                return
            if not data:
                return
            with self.lock:
                self.commands += 1

    def touched(self) -> int:
        with self.lock:
            return self.connections + self.commands

    def close(self):
        self.server.close()
        for conn in self.open:
            conn.close()


@pytest.fixture
def hung_redis():
    server = SilentServer()
    yield server
    server.close()


@pytest.mark.redis
def test_it_touches_a_hung_redis_at_most_once_per_request_and_then_not_at_all(
    settings, hung_redis, cast
):
    settings.CACHES = cache_at(hung_redis.url, timeout=0.2)
    settings.CELERY_BROKER_URL = f"redis://127.0.0.1:{free_port()}/0"  # the broker: refused
    settings.REDIS_BREAKER_FAILURES = 1000  # first the per-request flag alone

    client = Client()
    anonymous = Client()

    def dining_anonymously():
        assert anonymous.get(reverse("dining:index")).status_code == 200

    steps = [  # (what, how many requests it makes)
        (lambda: sign_in(client, cast["student"]), 2),
        (lambda: browse(client), len(SIGNED_IN_PAGES)),
        (lambda: file_everywhere(cast, client), 3),
        (dining_anonymously, 1),
    ]
    for step, requests in steps:
        before = hung_redis.commands
        step()
        # Each request sent at most one command to the hung Redis, then left it alone.
        assert hung_redis.commands - before <= requests
    assert hung_redis.commands > 0

    settings.REDIS_BREAKER_FAILURES = 2  # now the breaker: two failed requests open it
    settings.REDIS_BREAKER_RESET_SECONDS = 60
    browse(client)
    touched = hung_redis.touched()
    browse(client)
    file_everywhere(cast, client)
    assert anonymous.get(reverse("dining:index")).status_code == 200
    assert hung_redis.touched() == touched  # the whole process kept off it
    assert RepairRequest.objects.count() == 6


@pytest.mark.redis
def test_it_never_brings_back_a_session_ended_while_redis_hung(settings, private_redis, cast):
    settings.CACHES = cache_at(private_redis.url, timeout=0.2)
    client = Client()
    sign_in(client, cast["student"])  # the session is copied to Redis
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value

    private_redis.pause()
    try:
        assert client.post(reverse("logout")).status_code == 302  # gone from the database
    finally:
        private_redis.resume()  # Redis still holds the copy

    thief = Client()
    thief.cookies[settings.SESSION_COOKIE_NAME] = cookie
    response = thief.get(reverse("repairs:mine"))
    assert response.status_code == 302 and reverse("login") in response["Location"]
    assert resilience.pending_repairs(resilience.CACHE) == 0


def lunch(price: str):
    window = WindowFactory()
    menu = MenuFactory(window=window, date=local_now().date())
    dish = DishFactory(canteen=window.canteen, name="宫保鸡丁", name_en="", price=Decimal(price))
    return MenuItemFactory(menu=menu, dish=dish, price=Decimal(price))


def reprice(item, staff, price: str) -> None:
    dining_services.menu_set_items(
        by=staff,
        menu=item.menu,
        items=[{"dish": item.dish, "price": Decimal(price), "sort_order": 0}],
        reason="涨价",
    )
    dining_services.menu_publish(by=staff, menu=item.menu, acknowledge_reason="成本上涨")


def menus_page() -> str:
    response = Client().get(reverse("dining:index"))
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_it_never_shows_a_price_changed_while_redis_hung_once_it_answers(settings, private_redis):
    settings.CACHES = cache_at(private_redis.url, timeout=0.2)
    settings.DINING_EPOCH_TRUST_SECONDS = 0  # every page asks Redis for the epoch
    item = lunch("10.00")
    staff = canteen_staff_for(item.menu.canteen)
    assert "10.00" in menus_page() and "10.00" in menus_page()  # cached in Redis and in the process

    private_redis.pause()
    try:
        for _ in range(settings.REDIS_BREAKER_FAILURES):
            assert "10.00" in menus_page()  # from the database, one timeout each
        assert resilience.BREAKERS[resilience.CACHE].is_open()
        reprice(item, staff, "13.50")  # committed; the cache versions are not replaced
        assert "13.50" in menus_page()  # from the database meanwhile
    finally:
        private_redis.resume()  # Redis still holds the old versions and pages

    resilience.BREAKERS[resilience.CACHE].since -= settings.REDIS_BREAKER_RESET_SECONDS
    html = menus_page()
    assert "13.50" in html and "10.00" not in html
    assert resilience.pending_repairs(resilience.CACHE) == 0


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_it_never_shows_open_jobs_counted_before_redis_hung_once_it_answers(
    settings, private_redis
):
    """The queue's dropdown of technicians, cached with their open jobs: an assignment made
    while Redis hangs (the breaker open) drops it once Redis answers, before anything reads
    the old counts."""
    settings.CACHES = cache_at(private_redis.url, timeout=0.2)
    settings.REPAIRS_CHOICES_SECONDS = 300
    settings.REPAIRS_PAGE_SECONDS = 0
    dispatcher = UserFactory(roles=[Role.REPAIR_DISPATCHER])
    technician = UserFactory(display_name="老师傅", roles=[Role.TECHNICIAN])
    waiting = RepairRequestFactory(status=RepairRequest.Status.ACCEPTED)
    client = Client()
    client.force_login(dispatcher)

    def open_jobs() -> list[str]:
        response = client.get(reverse("repairs:queue"))
        assert response.status_code == 200
        return [label for _pk, label in response.context["technicians"]]

    assert open_jobs() == ["老师傅（0 单未完结）"]  # now in Redis
    private_redis.pause()
    try:
        for _ in range(settings.REDIS_BREAKER_FAILURES):
            assert open_jobs() == ["老师傅（0 单未完结）"]  # from the database, one timeout each
        assert resilience.BREAKERS[resilience.CACHE].is_open()
        # committed; the breaker keeps the process off Redis, so the dropdown is not dropped
        repair_services.repair_request_assign(repair=waiting, technician=technician, by=dispatcher)
        assert open_jobs() == ["老师傅（1 单未完结）"]  # from the database meanwhile
    finally:
        private_redis.resume()  # Redis still holds the old count
    assert RepairRequest.objects.get(pk=waiting.pk).assignee_id == technician.pk

    resilience.BREAKERS[resilience.CACHE].since -= settings.REDIS_BREAKER_RESET_SECONDS
    assert open_jobs() == ["老师傅（1 单未完结）"]
    assert resilience.pending_repairs(resilience.CACHE) == 0


@pytest.mark.redis
def test_it_repairs_then_closes_the_breaker_with_its_trial_call(settings, private_redis):
    settings.CACHES = cache_at(private_redis.url)
    cache.set("copy", "stale")
    resilience.when_back(resilience.CACHE, lambda: cache.delete("copy"))
    breaker = resilience.BREAKERS[resilience.CACHE]
    for _ in range(settings.REDIS_BREAKER_FAILURES):
        breaker.record_failure()
    assert cache.get("copy") is None and breaker.state == CircuitBreaker.OPEN  # skipped

    breaker.since -= settings.REDIS_BREAKER_RESET_SECONDS  # the interval has passed
    assert cache.get("copy") is None  # the trial: the repair first, then the read
    assert breaker.state == CircuitBreaker.CLOSED
    assert resilience.pending_repairs(resilience.CACHE) == 0


@pytest.mark.redis
def test_it_answers_healthz_with_the_cache_degraded_while_redis_hangs(
    db, settings, hung_redis, client
):
    settings.CACHES = cache_at(hung_redis.url, timeout=0.2)
    settings.CELERY_TASK_ALWAYS_EAGER = True  # the broker is another test's business
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "degraded"
    assert body["checks"]["cache"]["status"] == "error"
