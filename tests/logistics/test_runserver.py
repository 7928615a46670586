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


def _get(url: str, server: subprocess.Popen, *, within: float = 90.0) -> int:
    """The status of `url` once runserver answers (its system checks take a while on a busy
    machine); fails at once, with its output, if the server exits first."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise AssertionError(f"runserver exited: {server.communicate()[0]}")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 (local)
                return response.status
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"runserver did not answer {url} within {within:.0f} s")


def test_it_logs_each_request_of_runserver_when_debug(tmp_path):
    port = _free_port()
    # `make run` is the embedded setup: SQLite (a scratch file here) and no Redis.
    env = {
        **{k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")},
        "DATABASE_URL": f"sqlite:///{tmp_path / 'run.sqlite3'}",
        "DJANGO_DEBUG": "true",
        "DJANGO_SETTINGS_MODULE": "logistics.settings",
        "PYTHONUNBUFFERED": "1",  # each line reaches the file as it is written
    }
    log = tmp_path / "runserver.log"
    line = '"GET /static/css/portal.css HTTP/1.1" 200'
    with log.open("w") as out:
        server = subprocess.Popen(
            [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            text=True,
        )
        try:
            assert _get(f"http://127.0.0.1:{port}/static/css/portal.css", server) == 200
            # runserver writes the request's line after it has sent the answer: wait for it
            # rather than stop the server in between (on a busy machine it lost the line)
            deadline = time.monotonic() + 20
            while line not in log.read_text() and time.monotonic() < deadline:
                time.sleep(0.1)
        finally:
            server.terminate()
            server.wait(timeout=20)
    output = log.read_text()
    assert line in output, output


def test_it_serves_make_run_on_the_port_given():
    dry_run = subprocess.run(
        ["make", "-n", "run", "PORT=8123"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    assert "runserver 127.0.0.1:8123" in dry_run
    assert "http://127.0.0.1:8123/" in dry_run
