"""GET /healthz: what load balancers see when the database, cache or broker answer or not."""

import socket
import time

import pytest

pytestmark = pytest.mark.django_db


@pytest.fixture
def dead_redis():
    """A port that accepts connections and never answers: Redis hung, or a firewall black hole."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(64)
    try:
        yield f"redis://127.0.0.1:{server.getsockname()[1]}/0"
    finally:
        server.close()


@pytest.fixture
def closed_port_url():
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    return f"redis://127.0.0.1:{port}/0"


def redis_cache(url: str) -> dict:
    options = {"socket_connect_timeout": 0.5, "socket_timeout": 0.5}
    backend = "django.core.cache.backends.redis.RedisCache"
    return {"default": {"BACKEND": backend, "LOCATION": url, "OPTIONS": options}}


def test_it_answers_ok_in_the_embedded_setup(client, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"]["database"]["status"] == "ok"
    assert body["checks"]["cache"]["status"] == "ok"
    assert body["checks"]["broker"]["status"] == "in-process"
    assert all(isinstance(check["ms"], float) for check in body["checks"].values())


def test_it_needs_no_login_and_is_never_cached(client, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    response = client.get("/healthz")
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert response["Content-Type"] == "application/json"


def test_it_answers_head_and_refuses_post(client, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    assert client.head("/healthz").status_code == 200
    assert client.post("/healthz").status_code == 405


def test_it_answers_503_when_the_broker_refuses(client, settings, closed_port_url):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_BROKER_URL = closed_port_url
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "error"
    assert body["checks"]["broker"]["status"] == "error"
    assert body["checks"]["database"]["status"] == "ok"


def test_it_answers_503_within_its_bound_when_the_broker_hangs(client, settings, dead_redis):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_BROKER_URL = dead_redis
    settings.HEALTHZ_TIMEOUT = 0.5
    started = time.monotonic()
    response = client.get("/healthz")
    # Without the bound the broker's own 5 s socket timeout (or kombu's retries) would apply.
    assert time.monotonic() - started < 3
    assert response.status_code == 503
    assert response.json()["checks"]["broker"]["status"] == "error"


def test_it_stays_200_but_degraded_when_only_the_cache_hangs(client, settings, dead_redis):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    settings.CACHES = redis_cache(dead_redis)
    settings.HEALTHZ_TIMEOUT = 0.5
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "degraded"
    assert body["checks"]["cache"]["status"] == "error"


def test_it_keeps_internal_addresses_out_of_the_answer(client, settings, closed_port_url):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_BROKER_URL = closed_port_url
    body = client.get("/healthz").content.decode()
    assert "127.0.0.1" not in body


@pytest.mark.redis
def test_it_checks_the_real_broker_and_cache(client, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"]["broker"]["status"] == "ok"
    assert body["checks"]["cache"]["status"] == "ok"


def test_it_checks_other_brokers_through_kombu(client, settings, closed_port_url):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_BROKER_URL = closed_port_url.replace("redis://", "amqp://guest:guest@")
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["broker"]["status"] == "error"
