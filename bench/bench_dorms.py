"""Dorm notices at 20,000 residents: publishing (queued in the request), delivery by one real
Celery worker, the resident's notice list and the manager's acknowledgement view.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal_bench_dorms \\
    REDIS_URL=redis://127.0.0.1:6379/14 .venv/bin/python bench/bench_dorms.py

Prepares a separate benchmark database (never the test database): migrate, seed_demo --force,
then ten bench dormitories on the demo's 闵行 campus (10 floors × 50 rooms each), --residents
students in them (4 a room, each with an e-mail address), --history published notices to those
buildings over a semester (through the services, backdated), and a safety notice asking for
an acknowledgement that 70 % of the residents acknowledged. Then VACUUM ANALYZE.

Measures, in this process, the server time through Django's test client with the production
settings (DEBUG off, PostgreSQL, Redis as the broker): the whole request through middleware,
view, queries and template, without the network.

- publish: POST /dorms/notices/<id>/publish/ of a draft addressed to the ten buildings, as the
  logistics manager: the request writes the delivery row and queues the task after commit (no
  worker runs meanwhile; the queued tasks are purged before the worker starts).
- delivery: one worker (`celery -A logistics worker --pool=solo -Q interactive,bulk`, as `make
  worker`) started as a subprocess; an emergency (everyone pushed: in-app + e-mail outbox rows,
  the e-mail tasks queued) and then a general notice (everyone pushed within the hour: in-app
  only, to the digest) are published, and the delivery's finished_at − published_at read.
- the resident's pages (/dorms/, /dorms/building/, /api/v1/dorms/notices/) as residents taken
  in turn, and the manager's acknowledgement view (page and its htmx refresh) for the notice
  that 20,000 residents were asked to acknowledge.

Writes bench/results/dorms-<time>.json and prints Markdown tables.
"""

import argparse
import io
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
RESULTS = BASE_DIR / "bench" / "results"
BUILDINGS = 10
FLOORS = 10
ROOMS_PER_FLOOR = 50
PER_ROOM = 4
BATCH = 5000
ACKNOWLEDGED = 0.7


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--residents", type=int, default=20_000, help="students in the buildings")
    parser.add_argument("--history", type=int, default=300, help="published notices to hold")
    parser.add_argument("--samples", type=int, default=100, help="per page measurement")
    parser.add_argument("--publishes", type=int, default=10, help="publish requests to time")
    parser.add_argument("--max-seconds", type=float, default=60.0, help="per measurement")
    parser.add_argument("--delivery-timeout", type=float, default=300.0, help="per delivery")
    parser.add_argument("--skip-prepare", action="store_true", help="data already there")
    return parser.parse_args()


def configure() -> None:
    """Production-like settings in this process; refuses anything but a local benchmark DB."""
    sys.path.insert(0, str(BASE_DIR / "bench"))
    from run import django_in_process

    django_in_process(
        script="bench_dorms.py",
        database="postgres://postgres@127.0.0.1:5432/portal_bench_dorms",
        redis="redis://127.0.0.1:6379/14",
    )


# --- Data -------------------------------------------------------------------------------------


def prepare(residents: int, history: int) -> dict:
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", interactive=False, verbosity=0)
    call_command("seed_demo", force=True, stdout=io.StringIO())
    started = time.monotonic()
    buildings = bench_buildings()
    bench_residents(buildings, residents)
    notices(buildings, history)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    return {"load_seconds": round(time.monotonic() - started)}


def bench_buildings() -> list:
    from logistics.models import Building, Campus, Room

    campus = Campus.objects.get(code="MH")
    buildings = []
    for n in range(1, BUILDINGS + 1):
        building, _ = Building.objects.get_or_create(
            campus=campus,
            code=f"BD{n:02d}",
            defaults={"name": f"基准{n}号宿舍楼", "kind": Building.Kind.DORMITORY},
        )
        buildings.append(building)
        Room.objects.bulk_create(
            [
                Room(
                    building=building,
                    number=f"{floor}{room:02d}",
                    floor=floor,
                    kind=Room.Kind.DORM,
                    capacity=PER_ROOM,
                )
                for floor in range(1, FLOORS + 1)
                for room in range(1, ROOMS_PER_FLOOR + 1)
            ],
            batch_size=BATCH,
            ignore_conflicts=True,
        )
    return buildings


def bench_residents(buildings, residents: int) -> None:
    from django.contrib.auth.models import Group

    from logistics.models import Room, User
    from logistics.roles import Role

    rooms = list(
        Room.objects.filter(building__in=buildings)
        .order_by("building__code", "floor", "number")
        .values_list("pk", flat=True)
    )
    users = [
        User(
            username=f"d{n:06d}",
            display_name=f"住户{n}",
            email=f"d{n:06d}@example.edu.cn",
            dorm_room_id=rooms[(n // PER_ROOM) % len(rooms)],
            password="!",
        )
        for n in range(residents)
    ]
    User.objects.bulk_create(users, batch_size=BATCH, ignore_conflicts=True)
    ids = list(User.objects.filter(username__regex=r"^d[0-9]{6}$").values_list("pk", flat=True))
    group = Group.objects.get(name=Role.STUDENT)
    through = User.groups.through
    through.objects.bulk_create(
        [through(user_id=pk, group_id=group.pk) for pk in ids],
        batch_size=BATCH,
        ignore_conflicts=True,
    )


def notices(buildings, history: int) -> None:
    """A semester of published notices (no delivery run) and the 70 % acknowledged one."""
    from django.utils import timezone

    from dorms import services
    from dorms.models import Notice, NoticeRead
    from logistics.models import User

    manager = User.objects.get(username="logistics_manager")
    audience = services.AudienceSpec(audience="buildings", buildings=buildings)
    now = timezone.now()
    for n in range(history):
        notice = services.notice_save(
            by=manager,
            data={"title": f"基准通知 {n}", "body": "宿舍楼公告，请留意。", "kind": "general"},
            audience=audience,
        )
        when = now - timedelta(hours=n * 12 + 1)
        Notice.objects.filter(pk=notice.pk).update(status="published", published_at=when)
    ack = services.notice_save(
        by=manager,
        data={
            "title": "基准消防安全教育（请确认）",
            "body": "请阅读并确认。",
            "kind": "safety",
            "requires_ack": True,
            "ack_deadline": now + timedelta(days=7),
        },
        audience=audience,
    )
    Notice.objects.filter(pk=ack.pk).update(status="published", published_at=now)
    ids = list(
        User.objects.filter(username__regex=r"^d[0-9]{6}$")
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    acknowledged = ids[: int(len(ids) * ACKNOWLEDGED)]
    NoticeRead.objects.bulk_create(
        [
            NoticeRead(notice=ack, user_id=pk, read_at=now, acknowledged_at=now)
            for pk in acknowledged
        ],
        batch_size=BATCH,
        ignore_conflicts=True,
    )


# --- Measurements ---------------------------------------------------------------------------------


def measure(name: str, call, args, *, samples: int | None = None, warm: int = 3) -> dict:
    """Runs `call(n)` up to `samples` times within --max-seconds; the first call's queries are
    counted. `call` returns a response."""
    from django.db import connection
    from run import timings_summary

    for n in range(warm):
        call(-1 - n)
    queries = []

    def count(execute, sql, params, many, context):
        queries.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        first = call(0)
    timings, errors = [], 0
    until = time.monotonic() + args.max_seconds
    for n in range(1, (samples or args.samples) + 1):
        if time.monotonic() > until:
            break
        started = time.perf_counter()
        response = call(n)
        timings.append(time.perf_counter() - started)
        errors += response.status_code >= 400
    result = {
        "queries": len(queries),
        "status": first.status_code,
        "errors": errors,
        **timings_summary(timings),
    }
    print(f"{name}: {result}", file=sys.stderr)
    return result


def purge_queues() -> None:
    from logistics.celery import app

    with app.connection_for_write() as connection:
        for queue in ("interactive", "bulk"):
            connection.default_channel.queue_purge(queue)


def _draft(buildings, *, kind="general", title="基准发布"):
    from django.utils import timezone

    from dorms import services
    from logistics.models import User

    manager = User.objects.get(username="logistics_manager")
    data = {"title": title, "body": "请留意。", "kind": kind}
    if kind == "emergency":
        data["valid_until"] = timezone.now() + timedelta(hours=6)
    audience = services.AudienceSpec(audience="buildings", buildings=buildings)
    return services.notice_save(by=manager, data=data, audience=audience)


def measure_publish(buildings, args) -> dict:
    """Publishing through the page: the request commits the notice and its delivery row and
    queues the task; no worker runs, the queued tasks are purged and the rows marked done."""
    from django.test import Client
    from django.urls import reverse

    from dorms.models import Notice, NoticeDelivery
    from logistics.models import User

    desk = Client()
    desk.force_login(User.objects.get(username="logistics_manager"))
    drafts = [_draft(buildings, title=f"基准发布 {n}") for n in range(args.publishes + 4)]

    def publish(n):
        return desk.post(reverse("dorms:notice-publish", args=[drafts[n + 3].pk]))

    result = measure("publish (queued)", publish, args, samples=args.publishes)
    published = [d.pk for d in drafts]
    NoticeDelivery.objects.filter(notice__in=published).update(status="done")
    Notice.objects.filter(pk__in=published).update(status="superseded")
    purge_queues()
    return result


def start_worker(log_path: Path) -> subprocess.Popen:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "logistics.settings", "LOG_LEVEL": "INFO"}
    command = [
        str(Path(sys.executable).with_name("celery")),
        *("-A", "logistics", "worker", "--pool=solo", "-Q", "interactive,bulk", "-l", "info"),
        *("-n", f"bench-dorms-{os.getpid()}@%h", "--without-gossip", "--without-mingle"),
    ]
    with log_path.open("wb") as log:
        worker = subprocess.Popen(command, cwd=BASE_DIR, env=env, stdout=log, stderr=log)
    deadline = time.monotonic() + 90
    while " ready." not in log_path.read_text(errors="replace"):
        if worker.poll() is not None or time.monotonic() > deadline:
            sys.exit(f"the worker did not start:\n{log_path.read_text(errors='replace')}")
        time.sleep(0.2)
    return worker


def measure_delivery(buildings, args) -> dict:
    """One real worker delivers an emergency (pushed to all) and then a general notice (pushed
    within the hour already: in-app only)."""
    from dorms import services
    from dorms.models import NoticeDelivery
    from logistics.models import Notification, OutboxMessage, User

    manager = User.objects.get(username="logistics_manager")
    log_path = Path(tempfile.mkdtemp(prefix="bench-dorms-")) / "worker.log"
    worker = start_worker(log_path)
    results = {}
    try:
        for kind in ("emergency", "general"):
            notice = _draft(buildings, kind=kind, title=f"基准投递 {kind}")
            emails_before = OutboxMessage.objects.filter(channel="email").count()
            started = time.monotonic()
            notice = services.notice_publish(notice=notice, by=manager)
            delivery = NoticeDelivery.objects.get(notice=notice)
            while True:
                delivery.refresh_from_db()
                if delivery.status == "done":
                    break
                if time.monotonic() - started > args.delivery_timeout:
                    sys.exit(f"delivery of {kind} not done after {args.delivery_timeout} s")
                time.sleep(0.25)
            wall = time.monotonic() - started
            results[kind] = {
                "delivered": delivery.delivered,
                "pushed": delivery.pushed,
                "seconds": round((delivery.finished_at - notice.published_at).total_seconds(), 1),
                "wall_seconds": round(wall, 1),
                "notifications": Notification.objects.filter(url=notice.get_absolute_url()).count(),
                "email_rows": OutboxMessage.objects.filter(channel="email").count() - emails_before,
            }
            print(f"delivery {kind}: {results[kind]}", file=sys.stderr)
    finally:
        worker.terminate()
        worker.wait(timeout=60)
        purge_queues()  # the e-mail tasks of 20,000 people; not part of this measurement
    return results


def measure_pages(buildings, args) -> dict:
    from django.test import Client
    from django.urls import reverse

    from dorms.models import Notice
    from logistics.models import User

    residents = list(User.objects.filter(username__regex=r"^d[0-9]{6}$").order_by("?")[:20])
    clients = []
    for resident in residents:
        client = Client()
        client.force_login(resident)
        clients.append(client)
    desk = Client()
    desk.force_login(User.objects.get(username="logistics_manager"))
    ack = Notice.objects.get(title="基准消防安全教育（请确认）")
    acks_url = reverse("dorms:notice-acks", args=[ack.pk])

    def as_resident(path):
        return lambda n: clients[n % len(clients)].get(path)

    pages = {
        "resident: notice list /dorms/": as_resident(reverse("dorms:index")),
        "resident: my building": as_resident(reverse("dorms:my-building")),
        "resident: API notices": as_resident("/api/v1/dorms/notices/"),
        "resident: home page": as_resident("/"),
        "manager: acknowledgements page": lambda n: desk.get(acks_url),
        "manager: acknowledgement rates (htmx)": lambda n: desk.get(
            acks_url, HTTP_HX_REQUEST="true"
        ),
    }
    return {name: measure(name, call, args) for name, call in pages.items()}


def data_size() -> dict:
    from dorms.models import Notice, NoticeRead
    from logistics.models import Notification, User

    return {
        "residents": User.objects.filter(username__regex=r"^d[0-9]{6}$").count(),
        "users": User.objects.count(),
        "notices": Notice.objects.count(),
        "notice_reads": NoticeRead.objects.count(),
        "notifications": Notification.objects.count(),
    }


def main() -> None:
    args = parse_args()
    configure()
    from run import machine

    from logistics.models import Building

    host = machine()
    loaded = {} if args.skip_prepare else prepare(args.residents, args.history)
    buildings = list(Building.objects.filter(code__startswith="BD").order_by("code"))
    size = data_size()
    results = {"publish": measure_publish(buildings, args)}
    results |= measure_pages(buildings, args)
    delivery = measure_delivery(buildings, args)
    report = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "benchmark": "dorms (in-process test client; delivery by one Celery worker)",
        "machine": host,
        "data": {**size, **loaded},
        "results": results,
        "delivery": delivery,
    }
    RESULTS.mkdir(exist_ok=True)
    stamp = report["when"].replace(":", "")
    (RESULTS / f"dorms-{stamp}.json").write_text(json.dumps(report, indent=2, ensure_ascii=False))
    print(json.dumps(report, indent=2, ensure_ascii=False))
    print("\n| measurement | queries | samples | errors | mean ms | p50 ms | p95 ms | max ms |")
    print("|---|---|---|---|---|---|---|---|")
    for name, r in results.items():
        print(
            f"| {name} | {r['queries']} | {r['samples']} | {r['errors']} | {r['mean_ms']} "
            f"| {r['p50_ms']} | {r['p95_ms']} | {r['max_ms']} |"
        )
    print("\n| delivery | residents | pushed | e-mail rows | seconds (published → done) |")
    print("|---|---|---|---|---|")
    for kind, r in delivery.items():
        print(f"| {kind} | {r['delivered']} | {r['pushed']} | {r['email_rows']} | {r['seconds']} |")


if __name__ == "__main__":
    main()
