"""Reviews benchmark: satisfaction indices over 1,000,000 reviews — aggregation and pages.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal_bench_reviews \\
    REDIS_URL=redis://127.0.0.1:6379/14 .venv/bin/python bench/bench_reviews.py

Prepares a separate benchmark database (never the test database): migrate, then loads with
COPY a year of ratings (--reviews, default 1,000,000, one local day holding --peak, default
50,000): repair events (subjects: campus, unit, technician, category; invited, about 60 %
answered) and dish events (campus, canteen, window, dish, category; not invited), dimension
scores, a few thousand complaints. Aggregates every day of the year into the index tables
(timed), then measures:

- aggregating the peak day again (the beat task's work for a day of --peak reviews);
- in this process, through Django's test client with the production settings (DEBUG off,
  PostgreSQL, Redis), the server time of the ranking and trend pages and the API list, which
  read only the index tables.

Every page loop is bounded by --samples and --max-seconds. Writes
bench/results/reviews-<time>.json and prints a Markdown table.
"""

import argparse
import datetime
import io
import json
import os
import random
import statistics
import sys
import time
from datetime import UTC
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
RESULTS = BASE_DIR / "bench" / "results"
LOOPBACK = {"127.0.0.1", "localhost", "::1"}
STUDENTS = 20_000
UNITS, TECHNICIANS, CANTEENS, WINDOWS, DISHES, CATEGORIES = 50, 50, 50, 50, 300, 30
REPAIR_SHARE = 0.3  # of the reviews; the rest rate dishes
ANSWERED = 0.6  # of the repair invitations
COMPLAINTS = 5000
DAYS = 365
CHUNK = 100_000
REPAIR, DISH = "repairs.request", "dining.dish"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reviews", type=int, default=1_000_000, help="reviews in the year")
    parser.add_argument("--peak", type=int, default=50_000, help="reviews on the peak day")
    parser.add_argument("--samples", type=int, default=200, help="per page measurement")
    parser.add_argument("--max-seconds", type=float, default=60.0, help="per page measurement")
    parser.add_argument("--skip-prepare", action="store_true", help="data already there")
    parser.add_argument("--skip-backfill", action="store_true", help="index rows already there")
    return parser.parse_args()


def configure() -> None:
    """Production-like settings in this process; refuses anything but a local benchmark DB."""
    sys.path.insert(0, str(BASE_DIR / "bench"))
    from run import django_in_process

    django_in_process(
        script="bench_reviews.py",
        database="postgres://postgres@127.0.0.1:5432/portal_bench_reviews",
        redis="redis://127.0.0.1:6379/14",
    )


# --- Data -------------------------------------------------------------------------------------


def peak_day() -> datetime.date:
    """The day that holds --peak reviews: yesterday, so the pages' current month has data."""
    from django.utils import timezone

    return timezone.localdate() - datetime.timedelta(days=1)


def first_day() -> datetime.date:
    return peak_day() - datetime.timedelta(days=DAYS - 1)


def people():
    from django.contrib.auth.models import Group

    from logistics.models import Department, StaffScope, User
    from logistics.roles import Role

    User.objects.bulk_create(
        [
            User(username=f"rs{n:05d}", display_name=f"学生{n}", password="!")
            for n in range(STUDENTS)
        ]
        + [
            User(username=f"rt{n:03d}", display_name=f"师傅{n}", password="!")
            for n in range(TECHNICIANS)
        ],
        batch_size=5000,
        ignore_conflicts=True,
    )
    manager, _ = User.objects.get_or_create(username="bench_manager", defaults={"password": "!"})
    manager.groups.add(Group.objects.get_or_create(name=Role.LOGISTICS_MANAGER)[0])
    departments = [
        Department.objects.get_or_create(
            code=f"bench-unit-{n}", defaults={"name": f"服务单位{n}", "name_en": f"Unit {n}"}
        )[0]
        for n in range(UNITS)
    ]
    technicians = list(User.objects.filter(username__startswith="rt").order_by("username"))
    group = Group.objects.get_or_create(name=Role.TECHNICIAN)[0]
    for n, technician in enumerate(technicians):
        technician.groups.add(group)
        StaffScope.objects.get_or_create(
            user=technician, role=Role.TECHNICIAN, department=departments[n % UNITS]
        )
    students = list(
        User.objects.filter(username__startswith="rs").order_by("pk").values_list("pk", flat=True)
    )
    return students, technicians, departments


def subjects(technicians, departments) -> dict:
    """{kind: [subject ids]} of every rated thing, created through the ORM (a few hundred)."""
    from reviews.models import Subject

    made = {}

    def make(kind, count, name, **extra):
        rows = [
            Subject(
                kind=kind,
                ref=f"b{n}",
                name=f"{name}{n}",
                name_en=f"{kind} {n}",
                department=departments[n % UNITS],
                **{k: v[n] for k, v in extra.items()},
            )
            for n in range(count)
        ]
        Subject.objects.bulk_create(rows, ignore_conflicts=True)
        made[kind] = list(
            Subject.objects.filter(kind=kind, ref__startswith="b")
            .order_by("pk")
            .values_list("pk", flat=True)
        )

    make(Subject.Kind.CAMPUS, 1, "全校")
    make(Subject.Kind.UNIT, UNITS, "服务单位")
    make(Subject.Kind.STAFF, TECHNICIANS, "师傅", user=technicians)
    make(Subject.Kind.CANTEEN, CANTEENS, "食堂")
    make(Subject.Kind.WINDOW, WINDOWS, "窗口")
    make(Subject.Kind.DISH, DISHES, "菜")
    make(Subject.Kind.CATEGORY, CATEGORIES, "类别")
    return made


def copy(cursor, table: str, columns: list[str], rows) -> int:
    """COPY rows (tuples of already formatted text; None is NULL) in chunks."""
    total, buffer = 0, io.StringIO()

    def flush():
        buffer.seek(0)
        cursor.copy_expert(
            f"COPY {table} ({', '.join(columns)}) FROM STDIN WITH (FORMAT text)", buffer
        )
        buffer.seek(0)
        buffer.truncate()

    for n, row in enumerate(rows, 1):
        buffer.write("\t".join("\\N" if v is None else str(v) for v in row))
        buffer.write("\n")
        if n % CHUNK == 0:
            flush()
        total = n
    flush()
    return total


def day_counts(total: int, peak: int) -> list[int]:
    """Reviews per day: the peak day holds `peak`, the others share the rest (weekdays more)."""
    rest = total - peak
    days = [first_day() + datetime.timedelta(days=i) for i in range(DAYS)]
    weights = [0 if d == peak_day() else (1.0 if d.weekday() < 5 else 0.6) for d in days]
    scale = rest / sum(weights)
    counts = [int(w * scale) for w in weights]
    counts[-1] = peak
    counts[0] += rest - sum(counts[:-1])
    return counts


def stamp(value: datetime.datetime) -> str:
    return value.isoformat()


def load(total: int, peak: int, students, made) -> dict:
    """Events, their subjects, invitations and reviews of a year, by COPY."""
    from django.db import connection
    from django.utils import timezone

    rng = random.Random(5)
    zone = timezone.get_default_timezone()
    counts = day_counts(total, peak)
    with connection.cursor() as cursor:
        cursor.execute("SELECT COALESCE(MAX(id), 0) FROM reviews_serviceevent")
        event_id = cursor.fetchone()[0]
    events, links, invitations, reviews = [], [], [], []
    campus = made["campus"][0]
    stars_of = (1, 2, 3, 3, 4, 4, 4, 5, 5, 5)
    for i, count in enumerate(counts):
        day = first_day() + datetime.timedelta(days=i)
        midnight = datetime.datetime.combine(day, datetime.time.min, tzinfo=zone)
        repairs = int(count * REPAIR_SHARE)
        invited = int(repairs / ANSWERED)
        for n in range(count + invited - repairs):
            event_id += 1
            at = midnight + datetime.timedelta(seconds=rng.randrange(7 * 3600, 23 * 3600))
            served = students[rng.randrange(len(students))]
            is_repair = n < invited
            unit = rng.randrange(UNITS)
            if is_repair:
                kind = REPAIR
                about = (
                    made["unit"][unit],
                    made["staff"][rng.randrange(TECHNICIANS)],
                    made["category"][rng.randrange(CATEGORIES)],
                )
            else:
                kind = DISH
                about = (
                    made["canteen"][rng.randrange(CANTEENS)],
                    made["window"][rng.randrange(WINDOWS)],
                    made["dish"][rng.randrange(DISHES)],
                    made["category"][rng.randrange(CATEGORIES)],
                )
            event_at = at - datetime.timedelta(hours=2)
            source = f"b{event_id}"
            events.append(
                (event_id, kind, source, served, stamp(event_at), "服务", "Service", "", "t")
            )
            links.extend((event_id, s) for s in (campus, *about))
            answered = (not is_repair) or n < repairs
            if is_repair:
                sent = event_at + datetime.timedelta(hours=1)
                invitations.append(
                    (
                        event_id,
                        stamp(sent),
                        stamp(sent),
                        stamp(event_at + datetime.timedelta(days=14)),
                        stamp(at) if answered else None,
                    )
                )
            if answered:
                stars = stars_of[rng.randrange(10)]
                keys = ("speed", "quality", "attitude") if is_repair else ("taste", "portion")
                scores = {k: max(1, min(5, stars + rng.choice((-1, 0, 0, 1)))) for k in keys}
                reviews.append((event_id, served, kind, stars, json.dumps(scores), stamp(at)))
    return write(events, links, invitations, reviews)


def write(events, links, invitations, reviews) -> dict:
    from django.db import connection, transaction

    now = datetime.datetime.now(UTC).isoformat()
    with transaction.atomic(), connection.cursor() as cursor:
        copy(
            cursor,
            "reviews_serviceevent",
            [
                "id",
                "event_type",
                "source_id",
                "served_id",
                "occurred_at",
                "title",
                "title_en",
                "url",
                "verified",
                "created_at",
            ],
            ((*e, now) for e in events),
        )
        copy(cursor, "reviews_serviceevent_subjects", ["serviceevent_id", "subject_id"], links)
        copy(
            cursor,
            "reviews_invitation",
            ["event_id", "send_at", "sent_at", "expires_at", "answered_at"],
            invitations,
        )
        week = datetime.timedelta(days=7)
        copy(
            cursor,
            "reviews_review",
            [
                "event_id",
                "author_id",
                "event_type",
                "stars",
                "scores",
                "comment",
                "anonymous",
                "created_at",
                "updated_at",
                "editable_until",
                "is_hidden",
                "hidden_reason",
            ],
            (
                (e, a, k, s, sc, "", "f", at, at, stamp(_parse(at) + week), "f", "")
                for e, a, k, s, sc, at in reviews
            ),
        )
        for table in (
            "reviews_serviceevent",
            "reviews_serviceevent_subjects",
            "reviews_review",
            "reviews_invitation",
        ):
            cursor.execute(  # our own table names, not input
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608
                f"(SELECT MAX(id) FROM {table}))"
            )
    return {
        "events": len(events),
        "event_subjects": len(links),
        "invitations": len(invitations),
        "reviews": len(reviews),
    }


def _parse(value: str) -> datetime.datetime:
    return datetime.datetime.fromisoformat(value)


def complaints(students, made, departments) -> int:
    from django.utils import timezone

    from reviews.models import Complaint

    rng = random.Random(9)
    zone = timezone.get_default_timezone()
    rows = []
    about = made["unit"] + made["canteen"] + made["dish"]
    for n in range(COMPLAINTS):
        day = first_day() + datetime.timedelta(days=rng.randrange(DAYS))
        filed = datetime.datetime.combine(day, datetime.time(9), tzinfo=zone)
        filed += datetime.timedelta(minutes=rng.randrange(600))
        resolved = filed + datetime.timedelta(hours=rng.randrange(4, 100))
        done = resolved < timezone.now()
        rows.append(
            Complaint(
                number=f"B-{n:06d}",
                kind=Complaint.Kind.COMPLAINT,
                author_id=students[rng.randrange(len(students))],
                subject_id=about[rng.randrange(len(about))],
                department=departments[n % UNITS],
                title="投诉",
                body="……",
                status=Complaint.Status.CLOSED if done else Complaint.Status.SUBMITTED,
                created_at=filed,
                updated_at=filed,
                acknowledge_due_at=filed + datetime.timedelta(hours=24),
                resolve_due_at=filed + datetime.timedelta(hours=72),
                resolved_at=resolved if done else None,
                closed_at=resolved + datetime.timedelta(hours=12) if done else None,
            )
        )
    Complaint.objects.bulk_create(rows, batch_size=2000, ignore_conflicts=True)
    return len(rows)


def prepare(args) -> dict:
    from django.core.management import call_command
    from django.db import connection

    started = time.monotonic()
    call_command("migrate", interactive=False, verbosity=0)
    students, technicians, departments = people()
    made = subjects(technicians, departments)
    size = load(args.reviews, args.peak, students, made)
    size["complaints"] = complaints(students, made, departments)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    size["load_seconds"] = round(time.monotonic() - started, 1)
    print(f"loaded: {size}", file=sys.stderr)
    return size


# --- Measurements -----------------------------------------------------------------------------


def backfill() -> dict:
    from django.db import connection

    from reviews.indices.aggregate import aggregate_range

    started = time.monotonic()
    rows = aggregate_range(first=first_day(), last=peak_day())
    seconds = time.monotonic() - started
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE reviews_indexrow")
    result = {"days": DAYS, "rows_written": rows, "seconds": round(seconds, 1)}
    print(f"backfill: {result}", file=sys.stderr)
    return result


def aggregate_peak(runs: int = 3) -> dict:
    from reviews.indices.aggregate import aggregate_day, day_cells
    from reviews.models import Review

    day = peak_day()
    reviews = Review.objects.filter(created_at__date=day, is_hidden=False).count()
    timings, rows = [], 0
    for _ in range(runs):
        started = time.monotonic()
        rows = aggregate_day(day=day)
        timings.append(time.monotonic() - started)
    started = time.monotonic()
    day_cells(day)
    source_only = time.monotonic() - started
    result = {
        "day": day.isoformat(),
        "reviews": reviews,
        "rows_written": rows,
        "runs_seconds": [round(t, 2) for t in timings],
        "best_seconds": round(min(timings), 2),
        "sums_from_source_seconds": round(source_only, 2),
    }
    print(f"peak day: {result}", file=sys.stderr)
    return result


def measure(name: str, call, args) -> dict:
    """Runs `call()` (which returns a response) up to --samples times within --max-seconds."""
    from django.db import connection

    for _ in range(5):  # warm-up: imports, template caches, connection
        call()
    queries = []

    def count(execute, sql, params, many, context):
        queries.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        status = call().status_code
    timings, errors = [], 0
    until = time.monotonic() + args.max_seconds
    for _ in range(args.samples):
        if time.monotonic() > until:
            break
        started = time.perf_counter()
        response = call()
        if hasattr(response, "streaming_content"):
            b"".join(response.streaming_content)
        timings.append(time.perf_counter() - started)
        errors += response.status_code >= 400
    centiles = statistics.quantiles(timings, n=100)
    result = {
        "samples": len(timings),
        "errors": errors,
        "status": status,
        "queries": len(queries),
        "mean_ms": round(statistics.fmean(timings) * 1000, 1),
        "p50_ms": round(centiles[49] * 1000, 1),
        "p95_ms": round(centiles[94] * 1000, 1),
        "max_ms": round(max(timings) * 1000, 1),
    }
    print(f"{name}: {result}", file=sys.stderr)
    return result


def pages(args) -> dict:
    from django.test import Client
    from django.urls import reverse

    from logistics.models import User
    from reviews.indices.aggregate import month_start
    from reviews.models import Subject

    manager = User.objects.get(username="bench_manager")
    technician = User.objects.get(username="rt007")
    boss, staff = Client(), Client()
    boss.force_login(manager)
    staff.force_login(technician)
    month = month_start(peak_day()).isoformat()
    unit = Subject.objects.filter(kind="unit", ref="b7").values_list("pk", flat=True).get()
    dish = Subject.objects.filter(kind="dish", ref="b42").values_list("pk", flat=True).get()
    overview, api = reverse("reviews:index-overview"), "/api/v1/reviews/indices/"
    calls = {
        "GET /reviews/indices/ (units, this month)": lambda: boss.get(
            overview, {"period": "month", "start": month}
        ),
        "GET /reviews/indices/?kind=dish (300 dishes, month, page 1 of 3)": lambda: boss.get(
            overview, {"kind": "dish", "period": "month", "start": month, "min_reviews": 0}
        ),
        "GET /reviews/indices/?kind=staff&period=week": lambda: boss.get(
            overview, {"kind": "staff", "period": "week"}
        ),
        "GET /reviews/indices/<unit>/ (12 months trend)": lambda: boss.get(
            reverse("reviews:index-subject", args=[unit])
        ),
        "GET /reviews/indices/<dish>/?period=week (26 weeks)": lambda: boss.get(
            reverse("reviews:index-subject", args=[dish]), {"period": "week"}
        ),
        "GET /reviews/indices/mine/ (a technician)": lambda: staff.get(
            reverse("reviews:index-mine")
        ),
        "GET /api/v1/reviews/indices/?kind=unit&period=month": lambda: boss.get(
            api, {"kind": "unit", "period": "month"}
        ),
        "GET /reviews/indices/export/ (month CSV)": lambda: boss.get(
            reverse("reviews:index-export"), {"month": month[:7], "format": "csv"}
        ),
    }
    return {name: measure(name, call, args) for name, call in calls.items()}


def data_size() -> dict:
    from reviews.models import IndexRow, Invitation, Review, ServiceEvent, Subject

    return {
        "reviews": Review.objects.count(),
        "events": ServiceEvent.objects.count(),
        "invitations": Invitation.objects.count(),
        "subjects": Subject.objects.count(),
        "index_rows": IndexRow.objects.count(),
    }


def main() -> None:
    args = parse_args()
    configure()
    from run import machine

    host = machine()
    loaded = None if args.skip_prepare else prepare(args)
    filled = None if args.skip_backfill else backfill()
    peak = aggregate_peak()
    results = pages(args)
    report = {
        "when": datetime.datetime.now(UTC).isoformat(timespec="seconds"),
        "benchmark": "reviews indices (aggregation; pages in-process, Django test client)",
        "machine": host,
        "loadavg_1m_after": os.getloadavg()[0],
        "data": data_size(),
        "load": loaded,
        "backfill_year": filled,
        "aggregate_peak_day": peak,
        "results": results,
    }
    RESULTS.mkdir(exist_ok=True)
    name = report["when"].replace(":", "")
    (RESULTS / f"reviews-{name}.json").write_text(json.dumps(report, indent=2, ensure_ascii=False))
    print(json.dumps(report, indent=2, ensure_ascii=False))
    print("\n| measurement | queries | samples | errors | mean ms | p50 ms | p95 ms | max ms |")
    print("|---|---|---|---|---|---|---|---|")
    for title, r in results.items():
        print(
            f"| {title} | {r['queries']} | {r['samples']} | {r['errors']} | {r['mean_ms']} "
            f"| {r['p50_ms']} | {r['p95_ms']} | {r['max_ms']} |"
        )


if __name__ == "__main__":
    main()
