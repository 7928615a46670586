"""Decision support at scale: a day's aggregation with 100,000 repairs, 1,000,000 parcels and
1,000,000 reviews, and the command centre (/manage/) on those figures (issue #16 item 6).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal_bench_indicators \\
    REDIS_URL=redis://127.0.0.1:6379/13 .venv/bin/python bench/bench_indicators.py
    # again on the same data: --skip-prepare

Prepares a database of its own (a name with "bench", loopback only): migrate, seed_demo --force,
then the three bulk loads the other benches use, in one database:
- repairs as bench/bench_scale.py: 100,000 requests over two years with their timelines;
- parcels as bench/bench_parcels.py: 1,000,000 closed parcels over two years (ending four days
  ago) and 20,000 waiting ones of the last three days (6,700 arrivals a day: a semester start);
- reviews as bench/bench_reviews.py: 1,000,000 reviews over a year with 50,000 on the peak day
  (yesterday), their events, invitations and 5,000 complaints.
Then VACUUM ANALYZE, and the daily figures and indicators of the last --history days (the
backfill `manage.py refresh_daily_figures --days N` does after an install, timed).

Measures, in this process (production settings, DEBUG off, PostgreSQL, Redis):
1. a day's aggregation — the heaviest day, yesterday: every daily-figures source's rows for the
   day (`logistics.daily.store`), reviews' satisfaction-index rows for the day
   (`reviews.indices.aggregate.aggregate_day`), then the indicator values of the day, its week
   and its month (`logistics.indicators.refresh`) — each part timed, --runs times;
2. the beat run as it runs every five minutes (`bulk_refresh_daily_figures`: today, yesterday
   until closed, and the days whose rows changed), --runs times;
3. the command centre through Django's test client: the whole request through middleware, view,
   queries and template, without the network — as the logistics manager (whole campus, one
   campus, one building) and as a dorm manager (a unit head, scoped to two buildings); warm-up,
   then --samples requests, with the query count of each.
Writes bench/results/indicators-<time>.json and prints Markdown tables.
"""

import argparse
import io
import json
import os
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
RESULTS = BASE_DIR / "bench" / "results"
sys.path.insert(0, str(BASE_DIR / "bench"))


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repairs", type=int, default=100_000)
    parser.add_argument("--parcels", type=int, default=1_000_000, help="closed, in history")
    parser.add_argument("--waiting", type=int, default=20_000, help="parcels waiting")
    parser.add_argument("--reviews", type=int, default=1_000_000)
    parser.add_argument("--peak", type=int, default=50_000, help="reviews on the peak day")
    parser.add_argument("--history", type=int, default=62, help="days of figures to backfill")
    parser.add_argument("--runs", type=int, default=3, help="aggregations of the day")
    parser.add_argument("--samples", type=int, default=100, help="per page")
    parser.add_argument("--max-seconds", type=float, default=60.0, help="per page")
    parser.add_argument("--skip-prepare", action="store_true", help="data already there")
    return parser.parse_args()


def configure() -> None:
    from run import django_in_process

    django_in_process(
        script="bench_indicators.py",
        database="postgres://postgres@127.0.0.1:5432/portal_bench_indicators",
        redis="redis://127.0.0.1:6379/13",
    )


# --- Data -------------------------------------------------------------------------------------


def prepare(args) -> dict:
    import bench_parcels
    import bench_reviews
    import bench_scale
    from django.core.management import call_command
    from django.db import connection

    from parcels.models import Parcel
    from repairs.models import RepairRequest
    from reviews.models import Review

    call_command("migrate", interactive=False, verbosity=0)
    call_command("seed_demo", force=True, stdout=io.StringIO())
    timings = {}

    started = time.monotonic()
    students, technicians = bench_scale.people(max(args.repairs // 50, 100))
    missing = args.repairs - RepairRequest.objects.count()
    if missing > 0:
        bench_scale.insert_requests(missing, students, technicians)
    timings["repairs"] = round(time.monotonic() - started, 1)

    started = time.monotonic()
    recipients = bench_parcels.bench_students()
    stations = bench_parcels.bench_stations()
    bench_parcels.insert_history(args.parcels, recipients, stations)
    bench_parcels.insert_waiting(args.waiting, recipients, stations)
    timings["parcels"] = round(time.monotonic() - started, 1)

    started = time.monotonic()
    if Review.objects.filter(event__source_id__startswith="b").count() < args.reviews // 2:
        raters, staff, departments = bench_reviews.people()
        made = bench_reviews.subjects(staff, departments)
        bench_reviews.load(args.reviews, args.peak, raters, made)
        bench_reviews.complaints(raters, made, departments)
    timings["reviews"] = round(time.monotonic() - started, 1)

    started = time.monotonic()
    with connection.cursor() as cursor:
        for table in (
            "repairs_repairrequest",
            "repairs_repairevent",
            "parcels_parcel",
            "reviews_review",
            "reviews_serviceevent",
            "reviews_complaint",
        ):
            cursor.execute(f"VACUUM ANALYZE {table}")  # our own table names, not input
        cursor.execute("ANALYZE")
    timings["analyze"] = round(time.monotonic() - started, 1)
    backfill = run_backfill(args.history)
    return {
        "load_seconds": timings,
        "backfill": backfill,
        "rows": {
            "repairs": RepairRequest.objects.count(),
            "parcels": Parcel.objects.count(),
            "reviews": Review.objects.count(),
        },
    }


def run_backfill(days: int) -> dict:
    """What `manage.py refresh_daily_figures --days N` does after an install, timed."""
    from django.utils import timezone

    from logistics import daily, indicators
    from reviews.indices.aggregate import aggregate_range

    today = timezone.localdate()
    wanted = [today - timedelta(days=n) for n in range(days - 1, -1, -1)]
    started = time.monotonic()
    rows = sum(daily.refresh(days=[day]) for day in wanted)
    figures = time.monotonic() - started
    started = time.monotonic()
    values = indicators.refresh(days=wanted)
    values_seconds = time.monotonic() - started
    started = time.monotonic()
    index_rows = aggregate_range(first=wanted[0], last=today)
    index_seconds = time.monotonic() - started
    result = {
        "days": days,
        "daily_rows": rows,
        "daily_seconds": round(figures, 1),
        "indicator_values": values,
        "indicator_seconds": round(values_seconds, 1),
        "index_rows": index_rows,
        "index_seconds": round(index_seconds, 1),
    }
    print(f"backfill: {result}", file=sys.stderr)
    return result


# --- Measurements -----------------------------------------------------------------------------


def source_rows(day) -> dict:
    """How many rows of each big table fall on `day` (what its aggregation reads)."""
    from logistics.daily import day_bounds
    from parcels.models import Parcel
    from repairs.models import RepairRequest
    from reviews.models import Review

    start, end = day_bounds(day)
    return {
        "repairs_filed": RepairRequest.objects.filter(
            created_at__gte=start, created_at__lt=end
        ).count(),
        "parcels_arrived": Parcel.objects.filter(arrived_at__gte=start, arrived_at__lt=end).count(),
        "parcels_closed": Parcel.objects.filter(closed_at__gte=start, closed_at__lt=end).count(),
        "reviews_written": Review.objects.filter(created_at__gte=start, created_at__lt=end).count(),
    }


def aggregate_day(day, runs: int) -> dict:
    """Every part of a day's aggregation, timed separately, `runs` times."""
    from django.utils import timezone

    from logistics import daily, indicators
    from reviews.indices.aggregate import aggregate_day as index_day

    parts: dict[str, list[float]] = {}
    written: dict[str, int] = {}
    totals = []
    for _ in range(runs):
        now = timezone.now()
        begun = time.monotonic()
        for source in daily.sources():
            started = time.monotonic()
            written[f"daily.{source.name}"] = daily.store(source, day, now)
            parts.setdefault(f"daily.{source.name}", []).append(time.monotonic() - started)
        started = time.monotonic()
        written["reviews.indices"] = index_day(day=day)
        parts.setdefault("reviews.indices", []).append(time.monotonic() - started)
        started = time.monotonic()
        written["indicators"] = indicators.refresh(days=[day], now=now)
        parts.setdefault("indicators", []).append(time.monotonic() - started)
        totals.append(time.monotonic() - begun)
    result = {
        "day": day.isoformat(),
        "source_rows": source_rows(day),
        "rows_written": written,
        "parts_seconds": {k: [round(t, 3) for t in v] for k, v in parts.items()},
        "total_seconds": [round(t, 2) for t in totals],
        "worst_total_seconds": round(max(totals), 2),
    }
    print(f"day: {result['total_seconds']} s", file=sys.stderr)
    return result


def beat_runs(runs: int) -> dict:
    """The daily-figures beat task as beat runs it, back to back."""
    from logistics.tasks import bulk_refresh_daily_figures

    timings, written = [], []
    for _ in range(runs):
        started = time.monotonic()
        written.append(bulk_refresh_daily_figures())
        timings.append(time.monotonic() - started)
    result = {"seconds": [round(t, 2) for t in timings], "rows_written": written}
    print(f"beat: {result}", file=sys.stderr)
    return result


def pages(args) -> dict:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from run import timings_summary

    from logistics.models import Building, Campus, User

    manager = User.objects.get(username="logistics_manager")
    head = User.objects.get(username="dorm_manager")
    campus = Campus.objects.order_by("pk").first()
    building = Building.objects.filter(campus=campus).order_by("pk").first()
    cases = [
        ("manager, whole campus", manager, "/manage/"),
        ("manager, one campus", manager, f"/manage/?campus={campus.pk}"),
        ("manager, one building", manager, f"/manage/?building={building.pk}"),
        ("dorm manager (unit head, two buildings)", head, "/manage/"),
    ]
    results = {}
    for name, user, path in cases:
        client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
        client.force_login(user)
        for _ in range(5):
            response = client.get(path)
            if response.status_code != 200:
                sys.exit(f"{path} as {user.username}: {response.status_code}")
        with CaptureQueriesContext(connection) as queries:
            client.get(path)
        # counted now: every request (request_started) empties the connection's query log
        count = len(queries)
        timings = []
        deadline = time.monotonic() + args.max_seconds
        while len(timings) < args.samples and time.monotonic() < deadline:
            started = time.perf_counter()
            client.get(path)
            timings.append(time.perf_counter() - started)
        results[name] = {
            "path": path,
            "queries": count,
            "bytes": len(response.content),
            **timings_summary(timings),
        }
        print(f"{name}: {results[name]}", file=sys.stderr)
    return results


def table(result: dict) -> str:
    day = result["day"]
    lines = [
        f"Day {day['day']}: {day['source_rows']}",
        "",
        "| part | " + " | ".join(f"run {n + 1}" for n in range(len(day["total_seconds"]))) + " |",
        "|---|" + "---:|" * len(day["total_seconds"]),
    ]
    for part, timings in day["parts_seconds"].items():
        lines.append(f"| {part} | " + " | ".join(f"{t:.2f} s" for t in timings) + " |")
    lines.append("| **total** | " + " | ".join(f"**{t:.2f} s**" for t in day["total_seconds"]))
    lines += ["", "| command centre | queries | p50 | p95 | max |", "|---|---:|---:|---:|---:|"]
    for name, page in result["pages"].items():
        lines.append(
            f"| {name} | {page['queries']} | {page['p50_ms']} ms | {page['p95_ms']} ms "
            f"| {page['max_ms']} ms |"
        )
    return "\n".join(lines)


def machine() -> dict:
    load = os.getloadavg()
    return {
        "cpus": os.cpu_count(),
        "load_1m": round(load[0], 2),
        "python": sys.version.split()[0],
    }


def main() -> None:
    args = parse_args()
    configure()
    from django.utils import timezone

    started_at = datetime.now(UTC)
    result = {"started": started_at.isoformat(), "machine_before": machine()}
    if not args.skip_prepare:
        result["prepare"] = prepare(args)
    yesterday = timezone.localdate() - timedelta(days=1)
    result["day"] = aggregate_day(yesterday, args.runs)
    result["beat"] = beat_runs(args.runs)
    result["pages"] = pages(args)
    result["machine_after"] = machine()
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"indicators-{started_at:%Y%m%dT%H%M%SZ}.json"
    path.write_text(json.dumps(result, ensure_ascii=False, indent=2))
    print(table(result))
    print(f"\nwritten to {path.relative_to(BASE_DIR)}")


if __name__ == "__main__":
    main()
