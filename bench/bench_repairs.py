"""Repairs benchmark: filing a request, the dispatcher queue and the API list with 100,000 requests.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal_bench_repairs \\
    REDIS_URL=redis://127.0.0.1:6379/15 .venv/bin/python bench/bench_repairs.py

Prepares a separate benchmark database (never the test database): migrate, seed_demo --force,
then bulk_create up to --requests repair requests (a year of a campus: 2,000 students, 30
technicians, every room and category, mostly finished, a few thousand open) with one timeline
event each. Then measures, in this process, the server time of each page through Django's test
client with the production settings (DEBUG off, PostgreSQL, Redis): the whole request through
middleware, view, queries and template, without the network. Every loop is bounded by a sample
count and a time limit. Writes bench/results/repairs-<time>.json and prints a Markdown table.
"""

import argparse
import io
import json
import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
RESULTS = BASE_DIR / "bench" / "results"
LOOPBACK = {"127.0.0.1", "localhost", "::1"}
BENCH_STUDENTS = 2000
BENCH_TECHNICIANS = 30
BATCH = 5000


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=100_000, help="rows to hold (bounded)")
    parser.add_argument("--samples", type=int, default=200, help="per measurement")
    parser.add_argument("--max-seconds", type=float, default=60.0, help="per measurement")
    parser.add_argument("--skip-prepare", action="store_true", help="data already there")
    return parser.parse_args()


def configure() -> None:
    """Production-like settings in this process; refuses anything but a local benchmark DB."""
    sys.path.insert(0, str(BASE_DIR / "bench"))
    from run import django_in_process

    django_in_process(
        script="bench_repairs.py",
        database="postgres://postgres@127.0.0.1:5432/portal_bench_repairs",
        redis="redis://127.0.0.1:6379/15",
    )


# --- Data -------------------------------------------------------------------------------------


def prepare(total: int) -> None:
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    call_command("seed_demo", force=True, stdout=io.StringIO())
    students, technicians = bench_people()
    bulk_requests(total, students, technicians)
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def bench_people():
    from django.contrib.auth.models import Group

    from logistics.models import Room, StaffScope, User
    from logistics.roles import Role

    dorms = list(Room.objects.filter(building__kind="dormitory").values_list("id", flat=True))
    users = [
        User(
            username=f"b{n:05d}",
            display_name=f"学生{n}",
            password="!",
            dorm_room_id=dorms[n % len(dorms)],
        )
        for n in range(BENCH_STUDENTS)
    ]
    users += [
        User(username=f"bt{n:03d}", display_name=f"师傅{n}", password="!")
        for n in range(BENCH_TECHNICIANS)
    ]
    User.objects.bulk_create(users, batch_size=BATCH, ignore_conflicts=True)
    groups = {g.name: g for g in Group.objects.filter(name__in=[Role.STUDENT, Role.TECHNICIAN])}
    students = list(User.objects.filter(username__regex=r"^b[0-9]{5}$"))
    technicians = list(User.objects.filter(username__regex=r"^bt[0-9]{3}$"))
    through = User.groups.through
    links = [through(user_id=u.pk, group_id=groups[Role.STUDENT].pk) for u in students]
    links += [through(user_id=u.pk, group_id=groups[Role.TECHNICIAN].pk) for u in technicians]
    through.objects.bulk_create(links, batch_size=BATCH, ignore_conflicts=True)
    repair = User.objects.get(username="technician").department_id
    StaffScope.objects.bulk_create(
        [StaffScope(user=u, role=Role.TECHNICIAN, department_id=repair) for u in technicians],
        ignore_conflicts=True,
    )
    return students, technicians


# Final states of a year of requests, and how often each happens (older ones are finished).
DONE = [("closed", 70), ("confirmed", 18), ("completed", 4), ("rejected", 3), ("cancelled", 5)]
OPEN = [("submitted", 20), ("accepted", 10), ("assigned", 35), ("in_progress", 25), ("on_hold", 10)]


def bulk_requests(total: int, students, technicians) -> None:
    from django.utils import timezone

    from logistics.models import Department, Room
    from repairs.models import Category, RepairEvent, RepairRequest

    missing = total - RepairRequest.objects.count()
    if missing <= 0:
        return
    rng = random.Random(7)
    rooms = list(Room.objects.values_list("id", "building_id"))
    leaves = list(Category.objects.filter(children__isnull=True).values_list("id", flat=True))
    team = Department.objects.get(code="REPAIR").pk
    now = timezone.now()
    stamped = [
        RepairRequest._meta.get_field("created_at"),
        RepairEvent._meta.get_field("created_at"),
    ]
    # bulk_create honours auto_now_add by overwriting created_at; the history needs its own.
    for field in stamped:
        field.auto_now_add = False
    try:
        for start in range(0, missing, BATCH):
            batch = [
                _bench_request(rng, now, rooms, leaves, team, students, technicians)
                for _ in range(min(BATCH, missing - start))
            ]
            created = RepairRequest.objects.bulk_create(batch)
            RepairEvent.objects.bulk_create(
                [
                    RepairEvent(
                        request=r,
                        actor_id=r.requester_id,
                        action="created",
                        to_status="submitted",
                        created_at=r.created_at,
                    )
                    for r in created
                ]
            )
            print(f"  {start + len(batch)} / {missing} requests", file=sys.stderr)
    finally:
        for field in stamped:
            field.auto_now_add = True


def _bench_request(rng, now, rooms, leaves, team, students, technicians):
    from repairs.models import RepairRequest

    age = timedelta(hours=rng.uniform(0.2, 365 * 24))
    created = now - age
    recent = age < timedelta(days=10)
    choices = OPEN if recent and rng.random() < 0.6 else DONE
    status = rng.choices([s for s, _ in choices], weights=[w for _, w in choices])[0]
    room_id, building_id = rng.choice(rooms)
    worked = status not in ("submitted", "rejected", "cancelled")
    finished = status in ("completed", "confirmed", "closed")
    response = created + timedelta(hours=rng.uniform(0.1, 8))
    completed = created + timedelta(hours=rng.uniform(2, 96))
    return RepairRequest(
        requester=rng.choice(students),
        category_id=rng.choice(leaves),
        room_id=room_id,
        building_id=building_id,
        description="灯不亮，开关按了没反应" if rng.random() < 0.5 else "水龙头漏水，关不紧",
        status=status,
        team_id=team,
        assignee=rng.choice(technicians) if worked and status != "accepted" else None,
        created_at=created,
        first_response_at=response if status not in ("submitted", "cancelled") else None,
        assigned_at=response if worked else None,
        completed_at=completed if finished else None,
        confirmed_at=completed + timedelta(days=1) if status in ("confirmed", "closed") else None,
        closed_at=completed + timedelta(days=3) if status == "closed" else None,
        response_due_at=created + timedelta(hours=4),
        completion_due_at=created + timedelta(hours=48),
        rating=rng.choice([None, 3, 4, 5, 5]) if status in ("confirmed", "closed") else None,
    )


# --- Measurements ---------------------------------------------------------------------------------


def measure(name: str, call, args) -> dict:
    """Runs `call()` (which returns a response) up to --samples times within --max-seconds."""
    from django.db import connection

    for _ in range(5):  # warm-up: imports, template caches, connection
        call()
    queries = []

    def count(execute, sql, params, many, context):
        queries.append(sql)
        return execute(sql, params, many, context)

    # An execute wrapper, not connection.queries: each request resets that log as it starts.
    with connection.execute_wrapper(count):
        status = call().status_code
    timings, errors = [], 0
    until = time.monotonic() + args.max_seconds
    for _ in range(args.samples):
        if time.monotonic() > until:
            break
        started = time.perf_counter()
        response = call()
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


def photo_bytes() -> bytes:
    """A phone-sized JPEG (1600×1200, ~0.3 MB) with some detail to encode."""
    from PIL import Image, ImageDraw

    rng = random.Random(3)
    image = Image.new("RGB", (1600, 1200), (180, 170, 150))
    draw = ImageDraw.Draw(image)
    for _ in range(400):
        x, y = rng.randint(0, 1600), rng.randint(0, 1200)
        color = tuple(rng.randint(0, 255) for _ in range(3))
        draw.ellipse([x, y, x + rng.randint(5, 120), y + rng.randint(5, 120)], fill=color)
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=85)
    return buffer.getvalue()


def run_measurements(args) -> tuple[dict, dict]:
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.test import Client
    from django.urls import reverse

    from logistics.models import ApiToken, Room, User
    from repairs.models import Category, RepairRequest

    dispatcher = User.objects.get(username="repair_dispatcher")
    manager = User.objects.get(username="logistics_manager")
    student = User.objects.get(username="b00042")
    filer = User.objects.get(username="student")
    raw, prefix, key_hash = ApiToken.generate()
    ApiToken.objects.create(
        user=manager, name="bench", prefix=prefix, key_hash=key_hash, scopes=["repairs:read"]
    )
    staff, mine, api, filing = Client(), Client(), Client(), Client()
    staff.force_login(dispatcher)
    mine.force_login(student)
    filing.force_login(filer)
    auth = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    room = Room.objects.select_related("building").get(pk=filer.dorm_room_id)
    light = Category.objects.get(code="water-light")
    form = {
        "category": light.pk,
        "building": room.building_id,
        "room_number": room.number,
        "description": "宿舍顶灯不亮，换了灯管也不行",
        "urgency": "normal",
        "visit_windows": [],
    }
    jpeg = photo_bytes()
    queue, api_list = reverse("repairs:queue"), reverse("repairs-api:request-list")
    measurements = {
        "GET /repairs/queue/ (dispatcher, open, due first)": lambda: staff.get(queue),
        "GET /repairs/queue/?overdue=true": lambda: staff.get(queue, {"overdue": "true"}),
        "GET /repairs/queue/?status=closed&page=50": lambda: staff.get(
            queue, {"status": "closed", "page": 50}
        ),
        "GET /repairs/mine/ (a student)": lambda: mine.get(reverse("repairs:mine")),
        "GET /api/v1/repairs/requests/ (manager token)": lambda: api.get(api_list, **auth),
        "GET /api/v1/repairs/requests/?status=assigned": lambda: api.get(
            api_list, {"status": "assigned"}, **auth
        ),
        "POST /repairs/new/ (file a request)": lambda: filing.post(reverse("repairs:create"), form),
        "POST /repairs/new/ with a 1600×1200 photo": lambda: filing.post(
            reverse("repairs:create"),
            {**form, "photos": SimpleUploadedFile("p.jpg", jpeg, content_type="image/jpeg")},
        ),
    }
    results = {name: measure(name, call, args) for name, call in measurements.items()}
    size = {
        "requests": RepairRequest.objects.count(),
        "open": RepairRequest.objects.open().count(),
        "users": User.objects.count(),
        "rooms": Room.objects.count(),
        "photo_bytes": len(jpeg),
    }
    return results, size


def main() -> None:
    args = parse_args()
    configure()
    sys.path.insert(0, str(BASE_DIR / "bench"))
    from run import machine

    host = machine()
    if not args.skip_prepare:
        prepare(args.requests)
    results, size = run_measurements(args)
    report = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "benchmark": "repairs (in-process, Django test client, server time)",
        "machine": host,
        "data": size,
        "results": results,
    }
    RESULTS.mkdir(exist_ok=True)
    stamp = report["when"].replace(":", "")
    (RESULTS / f"repairs-{stamp}.json").write_text(json.dumps(report, indent=2, ensure_ascii=False))
    print(json.dumps(report, indent=2, ensure_ascii=False))
    print("\n| measurement | queries | samples | errors | mean ms | p50 ms | p95 ms | max ms |")
    print("|---|---|---|---|---|---|---|---|")
    for name, r in results.items():
        print(
            f"| {name} | {r['queries']} | {r['samples']} | {r['errors']} | {r['mean_ms']} "
            f"| {r['p50_ms']} | {r['p95_ms']} | {r['max_ms']} |"
        )


if __name__ == "__main__":
    main()
