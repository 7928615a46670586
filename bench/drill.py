"""The standing fault drill: the portal in its production configuration, on private services,
through four faults — Redis stopped, Redis hung, PostgreSQL restarted, a worker killed with
deliveries in flight — counting what succeeded and what was delivered.

    make drill                                   # all four scenarios, default sizes
    .venv/bin/python bench/drill.py --scenarios a,c --filings 30
    .venv/bin/python bench/drill.py --table bench/results/drill-A.json bench/results/drill-B.json

Everything runs on 127.0.0.1 and is started by the drill itself under a temporary folder: a
PostgreSQL cluster (initdb, port 5480), redis-server (6480), gunicorn with gunicorn.conf.py, a
Celery worker and beat, a webhook receiver and an SMTP sink that count deliveries by their
X-Portal-Delivery id. The shared PostgreSQL and Redis are never touched. Every loop is bounded
in count and time; everything started is stopped on exit, Ctrl-C or failure.
docs/reliability.md says what each fault must not break, and records the numbers.
"""

import argparse
import json
import os
import secrets
import shutil
import signal
import statistics
import sys
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent))

from drill_report import machine, table  # noqa: E402 — bench/ is not a package
from drill_stack import (  # noqa: E402
    BASE_DIR,
    HOST,
    STUDENT_PASSWORD,
    Client,
    HungRedis,
    Portal,
    PrivatePostgres,
    PrivateRedis,
    Sink,
    make_folder,
    port_free,
    start_smtp_sink,
    start_webhook_receiver,
    wait_for,
)

RESULTS = BASE_DIR / "bench" / "results"
# OUTBOX_STALE_AFTER (60 s, the default the drill keeps) plus two relay runs and some slack.
STALE_WAIT = 180
SCENARIOS = {
    "a": "Redis stopped",
    "b": "Redis hung (accepts, never answers)",
    "c": "PostgreSQL restarted",
    "d": "worker kill -9 with deliveries in flight",
}


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scenarios", default="a,b,c,d", help="comma-separated: a,b,c,d")
    parser.add_argument("--filings", type=int, default=60, help="a: filings while Redis is down")
    parser.add_argument("--probes", type=int, default=12, help="b: requests per probed address")
    parser.add_argument("--pg-down", type=float, default=10.0, help="c: seconds PostgreSQL is down")
    parser.add_argument("--in-flight", type=int, default=10, help="d: filings before the kill")
    parser.add_argument("--hook-delay", type=float, default=4.0, help="d: receiver's slowness (s)")
    parser.add_argument(
        "--late-wait", type=float, default=400.0, help="d: seconds to wait for re-sent deliveries"
    )
    parser.add_argument("--relay-interval", type=int, default=30, help="OUTBOX_RELAY_INTERVAL")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn workers")
    parser.add_argument("--pg-port", type=int, default=5480)
    parser.add_argument("--redis-port", type=int, default=6480)
    parser.add_argument("--web-port", type=int, default=8480)
    parser.add_argument("--max-seconds", type=float, default=120.0, help="bound of every loop")
    parser.add_argument("--keep", action="store_true", help="keep the folder with the logs")
    args = parser.parse_args()
    args.scenarios = [s.strip() for s in args.scenarios.split(",") if s.strip()]
    if unknown := set(args.scenarios) - set(SCENARIOS):
        parser.error(f"unknown scenarios {sorted(unknown)}; choose from a, b, c, d")
    return args


# --- Counting -------------------------------------------------------------------------------------


@dataclass
class Tally:
    """Requests of one kind: how many, how many succeeded, statuses, latencies."""

    statuses: Counter = field(default_factory=Counter)
    latencies: list[float] = field(default_factory=list)
    ok: int = 0
    retry_after: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, answer, ok: bool) -> None:
        with self.lock:
            self.statuses[answer.status] += 1
            self.latencies.append(answer.seconds)
            self.ok += ok
            self.retry_after += "retry-after" in answer.headers

    def summary(self) -> dict:
        lat = sorted(self.latencies)
        result = {
            "requests": len(lat),
            "succeeded": self.ok,
            "failed": len(lat) - self.ok,
            "statuses": {str(k): v for k, v in sorted(self.statuses.items())},
        }
        if lat:
            result.update(p50_s=round(centile(lat, 50), 3), p95_s=round(centile(lat, 95), 3))
        if self.retry_after:
            result["with_retry_after"] = self.retry_after
        return result


def centile(values: list[float], n: int) -> float:
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[n - 1]


class Drill:
    """The private stack, the seeded data, and the actions a person or client takes."""

    def __init__(self, args: argparse.Namespace):
        self.args = args
        for port in (args.pg_port, args.redis_port, args.web_port):
            if not port_free(port):
                sys.exit(f"drill: port {port} is in use; choose another (--pg-port …)")
        self.folder = make_folder()
        self.pg = PrivatePostgres(self.folder, args.pg_port)
        self.redis = PrivateRedis(self.folder, args.redis_port)
        self.hung = HungRedis(args.redis_port)
        self.hooks, self.mails = Sink(), Sink()
        self.portal: Portal | None = None
        self.servers = []
        self.data: dict = {}

    # --- Bring-up and tear-down -----------------------------------------------------------------

    def up(self) -> None:
        say(f"drill folder {self.folder}")
        self.pg.init()
        self.redis.start()
        hook_url, hook_server = start_webhook_receiver(self.hooks)
        smtp_port, smtp_server = start_smtp_sink(self.mails)
        self.servers = [hook_server, smtp_server]
        origin = f"https://{HOST}:{self.args.web_port}"
        env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "GUNICORN_"))}
        for name in ("DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "CACHE_REDIS_URL"):
            env.pop(name, None)
        # The production block of docs/configuration.md, pointed at the private services.
        env.update(
            DJANGO_DEBUG="false",
            DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
            DJANGO_ALLOWED_HOSTS=HOST,
            DJANGO_CSRF_TRUSTED_ORIGINS=origin,
            PORTAL_SITE_NAME="后勤服务平台",
            PORTAL_SITE_URL=origin,
            DATABASE_URL=self.pg.url,
            REDIS_URL=self.redis.url,
            EMAIL_URL=f"smtp://{HOST}:{smtp_port}",
            DEFAULT_FROM_EMAIL="portal@example.edu.cn",
            SECURE_HSTS_PRELOAD="true",
            # Deviations, each because the drill has no nginx, CAS server or collectstatic:
            STATIC_MANIFEST="false",
            MEDIA_ROOT=str(self.folder / "media"),
            OUTBOX_RELAY_INTERVAL=str(self.args.relay_interval),
            LOG_LEVEL="INFO",
            PYTHONUNBUFFERED="1",
        )
        self.portal = Portal(self.folder, env, self.args.web_port, self.args.workers)
        say("migrate and seed (campus, categories, canteens, a student, two tokens, a webhook)")
        self.portal.manage("migrate", "--noinput", "-v", "0")
        say("migrated")
        self.data = self.portal.seed(hook_url)
        say("seeded; starting gunicorn, a Celery worker and beat")
        self.portal.start_web()
        self.portal.start_worker()
        self.portal.start_beat()
        self.smoke_test()

    def down(self) -> None:
        if self.portal is not None:
            self.portal.stop()
        self.hung.stop()
        self.redis.stop()
        self.pg.stop("immediate")
        for server in self.servers:
            server.shutdown()
            server.server_close()
        if self.args.keep:
            say(f"logs kept in {self.folder}")
        else:
            shutil.rmtree(self.folder, ignore_errors=True)

    def healthy(self) -> float | None:
        """Seconds until a filing is delivered again (the previous fault fully over), or None
        if that takes more than STALE_WAIT."""
        started = time.monotonic()
        marker = self.db_now()
        ok = wait_for(lambda: self.file_api()[1], 60, 1)
        counts = self.wait_delivered(marker, timeout=STALE_WAIT)
        if not ok or counts["webhooks"]["missing"]:
            return None
        return round(time.monotonic() - started, 1)

    def smoke_test(self) -> None:
        """Everything works before any fault: one filing of each kind is delivered."""
        marker = self.db_now()
        browser = self.signed_in()
        results = [self.file_page(browser), self.file_api(), self.file_open311()]
        if not all(ok for _, ok in results):
            statuses = [(answer.status, answer.body[:300]) for answer, _ in results]
            sys.exit(f"drill: the portal does not work before any fault: {statuses}")
        counts = self.wait_delivered(marker, timeout=60)
        if counts["webhooks"]["missing"] or counts["emails"]["missing"]:
            sys.exit(f"drill: deliveries missing before any fault: {counts}")
        say(f"ready: {counts['outbox_rows']} deliveries of 3 filings arrived")

    # --- Actions: each returns (answer, succeeded) ----------------------------------------------

    def signed_in(self) -> Client:
        """A signed-in browser; a few tries, since a scenario may start right after a fault."""
        client = Client(self.args.web_port)
        for _ in range(10):
            answer, ok = self.sign_in(client)
            if ok:
                return client
            time.sleep(1)
        sys.exit(f"drill: signing in failed with {answer.status}")

    def sign_in(self, client: Client):
        answer = client.sign_in("student", STUDENT_PASSWORD)
        return answer, answer.status == 302 and bool(client.cookie("sessionid"))

    def description(self, via: str) -> str:
        return f"Drill ({via}): the desk lamp flickers {secrets.token_hex(3)}"

    def file_page(self, client: Client):
        answer = client.post_form(
            "/repairs/new/",
            {
                "category": self.data["category"],
                "building": self.data["building"],
                "room_number": self.data["room_number"],
                "description": self.description("page"),
                "urgency": "normal",
            },
        )
        location = answer.headers.get("location", "")
        return answer, answer.status == 302 and "/repairs/" in location

    def file_api(self):
        client = Client(self.args.web_port, {"Authorization": f"Bearer {self.data['api_token']}"})
        answer = client.post_json(
            "/api/v1/repairs/requests/",
            {
                "category": self.data["category"],
                "room": self.data["room"],
                "description": self.description("api"),
            },
        )
        return answer, answer.status == 201

    def file_open311(self):
        body = urlencode(
            {
                "api_key": self.data["open311_key"],
                "jurisdiction_id": self.data["jurisdiction"],
                "service_code": self.data["service_code"],
                "address_id": str(self.data["room"]),
                "description": self.description("open311"),
            }
        )
        answer = Client(self.args.web_port).request(
            "POST",
            "/open311/v2/requests.json",
            body,
            {"Content-Type": "application/x-www-form-urlencoded"},
        )
        return answer, answer.status in (200, 201)

    def view(self, client: Client, path: str):
        answer = client.get(path)
        return answer, answer.status == 200

    # --- The database's view: notifications and outbox rows since a moment ---------------------

    def db_now(self):
        return self.pg.sql("SELECT now()")[0][0]

    def outbox(self, since) -> dict[str, list[tuple[str, str]]]:
        rows = self.pg.sql(
            "SELECT id::text, channel, status FROM logistics_outboxmessage WHERE created_at >= %s",
            [since],
        )
        by_channel: dict[str, list[tuple[str, str]]] = {}
        for message_id, channel, status in rows:
            by_channel.setdefault(channel, []).append((message_id, status))
        return by_channel

    def notifications(self, since) -> int:
        query = "SELECT count(*) FROM logistics_notification WHERE created_at >= %s"
        return self.pg.sql(query, [since])[0][0]

    def deliveries(self, since) -> dict:
        rows = self.outbox(since)
        hooks = [i for i, _ in rows.get("webhook", [])]
        mails = [i for i, _ in rows.get("email", [])]
        statuses = Counter(status for channel in rows.values() for _, status in channel)
        return {
            "notifications": self.notifications(since),
            "outbox_rows": sum(statuses.values()),
            "outbox_status": dict(statuses),
            "webhooks": self.hooks.count(hooks),
            "emails": self.mails.count(mails),
        }

    def wait_delivered(self, since, timeout: float) -> dict:
        """Waits until no outbox row since `since` is pending or sending (or `timeout`)."""

        def settled():
            try:
                status = self.deliveries(since)["outbox_status"]
            except Exception:  # noqa: BLE001 — the database may be coming back
                return False
            return not (status.get("pending") or status.get("sending"))

        wait_for(settled, timeout, 0.5)
        return self.deliveries(since)

    def last_delivery(self, since) -> float | None:
        rows = self.outbox(since)
        times = [
            self.hooks.last_arrival([i for i, _ in rows.get("webhook", [])]),
            self.mails.last_arrival([i for i, _ in rows.get("email", [])]),
        ]
        times = [t for t in times if t is not None]
        return max(times) if times else None


def say(message: str) -> None:
    print(f"[{datetime.now(UTC):%H:%M:%S}] {message}", flush=True)


def bounded(args, count: int):
    """range(count), stopping early once --max-seconds have passed."""
    until = time.monotonic() + args.max_seconds
    for i in range(count):
        if time.monotonic() > until:
            say(f"stopped after {i} of {count}: --max-seconds reached")
            return
        yield i


# --- a. Redis stopped -----------------------------------------------------------------------------


def redis_stopped(drill: Drill) -> dict:
    args = drill.args
    browsers = [drill.signed_in() for _ in range(3)]  # sessions from before the outage
    tallies = {k: Tally() for k in ("page filing", "API filing", "Open311 filing")}
    tallies.update({k: Tally() for k in ("sign-in", "signed-in page view")})
    marker = drill.db_now()
    drill.redis.stop()
    say(f"a: Redis stopped; {args.filings} filings, sign-ins and page views")
    for i in bounded(args, args.filings):
        kind = i % 3
        browser = browsers[i // 3 % len(browsers)]
        if kind == 0:
            tallies["page filing"].add(*drill.file_page(browser))
        elif kind == 1:
            tallies["API filing"].add(*drill.file_api())
        else:
            tallies["Open311 filing"].add(*drill.file_open311())
            tallies["sign-in"].add(*drill.sign_in(Client(args.web_port)))
            for path in ("/repairs/mine/", "/notifications/"):
                tallies["signed-in page view"].add(*drill.view(browser, path))
    during = drill.deliveries(marker)
    drill.redis.start()
    restarted = time.monotonic()
    say("a: Redis started again; waiting for the outbox relay")
    first_page = wait_for(lambda: drill.view(browsers[0], "/repairs/mine/")[1], 60, 0.2)
    page_back = time.monotonic() - restarted if first_page else None
    counts = drill.wait_delivered(marker, timeout=args.relay_interval * 2 + 90)
    last = drill.last_delivery(marker)
    return {
        "requests while Redis was down": {k: t.summary() for k, t in tallies.items()},
        "while down": {
            "notifications created": during["notifications"],
            "outbox rows": during["outbox_rows"],
            "webhooks delivered": during["webhooks"]["delivered"],
        },
        "after Redis returned": counts,
        "seconds to first signed-in page after restart": round(page_back, 2) if page_back else None,
        "seconds from restart to last delivery": round(last - restarted, 1)
        if last and last > restarted
        else None,
    }


# --- b. Redis hung --------------------------------------------------------------------------------


def probe(drill: Drill, action, count: int) -> dict:
    """`count` calls of `action` from 3 client threads at once, bounded by --max-seconds."""
    tally = Tally()
    until = time.monotonic() + drill.args.max_seconds

    def once(_):
        if time.monotonic() < until:
            tally.add(*action())

    started = time.monotonic()
    with ThreadPoolExecutor(3) as pool:
        list(pool.map(once, range(count)))
    result = tally.summary()
    result["requests_per_s"] = round(len(tally.latencies) / (time.monotonic() - started), 2)
    return result


def redis_hung(drill: Drill) -> dict:
    args = drill.args
    browser = drill.signed_in()
    anonymous = Client(args.web_port)
    marker = drill.db_now()
    drill.redis.stop()
    drill.hung.start()
    say(f"a socket on Redis's port accepts and never answers; {args.probes} requests per probe")
    probes = {
        "GET /dining/ (anonymous)": lambda: drill.view(anonymous, "/dining/"),
        "GET /repairs/mine/ (session)": lambda: drill.view(browser, "/repairs/mine/"),
        "POST /api/v1/repairs/requests/ (token)": drill.file_api,
        "GET /healthz": lambda: (lambda a: (a, a.status in (200, 503)))(anonymous.get("/healthz")),
    }
    results = {name: probe(drill, action, args.probes) for name, action in probes.items()}
    drill.hung.stop()
    drill.redis.start()
    restarted = time.monotonic()
    say("b: Redis is back; waiting for the outbox relay")
    first_page = wait_for(lambda: drill.view(browser, "/repairs/mine/")[1], 60, 0.2)
    page_back = time.monotonic() - restarted if first_page else None
    counts = drill.wait_delivered(marker, timeout=args.relay_interval * 2 + 90)
    last = drill.last_delivery(marker)
    return {
        "requests while Redis hung": results,
        "seconds to first signed-in page after restart": round(page_back, 2) if page_back else None,
        "after Redis returned": counts,
        "seconds from restart to last delivery": round(last - restarted, 1)
        if last and last > restarted
        else None,
    }


# --- c. PostgreSQL restarted ----------------------------------------------------------------------


def postgres_restarted(drill: Drill) -> dict:
    args = drill.args
    browser = drill.signed_in()
    api = Client(args.web_port, {"Authorization": f"Bearer {drill.data['api_token']}"})
    anonymous = Client(args.web_port)
    kinds = {
        "session page": lambda: drill.view(browser, "/repairs/mine/"),
        "API read": lambda: drill.view(api, "/api/v1/repairs/requests/"),
        "API write": drill.file_api,
        "healthz": lambda: drill.view(anonymous, "/healthz"),
    }
    pids_before = drill.portal.alive()
    marker = drill.db_now()
    log: list[tuple[float, str, int, bool, bool]] = []  # (finished, kind, status, ok, retry)
    stop_at = [time.monotonic() + args.max_seconds]
    lock = threading.Lock()

    # Writes once a second: the steady load stays under the user's write limit (API_WRITE_RATE,
    # 120/min), so every failure is the outage's.
    pause = {"API write": 1.0}

    def load(kind: str) -> None:
        while time.monotonic() < stop_at[0]:
            answer, ok = kinds[kind]()
            with lock:
                log.append(
                    (time.monotonic(), kind, answer.status, ok, "retry-after" in answer.headers)
                )
            time.sleep(pause.get(kind, 0.25))

    threads = [threading.Thread(target=load, args=(k,), daemon=True) for k in kinds]
    for thread in threads:
        thread.start()
    time.sleep(2)
    say(f"c: PostgreSQL stopped for {args.pg_down:.0f} s under a steady load")
    stopped = time.monotonic()
    drill.pg.stop("fast")
    time.sleep(args.pg_down)
    drill.pg.start()
    started = time.monotonic()
    say("c: PostgreSQL started again")

    def recovered():
        with lock:
            return {kind for t, kind, _, ok, _ in log if ok and t > started} >= set(kinds)

    wait_for(recovered, 60, 0.2)
    stop_at[0] = min(stop_at[0], time.monotonic() + 5)
    for thread in threads:
        thread.join(timeout=40)
    result = {"down_s": round(started - stopped, 1), "by kind": {}}
    for kind in kinds:
        rows = [r for r in log if r[1] == kind]
        during = [r for r in rows if stopped <= r[0] <= started]
        after = [r[0] - started for r in rows if r[0] > started and r[3]]
        result["by kind"][kind] = {
            "requests": len(rows),
            "during outage": dict(Counter(str(r[2]) for r in during)),
            "during outage with Retry-After": sum(r[4] for r in during),
            "failures after restart": sum(1 for r in rows if r[0] > started and not r[3]),
            "seconds to first success after restart": round(min(after), 2) if after else None,
        }
    alive = drill.portal.alive()
    result["processes alive afterwards (none restarted)"] = alive
    result["processes that died"] = [k for k, v in pids_before.items() if v and not alive[k]]
    # Does the worker still deliver, without a restart? One filing after the outage.
    after_marker = drill.db_now()
    answer, ok = drill.file_api()
    counts = drill.wait_delivered(after_marker, timeout=45)
    result["a filing after recovery"] = {"status": answer.status, "delivered": counts}
    # Deliveries a worker took while the database was away fail and wait for the relay
    # (published rows count as lost after OUTBOX_STALE_AFTER, 60 s by default).
    say("c: waiting for every delivery of the scenario")
    result["all filings of the scenario"] = drill.wait_delivered(marker, timeout=STALE_WAIT)
    last = drill.last_delivery(marker)
    result["seconds from restart to last delivery"] = (
        round(last - started, 1) if last and last > started else None
    )
    return result


# --- d. Worker kill -9 with deliveries in flight --------------------------------------------------


def worker_killed(drill: Drill) -> dict:
    args = drill.args
    marker = drill.db_now()
    drill.hooks.delay = args.hook_delay
    filed = Tally()
    for _ in bounded(args, args.in_flight):
        filed.add(*drill.file_api())
    wait_for(lambda: drill.hooks.in_flight, 30, 0.1)
    time.sleep(0.5)
    in_flight = set(drill.hooks.in_flight)
    say(f"d: kill -9 the worker with {len(in_flight)} webhook(s) in flight")
    drill.portal.kill_worker()
    killed = time.monotonic()
    drill.hooks.delay = 0
    drill.portal.start_worker()
    say(f"d: a new worker is up; waiting up to {args.late_wait:.0f} s for every delivery")
    counts = drill.wait_delivered(marker, timeout=args.late_wait)
    late = [t for i in in_flight for t in drill.hooks.arrivals.get(i, [])[1:]]
    last = drill.last_delivery(marker)
    return {
        "filings": filed.summary(),
        "webhooks in flight at the kill": len(in_flight),
        "after the new worker": counts,
        "in-flight deliveries sent again": len(late),
        "seconds from kill to the last re-sent delivery": round(max(late) - killed, 1)
        if late
        else None,
        "seconds from kill to the last delivery": round(last - killed, 1) if last else None,
        "gave up waiting": bool(counts["outbox_status"].get("pending"))
        or bool(counts["outbox_status"].get("sending")),
    }


RUNS = {"a": redis_stopped, "b": redis_hung, "c": postgres_restarted, "d": worker_killed}


def main() -> None:
    if sys.argv[1:2] == ["--table"]:
        print(table([json.loads(Path(path).read_text()) for path in sys.argv[2:]]))
        return
    args = parse_args()
    # SIGTERM and SIGHUP end the drill like Ctrl-C: through `finally`, which stops everything.
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, lambda number, _: sys.exit(f"drill: stopped by signal {number}"))
    # Ctrl-C too, even where a shell started the drill with SIGINT ignored (a background job).
    signal.signal(signal.SIGINT, signal.default_int_handler)
    report = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "options": {k: v for k, v in vars(args).items() if k != "keep"},
        "scenarios": {},
    }
    drill = Drill(args)
    try:
        drill.up()
        for name in args.scenarios:
            say(f"--- {name}. {SCENARIOS[name]}")
            # Each scenario starts from a working stack: a filing delivered end to end.
            healthy_after = drill.healthy()
            started = time.monotonic()
            result = RUNS[name](drill)
            result["seconds until a filing was delivered before the scenario"] = healthy_after
            result["scenario_seconds"] = round(time.monotonic() - started, 1)
            report["scenarios"][f"{name}. {SCENARIOS[name]}"] = result
            print(json.dumps(result, indent=2, ensure_ascii=False), flush=True)
    finally:
        drill.down()
        if report["scenarios"]:
            write(report)


def write(report: dict) -> None:
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"drill-{report['when'].replace(':', '')}.json"
    path.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    print(table([report]))
    say(f"results written to {path.relative_to(BASE_DIR)}")


if __name__ == "__main__":
    main()
