"""A small, bounded benchmark: gunicorn with the production-like config on PostgreSQL and Redis.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal_bench \\
    REDIS_URL=redis://127.0.0.1:6379/15 .venv/bin/python bench/run.py

Starts gunicorn on 127.0.0.1 (loopback only), prepares the database (migrate, seed_demo --force,
one API token), then measures GET /healthz and GET /api/v1/me/ (Bearer token) from client
processes separate from the server. Every loop is bounded by a request count and a time limit.
Prints a Markdown table for docs/performance.md and writes bench/results/<time>.json.
"""

import argparse
import json
import multiprocessing
import os
import platform
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from http.client import HTTPConnection
from pathlib import Path
from urllib.parse import urlsplit

BASE_DIR = Path(__file__).resolve().parent.parent
RESULTS = BASE_DIR / "bench" / "results"
ENDPOINTS = [("GET /healthz", "/healthz", False), ("GET /api/v1/me/ (token)", "/api/v1/me/", True)]


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000, help="per endpoint (bounded)")
    parser.add_argument("--concurrency", type=int, default=4, help="client processes")
    parser.add_argument("--max-seconds", type=float, default=30.0, help="per endpoint")
    parser.add_argument("--workers", type=int, default=0, help="gunicorn workers (0: config)")
    return parser.parse_args()


def server_env() -> dict[str, str]:
    database = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/portal_bench")
    if not database.startswith("postgres"):
        sys.exit("bench/run.py measures the production setup: DATABASE_URL must be PostgreSQL")
    host = urlsplit(database).hostname or ""
    redis = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/15")
    if not {host, urlsplit(redis).hostname} <= {"127.0.0.1", "localhost", "::1"}:
        sys.exit("bench/run.py only runs against services on this machine (loopback)")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "GUNICORN_"))}
    env.update(
        DATABASE_URL=database,
        REDIS_URL=redis,
        DJANGO_DEBUG="false",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
        # Plain HTTP on loopback: no TLS terminator in front, so no redirect to https.
        SECURE_SSL_REDIRECT="false",
        SESSION_COOKIE_SECURE="false",
        CSRF_COOKIE_SECURE="false",
        STATIC_MANIFEST="false",
        LOG_LEVEL="WARNING",
        GUNICORN_ACCESS_LOG=os.devnull,
    )
    env.pop("DJANGO_SETTINGS_MODULE", None)
    return env


def django_in_process(*, script: str, database: str, redis: str) -> None:
    """Sets Django up in this process with production-like settings, for the benchmarks that
    time services and pages in process; refuses anything but a local benchmark database."""
    database = os.environ.get("DATABASE_URL", database)
    redis = os.environ.get("REDIS_URL", redis)
    parts = urlsplit(database)
    if not database.startswith("postgres"):
        sys.exit(f"{script} measures PostgreSQL: DATABASE_URL must be postgres://")
    if not {parts.hostname, urlsplit(redis).hostname} <= {"127.0.0.1", "localhost", "::1"}:
        sys.exit(f"{script} only runs against services on this machine (loopback)")
    name = parts.path.lstrip("/")
    if name.startswith("test") or "bench" not in name:
        sys.exit("use a database of its own whose name contains 'bench' (never a test database)")
    os.environ.update(
        DATABASE_URL=database,
        REDIS_URL=redis,
        DJANGO_SETTINGS_MODULE="logistics.settings",
        DJANGO_DEBUG="false",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS="testserver,127.0.0.1,localhost",
        SECURE_SSL_REDIRECT="false",
        SESSION_COOKIE_SECURE="false",
        CSRF_COOKIE_SECURE="false",
        STATIC_MANIFEST="false",
        LOG_LEVEL="WARNING",
    )
    sys.path.insert(0, str(BASE_DIR))
    create_database(database)
    import django

    django.setup()


def create_database(url: str) -> None:
    import psycopg2

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    conn = psycopg2.connect(
        host=parts.hostname,
        port=parts.port or 5432,
        user=parts.username or "postgres",
        password=parts.password,
        dbname="postgres",
    )
    conn.autocommit = True
    with conn.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if cursor.fetchone() is None:
            cursor.execute(f'CREATE DATABASE "{name}"')
    conn.close()


MAKE_TOKEN = """
import django; django.setup()
from logistics.models import ApiToken, User
raw, prefix, key_hash = ApiToken.generate()
ApiToken.objects.create(user=User.objects.get(username="integrator"), name="bench",
                        prefix=prefix, key_hash=key_hash, scopes=[])
print(raw)
"""


def prepare(env: dict[str, str]) -> tuple[str, dict]:
    create_database(env["DATABASE_URL"])
    manage = [sys.executable, "manage.py"]
    subprocess.run([*manage, "migrate", "--noinput", "-v", "0"], cwd=BASE_DIR, env=env, check=True)
    subprocess.run(
        [*manage, "seed_demo", "--force"], cwd=BASE_DIR, env=env, check=True, capture_output=True
    )
    token = subprocess.run(
        [sys.executable, "-c", MAKE_TOKEN],
        cwd=BASE_DIR,
        env={**env, "DJANGO_SETTINGS_MODULE": "logistics.settings"},
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    return token, data_size(env)


def data_size(env: dict[str, str]) -> dict:
    script = (
        "import django, json; django.setup();"
        "from logistics.models import Building, Room, User;"
        "print(json.dumps({'users': User.objects.count(), 'buildings': Building.objects.count(),"
        " 'rooms': Room.objects.count()}))"
    )
    env = {**env, "DJANGO_SETTINGS_MODULE": "logistics.settings"}
    out = subprocess.run(
        [sys.executable, "-c", script], cwd=BASE_DIR, env=env, check=True, capture_output=True
    )
    return json.loads(out.stdout)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_gunicorn(env: dict[str, str], port: int, workers: int) -> subprocess.Popen:
    env = {**env, "GUNICORN_BIND": f"127.0.0.1:{port}"}
    if workers:
        env["GUNICORN_WORKERS"] = str(workers)
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "logistics.wsgi"],
        cwd=BASE_DIR,
        env=env,
        start_new_session=True,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if get(port, "/healthz", {})[0] == 200:
                return server
        except OSError:
            time.sleep(0.2)
    stop(server)
    sys.exit("gunicorn did not answer /healthz within 30 s")


def stop(server: subprocess.Popen) -> None:
    os.killpg(server.pid, signal.SIGTERM)
    try:
        server.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)


def get(port: int, path: str, headers: dict, conn: HTTPConnection | None = None):
    conn = conn or HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("GET", path, headers=headers)
    response = conn.getresponse()
    body = response.read()
    if response.getheader("Connection", "").lower() == "close":
        conn.close()
    return response.status, body


def client(job: tuple) -> tuple[list[float], int]:
    """One client process: `count` requests or until `until` (monotonic), whichever first."""
    port, path, headers, count, until = job
    conn = HTTPConnection("127.0.0.1", port, timeout=10)
    latencies, errors = [], 0
    for _ in range(count):
        if time.monotonic() > until:
            break
        started = time.perf_counter()
        try:
            status, _ = get(port, path, headers, conn)
        except OSError:
            conn.close()
            status = 0
        latencies.append(time.perf_counter() - started)
        errors += status != 200
    conn.close()
    return latencies, errors


def measure(port: int, path: str, headers: dict, args: argparse.Namespace) -> dict:
    for _ in range(50):  # warm-up: imports, connection pools, caches
        get(port, path, headers)
    per_client = args.requests // args.concurrency
    started = time.monotonic()
    until = started + args.max_seconds
    job = (port, path, headers, per_client, until)
    with multiprocessing.Pool(args.concurrency) as pool:
        results = pool.map(client, [job] * args.concurrency)
    elapsed = time.monotonic() - started
    latencies = sorted(t for lat, _ in results for t in lat)
    centiles = statistics.quantiles(latencies, n=100)
    return {
        "requests": len(latencies),
        "errors": sum(err for _, err in results),
        "seconds": round(elapsed, 2),
        "req_per_s": round(len(latencies) / elapsed, 1),
        "p50_ms": round(centiles[49] * 1000, 2),
        "p95_ms": round(centiles[94] * 1000, 2),
    }


def timings_summary(timings: list[float]) -> dict:
    """Samples, mean, p50, p95 and max in ms of timings in seconds (the in-process benches).
    Centiles by the inclusive method: never past the slowest sample, however few there are
    (the exclusive default put p95 above the maximum for small samples)."""
    if len(timings) > 1:
        centiles = statistics.quantiles(timings, n=100, method="inclusive")
    else:
        centiles = timings * 99
    return {
        "samples": len(timings),
        "mean_ms": round(statistics.fmean(timings) * 1000, 1),
        "p50_ms": round(centiles[49] * 1000, 1),
        "p95_ms": round(centiles[94] * 1000, 1),
        "max_ms": round(max(timings) * 1000, 1),
    }


def machine() -> dict:
    model = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    return {
        "nproc": os.cpu_count(),
        "cpu": model,
        "python": platform.python_version(),
        # The machine may be shared: the load before the run says how quiet it was.
        "loadavg_1m": os.getloadavg()[0],
    }


def main() -> None:
    args = parse_args()
    host = machine()
    env = server_env()
    token, size = prepare(env)
    port = free_port()
    server = start_gunicorn(env, port, args.workers)
    try:
        auth = {"Authorization": f"Bearer {token}"}
        results = {
            name: measure(port, path, auth if needs_token else {}, args)
            for name, path, needs_token in ENDPOINTS
        }
    finally:
        stop(server)
    report = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": host,
        "data": size,
        "gunicorn_workers": args.workers or "config default",
        "concurrency": args.concurrency,
        "results": results,
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"{report['when'].replace(':', '')}.json").write_text(json.dumps(report, indent=2))
    print(json.dumps(report, indent=2))
    print("\n| endpoint | requests | errors | req/s | p50 ms | p95 ms |\n|---|---|---|---|---|---|")
    for name, r in results.items():
        print(
            f"| {name} | {r['requests']} | {r['errors']} | {r['req_per_s']} | {r['p50_ms']} "
            f"| {r['p95_ms']} |"
        )


if __name__ == "__main__":
    main()
