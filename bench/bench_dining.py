"""Dining benchmark: the today's-menu page /dining/ with a warm cache against a constant view.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal_bench_dining \\
    REDIS_URL=redis://127.0.0.1:6379/15 .venv/bin/python bench/bench_dining.py

Prepares a benchmark database of its own (migrate, then 3 canteens, 8 windows, 120 dishes with
allergens and nutrition, and today's published breakfast, lunch and dinner menus: 360 menu
items). Starts one gunicorn with the project's gunicorn.conf.py and the production-like
environment of bench/run.py, but with DJANGO_SETTINGS_MODULE=bench.settings_dining, whose
URLConf adds /bench/constant/ (a plain Django view returning a constant response) beside the
portal's URLs. Both go through the same middleware, workers and configuration. Then measures, in
one run and alternating (constant, dining, constant, dining … --rounds times), anonymous GETs
from client processes separate from the server, each loop bounded by a request count and a time
limit. The clients send back the CSRF cookie the first visit set, as a returning browser does,
and Accept-Encoding: gzip, as every phone browser does (both endpoints alike). Worker recycling
(gunicorn.conf.py's max_requests) is off during the run unless --max-requests asks for it.
Writes bench/results/dining-<time>.json and prints a Markdown table with the ratio.
"""

import argparse
import gzip
import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from http.client import HTTPConnection
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))

import run  # noqa: E402  (bench/run.py: gunicorn start/stop, the client loop, machine facts)

BASE_DIR = run.BASE_DIR
SETTINGS = "bench.settings_dining"
ENDPOINTS = [("constant view", "/bench/constant/"), ("GET /dining/ (warm)", "/dining/")]
TARGET_RATIO = 0.80
# What every phone browser sends (both endpoints alike): the constant view answers uncompressed
# (nothing compresses it), /dining/ sends its pre-compressed page.
BROWSER_HEADERS = {"Accept-Encoding": "gzip, deflate, br"}
TARGET_P95_MS = 20.0

MAKE_DATA = """
import datetime, random
from decimal import Decimal
from zoneinfo import ZoneInfo
import django; django.setup()
from django.utils import timezone
from dining.models import (Allergen, Canteen, Dish, DishCategory, Menu, MenuItem, OpeningHours,
                           Window)
from logistics.models import Building, Campus

random.seed(7)
today = timezone.now().astimezone(ZoneInfo("Asia/Shanghai")).date()
campus, _ = Campus.objects.get_or_create(code="bench", defaults={"name": "基准校区"})
allergens = list(Allergen.objects.all())
categories = [DishCategory.objects.get_or_create(code=c, defaults={"name": n})[0]
              for c, n in (("bench-meat", "荤菜"), ("bench-veg", "素菜"), ("bench-staple", "主食"))]
windows_per_canteen = (3, 3, 2)
for n, window_count in enumerate(windows_per_canteen, start=1):
    building, _ = Building.objects.get_or_create(
        campus=campus, code=f"bench-canteen-{n}",
        defaults={"name": f"基准食堂楼{n}", "kind": Building.Kind.CANTEEN})
    canteen, _ = Canteen.objects.get_or_create(
        slug=f"bench-{n}", defaults={"name": f"基准第{n}食堂", "building": building})
    for meal, opens, closes in (("breakfast", 6, 9), ("lunch", 11, 13), ("dinner", 17, 19)):
        OpeningHours.objects.get_or_create(canteen=canteen, meal=meal, defaults={
            "opens_at": datetime.time(opens), "closes_at": datetime.time(closes)})
    for w in range(window_count):
        window, _ = Window.objects.get_or_create(
            canteen=canteen, code=f"W{w + 1}", defaults={"name": f"{w + 1}号窗口"})
        dishes = []
        for d in range(15):
            dish, created = Dish.objects.get_or_create(
                canteen=canteen, name=f"基准菜{n}-{w + 1}-{d + 1}",
                defaults={"name_en": f"Bench dish {n}-{w + 1}-{d + 1}", "window": window,
                          "category": random.choice(categories),
                          "price": Decimal(random.randint(300, 2200)) / 100,
                          "kcal": random.randint(80, 900),
                          "is_vegetarian": d % 4 == 0, "is_halal": d % 5 == 0})
            if created:
                dish.allergens.set(random.sample(allergens, k=random.randint(0, 3)))
            dishes.append(dish)
        for meal in ("breakfast", "lunch", "dinner"):
            menu, _ = Menu.objects.update_or_create(
                window=window, date=today, meal=meal,
                defaults={"canteen": canteen, "status": "published",
                          "published_at": timezone.now()})
            for order, dish in enumerate(dishes):
                MenuItem.objects.get_or_create(menu=menu, dish=dish, defaults={
                    "price": dish.price, "sort_order": order})
# A cache of its own: entries another database left in this Redis db must not be read as ours.
from django.core.cache import cache
cache.clear()
import json
print(json.dumps({"canteens": Canteen.objects.count(), "windows": Window.objects.count(),
                  "dishes": Dish.objects.count(),
                  "menu_items_today": MenuItem.objects.filter(menu__date=today).count()}))
"""


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000, help="per endpoint and round")
    parser.add_argument("--concurrency", type=int, default=4, help="client processes")
    parser.add_argument("--max-seconds", type=float, default=30.0, help="per endpoint and round")
    parser.add_argument("--rounds", type=int, default=2, help="alternating rounds")
    parser.add_argument("--workers", type=int, default=0, help="gunicorn workers (0: config)")
    parser.add_argument(
        "--max-requests",
        type=int,
        default=0,
        help="gunicorn worker recycling (0: off; -1: gunicorn.conf.py's default)",
    )
    return parser.parse_args()


def prepare(env: dict[str, str]) -> dict:
    name = urlsplit(env["DATABASE_URL"]).path.lstrip("/")
    if name.startswith("test") or "bench" not in name:
        sys.exit("use a database of its own whose name contains 'bench' (never a test database)")
    run.create_database(env["DATABASE_URL"])
    manage = [sys.executable, "manage.py"]
    subprocess.run([*manage, "migrate", "--noinput", "-v", "0"], cwd=BASE_DIR, env=env, check=True)
    out = subprocess.run(
        [sys.executable, "-c", MAKE_DATA],
        cwd=BASE_DIR,
        env={**env, "DJANGO_SETTINGS_MODULE": SETTINGS},
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def first_visit(port: int) -> tuple[int, bytes, int, str]:
    """GET /dining/ as a new phone: status, the page, the bytes sent and the CSRF cookie set."""
    conn = HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("GET", "/dining/", headers=BROWSER_HEADERS)
    response = conn.getresponse()
    body = response.read()
    sent = len(body)
    if response.getheader("Content-Encoding") == "gzip":
        body = gzip.decompress(body)
    conn.close()
    cookie = SimpleCookie(response.getheader("Set-Cookie", ""))
    return response.status, body, sent, "; ".join(f"{k}={v.value}" for k, v in cookie.items())


def summary(rounds: list[dict]) -> dict:
    """Totals per endpoint over the rounds: requests/s over the summed time, worst p95."""
    totals = {}
    for name, _ in ENDPOINTS:
        runs = [r[name] for r in rounds]
        requests = sum(r["requests"] for r in runs)
        seconds = sum(r["seconds"] for r in runs)
        totals[name] = {
            "requests": requests,
            "errors": sum(r["errors"] for r in runs),
            "req_per_s": round(requests / seconds, 1),
            "p95_ms_worst": max(r["p95_ms"] for r in runs),
            "p50_ms_worst": max(r["p50_ms"] for r in runs),
        }
    constant, dining = (totals[name] for name, _ in ENDPOINTS)
    ratio = dining["req_per_s"] / constant["req_per_s"]
    totals["ratio"] = round(ratio, 3)
    totals["meets_targets"] = ratio >= TARGET_RATIO and dining["p95_ms_worst"] <= TARGET_P95_MS
    return totals


def main() -> None:
    args = parse_args()
    host = run.machine()
    env = run.server_env()
    env["DATABASE_URL"] = os.environ.get(
        "DATABASE_URL", "postgres://postgres@127.0.0.1:5432/portal_bench_dining"
    )
    size = prepare(env)
    port = run.free_port()
    server_env = {**env, "DJANGO_SETTINGS_MODULE": SETTINGS}
    if args.max_requests >= 0:
        # gunicorn.conf.py recycles a worker after ~2,000 requests; the restart (a new worker
        # imports Django and the portal) lands on whichever endpoint is being measured then:
        # with the defaults always on round 3's /dining/. Off unless asked for.
        server_env["GUNICORN_MAX_REQUESTS"] = str(args.max_requests)
    server = run.start_gunicorn(server_env, port, args.workers)
    rounds = []
    try:
        status, body, sent, cookie = first_visit(port)
        if status != 200 or "基准菜".encode() not in body:
            sys.exit(f"/dining/ does not show the benchmark menus (status {status})")
        # A returning phone sends back the CSRF cookie of its first visit (both endpoints alike).
        headers = {**BROWSER_HEADERS, "Cookie": cookie} if cookie else dict(BROWSER_HEADERS)
        for _ in range(args.rounds):
            rounds.append(
                {name: run.measure(port, path, headers, args) for name, path in ENDPOINTS}
            )
    finally:
        run.stop(server)
    report = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": host,
        "data": size,
        "page_bytes": len(body),
        "page_bytes_sent": sent,
        "gunicorn_max_requests": args.max_requests,
        "gunicorn_workers": args.workers or "config default",
        "concurrency": args.concurrency,
        "rounds": rounds,
        "summary": summary(rounds),
    }
    run.RESULTS.mkdir(exist_ok=True)
    stamp = report["when"].replace(":", "")
    (run.RESULTS / f"dining-{stamp}.json").write_text(json.dumps(report, indent=2))
    print(json.dumps(report, indent=2))
    print("\n| round | endpoint | requests | errors | req/s | p50 ms | p95 ms |")
    print("|---|---|---|---|---|---|---|")
    for n, result in enumerate(rounds, start=1):
        for name, r in result.items():
            print(
                f"| {n} | {name} | {r['requests']} | {r['errors']} | {r['req_per_s']} "
                f"| {r['p50_ms']} | {r['p95_ms']} |"
            )
    print(f"\nratio dining/constant: {report['summary']['ratio']}")


if __name__ == "__main__":
    main()
