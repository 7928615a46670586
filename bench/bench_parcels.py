"""Parcels at semester-start scale: scan-in, a 500-parcel bulk arrival, the pickup lookups and the
lists with 1,000,000 parcels in history and 20,000 waiting.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal_bench_parcels \\
    REDIS_URL=redis://127.0.0.1:6379/15 .venv/bin/python bench/bench_parcels.py

Prepares a separate benchmark database (never the test database): migrate, seed_demo --force,
then 50,000 students with phone numbers (bulk_create), two bench stations of the demo's
mailroom unit (40 small shelves of 8 layers × 50, 10 medium, 4 large, a floor area: 17,000+
places each), and in two INSERT … SELECT generate_series statements --history parcels over
two years (picked up 94 %, returned 3 %, delivered 3 %; the carriers in the demo's shares; each
with its search tokens) and --waiting parcels of the last three days on the two stations'
shelves, each with a unique `shelf-layer-NNNN` code, its recipient and phone tail. No timeline
rows for the loaded parcels (no measured path reads them). Then VACUUM ANALYZE.

Measures, in this process, the server time through Django's test client with the production
settings (DEBUG off, PostgreSQL, Redis): the whole request through middleware, view, queries and
template, without the network; and the service functions alone. Each loop is bounded by a
sample count and a time limit; every scan uses a new tracking number and every lookup a
different waiting parcel. Then EXPLAIN (ANALYZE, BUFFERS) of the queries behind scan-in and the
lookups. Writes bench/results/parcels-<time>.json and prints Markdown tables.
"""

import argparse
import io
import json
import os
import random
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
RESULTS = BASE_DIR / "bench" / "results"
STUDENTS = 50_000
BATCH = 5000
BULK = 500
ARRIVALS = "/api/v1/parcels/parcels/arrivals/"
# (code, name, English name, the demo station whose building it shares)
STATIONS = (
    ("BENCH-E", "基准东驿站", "Bench East", "MH-EAST"),
    ("BENCH-W", "基准西驿站", "Bench West", "MH-ADMIN"),
)
# (first number, size, layers, places per layer, how many shelves)
SHELVES = [(1, "small", 8, 50, 40), (41, "medium", 6, 30, 10), (51, "large", 4, 20, 4)]
CARRIERS = [
    ("zto", 20),
    ("yto", 16),
    ("yunda", 14),
    ("sto", 10),
    ("jt", 10),
    ("sf", 10),
    ("jd", 9),
    ("ems", 5),
    ("cainiao", 3),
    ("deppon", 2),
    ("upu", 1),
]


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--history", type=int, default=1_000_000, help="closed parcels to hold")
    parser.add_argument("--waiting", type=int, default=20_000, help="waiting parcels to hold")
    parser.add_argument("--samples", type=int, default=200, help="per measurement")
    parser.add_argument("--bulk-runs", type=int, default=5, help="500-parcel arrivals to time")
    parser.add_argument("--max-seconds", type=float, default=60.0, help="per measurement")
    parser.add_argument("--skip-prepare", action="store_true", help="data already there")
    parser.add_argument("--prepare-only", action="store_true", help="load, measure nothing")
    parser.add_argument("--bulk-only", action="store_true", help="time the bulk arrival only")
    return parser.parse_args()


def configure() -> None:
    """Production-like settings in this process; refuses anything but a local benchmark DB."""
    sys.path.insert(0, str(BASE_DIR / "bench"))
    from run import django_in_process

    # One clerk scans hundreds of parcels a minute here; the per-user write limit of pages
    # (API_WRITE_RATE, 120 a minute) would answer 429 after the first two minutes' worth.
    os.environ.setdefault("API_WRITE_RATE", "1000000/min")

    django_in_process(
        script="bench_parcels.py",
        database="postgres://postgres@127.0.0.1:5432/portal_bench_parcels",
        redis="redis://127.0.0.1:6379/15",
    )


# --- Data -------------------------------------------------------------------------------------


def prepare(history: int, waiting: int) -> dict:
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", interactive=False, verbosity=0)
    call_command("seed_demo", force=True, stdout=io.StringIO())
    started = time.monotonic()
    students = bench_students()
    stations = bench_stations()
    insert_history(history, students, stations)
    insert_waiting(waiting, students, stations)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE parcels_parcel")
        cursor.execute("ANALYZE")
    return {"load_seconds": round(time.monotonic() - started)}


def bench_students() -> list[int]:
    from django.contrib.auth.models import Group

    from logistics.models import User
    from logistics.roles import Role

    users = [
        User(
            username=f"p{n:06d}",
            display_name=f"学生{n}",
            phone=f"139{n:08d}",
            password="!",
        )
        for n in range(STUDENTS)
    ]
    User.objects.bulk_create(users, batch_size=BATCH, ignore_conflicts=True)
    ids = list(
        User.objects.filter(username__regex=r"^p[0-9]{6}$")
        .order_by("username")
        .values_list("id", flat=True)
    )
    group = Group.objects.get(name=Role.STUDENT)
    through = User.groups.through
    through.objects.bulk_create(
        [through(user_id=pk, group_id=group.pk) for pk in ids],
        batch_size=BATCH,
        ignore_conflicts=True,
    )
    return ids


def bench_stations() -> list:
    from logistics.models import Department
    from parcels.models import Shelf, Station

    unit = Department.objects.get(code="MAIL")
    stations = []
    for code, name, name_en, building in STATIONS:
        station, _ = Station.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "name_en": name_en,
                "building": Station.objects.get(code=building).building,
                "department": unit,
            },
        )
        for first, size, layers, places, count in SHELVES:
            for number in range(first, first + count):
                Shelf.objects.get_or_create(
                    station=station,
                    number=number,
                    defaults={"size_class": size, "layers": layers, "capacity_per_layer": places},
                )
        Shelf.objects.get_or_create(
            station=station,
            number=99,
            defaults={"size_class": "oversized", "layers": 1, "capacity_per_layer": 200},
        )
        stations.append(station)
    return stations


def _carrier_array() -> list[str]:
    return [carrier for carrier, share in CARRIERS for _ in range(share)]


# Closed parcels over two years: tracking numbers unique (carrier prefix + the row number),
# dwell times from a few minutes to six days, codes as they were.
INSERT_HISTORY = """
INSERT INTO parcels_parcel (
    station_id, tracking_number, carrier, carrier_candidates, recipient_id, recipient_name,
    phone_tail, recipient_hint, size_class, shelf_id, layer, pickup_code, status, arrived_at,
    free_until, return_due_at, closed_at, updated_at, search_tokens, delivery_office)
SELECT
    st.id, c.number, c.carrier, '[]'::jsonb, r.id, '学生' || r.n,
    lpad((r.n %% 10000)::text, 4, '0'),
    '', 'small', NULL, 1 + i %% 8, (1 + i %% 40) || '-' || (1 + i %% 8) || '-'
        || lpad((i %% 10000)::text, 4, '0'),
    CASE WHEN i %% 100 < 94 THEN 'picked_up' WHEN i %% 100 < 97 THEN 'returned'
         ELSE 'delivered' END,
    t.arrived, t.arrived + interval '3 days', t.arrived + interval '7 days',
    t.arrived + ((i * 7919) %% 518400) * interval '1 second' + interval '5 minutes',
    t.arrived, ('''' || lower(c.number) || ''':1')::tsvector, ''
FROM generate_series(1::bigint, %(total)s::bigint) AS i,
LATERAL (SELECT now() - interval '4 days' - (%(total)s - i) * %(step)s * interval '1 second'
         AS arrived) AS t,
LATERAL (SELECT (%(carriers)s::text[])[1 + (i * 31) %% %(n_carriers)s] AS carrier) AS k,
LATERAL (SELECT k.carrier, upper(k.carrier) || 'H' || lpad(i::text, 12, '0') AS number) AS c,
LATERAL (SELECT (%(students)s::bigint[])[1 + (i * 7) %% %(n_students)s] AS id,
                (i * 7) %% %(n_students)s AS n) AS r,
LATERAL (SELECT (%(stations)s::bigint[])[1 + i %% 2] AS id) AS st
"""

# Waiting parcels of the last three days: slot k of the station's small layers, a code unique
# among the station's waiting parcels (the last part runs through the parcels of one slot).
INSERT_WAITING = """
INSERT INTO parcels_parcel (
    station_id, tracking_number, carrier, carrier_candidates, recipient_id, recipient_name,
    phone_tail, recipient_hint, size_class, shelf_id, layer, pickup_code, status, arrived_at,
    free_until, return_due_at, updated_at, search_tokens, delivery_office)
SELECT
    st.station, c.number, c.carrier, '[]'::jsonb, r.id, '学生' || r.n,
    lpad((r.n %% 10000)::text, 4, '0'), '', 'small', sh.id, s.layer,
    sh.number || '-' || s.layer || '-' || lpad((j / 320)::text, 4, '0'), 'waiting', t.arrived,
    t.arrived + interval '3 days', t.arrived + interval '7 days', t.arrived,
    ('''' || lower(c.number) || ''':1 ''' || sh.number || '-' || s.layer || '-'
        || lpad((j / 320)::text, 4, '0') || ''':2')::tsvector, ''
FROM generate_series(1::bigint, %(total)s::bigint) AS i,
LATERAL (SELECT i / 2 AS j, (%(stations)s::bigint[])[1 + i %% 2] AS station,
                1 + i %% 2 AS which) AS st,
LATERAL (SELECT (st.j %% 320) / 8 AS shelf_index, 1 + st.j %% 8 AS layer) AS s,
LATERAL (SELECT id, number FROM parcels_shelf
         WHERE station_id = st.station AND size_class = 'small'
         ORDER BY number OFFSET s.shelf_index LIMIT 1) AS sh,
LATERAL (SELECT now() - (%(total)s - i) * %(step)s * interval '1 second' AS arrived) AS t,
LATERAL (SELECT (%(carriers)s::text[])[1 + (i * 31) %% %(n_carriers)s] AS carrier) AS k,
LATERAL (SELECT k.carrier, upper(k.carrier) || 'W' || lpad(i::text, 12, '0') AS number) AS c,
LATERAL (SELECT (%(students)s::bigint[])[1 + (i * 13) %% %(n_students)s] AS id,
                (i * 13) %% %(n_students)s AS n) AS r
"""


def _params(total: int, students: list[int], stations: list, seconds: int) -> dict:
    carriers = _carrier_array()
    return {
        "total": total,
        "students": students,
        "n_students": len(students),
        "stations": [s.pk for s in stations],
        "carriers": carriers,
        "n_carriers": len(carriers),
        "step": seconds / max(total, 1),
    }


def insert_history(total: int, students: list[int], stations: list) -> None:
    from django.db import connection, transaction

    from parcels.models import Parcel

    missing = total - Parcel.objects.filter(station__in=stations).exclude(status="waiting").count()
    if missing <= 0:
        return
    params = _params(missing, students, stations, 2 * 365 * 86400)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(INSERT_HISTORY, params)
    print(f"inserted {missing} parcels in history", file=sys.stderr)


def insert_waiting(total: int, students: list[int], stations: list) -> None:
    from django.db import connection, transaction

    from parcels.models import Parcel

    missing = total - Parcel.objects.filter(station__in=stations, status="waiting").count()
    if missing <= 0:
        return
    if missing != total:
        sys.exit("some waiting bench parcels exist: drop the database and prepare again")
    params = _params(total, students, stations, 3 * 86400)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(INSERT_WAITING, params)
    print(f"inserted {total} waiting parcels", file=sys.stderr)


# --- Measurements ---------------------------------------------------------------------------------


def measure(name: str, call, args, *, warm: int = 5) -> dict:
    """Runs `call(n)` up to --samples times within --max-seconds; `call` returns a response (or
    None for a service call). The first call's queries are counted."""
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
    for n in range(1, args.samples + 1):
        if time.monotonic() > until:
            break
        started = time.perf_counter()
        response = call(n)
        timings.append(time.perf_counter() - started)
        errors += response is not None and response.status_code >= 400
    result = {
        "queries": len(queries),
        "status": getattr(first, "status_code", None),
        "errors": errors,
        **timings_summary(timings),
    }
    print(f"{name}: {result}", file=sys.stderr)
    return result


class Numbers:
    """Fresh SF numbers (SF + 13 digits) nobody has used: random, so a second run on the same
    data never scans a number again (and measures "already waiting" instead of a scan-in)."""

    def __init__(self):
        self.rng = random.Random()

    def next(self) -> str:
        return f"SF9{self.rng.randrange(10**12):012d}"


def run_measurements(args) -> tuple[dict, dict]:
    from django.db import transaction
    from django.test import Client
    from django.urls import reverse

    from logistics.models import User
    from parcels import pickup, services
    from parcels.models import Parcel, Station

    clerk = User.objects.get(username="mailroom_clerk")
    station = Station.objects.get(code="BENCH-E")
    rng = random.Random(11)
    waiting = list(
        Parcel.objects.filter(station=station, status="waiting").values_list(
            "pickup_code", "recipient_id", "phone_tail"
        )
    )
    rng.shuffle(waiting)
    users = {u.pk: u for u in User.objects.filter(pk__in={w[1] for w in waiting[:2000]})}
    counter = Client()
    counter.force_login(clerk)
    numbers = Numbers()
    scan_url = reverse("parcels:scan", args=[station.pk])
    pickup_url = reverse("parcels:pickup", args=[station.pk])
    htmx = {"HTTP_HX_REQUEST": "true"}

    def scan_page(n):
        hint = f"p{rng.randrange(STUDENTS):06d}"
        form = {"number": numbers.next(), "recipient": hint, "size": "small", "carrier": ""}
        return counter.post(scan_url, form, **htmx)

    def scan_service(n):
        hint = f"p{rng.randrange(STUDENTS):06d}"
        services.parcel_scan_in(
            station=station, number=numbers.next(), by=clerk, recipient_hint=hint
        )

    def scan_by_name(n):
        k = rng.randrange(STUDENTS)
        form = {"number": numbers.next(), "recipient": f"学生{k} {k % 10000:04d}", "size": "small"}
        return counter.post(scan_url, form, **htmx)

    def row(n):
        return waiting[n % len(waiting)]

    def by_code(n):
        return counter.get(pickup_url, {"q": row(n)[0]})

    def by_qr(n):
        user = users.get(row(n % 2000)[1]) or next(iter(users.values()))
        return counter.get(pickup_url, {"q": pickup.qr_token(user)})

    def by_tail(n):
        return counter.get(pickup_url, {"q": row(n)[2]})

    def lookup_code(n):
        pickup.lookup(station=station, text=row(n)[0], by=clerk)

    def lookup_qr(n):
        user = users.get(row(n % 2000)[1]) or next(iter(users.values()))
        pickup.lookup(station=station, text=pickup.qr_token(user), by=clerk)

    def lookup_tail(n):
        pickup.lookup(station=station, text=row(n)[2], by=clerk)

    recipient = Client()
    someone = users[waiting[0][1]]
    recipient.force_login(someone)
    measurements = {
        "POST scan-in (htmx row, campus ID)": scan_page,
        "POST scan-in (htmx row, name + phone tail)": scan_by_name,
        "service parcel_scan_in (campus ID)": scan_service,
        "GET pickup by code": by_code,
        "GET pickup by QR": by_qr,
        "GET pickup by phone tail": by_tail,
        "service lookup by code": lookup_code,
        "service lookup by QR": lookup_qr,
        "service lookup by phone tail": lookup_tail,
        "GET clerk's waiting list": lambda n: counter.get(
            reverse("parcels:waiting", args=[station.pk])
        ),
        "GET recipient's list (mine)": lambda n: recipient.get(reverse("parcels:mine")),
    }
    before = Parcel.objects.filter(station=station).count()
    if args.bulk_only:
        measurements = {}
    results = {name: measure(name, call, args) for name, call in measurements.items()}
    scans = sum(r["samples"] + 6 for n, r in results.items() if "scan" in n)
    stored = Parcel.objects.filter(station=station).count() - before
    print(f"{scans} scans, {stored} parcels stored", file=sys.stderr)

    # The other station (10,000 waiting) takes the bulk arrivals: this one's shelves are
    # nearly full after the scans above.
    west = Station.objects.get(code="BENCH-W")

    def bulk(count: int, planned: bool):
        """What the arrivals endpoint does with `count` new rows: parcel_scan_in for each in
        one transaction (with one SlotPlan of the station when `planned`)."""
        hints = [f"p{rng.randrange(STUDENTS):06d}" for _ in range(count)]
        started = time.perf_counter()
        with transaction.atomic():
            plan = services.SlotPlan(west) if planned else None
            for hint in hints:
                services.parcel_scan_in(
                    station=west,
                    number=numbers.next(),
                    by=clerk,
                    recipient_hint=hint,
                    slots=plan,
                )
        return time.perf_counter() - started

    from logistics.models import ApiToken

    raw, prefix, key_hash = ApiToken.generate()
    ApiToken.objects.create(
        user=clerk, name="bench", prefix=prefix, key_hash=key_hash, scopes=["parcels:write"]
    )
    api = Client()
    auth = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}

    def call(count: int) -> float:
        """POST /api/v1/parcels/parcels/arrivals/ with `count` new rows (campus IDs)."""
        rows = [
            {"tracking_number": numbers.next(), "recipient": f"p{rng.randrange(STUDENTS):06d}"}
            for _ in range(count)
        ]
        body = json.dumps({"station": west.code, "parcels": rows})
        started = time.perf_counter()
        response = api.post(ARRIVALS, body, content_type="application/json", **auth)
        took = time.perf_counter() - started
        if response.status_code not in (200, 201) or response.json()["created"] != count:
            sys.exit(f"arrivals: {response.status_code} {response.content[:300]!r}")
        return took

    call(20)  # warm
    runs = [call(BULK) for _ in range(args.bulk_runs)]
    results[f"POST {ARRIVALS} ({BULK} new rows)"] = {
        "queries": None,
        "status": 201,
        "errors": 0,
        "samples": len(runs),
        "mean_ms": round(statistics.fmean(runs) * 1000),
        "p50_ms": round(statistics.median(runs) * 1000),
        "p95_ms": round(max(runs) * 1000),
        "max_ms": round(max(runs) * 1000),
    }
    print(f"arrivals call {BULK}: {[round(r, 2) for r in runs]} s", file=sys.stderr)

    for planned, name in ((False, ""), (True, ", one SlotPlan")):
        bulk(20, planned)  # warm
        runs = [bulk(BULK, planned) for _ in range(args.bulk_runs)]
        results[f"service: {BULK} × parcel_scan_in in one transaction{name}"] = {
            "queries": None,
            "status": None,
            "errors": 0,
            "samples": len(runs),
            "mean_ms": round(statistics.fmean(runs) * 1000),
            "p50_ms": round(statistics.median(runs) * 1000),
            "p95_ms": round(max(runs) * 1000),
            "max_ms": round(max(runs) * 1000),
        }
        print(f"bulk {BULK}{name}: {[round(r, 2) for r in runs]} s", file=sys.stderr)
    size = {
        "parcels": Parcel.objects.count(),
        "waiting": Parcel.objects.filter(status="waiting").count(),
        "waiting_at_station": Parcel.objects.filter(station=station, status="waiting").count(),
        "users": User.objects.count(),
        "scans": scans,
        "scans_stored": stored,
    }
    return results, size


def explain() -> dict:
    """EXPLAIN (ANALYZE, BUFFERS) of the queries behind scan-in and the lookups."""
    from django.db.models import Count

    from logistics.models import User
    from parcels.models import Parcel, Shelf, Station
    from parcels.recipients import named_with_tail

    station = Station.objects.get(code="BENCH-E")
    one = Parcel.objects.filter(station=station, status="waiting").order_by("-id").first()
    waiting = Parcel.objects.with_related().filter(station=station, status="waiting")
    ordered = waiting.order_by("recipient_id", "shelf__number", "layer", "id")
    shelves = list(Shelf.objects.filter(station=station, size_class="small"))
    fill = (
        Parcel.objects.filter(
            station=station, status__in=("waiting", "to_return"), shelf__in=shelves
        )
        .values("shelf_id", "layer")
        .annotate(n=Count("*"))
    )
    queries = {
        "lookup by code": ordered.filter(pickup_code=one.pickup_code),
        "lookup by QR (recipient)": ordered.filter(recipient_id=one.recipient_id),
        "lookup by phone tail": ordered.filter(phone_tail=one.phone_tail)[:50],
        "scan-in: already waiting?": waiting.filter(tracking_number=one.tracking_number),
        "scan-in: shelf fill": fill,
        "scan-in: codes taken in a layer": Parcel.objects.filter(
            station=station, status="waiting", pickup_code__startswith="8-3-"
        ).values_list("pickup_code", flat=True),
        "scan-in: campus ID (exact, first)": User.objects.filter(
            is_active=True, username="p012345"
        )[:1],
        "scan-in: campus ID, other spelling (fallback)": User.objects.filter(
            is_active=True, username__iexact="P012345"
        )[:2],
        "scan-in: name + phone tail": named_with_tail("学生12345", "2345")[:2],
        "clerk's waiting list, page 1": waiting.order_by("-arrived_at", "-id")[:26],
        "recipient's history, page 1": Parcel.objects.filter(recipient_id=one.recipient_id)
        .exclude(status="waiting")
        .select_related("station", "pickup")
        .order_by("-arrived_at", "-id")[:26],
    }
    plans = {}
    for name, queryset in queries.items():
        list(queryset)  # warm, as a server that has run a while
        plans[name] = queryset.explain(analyze=True, buffers=True)
    return plans


def _time(plan: str, label: str) -> str:
    for line in plan.splitlines():
        if line.startswith(label):
            return line.split(":", 1)[1].strip()
    return ""


def main() -> None:
    args = parse_args()
    configure()
    sys.path.insert(0, str(BASE_DIR / "bench"))
    from run import machine

    host = machine()
    loaded = {} if args.skip_prepare else prepare(args.history, args.waiting)
    if args.prepare_only:
        print(json.dumps(loaded))
        return
    plans = explain()
    results, size = run_measurements(args)
    report = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "benchmark": "parcels (in-process, Django test client and services, server time)",
        "machine": host,
        "data": {**size, **loaded},
        "results": results,
        "explain": plans,
    }
    RESULTS.mkdir(exist_ok=True)
    stamp = report["when"].replace(":", "")
    (RESULTS / f"parcels-{stamp}.json").write_text(json.dumps(report, indent=2, ensure_ascii=False))
    print(json.dumps({k: v for k, v in report.items() if k != "explain"}, indent=2))
    print("\n| measurement | queries | samples | errors | mean ms | p50 ms | p95 ms | max ms |")
    print("|---|---|---|---|---|---|---|---|")
    for name, r in results.items():
        print(
            f"| {name} | {r['queries']} | {r['samples']} | {r['errors']} | {r['mean_ms']} "
            f"| {r['p50_ms']} | {r['p95_ms']} | {r['max_ms']} |"
        )
    print("\n| query | planning | execution |")
    print("|---|---:|---:|")
    for name, plan in plans.items():
        print(f"| {name} | {_time(plan, 'Planning Time')} | {_time(plan, 'Execution Time')} |")
    for name, plan in plans.items():
        print(f"\n#### {name}\n\n```\n{plan}\n```")


if __name__ == "__main__":
    main()
