"""`make run`: runserver prints every request (200s too), on the port PORT names."""

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(url: str, *, tries: int = 100) -> int:
    for _ in range(tries):
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 (local)
                return response.status
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"runserver did not answer {url}")


def test_it_logs_each_request_of_runserver_when_debug():
    port = _free_port()
    env = {**os.environ, "DJANGO_DEBUG": "true", "DJANGO_SETTINGS_MODULE": "logistics.settings"}
    server = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert _get(f"http://127.0.0.1:{port}/static/css/portal.css") == 200
    finally:
        server.terminate()
        output = server.communicate(timeout=20)[0]
    assert '"GET /static/css/portal.css HTTP/1.1" 200' in output, output


def test_it_serves_make_run_on_the_port_given():
    dry_run = subprocess.run(
        ["make", "-n", "run", "PORT=8123"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    assert "runserver 127.0.0.1:8123" in dry_run
    assert "http://127.0.0.1:8123/" in dry_run
