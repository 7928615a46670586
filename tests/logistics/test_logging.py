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


# --- gunicorn's access log ----------------------------------------------------------------------


def test_it_masks_the_open311_api_key_in_gunicorns_access_log(tmp_path):
    """A real gunicorn with the project's gunicorn.conf.py; the access line keeps the path."""
    import os
    import socket
    import subprocess
    import sys
    import time
    from pathlib import Path

    import requests

    root = Path(__file__).resolve().parents[2]
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    access_log = tmp_path / "access.log"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_WORKERS": "1",
        "GUNICORN_ACCESS_LOG": str(access_log),
        "GUNICORN_ERROR_LOG": str(tmp_path / "error.log"),
    }
    gunicorn = [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "logistics.wsgi"]
    server = subprocess.Popen(gunicorn, cwd=root, env=env)
    try:
        url = f"http://127.0.0.1:{port}/open311/v2/nowhere.json"
        for _attempt in range(600):  # a busy machine may take a while to start the worker
            assert server.poll() is None, (tmp_path / "error.log").read_text()
            try:
                requests.get(url, params={"api_key": "SECRET-KEY-123", "x": "1"}, timeout=30)
                break
            except requests.ConnectionError:
                time.sleep(0.2)
        for _attempt in range(300):
            if access_log.exists() and "nowhere" in access_log.read_text():
                break
            time.sleep(0.1)
    finally:
        server.terminate()
        server.wait(timeout=60)
    line = access_log.read_text()
    assert "SECRET-KEY-123" not in line
    assert '"GET /open311/v2/nowhere.json?api_key=***&x=1 HTTP/1.1"' in line


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "GET /open311/v2/requests.json?api_key=abc HTTP/1.1",
            "GET /open311/v2/requests.json?api_key=*** HTTP/1.1",
        ),
        ("api_key=abc&jurisdiction_id=x", "api_key=***&jurisdiction_id=x"),
        ("/accounts/login/?next=%2F&ticket=ST-1-xyz", "/accounts/login/?next=%2F&ticket=***"),
        ("/repairs/?q=ticket", "/repairs/?q=ticket"),
        ("/x?API_KEY=abc;token=t", "/x?API_KEY=***;token=***"),
    ],
)
def test_it_masks_secret_query_parameters(text, expected):
    from logistics.access_log import mask_secrets

    assert mask_secrets(text) == expected
