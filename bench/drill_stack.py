"""The private stack of the fault drill (bench/drill.py): its own PostgreSQL cluster, Redis,
gunicorn, Celery worker and beat, a webhook receiver and an SMTP sink, all on 127.0.0.1.

Nothing here touches a server it did not start: the drill refuses ports already in use, and
every process it starts is stopped (its whole process group) when the drill ends.
"""

import contextlib
import email
import glob
import json
import os
import re
import secrets
import shutil
import signal
import socket
import socketserver
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from http.client import HTTPConnection
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlencode

BASE_DIR = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
HOST = "127.0.0.1"
STUDENT_PASSWORD = "drill-Passw0rd-" + secrets.token_hex(4)


def port_free(port: int) -> bool:
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((HOST, port))
        except OSError:
            return False
    return True


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def wait_for(predicate, timeout: float, interval: float = 0.1):
    """Polls `predicate` until truthy or `timeout` seconds pass; returns its last value."""
    deadline = time.monotonic() + timeout
    while True:
        result = predicate()
        if result or time.monotonic() > deadline:
            return result
        time.sleep(interval)


def stop_group(process: subprocess.Popen | None, *, sig=signal.SIGTERM, timeout=15) -> None:
    """Stops a process started with its own session, and everything it started."""
    if process is None or process.poll() is not None:
        return
    try:
        os.killpg(process.pid, sig)
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=5)
    except ProcessLookupError:
        pass


# --- PostgreSQL -----------------------------------------------------------------------------------


class PrivatePostgres:
    """A throw-away cluster (initdb under the drill's folder) on its own port; fsync off."""

    def __init__(self, folder: Path, port: int):
        self.folder, self.port = folder / "pg", port
        self.data = self.folder / "data"
        bins = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
        if not bins and not shutil.which("initdb"):
            sys.exit("drill: PostgreSQL server binaries not found (/usr/lib/postgresql/*/bin)")
        self.bin = Path(bins[-1]).parent if bins else Path(shutil.which("initdb")).parent
        # PostgreSQL refuses to run as root; then the cluster belongs to the postgres user.
        self.as_user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        self.url = f"postgres://postgres@{HOST}:{port}/portal"

    def _run(self, *args, check=True):
        return subprocess.run(
            [*self.as_user, str(self.bin / args[0]), *args[1:]],
            check=check,
            capture_output=True,
            text=True,
            cwd="/",
        )

    def init(self) -> None:
        self.folder.mkdir()
        if self.as_user:
            shutil.chown(self.folder, "postgres")
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust", "--no-sync")
        self.start()
        self._run("createdb", "-h", HOST, "-p", str(self.port), "-U", "postgres", "portal")

    def start(self) -> None:
        options = (
            f"-p {self.port} -k {self.data} -c listen_addresses={HOST} -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off -c max_connections=60"
        )
        self._run(
            "pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.folder / "log"), "-w",
            "start",
        )  # fmt: skip

    def stop(self, mode: str = "fast") -> None:
        if self.data.exists() and (self.data / "postmaster.pid").exists():
            self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop", check=False)

    def sql(self, query: str, params=()) -> list[tuple]:
        import psycopg2

        conn = psycopg2.connect(host=HOST, port=self.port, user="postgres", dbname="portal")
        try:
            with conn, conn.cursor() as cursor:
                cursor.execute(query, params)
                return cursor.fetchall() if cursor.description else []
        finally:
            conn.close()


# --- Redis, and a Redis that hangs ----------------------------------------------------------------


class PrivateRedis:
    def __init__(self, folder: Path, port: int):
        self.folder, self.port = folder, port
        self.process: subprocess.Popen | None = None
        self.url = f"redis://{HOST}:{port}/0"

    def start(self) -> None:
        log = (self.folder / "redis.log").open("ab")
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", HOST, "--save", "",
             "--appendonly", "no", "--dir", str(self.folder)],
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        log_path = self.folder / "redis.log"
        if not wait_for(lambda: not port_free(self.port) and self.process.poll() is None, 10):
            sys.exit(f"drill: the private redis-server did not start (see {log_path})")

    def stop(self) -> None:
        stop_group(self.process)
        self.process = None


class HungRedis:
    """Listens on Redis's port, accepts every connection and never answers a byte."""

    def __init__(self, port: int):
        self.port = port
        self.listener: socket.socket | None = None
        self.held: list[socket.socket] = []

    def start(self) -> None:
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind((HOST, self.port))
        self.listener.listen(256)
        threading.Thread(target=self._accept, args=(self.listener,), daemon=True).start()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            self.held.append(conn)

    def stop(self) -> None:
        listener, self.listener = self.listener, None
        if listener is not None:
            # shutdown() wakes the thread blocked in accept(); close() alone keeps the port bound.
            with contextlib.suppress(OSError):
                listener.shutdown(socket.SHUT_RDWR)
            listener.close()
        for conn in self.held:
            conn.close()
        self.held.clear()


# --- Receivers: webhooks and e-mail, counted by delivery id --------------------------------------


@dataclass
class Sink:
    """Deliveries seen, by delivery id: (arrived, answered) monotonic times per attempt."""

    arrivals: dict[str, list[float]] = field(default_factory=dict)
    in_flight: set[str] = field(default_factory=set)
    delay: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def arrived(self, delivery_id: str) -> None:
        with self.lock:
            self.arrivals.setdefault(delivery_id, []).append(time.monotonic())
            self.in_flight.add(delivery_id)

    def answered(self, delivery_id: str) -> None:
        with self.lock:
            self.in_flight.discard(delivery_id)

    def count(self, ids) -> dict:
        with self.lock:
            seen = [len(self.arrivals.get(i, [])) for i in ids]
        return {
            "expected": len(seen),
            "delivered": sum(1 for n in seen if n),
            "duplicates": sum(n - 1 for n in seen if n > 1),
            "missing": sum(1 for n in seen if not n),
        }

    def last_arrival(self, ids) -> float | None:
        with self.lock:
            times = [t for i in ids for t in self.arrivals.get(i, [])]
        return max(times) if times else None


def start_webhook_receiver(sink: Sink) -> tuple[str, ThreadingHTTPServer]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 — the http.server hook name
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            delivery = self.headers.get("X-Portal-Delivery", "?")
            sink.arrived(delivery)
            if sink.delay:
                time.sleep(sink.delay)
            try:
                self.send_response(200)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")
            except OSError:
                pass  # the sender is gone (scenario d killed it mid-request)
            sink.answered(delivery)

        def log_message(self, format, *args):
            pass

    server = ThreadingHTTPServer((HOST, 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://{HOST}:{server.server_address[1]}/hook", server


def start_smtp_sink(sink: Sink) -> tuple[int, socketserver.ThreadingTCPServer]:
    """Enough SMTP for Django's backend (EHLO, MAIL, RCPT, DATA, QUIT); keeps no mail."""

    class Handler(socketserver.StreamRequestHandler):
        def reply(self, line: str) -> None:
            self.wfile.write(line.encode() + b"\r\n")

        def handle(self):
            self.reply("220 drill ESMTP")
            while line := self.rfile.readline():
                verb = line[:4].upper()
                if verb == b"EHLO":
                    self.reply("250-drill")
                    self.reply("250 8BITMIME")
                elif verb == b"DATA":
                    self.reply("354 go ahead")
                    data = b"".join(iter(self.rfile.readline, b".\r\n"))
                    message = email.message_from_bytes(data)
                    delivery = message.get("X-Portal-Delivery", "?")
                    sink.arrived(delivery)
                    sink.answered(delivery)
                    self.reply("250 queued")
                elif verb == b"QUIT":
                    self.reply("221 bye")
                    return
                else:
                    self.reply("250 ok")

    socketserver.ThreadingTCPServer.allow_reuse_address = True
    server = socketserver.ThreadingTCPServer((HOST, 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server.server_address[1], server


# --- The portal's processes -----------------------------------------------------------------------


SEED = """
import json
import django
django.setup()
from repairs.demo import seed_categories
import dining.demo
from logistics.demo import seed_core
from logistics.models import ApiToken, User, WebhookEndpoint
from repairs.models import Category

demo = seed_core()
seed_categories()
dining.demo.DAYS = 3  # yesterday's, today's and tomorrow's menus: enough for /dining/
dining.demo.seed_dining(demo)
student = User.objects.get(username="student")
student.set_password({password!r})
student.save(update_fields=["password"])
def token(user, name, scopes):
    raw, prefix, key_hash = ApiToken.generate()
    ApiToken.objects.create(user=user, name=name, prefix=prefix, key_hash=key_hash, scopes=scopes)
    return raw
WebhookEndpoint.objects.create(name="drill", url={hook!r}, secret="drill-secret", kinds=[])
category = (
    Category.objects.filter(is_active=True, children__isnull=True)
    .exclude(questions__required=True).order_by("code").first()
)
room = demo.room("MH-D1", "101")
print(json.dumps({{
    "api_token": token(student, "drill-api", ["repairs:read", "repairs:write"]),
    "open311_key": token(User.objects.get(username="student2"), "drill-open311",
                         ["repairs:read", "repairs:write"]),
    "category": category.pk, "service_code": category.code,
    "building": room.building_id, "room": room.pk, "room_number": room.number,
    "jurisdiction": room.building.campus.code,
}}))
"""


class Portal:
    """gunicorn (gunicorn.conf.py), a Celery worker and beat, with the production settings."""

    def __init__(self, folder: Path, env: dict[str, str], port: int, workers: int):
        self.folder, self.port, self.workers = folder, port, workers
        self.env = env
        self.web = self.worker = self.beat = None
        self.worker_runs = 0

    def manage(self, *args: str) -> None:
        subprocess.run(
            [sys.executable, "manage.py", *args], cwd=BASE_DIR, env=self.env, check=True,
            capture_output=True,
        )  # fmt: skip

    def seed(self, hook_url: str) -> dict:
        script = SEED.format(password=STUDENT_PASSWORD, hook=hook_url)
        out = subprocess.run(
            [sys.executable, "-c", script],
            cwd=BASE_DIR,
            env={**self.env, "DJANGO_SETTINGS_MODULE": "logistics.settings"},
            check=True,
            capture_output=True,
            text=True,
        )
        return json.loads(out.stdout.strip().splitlines()[-1])

    def _spawn(self, name: str, command: list[str], env=None) -> subprocess.Popen:
        log = (self.folder / f"{name}.log").open("ab")
        return subprocess.Popen(
            command, cwd=BASE_DIR, env=env or self.env, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip

    def start_web(self) -> None:
        env = {**self.env, "GUNICORN_BIND": f"{HOST}:{self.port}"}
        env["GUNICORN_WORKERS"] = str(self.workers)
        env["GUNICORN_ACCESS_LOG"] = str(self.folder / "access.log")
        self.web = self._spawn("gunicorn", [str(BIN / "gunicorn"), "logistics.wsgi"], env)
        client = Client(self.port)
        if not wait_for(lambda: client.get("/healthz").status == 200, 60, 0.3):
            sys.exit(f"drill: gunicorn did not answer /healthz in 60 s (see {self.folder})")

    def start_worker(self) -> None:
        self.worker_runs += 1
        command = [str(BIN / "celery"), "-A", "logistics", "worker", "-l", "info"]
        command += ["-Q", "interactive,bulk", "-n", f"drill{self.worker_runs}@%h"]
        self.worker = self._spawn(f"worker{self.worker_runs}", command)
        log = self.folder / f"worker{self.worker_runs}.log"
        if not wait_for(lambda: " ready." in log.read_text(errors="replace"), 60, 0.3):
            sys.exit(f"drill: the Celery worker did not get ready in 60 s (see {log})")

    def start_beat(self) -> None:
        schedule = str(self.folder / "celerybeat-schedule")
        command = [str(BIN / "celery"), "-A", "logistics", "beat", "-l", "info"]
        self.beat = self._spawn("beat", [*command, "--schedule", schedule])

    def kill_worker(self) -> None:
        """kill -9 to the worker and its pool processes at once: no warm shutdown."""
        stop_group(self.worker, sig=signal.SIGKILL)

    def alive(self) -> dict[str, bool]:
        return {
            name: process is not None and process.poll() is None
            for name, process in (("web", self.web), ("worker", self.worker), ("beat", self.beat))
        }

    def stop(self) -> None:
        for process in (self.web, self.worker, self.beat):
            stop_group(process, timeout=20)


def make_folder() -> Path:
    folder = Path(tempfile.mkdtemp(prefix="portal-drill-"))
    folder.chmod(0o755)  # the postgres user must reach its cluster below
    return folder


# --- A small HTTP client: cookies by hand, every request as nginx would forward it ----------------


@dataclass
class Answer:
    status: int  # 0: no answer (connection refused, reset, timed out)
    seconds: float
    body: bytes = b""
    headers: dict = field(default_factory=dict)


class Client:
    """One browser or API client. Cookies are kept by hand because the portal's are `Secure`
    (TLS ends at nginx in production; the drill sends X-Forwarded-Proto: https as nginx does)."""

    TIMEOUT = 35  # nginx's proxy_read_timeout in docs/deployment.md

    def __init__(self, port: int, headers: dict | None = None):
        self.port = port
        self.cookies: dict[str, str] = {}
        self.headers = headers or {}

    def request(self, method: str, path: str, body=None, headers=None) -> Answer:
        origin = f"https://{HOST}:{self.port}"
        sent = {"Host": f"{HOST}:{self.port}", "X-Forwarded-Proto": "https", **self.headers}
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if method != "GET":
            sent.update(Origin=origin, Referer=origin + path)
        sent.update(headers or {})
        started = time.perf_counter()
        conn = HTTPConnection(HOST, self.port, timeout=self.TIMEOUT)
        try:
            conn.request(method, path, body=body, headers=sent)
            response = conn.getresponse()
            data = response.read()
        except OSError:
            return Answer(0, time.perf_counter() - started)
        finally:
            conn.close()
        for name, value in response.getheaders():
            if name.lower() == "set-cookie":
                key, _, rest = value.partition("=")
                self.cookies[key.strip()] = rest.split(";", 1)[0]
        headers = {k.lower(): v for k, v in response.getheaders()}
        return Answer(response.status, time.perf_counter() - started, data, headers)

    def cookie(self, name: str) -> str | None:
        """A cookie by its name, with or without the `__Host-` prefix secure sites may use."""
        return self.cookies.get(name) or self.cookies.get(f"__Host-{name}")

    def get(self, path: str) -> Answer:
        return self.request("GET", path)

    def post_form(self, path: str, data: dict) -> Answer:
        token = {"csrfmiddlewaretoken": self.cookie("csrftoken") or ""}
        body = urlencode({**token, **data}, doseq=True)
        return self.request(
            "POST", path, body, {"Content-Type": "application/x-www-form-urlencoded"}
        )

    def post_json(self, path: str, data: dict) -> Answer:
        return self.request(
            "POST", path, json.dumps(data).encode(), {"Content-Type": "application/json"}
        )

    def sign_in(self, username: str, password: str) -> Answer:
        self.cookies.clear()
        page = self.get("/accounts/login/")
        if page.status != 200:
            return page
        match = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page.body)
        token = match.group(1).decode() if match else self.cookie("csrftoken") or ""
        body = urlencode({"csrfmiddlewaretoken": token, "username": username, "password": password})
        return self.request(
            "POST", "/accounts/login/", body, {"Content-Type": "application/x-www-form-urlencoded"}
        )
