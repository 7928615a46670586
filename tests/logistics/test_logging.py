"""Request ids: echoed in X-Request-ID and written on every log line of the request."""

import io
import logging
import re

import pytest

from logistics.middleware import RequestIdFilter

pytestmark = pytest.mark.django_db


@pytest.fixture
def log_output():
    """What the configured console handler writes, with its real filter and format."""
    handler = next(h for h in logging.getLogger().handlers if _has_request_id_filter(h))
    stream = io.StringIO()
    previous = handler.setStream(stream)
    try:
        yield stream
    finally:
        handler.setStream(previous)


def _has_request_id_filter(handler: logging.Handler) -> bool:
    return any(isinstance(f, RequestIdFilter) for f in handler.filters)


def test_it_makes_a_request_id_and_echoes_it(client):
    response = client.get("/healthz")
    assert re.fullmatch(r"[0-9a-f]{32}", response["X-Request-ID"])
    assert client.get("/healthz")["X-Request-ID"] != response["X-Request-ID"]


def test_it_keeps_the_load_balancers_request_id(client):
    response = client.get("/healthz", headers={"X-Request-ID": "lb-7f3a.42"})
    assert response["X-Request-ID"] == "lb-7f3a.42"


def test_it_replaces_a_request_id_that_could_forge_log_lines(client):
    forged = "x\nERROR fake line"
    response = client.get("/healthz", headers={"X-Request-ID": forged})
    assert response["X-Request-ID"] != forged
    assert re.fullmatch(r"[0-9a-f]{32}", response["X-Request-ID"])


def test_it_writes_the_request_id_on_djangos_own_log_lines(client, log_output):
    response = client.get("/no-such-page/", headers={"X-Request-ID": "req-404-check"})
    assert response.status_code == 404
    line = next(li for li in log_output.getvalue().splitlines() if "Not Found" in li)
    assert "[req-404-check]" in line


def test_it_writes_the_request_id_on_the_portals_log_lines(client, settings, log_output):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    client.get("/healthz", headers={"X-Request-ID": "req-broker-down"})
    line = next(li for li in log_output.getvalue().splitlines() if "check_broker failed" in li)
    assert "[req-broker-down]" in line


def test_it_marks_lines_outside_a_request_with_a_dash(client, log_output):
    client.get("/healthz", headers={"X-Request-ID": "req-finished"})
    logging.getLogger("logistics.test").warning("after the request")
    line = next(li for li in log_output.getvalue().splitlines() if "after the request" in li)
    assert "[-]" in line
