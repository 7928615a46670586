"""Repairs at two sizes: the queue, a request's page, the API list, search and figures with
100,000 and 1,000,000 requests, beside a bare Django project as the ceiling.

    .venv/bin/python bench/bench_scale.py prepare   # two databases of their own, bulk loaded
    .venv/bin/python bench/bench_scale.py explain   # EXPLAIN ANALYZE of the main queries
    .venv/bin/python bench/bench_scale.py serve     # gunicorn + wrk, interleaved rounds

Needs wrk (Debian/Ubuntu: `apt-get install -y wrk`). The databases are --databases (default
portal_bench_scale_100k and portal_bench_scale_1m, created when missing, never the test
database); Redis is REDIS_URL (default db 15).

prepare: migrate, seed_demo --force, then per database --students (1 for every 50 requests)
and 30 technicians through the ORM, and the requests and their timelines (two events each) in
single INSERT … SELECT generate_series statements: two years of history, a few thousand open
(the last ten days), one in twenty without a completion due time, descriptions from a fixed
list (one in ten holds 漏水, a rare word "zircon" one in 9,973) with their search tokens computed
by logistics.search for each text once. Then ANALYZE, and signed-in sessions (the dispatcher,
the manager) and the rows the runs read, in bench/results/scale-<db>.json; the repairs' daily
figures of the last 35 days (manage.py refresh_daily_figures).

explain: EXPLAIN (ANALYZE, BUFFERS) of the queries behind each endpoint, at both sizes, printed
as Markdown for docs/performance.md.

serve: one gunicorn per database (the portal's settings, gthread 1 worker × 4 threads, recycling
off) and one of bench/settings_bare.py, all pinned to --server-cpu; wrk (1 thread, 8
connections) pinned to --client-cpu. Each round runs every endpoint on every server for
--seconds, the order rotating; ratios to the ceiling are taken within a round and their median
reported, with p50/p90/p95/p99 latency (bench/wrk_p95.lua adds the 95th) and the worker's CPU
per request. Writes bench/results/scale-<time>.json and prints a Markdown table. --peer
helpdesk adds django-helpdesk 2.6.1's ticket list at 100,000 tickets (bench/bench_helpdesk.py,
prepared by its own `prepare`) to the rounds, served the same way, and prints the queue's req/s
over it.
"""

import argparse
import itertools
import json
import os
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import run  # noqa: E402

BASE_DIR = run.BASE_DIR
RESULTS = BASE_DIR / "bench" / "results"
SIZES = {"100k": 100_000, "1m": 1_000_000}
RARE = "zircon"
# the key of the cookies of sessions signed in through Django's ModelBackend (write_info)
LEGACY = " (ModelBackend)"
TEXTS = [
    "灯不亮，开关按了没反应",
    "卫生间水管漏水，地面积水",
    "空调不制冷，遥控器换了电池也没用",
    "门锁坏了，钥匙插不进去",
    "Wi-Fi keeps dropping in the evening",
    "窗户关不严，晚上漏风",
    "插座冒火花，已经断电",
    "The desk drawer is broken",
    "热水器不出热水",
    "暖气片漏水，滴到楼下",
    "下水道堵塞，洗手池排水很慢",
    "天花板的灯管闪烁",
    "Shower head leaks at the joint",
    "衣柜门脱落",
    "网口没有信号",
    "马桶一直流水",
    "阳台晾衣杆松动",
    "风扇转得很慢，有异响",
    "The heating is too weak in room",
    "床板断了一块",
]
RARE_TEXT = f"净水器 {RARE} 滤芯需要更换"
OPEN = ["submitted", "accepted", "assigned", "in_progress", "on_hold"]
DONE = ["closed"] * 14 + ["confirmed"] * 3 + ["cancelled", "rejected"]


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "step",
        choices=["prepare", "load", "explain", "explain-one", "serve", "profile", "profile-one"],
    )
    parser.add_argument(
        "--databases",
        default="portal_bench_scale_100k,portal_bench_scale_1m",
        help="the 100,000 and the 1,000,000 database, comma-separated",
    )
    parser.add_argument(
        "--sizes", default="100k,1m", help="which of the two to use (100k, 1m or both)"
    )
    parser.add_argument("--total", type=int, help="(load) requests to hold")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=3, help="per endpoint, server and round")
    parser.add_argument("--connections", type=int, default=8, help="wrk connections")
    parser.add_argument("--threads", type=int, default=4, help="gunicorn threads (1 worker)")
    parser.add_argument("--server-cpu", default="0", help="taskset CPU list of the servers")
    parser.add_argument("--client-cpu", default="1", help="taskset CPU list of wrk")
    parser.add_argument("--only", default="", help="endpoint names, separated by semicolons")
    parser.add_argument(
        "--peer",
        choices=["helpdesk"],
        help="(serve) also django-helpdesk's ticket list at 100,000 tickets (bench_helpdesk.py)",
    )
    parser.add_argument(
        "--changes",
        type=float,
        default=0,
        help="(serve) requests changed a second while measuring, in every database (Changes)",
    )
    parser.add_argument("--requests", type=int, default=300, help="(profile) per endpoint")
    parser.add_argument("--top", type=int, default=35, help="(profile) functions listed")
    parser.add_argument(
        "--ab-quick-load",
        action="store_true",
        help="(profile) time each endpoint with QuickLoad and with Django's from_db, "
        "alternating in one process, instead of profiling",
    )
    return parser.parse_args()


def databases(args) -> dict[str, str]:
    names = dict(zip(SIZES, args.databases.split(","), strict=True))
    return {size: names[size] for size in args.sizes.split(",")}


def env_for(database: str) -> dict[str, str]:
    os.environ["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{database}"
    os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/15")
    env = run.server_env()
    # one key for the load step and the servers: the sessions written by the one are signed
    # (their auth hash) with it and must hold in the other; a benchmark database only
    env["DJANGO_SECRET_KEY"] = "bench-scale-only-" + "k" * 40
    return env


def info_path(database: str) -> Path:
    return RESULTS / f"scale-{database}.json"


def read_info(database: str) -> dict:
    """The database's scale-<db>.json, with the first days of the figures' periods (the
    site's time zone; the figures page's default is the last 30 days)."""
    from datetime import timedelta
    from zoneinfo import ZoneInfo

    today = datetime.now(ZoneInfo("Asia/Shanghai")).date()
    info = json.loads(info_path(database).read_text())
    info["start_7"] = (today - timedelta(days=6)).isoformat()
    info["start_365"] = (today - timedelta(days=364)).isoformat()
    return info


# --- prepare ----------------------------------------------------------------------------------


def prepare(args) -> None:
    for size, database in databases(args).items():
        env = env_for(database)
        run.create_database(env["DATABASE_URL"])
        manage = [sys.executable, "manage.py"]
        subprocess.run([*manage, "migrate", "-v", "0"], cwd=BASE_DIR, env=env, check=True)
        subprocess.run(
            [*manage, "seed_demo", "--force"],
            cwd=BASE_DIR,
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
        )
        started = time.monotonic()
        subprocess.run(
            [sys.executable, __file__, "load", "--total", str(SIZES[size])],
            cwd=BASE_DIR,
            env={**env, "DJANGO_SETTINGS_MODULE": "logistics.settings"},
            check=True,
        )
        print(f"{database}: loaded in {time.monotonic() - started:.0f} s", file=sys.stderr)
        # the figures page reads daily aggregates that beat keeps: fill the last five weeks
        subprocess.run(
            [*manage, "refresh_daily_figures", "--days", "35", "--source", "repairs"],
            cwd=BASE_DIR,
            env=env,
            check=True,
        )


def load(total: int) -> None:
    """(In a process set up for one database.) People, requests, events, sessions."""
    sys.path.insert(0, str(BASE_DIR))
    import django

    django.setup()
    from django.db import connection

    from repairs.models import RepairRequest

    students, technicians = people(max(total // 50, 100))
    if RepairRequest.objects.count() < total:
        insert_requests(total - RepairRequest.objects.count(), students, technicians)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE repairs_repairrequest")
        cursor.execute("VACUUM ANALYZE repairs_repairevent")
        cursor.execute("ANALYZE")
    write_info()


def people(count: int) -> tuple[list[int], list[int]]:
    from django.contrib.auth.models import Group

    from logistics.models import Room, User
    from logistics.roles import Role

    dorms = list(Room.objects.filter(building__kind="dormitory").values_list("id", flat=True))
    users = [
        User(
            username=f"s{n:06d}", display_name=f"学生{n}", password="!", dorm_room_id=dorms[n % 97]
        )
        for n in range(count)
    ]
    users += [User(username=f"bt{n:03d}", display_name=f"师傅{n}", password="!") for n in range(30)]
    User.objects.bulk_create(users, batch_size=5000, ignore_conflicts=True)
    students = list(
        User.objects.filter(username__regex=r"^s[0-9]{6}$").values_list("id", flat=True)
    )
    technicians = list(
        User.objects.filter(username__regex=r"^bt[0-9]{3}$").values_list("id", flat=True)
    )
    group = Group.objects.get(name=Role.TECHNICIAN)
    through = User.groups.through
    through.objects.bulk_create(
        [through(user_id=pk, group_id=group.pk) for pk in technicians], ignore_conflicts=True
    )
    return students, technicians


INSERT_REQUESTS = """
INSERT INTO repairs_repairrequest (
    requester_id, category_id, building_id, room_id, place_text, description, search_tokens,
    urgency, preferred_windows, consent_to_enter, contact_phone, answers, status, team_id,
    assignee_id, created_at, updated_at, first_response_at, assigned_at, completed_at,
    closed_at, response_due_at, completion_due_at, status_before_hold, escalation_level,
    reopen_count, resolution_note, materials, rejection_reason, rating_comment)
SELECT
    (%(students)s::bigint[])[1 + (i * 7919) %% %(n_students)s],
    (%(leaves)s::bigint[])[1 + (i * 31) %% %(n_leaves)s],
    (%(buildings)s::bigint[])[1 + (i * 13) %% %(n_rooms)s],
    (%(rooms)s::bigint[])[1 + (i * 13) %% %(n_rooms)s],
    '',
    CASE WHEN i %% 9973 = 0 THEN %(rare)s
         ELSE (%(texts)s::text[])[1 + (i * 7) %% %(n_texts)s] END,
    CASE WHEN i %% 9973 = 0 THEN %(rare_tokens)s::tsvector
         ELSE ((%(tokens)s::text[])[1 + (i * 7) %% %(n_texts)s])::tsvector END,
    CASE WHEN i %% 17 = 0 THEN 'high' ELSE 'normal' END, '', false, '', '{}'::jsonb,
    s.status, %(team)s,
    CASE WHEN s.status IN ('submitted', 'accepted', 'cancelled', 'rejected') THEN NULL
         ELSE (%(technicians)s::bigint[])[1 + (i * 3) %% %(n_technicians)s] END,
    t.created, t.created, t.created + interval '2 hours', t.created + interval '2 hours',
    CASE WHEN s.status IN ('closed', 'confirmed') THEN t.created + interval '30 hours' END,
    CASE WHEN s.status = 'closed' THEN t.created + interval '4 days' END,
    t.created + interval '4 hours',
    CASE WHEN i %% 20 = 0 THEN NULL ELSE t.created + interval '48 hours' END,
    '', 0, 0, '', '', '', ''
FROM generate_series(%(first)s::bigint, %(last)s::bigint) AS i,
LATERAL (SELECT now() - (%(last)s - i) * %(step)s * interval '1 second' AS created) AS t,
LATERAL (SELECT CASE
    WHEN i > %(last)s - %(recent)s AND i %% 10 < 6 THEN (%(open)s::text[])[1 + i %% 5]
    ELSE (%(done)s::text[])[1 + (i / 7) %% %(n_done)s] END AS status) AS s
"""

INSERT_EVENTS = """
INSERT INTO repairs_repairevent (request_id, actor_id, action, from_status, to_status, note,
                                 data, created_at)
SELECT id, requester_id, 'submitted', '', 'submitted', '', '{}'::jsonb, created_at
FROM repairs_repairrequest WHERE id > %(after)s
UNION ALL
SELECT id, assignee_id, 'assigned', 'submitted', status, '', '{}'::jsonb,
       created_at + interval '2 hours'
FROM repairs_repairrequest WHERE id > %(after)s AND assignee_id IS NOT NULL
"""


def insert_requests(missing: int, students: list[int], technicians: list[int]) -> None:
    from django.db import connection, transaction

    from logistics.models import Department, Room
    from logistics.search import tokens
    from repairs.models import Category, RepairRequest

    rooms = list(Room.objects.values_list("id", "building_id"))
    leaves = list(Category.objects.filter(children__isnull=True).values_list("id", flat=True))
    after = RepairRequest.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    params = {
        "students": students,
        "n_students": len(students),
        "technicians": technicians,
        "n_technicians": len(technicians),
        "leaves": leaves,
        "n_leaves": len(leaves),
        "rooms": [r for r, _b in rooms],
        "buildings": [b for _r, b in rooms],
        "n_rooms": len(rooms),
        "texts": TEXTS,
        "tokens": [tokens(text) for text in TEXTS],
        "n_texts": len(TEXTS),
        "rare": RARE_TEXT,
        "rare_tokens": tokens(RARE_TEXT),
        "team": Department.objects.get(code="REPAIR").pk,
        "open": OPEN,
        "done": DONE,
        "n_done": len(DONE),
        "recent": 5000,
        "step": 2 * 365 * 86400 // (missing or 1),
    }
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(INSERT_REQUESTS, {**params, "first": 1, "last": missing})
        cursor.execute(INSERT_EVENTS, {"after": after})
    print(f"inserted {missing} requests", file=sys.stderr)


def write_info() -> None:
    """Sessions of the dispatcher and the manager, and the rows the runs ask for."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.db import connection

    from logistics.keyset import encode_cursor
    from logistics.models import User
    from repairs.models import RepairRequest

    cookies = {}
    # A session names the backend that signed it in: the portal's reads the user with its roles
    # and unread count in one query; Django's ModelBackend (sessions signed in before it) does
    # not — the "… (ModelBackend session)" rows of ENDPOINTS, side by side in one run.
    backends = {
        "": "logistics.backends.PortalModelBackend",
        LEGACY: "django.contrib.auth.backends.ModelBackend",
    }
    for username in ("repair_dispatcher", "logistics_manager"):
        user = User.objects.get(username=username)
        for suffix, backend in backends.items():
            store = __import__(settings.SESSION_ENGINE, fromlist=["SessionStore"]).SessionStore()
            store[SESSION_KEY] = str(user.pk)
            store[BACKEND_SESSION_KEY] = backend
            store[HASH_SESSION_KEY] = user.get_session_auth_hash()
            store.set_expiry(7 * 86400)
            store.save()
            cookies[username + suffix] = f"{settings.SESSION_COOKIE_NAME}={store.session_key}"
    requests = RepairRequest.objects.order_by("-created_at", "-id")
    total = requests.count()
    deep = requests.values("created_at", "id")[min(50 * 1999, total - 50) - 1]
    open_one = RepairRequest.objects.open().exclude(assignee=None).order_by("-id").first()
    info = {
        "database": connection.settings_dict["NAME"],
        "requests": total,
        "open": RepairRequest.objects.open().count(),
        "cookies": cookies,
        "detail_id": open_one.pk,
        "spread": list(
            RepairRequest.objects.open().order_by("-id").values_list("pk", flat=True)[:100]
        ),
        "number": open_one.number,
        "api_deep_cursor": encode_cursor([deep["created_at"], deep["id"]]),
    }
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM repairs_repairevent")
        info["events"] = cursor.fetchone()[0]
    RESULTS.mkdir(parents=True, exist_ok=True)
    info_path(info["database"]).write_text(json.dumps(info, indent=1))
    print(json.dumps({k: v for k, v in info.items() if k != "cookies"}), file=sys.stderr)


# --- explain ----------------------------------------------------------------------------------


def queries() -> list[tuple[str, object]]:
    """(name, queryset) of what each endpoint asks the database for its rows."""
    from logistics.keyset import KeysetPaginator, _after_all, capped_count  # noqa: F401
    from logistics.models import User
    from repairs.filters import RepairRequestFilterSet
    from repairs.models import RepairRequest
    from repairs.views.dispatch import ROW_KEY_FIELDS

    dispatcher = User.objects.get(username="repair_dispatcher")
    manager = User.objects.get(username="logistics_manager")
    info = json.loads(info_path(_database()).read_text())

    def queue(**data):
        # as repairs.views.dispatch.queue: the rows' cache keys, without joins
        base = RepairRequest.objects.for_user(dispatcher).for_list()
        filterset = RepairRequestFilterSet({"is_open": "true", **data}, queryset=base)
        return filterset.qs.by_due_time().select_related(None).only(*ROW_KEY_FIELDS)

    def first_page(queryset, size):
        paginator = KeysetPaginator(queryset, size)
        return paginator._ordered(paginator.keys)[: size + 1]

    def later_page(queryset, size, depth):
        paginator = KeysetPaginator(queryset, size)
        ordered = paginator._ordered(paginator.keys)
        row = ordered[depth * size - 1 : depth * size][0]
        values = paginator.values_of(row)
        return ordered.filter(_after_all(paginator.keys, values))[: size + 1]

    api = RepairRequest.objects.for_user(manager).for_api().order_by("-created_at", "-id")
    rows = list(first_page(queue(), 25).values_list("pk", flat=True))
    missing_rows = RepairRequest.objects.for_list().filter(pk__in=rows)
    return [
        ("queue, page 1", first_page(queue(), 25)),
        ("queue, its total (capped)", queue().order_by().values("pk")[:10001]),
        ("queue, page 40", later_page(queue(), 25, 40)),
        # as request_page.PAGE_ROW reads it: by key alone, who may see it asked of the row after
        (
            "a request's page",
            RepairRequest.objects.for_page().filter(pk=info["detail_id"]).order_by(),
        ),
        ("API list, page 1", first_page(api, 50)),
        ("API list, page 2,000", later_page(api, 50, 1999)),
        ("search: a number (queue)", first_page(queue(q=info["number"]), 25)),
        ("search: 漏水 (queue, open)", first_page(queue(q="漏水"), 25)),
        (
            "search: 漏水 (API, all states)",
            first_page(RepairRequestFilterSet({"q": "漏水"}, queryset=api).qs, 50),
        ),
        (f"search: a rare word, {RARE} (queue)", first_page(queue(q=RARE), 25)),
        ("queue rows missing in the cache (25, by pk)", missing_rows),
        ("figures, 365 days (daily rows)", figures_rows(365)),
    ]


def figures_rows(days: int):
    """The one query of the figures page over `days` (repairs.daily.daily_repair_figures)."""
    from datetime import timedelta

    from django.utils import timezone

    from logistics.daily import figures_queryset
    from repairs import daily

    end = timezone.localdate()
    return figures_queryset(
        (*daily.PERIOD_KEYS, daily.OVERDUE, daily.REPEAT_FAULTS),
        start=end - timedelta(days=days - 1),
        end=end,
        latest=(daily.OVERDUE, daily.REPEAT_FAULTS),
    )


def _database() -> str:
    from django.db import connection

    return connection.settings_dict["NAME"]


def explain_one() -> None:
    """(In a process set up for one database.) Prints JSON: name → plan text."""
    sys.path.insert(0, str(BASE_DIR))
    import django

    django.setup()
    plans = {}
    for name, queryset in queries():
        list(queryset)  # warm the cache, as a server that has run a while
        plans[name] = queryset.explain(analyze=True, buffers=True)
    print(json.dumps(plans))


def explain(args) -> None:
    results = {}
    for size, database in databases(args).items():
        env = {**env_for(database), "DJANGO_SETTINGS_MODULE": "bench.settings_dining"}
        out = subprocess.run(
            [sys.executable, __file__, "explain-one"],
            cwd=BASE_DIR,
            env=env,
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        results[size] = json.loads(out.strip().splitlines()[-1])
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    (RESULTS / f"scale-explain-{stamp}.json").write_text(json.dumps(results, indent=1))
    sizes = list(results)
    print("| query | " + " | ".join(f"planning {s} | execution {s}" for s in sizes) + " |")
    print("|---|" + "---:|---:|" * len(sizes))
    for name in results[sizes[0]]:
        cells = []
        for size in sizes:
            plan = results[size][name]
            cells += [_time(plan, "Planning Time"), _time(plan, "Execution Time")]
        print(f"| {name} | " + " | ".join(cells) + " |")
    for name, plan in results[sizes[-1]].items():
        print(f"\n#### {name} ({SIZES[sizes[-1]]:,} requests)\n\n```\n{plan}\n```")


def _time(plan: str, label: str) -> str:
    for line in plan.splitlines():
        if line.strip().startswith(label):
            return line.split(":", 1)[1].strip()
    return "?"


# --- profile --------------------------------------------------------------------------------


def profile(args) -> None:
    """Each endpoint in process through Django's WSGI handler (no server, no client): the wall
    time per request without a profiler, then cProfile's functions by own and by total time
    (and the whole profile written to the file PROFILE_DUMP names, when set, for pstats)."""
    database = next(iter(databases(args).values()))
    env = {**env_for(database), "DJANGO_SETTINGS_MODULE": "bench.settings_dining"}
    command = [sys.executable, __file__, "profile-one", "--sizes", args.sizes.split(",")[0]]
    command += ["--requests", str(args.requests), "--top", str(args.top), "--only", args.only]
    command += ["--rounds", str(args.rounds)] + (["--ab-quick-load"] if args.ab_quick_load else [])
    subprocess.run(command, cwd=BASE_DIR, env=env, check=True)


def profile_one(args) -> None:
    """(In a process set up for one database.)"""
    import cProfile
    import pstats

    sys.path.insert(0, str(BASE_DIR))
    import django

    django.setup()
    from django.core.handlers.wsgi import WSGIHandler
    from django.test import RequestFactory

    info = read_info(_database())
    handler = WSGIHandler()
    only = set(filter(None, args.only.split(";")))
    for name, who, path in ENDPOINTS:
        if only and name not in only:
            continue
        environs = []
        for address in _paths(path, info):
            address, _sep, query = address.partition("?")
            environs.append(
                RequestFactory()._base_environ(
                    PATH_INFO=address,
                    QUERY_STRING=query,
                    HTTP_COOKIE=info["cookies"][who],
                    HTTP_HOST="127.0.0.1",
                    **{f"HTTP_{k.upper().replace('-', '_')}": v for k, v in _phone().items()},
                )
            )
        turns = itertools.cycle(environs)

        def one(turns=turns):
            environ = next(turns)
            response = handler(environ, lambda status, headers: None)
            assert response.status_code == 200, (environ["PATH_INFO"], response.status_code)
            response.close()

        for _n in range(20):
            one()
        if args.ab_quick_load:
            _ab_quick_load(name, one, args)
            continue
        started = time.perf_counter()
        for _n in range(args.requests):
            one()
        wall = (time.perf_counter() - started) / args.requests * 1000
        profiler = cProfile.Profile()
        profiler.enable()
        for _n in range(args.requests):
            one()
        profiler.disable()
        print(f"\n## {name}: {wall:.2f} ms a request in process (no profiler)\n")
        stats = pstats.Stats(profiler).strip_dirs()
        stats.sort_stats("tottime").print_stats(args.top)
        stats.sort_stats("cumulative").print_stats(args.top)
        if os.environ.get("PROFILE_DUMP"):
            profiler.dump_stats(os.environ["PROFILE_DUMP"])


def _ab_quick_load(name, one, args) -> None:
    """Wall ms a request of `one` with QuickLoad's from_db and with Django's, alternating."""
    from django.db.models import Model

    from logistics.models.loading import QuickLoad

    quick = QuickLoad.__dict__["from_db"]
    django_way = classmethod(
        lambda cls, db, names, values: Model.from_db.__func__(cls, db, names, values)
    )
    times = {"QuickLoad": [], "Django's from_db": []}
    try:
        for _round in range(args.rounds):
            for label, method in (("QuickLoad", quick), ("Django's from_db", django_way)):
                QuickLoad.from_db = method
                started = time.perf_counter()
                for _n in range(args.requests):
                    one()
                times[label].append((time.perf_counter() - started) / args.requests * 1000)
    finally:
        QuickLoad.from_db = quick
    for label, values in times.items():
        shown = ", ".join(f"{value:.2f}" for value in values)
        print(f"## {name}, {label}: {statistics.median(values):.2f} ms a request ({shown})")


def _phone() -> dict:
    import bench_overhead

    return bench_overhead.PHONE


# --- serve ------------------------------------------------------------------------------------

# (name, who, path); {…} are filled from the database's scale-<db>.json.
ENDPOINTS = [
    ("queue", "repair_dispatcher", "/repairs/queue/"),
    ("detail", "logistics_manager", "/repairs/{detail_id}/"),
    # The pages of the 100 newest open requests in turn, as many readers read many requests:
    # with --changes, what keeps a page (its own request's version) shows, which one address
    # read again and again cannot.
    ("detail, 100 requests", "logistics_manager", "/repairs/{spread}/"),
    ("API list, page 1", "logistics_manager", "/api/v1/repairs/requests/"),
    (
        "API list, page 2,000",
        "logistics_manager",
        "/api/v1/repairs/requests/?cursor={api_deep_cursor}",
    ),
    ("search: number", "repair_dispatcher", "/repairs/queue/?q={number}"),
    ("search: 漏水", "repair_dispatcher", "/repairs/queue/?q=%E6%BC%8F%E6%B0%B4"),
    (
        "search: 漏水 (API, all)",
        "logistics_manager",
        "/api/v1/repairs/requests/?q=%E6%BC%8F%E6%B0%B4",
    ),
    ("search: rare word", "repair_dispatcher", f"/repairs/queue/?q={RARE}"),
    ("figures", "logistics_manager", "/repairs/figures/"),
    ("figures, 7 days", "logistics_manager", "/repairs/figures/?start={start_7}"),
    ("figures, 365 days", "logistics_manager", "/repairs/figures/?start={start_365}"),
    # What every signed-in page pays before its own work (bench/constant.py): the session and
    # the user; and an empty page in the shared layout. A page's share of the ceiling cannot
    # pass these.
    ("floor: signed-in constant", "repair_dispatcher", "/bench/signed-in/"),
    ("floor: empty page", "repair_dispatcher", "/bench/empty/"),
    # The same through a session of Django's ModelBackend: the user, its roles and its unread
    # count in three queries, as before logistics/backends.py.
    ("floor: empty page (ModelBackend session)", "repair_dispatcher" + LEGACY, "/bench/empty/"),
    ("queue (ModelBackend session)", "repair_dispatcher" + LEGACY, "/repairs/queue/"),
    ("detail (ModelBackend session)", "logistics_manager" + LEGACY, "/repairs/{detail_id}/"),
]
CEILING = ("bare constant", None, "/bench/constant/")
PEER = "peer"  # the key of the --peer server; its rows are the 100k size's
TARGETS = {"queue": 0.10, "detail": 0.15, "API list, page 1": 0.15}


def serve(args) -> None:
    import bench_overhead

    only = set(filter(None, args.only.split(";")))
    endpoints = [e for e in ENDPOINTS if not only or e[0] in only]
    peer_endpoints = []
    if args.peer and "100k" not in databases(args):
        sys.exit("--peer holds 100,000 tickets: measure it beside --sizes 100k")
    servers = {}
    changes = Changes({}, 0)
    try:
        bare, port = bench_overhead.start(
            env_for(next(iter(databases(args).values()))), "bench.settings_bare", args
        )
        servers["ceiling"] = (bare, port, None)
        for size, database in databases(args).items():
            info = read_info(database)
            # the portal's settings and URLs with the floors beside them (bench/urls_dining.py)
            server, port = bench_overhead.start(env_for(database), "bench.settings_dining", args)
            servers[size] = (server, port, info)
            for name, who, path in endpoints:
                status = _check(port, _paths(path, info)[0], info["cookies"][who])
                if status != 200:
                    sys.exit(f"{size} {name} answered {status}")
        if args.peer:
            import bench_helpdesk

            # checks its endpoints answer the staff user's list (not a login redirect)
            servers[PEER] = bench_helpdesk.start(args)
            peer_endpoints = bench_helpdesk.ENDPOINTS
        changes = Changes(databases(args), args.changes)
        rounds = []
        for number in range(args.rounds):
            result = {"ceiling": _wrk(servers["ceiling"], CEILING, args)}
            plan = [(size, e) for e in endpoints for size in databases(args)]
            plan += [(PEER, e) for e in peer_endpoints]
            shift = number % len(plan)
            for size, endpoint in plan[shift:] + plan[:shift]:
                key = f"{'100k' if size == PEER else size} {endpoint[0]}"
                result[key] = _wrk(servers[size], endpoint, args)
            result["ceiling again"] = _wrk(servers["ceiling"], CEILING, args)
            rounds.append(result)
            print(
                f"round {number + 1}: ceiling {result['ceiling']['req_per_s']:.0f} req/s",
                file=sys.stderr,
            )
    finally:
        changes.stop()
        for server, _port, _info in servers.values():
            run.stop(server)
    report = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": _machine(),
        "args": vars(args),
        "data": {
            size: _size(info) for size, (_s, _p, info) in servers.items() if info and size != PEER
        },
        "rounds": rounds,
        "changes": changes.made,
        "summary": summary(rounds, endpoints + peer_endpoints, list(databases(args))),
    }
    if args.peer:
        peer_info = servers[PEER][2]
        report["peer"] = {
            **{k: peer_info[k] for k in ("database", "tickets", "open", "followups", "django")},
            "queue_per_peer": peer_ratios(rounds, list(databases(args))),
        }
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    (RESULTS / f"scale-{stamp}.json").write_text(json.dumps(report, indent=1, ensure_ascii=False))
    print(table(report["summary"]))
    if args.peer:
        print()
        for label, value in report["peer"]["queue_per_peer"].items():
            print(f"{label}: {value:.1f}× (median of the rounds' ratios)")


class Changes:
    """With `per_second` > 0, a thread per database moves the `updated_at` of a random request
    that often while the rounds run, as the writes of a busy campus do (a step, a comment):
    every kept list of every reader is then drawn again at its next request (its key holds the
    newest change), and the page of the request changed, so the figures show what the pages
    answer between writes at that rate, not only when nothing changes. The count of changes
    made is in the report."""

    def __init__(self, databases: dict[str, str], per_second: float):
        import threading

        self.made: dict[str, int] = {}
        self._stop = threading.Event()
        self._threads = [
            threading.Thread(target=self._write, args=(size, name, per_second), daemon=True)
            for size, name in databases.items()
            if per_second > 0
        ]
        for thread in self._threads:
            thread.start()

    def _write(self, size: str, database: str, per_second: float) -> None:
        import random

        import psycopg2

        connection = psycopg2.connect(host="127.0.0.1", user="postgres", dbname=database)
        connection.autocommit = True
        with connection.cursor() as cursor:
            cursor.execute("SELECT MIN(id), MAX(id) FROM repairs_repairrequest")
            low, high = cursor.fetchone()
            self.made[size] = 0
            while not self._stop.wait(1 / per_second):
                cursor.execute(
                    "UPDATE repairs_repairrequest SET updated_at = clock_timestamp() WHERE id = %s",
                    [random.randint(low, high)],  # noqa: S311 (a benchmark's choice)
                )
                self.made[size] += cursor.rowcount
        connection.close()

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join()


def peer_ratios(rounds: list[dict], sizes: list[str]) -> dict:
    """The portal's queue req/s over the peer's ticket list (page, and its JSON rows) req/s,
    per size, each ratio taken within a round and the median reported; and over a whole view
    of the list as a user sees it, the page and then its rows: one worker serves
    1 / (1/page + 1/rows) such views a second."""
    import bench_helpdesk

    page, rows = (f"100k {bench_helpdesk.LIST_PAGE}", f"100k {bench_helpdesk.ROWS}")

    def views(result: dict) -> float:
        return 1 / (1 / result[page]["req_per_s"] + 1 / result[rows]["req_per_s"])

    ratios = {}
    for size in sizes:
        queue = f"{size} queue"
        if queue not in rounds[0]:
            continue
        for name in (bench_helpdesk.LIST_PAGE, bench_helpdesk.ROWS):
            if f"100k {name}" in rounds[0]:
                ratios[f"{size} queue ÷ {name} (100k)"] = statistics.median(
                    r[queue]["req_per_s"] / r[f"100k {name}"]["req_per_s"] for r in rounds
                )
        if page in rounds[0] and rows in rounds[0]:
            ratios[f"{size} queue ÷ a helpdesk list view, page and rows (100k)"] = (
                statistics.median(r[queue]["req_per_s"] / views(r) for r in rounds)
            )
    return ratios


def _size(info: dict) -> dict:
    return {k: info[k] for k in ("requests", "open", "events")}


def _machine() -> dict:
    import platform

    cpu = ""
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    return {
        "cpu": cpu,
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "load_before": os.getloadavg(),
    }


def _check(port: int, path: str, cookie: str) -> int:
    from http.client import HTTPConnection

    connection = HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request("GET", path, headers={"Cookie": cookie, "Accept-Language": "zh-CN"})
    response = connection.getresponse()
    response.read()
    return response.status


def _paths(path: str, info: dict) -> list[str]:
    """The endpoint's address filled from the database's info; one per request of
    info["spread"] where it names {spread} (bench/wrk_p95.lua asks for them in turn)."""
    if "{spread}" in path:
        return [path.format(**{**info, "spread": pk}) for pk in info["spread"]]
    return [path.format(**info)]


def _wrk(server, endpoint, args) -> dict:
    import re

    import bench_overhead

    process, port, info = server
    _name, who, path = endpoint
    headers = dict(bench_overhead.PHONE)
    paths = [path]
    if who:
        headers["Cookie"] = info["cookies"][who]
        paths = _paths(path, info)
        path = paths[0]
    pairs = [part for name, value in headers.items() for part in ("-H", f"{name}: {value}")]
    command = [
        *bench_overhead.pinned(args.client_cpu),
        "wrk",
        "-t1",
        f"-c{args.connections}",
        f"-d{args.seconds}s",
        "--latency",
        "-s",
        str(BASE_DIR / "bench" / "wrk_p95.lua"),
        *pairs,
        f"http://127.0.0.1:{port}{path}",
    ]
    _settle(process)
    cpu_before = bench_overhead.worker_cpu(process)
    environment = {**os.environ, "WRK_PATHS": " ".join(paths) if len(paths) > 1 else ""}
    out = subprocess.run(
        command, check=True, capture_output=True, text=True, env=environment
    ).stdout
    cpu = bench_overhead.worker_cpu(process) - cpu_before
    _settle(process)  # what is still in flight when wrk stops is this endpoint's
    total = int(re.search(r"(\d+) requests in", out).group(1))
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    latency = bench_overhead.latencies(out)
    return {
        "req_per_s": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "cpu_ms_per_request": round(cpu / total * 1000, 2) if total and cpu else None,
        "requests": total,
        "errors": int(bad.group(1)) if bad else 0,
        **latency,
    }


def _settle(process, quiet: float = 0.3, limit: float = 30.0) -> None:
    """Waits until the worker has used no CPU for `quiet` seconds: requests wrk left in flight
    (a slow endpoint's) must not be counted against the next endpoint."""
    import bench_overhead

    deadline = time.monotonic() + limit
    used = bench_overhead.worker_cpu(process)
    while time.monotonic() < deadline:
        time.sleep(quiet)
        now = bench_overhead.worker_cpu(process)
        if now - used < 0.01:
            return
        used = now


def summary(rounds: list[dict], endpoints, sizes: list[str]) -> dict:
    rows = {}
    for name, _who, _path in endpoints:
        for size in sizes:
            key = f"{size} {name}"
            if key not in rounds[0]:
                continue  # the peer's endpoints at 1m
            runs = [r[key] for r in rounds]
            ratios = [
                r[key]["req_per_s"]
                / ((r["ceiling"]["req_per_s"] + r["ceiling again"]["req_per_s"]) / 2)
                for r in rounds
            ]
            rows[key] = {
                "req_per_s": round(statistics.median(x["req_per_s"] for x in runs), 1),
                "ratio": round(statistics.median(ratios), 4),
                "p50_ms": statistics.median(x.get("p50_ms", 0) for x in runs),
                "p90_ms": statistics.median(x.get("p90_ms", 0) for x in runs),
                "p95_ms": statistics.median(x.get("p95_ms", 0) for x in runs),
                "p99_ms": statistics.median(x.get("p99_ms", 0) for x in runs),
                "cpu_ms": statistics.median(x["cpu_ms_per_request"] or 0 for x in runs),
                "errors": sum(x["errors"] for x in runs),
            }
    ceiling = [r["ceiling"]["req_per_s"] for r in rounds] + [
        r["ceiling again"]["req_per_s"] for r in rounds
    ]
    rows["ceiling"] = {"req_per_s": round(statistics.median(ceiling), 1)}
    return rows


def table(rows: dict) -> str:
    sizes = [size for size in SIZES if any(key.startswith(f"{size} ") for key in rows)]
    head = " | ".join(
        f"{s} req/s | % of ceiling | p50 / p90 / p95 / p99 ms | CPU ms/req" for s in sizes
    )
    both = len(sizes) == 2
    lines = [
        f"Ceiling (bare Django, constant view): {rows['ceiling']['req_per_s']} req/s (median).",
        "",
        f"| endpoint | {head} |" + (" 1M / 100k CPU |" if both else ""),
        "|---|" + "---:|" * (4 * len(sizes) + both),
    ]
    names = [key[len(sizes[0]) + 1 :] for key in rows if key.startswith(f"{sizes[0]} ")]
    for name in names:
        cells = []
        for size in sizes:
            row = rows.get(f"{size} {name}")
            if row is None:  # the peer's endpoints at 1m
                cells += ["–"] * 4
                continue
            cells += [
                f"{row['req_per_s']:.0f}",
                f"{row['ratio'] * 100:.1f} %",
                f"{row['p50_ms']} / {row['p90_ms']} / {row['p95_ms']} / {row['p99_ms']}",
                f"{row['cpu_ms']}",
            ]
        line = f"| {name} | " + " | ".join(cells) + " |"
        if both and f"1m {name}" not in rows:
            line += " – |"
        elif both:
            small, large = rows[f"100k {name}"], rows[f"1m {name}"]
            growth = large["cpu_ms"] / small["cpu_ms"] if small["cpu_ms"] else 0
            line += f" {growth:.2f}× |"
        lines.append(line)
    return "\n".join(lines)


def main() -> None:
    args = parse_args()
    if args.step == "prepare":
        prepare(args)
    elif args.step == "load":
        load(args.total)
    elif args.step == "explain":
        explain(args)
    elif args.step == "explain-one":
        explain_one()
    elif args.step == "profile":
        profile(args)
    elif args.step == "profile-one":
        profile_one(args)
    else:
        serve(args)


if __name__ == "__main__":
    main()
