"""Lost-and-found matching: recall@5 and precision@1 on the labelled set (bench/lostfound_pairs.py,
160 Chinese and English pairs), and the time to rank one lost report's candidates, with no other
found items and with more distractors of the same phrasings in the same two months.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal_bench_lostfound \\
    REDIS_URL=redis://127.0.0.1:6379/15 .venv/bin/python bench/bench_lostfound.py \\
        --noise 0 2000 20000

Uses a separate benchmark database (never the test database): migrates it, writes everything in
one transaction and rolls it back at the end. Distractors are found items written from the same
phrase pools with another seed (same categories, colours, brands, buildings, weeks), so they
compete with the right answer. Writes bench/results/lostfound-<time>.json and prints a Markdown
table.
"""

import argparse
import json
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

BASE_DIR = Path(__file__).resolve().parent.parent
RESULTS = BASE_DIR / "bench" / "results"
sys.path.insert(0, str(BASE_DIR))


class Rollback(Exception):
    pass


def setup() -> None:
    """Production-like settings in this process (bench/run.py); a local benchmark DB only."""
    sys.path.insert(0, str(BASE_DIR / "bench"))
    from run import django_in_process

    django_in_process(
        script="bench_lostfound.py",
        database="postgres://postgres@127.0.0.1:5432/portal_bench_lostfound",
        redis="redis://127.0.0.1:6379/15",
    )
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def add_noise(count: int, *, desk, start, seed: int) -> None:
    from bench.lostfound_pairs import BUILDINGS, pairs
    from logistics.models import Building
    from lostfound.models import Category, FoundItem

    categories = {c.code: c for c in Category.objects.all()}
    codes = [code for group in BUILDINGS.values() for code in group]
    buildings = {
        b.code[4:]: b for b in Building.objects.filter(code__in=[f"LFB-{c}" for c in codes])
    }
    rows = [
        FoundItem(
            category=categories[p.category],
            description=p.found_text[:200],
            building=buildings.get(p.found_building),
            place_text=p.found_place,
            found_at=start + timedelta(hours=p.found_hours),
            desk=desk,
            status=FoundItem.Status.STORED,
        )
        for p in pairs(count, seed=seed)
    ]
    FoundItem.objects.bulk_create(rows, batch_size=2000)


def measure(loaded) -> dict:
    from bench.lostfound_pairs import score_set
    from lostfound.matching import ranked_for_report

    result = score_set(loaded)
    took = []
    for report, _item in loaded:
        began = time.perf_counter()
        ranked_for_report(report)
        took.append((time.perf_counter() - began) * 1000)
    took.sort()
    result.pop("ranks")
    result["rank_ms_median"] = round(statistics.median(took), 2)
    result["rank_ms_p95"] = round(took[int(len(took) * 0.95) - 1], 2)
    return result


def run(noise_levels: list[int]) -> list[dict]:
    from django.db import transaction

    from bench.lostfound_pairs import load, pairs
    from logistics.models import Department, User
    from lostfound.models import Desk, FoundItem

    start = datetime(2026, 9, 1, 8, tzinfo=ZoneInfo("Asia/Shanghai"))
    results = []
    try:
        with transaction.atomic():
            unit = Department.objects.create(code="LFB-DESK", name="招领处", name_en="Desk")
            desk = Desk.objects.create(code="LFB", name="招领处", name_en="Desk", department=unit)
            owner = User.objects.create(username="lfbench-owner")
            loaded = load(pairs(), desk=desk, owner=owner, start=start)
            added = 0
            for level in sorted(noise_levels):
                if level > added:
                    add_noise(level - added, desk=desk, start=start, seed=1000 + level)
                    added = level
                row = {
                    "distractors": level,
                    "found_items": FoundItem.objects.filter(desk=desk).count(),
                }
                row |= measure(loaded)
                results.append(row)
                print(json.dumps(row), flush=True)
            raise Rollback
    except Rollback:
        pass
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--noise", type=int, nargs="+", default=[0, 2000, 20000])
    args = parser.parse_args()
    setup()
    results = run(args.noise)
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    (RESULTS / f"lostfound-{stamp}.json").write_text(json.dumps(results, indent=2))
    print("\n| found items | recall@5 | precision@1 | missed | rank one report, median | p95 |")
    print("|---:|---:|---:|---:|---:|---:|")
    for r in results:
        print(
            f"| {r['found_items']:,} | {r['recall_at_5']:.3f} | {r['precision_at_1']:.3f} "
            f"| {r['missed']} | {r['rank_ms_median']} ms | {r['rank_ms_p95']} ms |"
        )


if __name__ == "__main__":
    main()
