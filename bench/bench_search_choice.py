"""Free-text search four ways at 100,000 and 1,000,000 requests: the portal's bigram tsvector,
pg_trgm, jieba words and the plain icontains scan (issue #11 item 3: measure and choose).

    REDIS_URL=redis://127.0.0.1:6379/8 .venv/bin/python bench/bench_search_choice.py
    # one size, more runs:  --sizes 1m --runs 11

Reads the databases of `bench/bench_scale.py prepare` (--databases, default
portal_bench_scale_100k and portal_bench_scale_1m; loopback only, names with "bench"; it refuses to
run when one is missing rather than create it). Their repairs table is only read: each method is
built in a scratch copy, `bench_search_alt` (id, status, created_at, description, place_text, the
bigram `search_tokens` as the portal wrote them, and two jieba tsvectors), dropped at the end, as
is pg_trgm when this run created it.

Methods, each searching description and place_text (the request's own text) for one term:
- bigram: the portal's `logistics.search.search` on the copy (a Django model over the scratch
  table, the same `SearchTokensField`), GIN on the bigram tsvector;
- trigram: GIN (gin_trgm_ops) on description and place_text, `ILIKE '%term%'`;
- jieba: jieba 0.42.1's accurate mode (`jieba.lcut`) written as a 'simple' tsvector of words, GIN;
  the term segmented the same way, its words a phrase (`w1 <-> w2`);
- jieba-search: jieba's search-engine mode (`lcut_for_search`: the long words' sub-words too) on
  write, the term in accurate mode, its words AND'ed — the usual way to raise jieba's recall;
- icontains: Django's `icontains` (`UPPER(col) LIKE UPPER('%term%')`), a sequential scan: the
  baseline every method's result is compared with.

For each term and method two shapes are timed: every matching id (what a count or the complete
result needs) and the first 50 by id descending (a list's first page). EXPLAIN (ANALYZE,
BUFFERS, TIMING OFF) after a warm-up, --runs times: median execution and planning time; the
client's wall time of running the query and fetching its rows, median; the plan's scans. The ids
each method finds are compared with icontains' (rows, missing, extra). Also timed: each index's
build and size, the columns' storage, the write side per row (the portal's `tokens()`, jieba in
either mode, jieba's dictionary load), and, on the real table, the portal's API query (the
RepairRequestFilterSet's `q` as the manager's API list runs it, first page of 50) against
today's seven-field icontains. A probe of hand-written texts (texts the bench data lacks: 渗漏水,
地漏水流, 防漏水胶, water, heating) checks each method's matches against icontains in a
temporary table.

Writes bench/results/search-choice-<UTC time>.json and prints Markdown tables.
"""

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_scale  # noqa: E402
import run  # noqa: E402

BASE_DIR = run.BASE_DIR
RESULTS = run.RESULTS
TABLE = "bench_search_alt"
PROBE_TABLE = "bench_search_probe"
TERMS = ["漏水", "管漏", "热水器", bench_scale.RARE, "leaks"]
METHODS = ["bigram", "trigram", "jieba", "jieba-search", "icontains"]
SHAPES = {"all": "every matching id", "page": "first 50 by id desc"}
PAGE = 50
# Texts the bench data lacks, where the methods part ways with icontains.
PROBE_TEXTS = [
    "卫生间水管漏水，地面积水",
    "屋顶渗漏水，墙皮脱落",
    "地漏水流很慢",
    "阳台防漏水胶开裂",
    "下水管漏水",
    "热水器漏水",
    "热水器不出热水",
    "电热水器指示灯不亮",
    "楼上漏水漏到我家",
    "洗衣机漏水漏电",
    "水龙头漏水",
    "空调漏水了",
    "暖气片漏水，滴到楼下",
    "水管漏了",
    "The shower leaks",
    "Shower head leaks at the joint",
    "Water leaking under the sink",
    "The heating is too weak in room",
    "Ａ３０２ 门锁坏了",
    "净水器 zircon 滤芯需要更换",
]
PROBE_TERMS = ["漏水", "管漏", "水管", "热水器", "渗漏", "地漏", "leaks", "leak", "heat", "ater"]
WORD_CHAR = re.compile(r"[^\W_]")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("step", nargs="?", default="all", choices=["all", "one"])
    parser.add_argument(
        "--databases",
        default="portal_bench_scale_100k,portal_bench_scale_1m",
        help="the 100,000 and the 1,000,000 database, comma-separated",
    )
    parser.add_argument("--sizes", default="100k,1m", help="which of the two (100k, 1m or both)")
    parser.add_argument("--runs", type=int, default=7, help="EXPLAIN ANALYZE runs per query")
    parser.add_argument("--sample", type=int, default=20_000, help="rows segmented per method")
    parser.add_argument("--keep", action="store_true", help="keep the scratch table")
    return parser.parse_args()


# --- the parent: one child process per database ------------------------------------------------


def database_exists(name: str) -> bool:
    import psycopg2

    conn = psycopg2.connect(host="127.0.0.1", user="postgres", dbname="postgres")
    try:
        with conn.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
            return cursor.fetchone() is not None
    finally:
        conn.close()


def main_all(args) -> None:
    results = {"machine": bench_scale._machine(), "runs": args.runs, "sizes": {}}
    chosen = bench_scale.databases(args)
    for size, database in chosen.items():
        if not database_exists(database):
            sys.exit(
                f"{database} is missing: make it first with "
                f"`bench/bench_scale.py prepare --sizes {size}`"
            )
    for size, database in chosen.items():
        env = {**bench_scale.env_for(database), "DJANGO_SETTINGS_MODULE": "logistics.settings"}
        command = [sys.executable, __file__, "one", "--runs", str(args.runs)]
        command += ["--sample", str(args.sample)] + (["--keep"] if args.keep else [])
        out = subprocess.run(
            command, cwd=BASE_DIR, env=env, check=True, capture_output=True, text=True
        )
        sys.stderr.write(out.stderr)
        results["sizes"][size] = json.loads(out.stdout.strip().splitlines()[-1])
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    path = RESULTS / f"search-choice-{stamp}.json"
    path.write_text(json.dumps(results, indent=1, ensure_ascii=False))
    print(report(results))
    print(f"\nwritten to {path.relative_to(BASE_DIR)}", file=sys.stderr)


# --- the child: one database --------------------------------------------------------------------


def main_one(args) -> None:
    database = os.environ["DATABASE_URL"]
    run.django_in_process(
        script="bench/bench_search_choice.py", database=database, redis=os.environ["REDIS_URL"]
    )
    from django.db import connection

    try:
        import jieba
    except ImportError:
        sys.exit("jieba is missing: pip install -r requirements-dev.txt")
    import logging

    jieba.setLogLevel(logging.WARNING)
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass('repairs_repairrequest') IS NOT NULL")
        if not cursor.fetchone()[0]:
            sys.exit(f"{urlsplit(database).path} has no requests: run bench_scale.py prepare")
        cursor.execute("SELECT count(*) FROM repairs_repairrequest")
        requests = cursor.fetchone()[0]
        cursor.execute("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")
        had_trgm = cursor.fetchone() is not None
    out = {"database": connection.settings_dict["NAME"], "requests": requests}
    out["settings"] = settings_of(connection)
    out["write"] = write_side(args.sample)
    try:
        out["build"] = build(connection)
        out["storage"] = storage(connection)
        model = scratch_model()
        out["queries"] = {term: time_term(connection, model, term, args.runs) for term in TERMS}
        out["portal"] = {term: portal_api(connection, term, args.runs) for term in TERMS}
        out["probe"] = probe(connection, model)
    finally:
        if not args.keep:
            with connection.cursor() as cursor:
                cursor.execute(f"DROP TABLE IF EXISTS {TABLE}")
                cursor.execute(f"DROP TABLE IF EXISTS {PROBE_TABLE}")
                if not had_trgm:
                    cursor.execute("DROP EXTENSION IF EXISTS pg_trgm")
    print(json.dumps(out, ensure_ascii=False))


def settings_of(connection) -> dict:
    names = [
        "server_version",
        "shared_buffers",
        "work_mem",
        "maintenance_work_mem",
        "jit",
        "max_parallel_workers_per_gather",
        "lc_ctype",
    ]
    with connection.cursor() as cursor:
        values = {}
        for name in names:
            cursor.execute(f"SHOW {name}")
            values[name] = cursor.fetchone()[0]
    return values


# --- jieba's words as a tsvector -----------------------------------------------------------------


def quote(word: str) -> str:
    return "'" + word.replace("\\", "\\\\").replace("'", "''") + "'"


def words(text: str, *, mode: str) -> list[str]:
    """jieba's words of `text` (accurate or search mode), normalized as logistics.search does
    (NFKC, case-folded); spaces and punctuation dropped."""
    import jieba

    from logistics.search import normalize

    cut = jieba.lcut_for_search if mode == "search" else jieba.lcut
    return [normalize(w).strip() for w in cut(text or "") if WORD_CHAR.search(w)]


def jieba_tokens(*texts: str | None, mode: str) -> str:
    """A tsvector literal of jieba's words of `texts`, positions in order (a gap between texts)."""
    positions: dict[str, list[int]] = {}
    position = 1
    for text in texts:
        for word in words(text or "", mode=mode):
            positions.setdefault(word, []).append(min(position, 16383))
            position += 1
        position += 1
    return " ".join(
        quote(word) + ":" + ",".join(str(p) for p in sorted(set(at))[:255])
        for word, at in sorted(positions.items())
    )


def jieba_query(term: str, *, joiner: str) -> str:
    """The term in accurate mode, its words joined by `joiner` (a phrase ' <-> ' or ' & ')."""
    found = words(term, mode="accurate")
    return joiner.join(quote(w) for w in found) if found else "''"


# --- write side ----------------------------------------------------------------------------------


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def write_side(sample: int) -> dict:
    """ms per row of each method's tokens, on `sample` rows of the table and on the probe."""
    import jieba
    from django.db import connection

    from logistics.search import tokens

    before = rss_mb()
    started = time.perf_counter()
    jieba.initialize()
    load = {"jieba_load_s": time.perf_counter() - started, "jieba_rss_mb": rss_mb() - before}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT description, place_text FROM repairs_repairrequest ORDER BY id LIMIT %s",
            [sample],
        )
        rows = cursor.fetchall()
    rows_probe = [(text, "") for text in PROBE_TEXTS] * max(1, sample // len(PROBE_TEXTS))
    makers = {
        "bigram": lambda d, p: tokens(d, p),
        "jieba": lambda d, p: jieba_tokens(d, p, mode="accurate"),
        "jieba-search": lambda d, p: jieba_tokens(d, p, mode="search"),
    }
    per_row = {}
    for name, make in makers.items():
        per_row[name] = {}
        for label, chosen in (("bench rows", rows), ("probe texts", rows_probe)):
            started = time.perf_counter()
            for description, place_text in chosen:
                make(description, place_text)
            per_row[name][label] = (time.perf_counter() - started) * 1000 / len(chosen)
    return {**load, "ms_per_row": per_row, "rows": len(rows), "probe_rows": len(rows_probe)}


# --- the scratch table and its indexes ----------------------------------------------------------

INDEXES = {
    "bigram": f"CREATE INDEX {TABLE}_bigram ON {TABLE} USING gin (search_tokens)",
    "trigram": (
        f"CREATE INDEX {TABLE}_trgm ON {TABLE} "
        "USING gin (description gin_trgm_ops, place_text gin_trgm_ops)"
    ),
    "jieba": f"CREATE INDEX {TABLE}_jieba ON {TABLE} USING gin (jieba_tokens)",
    "jieba-search": f"CREATE INDEX {TABLE}_jieba_search ON {TABLE} USING gin (jieba_search)",
}


def build(connection) -> dict:
    """The copy (texts segmented once each, as bench_scale's load computes the bigrams), then
    each index, timed."""
    timings = {}
    with connection.cursor() as cursor:
        cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        cursor.execute(f"DROP TABLE IF EXISTS {TABLE}")
        started = time.perf_counter()
        cursor.execute("SELECT DISTINCT description, place_text FROM repairs_repairrequest")
        texts = cursor.fetchall()
        cursor.execute(
            "CREATE TEMPORARY TABLE bench_search_words (description text, place_text text, "
            "jieba_tokens tsvector, jieba_search tsvector)"
        )
        cursor.executemany(
            "INSERT INTO bench_search_words VALUES (%s, %s, %s::tsvector, %s::tsvector)",
            [
                (d, p, jieba_tokens(d, p, mode="accurate"), jieba_tokens(d, p, mode="search"))
                for d, p in texts
            ],
        )
        cursor.execute(
            f"CREATE TABLE {TABLE} AS SELECT r.id, r.status, r.created_at, r.description, "  # noqa: S608
            "r.place_text, r.search_tokens, w.jieba_tokens, w.jieba_search "
            "FROM repairs_repairrequest r JOIN bench_search_words w "
            "ON w.description = r.description AND w.place_text = r.place_text"
        )
        cursor.execute(f"ALTER TABLE {TABLE} ADD PRIMARY KEY (id)")
        cursor.execute("DROP TABLE bench_search_words")
        timings["copy_s"] = time.perf_counter() - started
        timings["distinct_texts"] = len(texts)
        timings["indexes"] = {}
        for name, sql in INDEXES.items():
            started = time.perf_counter()
            cursor.execute(sql)
            seconds = time.perf_counter() - started
            index = sql.split()[2]
            cursor.execute("SELECT pg_relation_size(%s)", [index])
            timings["indexes"][name] = {"build_s": seconds, "bytes": cursor.fetchone()[0]}
        cursor.execute(f"VACUUM ANALYZE {TABLE}")
        cursor.execute(f"SELECT count(*) FROM {TABLE}")  # noqa: S608
        timings["rows"] = cursor.fetchone()[0]
        cursor.execute("SELECT pg_relation_size('repair_search_idx')")
        timings["portal_index_bytes"] = cursor.fetchone()[0]
    print(f"built {TABLE}: {json.dumps(timings)}", file=sys.stderr)
    return timings


def storage(connection) -> dict:
    """Bytes the search columns take in the copy (their sum over the rows, pg_column_size)."""
    columns = ["description", "place_text", "search_tokens", "jieba_tokens", "jieba_search"]
    sums = ", ".join(f"sum(pg_column_size({c}))" for c in columns)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {sums}, pg_table_size(%s) FROM {TABLE}", [TABLE])  # noqa: S608
        values = cursor.fetchone()
    return {**dict(zip(columns, values[:-1], strict=True)), "table_bytes": values[-1]}


def scratch_model():
    """A model over the copy with the portal's field, so that logistics.search builds the
    bigram query exactly as the API does."""
    from django.db import models

    from logistics.search import SearchTokensField

    class BenchSearchAlt(models.Model):  # noqa: DJ008
        status = models.CharField(max_length=20)
        created_at = models.DateTimeField()
        description = models.TextField()
        place_text = models.CharField(max_length=200)
        search_tokens = SearchTokensField(sources=("description", "place_text"))

        class Meta:
            app_label = "repairs"
            db_table = TABLE
            managed = False

    return BenchSearchAlt


def condition(connection, model, method: str, term: str) -> tuple[str, list]:
    """(SQL, params) of the WHERE that finds `term` in a row's own text, by `method`."""
    from django.db.models import Q

    from logistics.search import search

    if method in ("bigram", "icontains"):
        if method == "bigram":
            queryset = search(model.objects.all(), term, fields=("description", "place_text"))
        else:
            queryset = model.objects.filter(
                Q(description__icontains=term) | Q(place_text__icontains=term)
            )
        query = queryset.query
        where, params = query.get_compiler(connection=connection).compile(query.where)
        return where, list(params)
    if method == "trigram":
        like = "%" + term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        return "(description ILIKE %s OR place_text ILIKE %s)", [like, like]
    if method == "jieba":
        return "jieba_tokens @@ %s::tsquery", [jieba_query(term, joiner=" <-> ")]
    return "jieba_search @@ %s::tsquery", [jieba_query(term, joiner=" & ")]


def shaped(where: str, shape: str, table: str = TABLE) -> str:
    sql = f"SELECT {table}.id FROM {table} WHERE {where}"  # noqa: S608
    return sql + f" ORDER BY {table}.id DESC LIMIT {PAGE}" if shape == "page" else sql


def explain(cursor, sql: str, params: list, *, analyze_timing: bool = False) -> dict:
    timing = "" if analyze_timing else ", TIMING OFF"
    cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS{timing}, FORMAT JSON) {sql}", params)
    value = cursor.fetchone()[0]
    return (json.loads(value) if isinstance(value, str) else value)[0]


def scans(node: dict) -> list[str]:
    """The plan's scans, outermost first: 'Bitmap Index Scan on <index>', 'Seq Scan', …"""
    found = []
    kind = node.get("Node Type", "")
    if "Scan" in kind:
        on = node.get("Index Name") or node.get("Relation Name") or ""
        found.append(f"{kind} {on}".strip())
    for child in node.get("Plans", []):
        found += scans(child)
    return found


def timed(cursor, sql: str, params: list, runs: int) -> dict:
    """Warm-up, then `runs` EXPLAIN ANALYZE runs and `runs` plain runs (wall, rows fetched)."""
    cursor.execute(sql, params)
    rows = [r[0] for r in cursor.fetchall()]
    plans = [explain(cursor, sql, params) for _ in range(runs)]
    walls = []
    for _ in range(runs):
        started = time.perf_counter()
        cursor.execute(sql, params)
        cursor.fetchall()
        walls.append((time.perf_counter() - started) * 1000)
    last = plans[-1]["Plan"]
    return {
        "execution_ms": statistics.median(p["Execution Time"] for p in plans),
        "planning_ms": statistics.median(p["Planning Time"] for p in plans),
        "execution_ms_all": [round(p["Execution Time"], 3) for p in plans],
        "wall_ms": statistics.median(walls),
        "shared_hit": last.get("Shared Hit Blocks", 0),
        "shared_read": last.get("Shared Read Blocks", 0),
        "scans": scans(last),
        "rows": rows,
    }


def time_term(connection, model, term: str, runs: int) -> dict:
    results = {}
    with connection.cursor() as cursor:
        for method in METHODS:
            where, params = condition(connection, model, method, term)
            results[method] = {"where": cursor.mogrify(where, params).decode()}
            for shape in SHAPES:
                results[method][shape] = timed(cursor, shaped(where, shape), params, runs)
            plan = explain(cursor, shaped(where, "all"), params, analyze_timing=True)
            results[method]["plan_all"] = plan
        base = results["icontains"]
        for method in METHODS:
            for shape in SHAPES:
                entry = results[method][shape]
                ids = entry.pop("rows")
                expected = base[shape]["rows"] if method != "icontains" else ids
                found, wanted = set(ids), set(expected)
                entry.update(
                    count=len(ids),
                    missing=len(wanted - found),
                    extra=len(found - wanted),
                    same=ids == expected if shape == "page" else found == wanted,
                )
        for shape in SHAPES:
            base[shape].pop("rows", None)
    print(f"timed {term}", file=sys.stderr)
    return results


# --- the portal's API query on the real table ----------------------------------------------------


def portal_api(connection, term: str, runs: int) -> dict:
    """The API list's first page for `q=term` as the manager (RepairRequestFilterSet, keyset
    ordering), against today's seven-field icontains on the same scope; and the complete
    results of both compared."""
    from functools import reduce
    from operator import or_

    from django.db.models import Q

    from logistics.keyset import KeysetPaginator
    from logistics.models import User
    from repairs.filters import RepairRequestFilterSet
    from repairs.models import RepairRequest

    manager = User.objects.get(username="logistics_manager")
    api = RepairRequest.objects.for_user(manager).for_api().order_by("-created_at", "-id")
    searched = RepairRequestFilterSet({"q": term}, queryset=api).qs
    fields = RepairRequestFilterSet.search_fields
    old = api.filter(reduce(or_, (Q(**{f"{f}__icontains": term}) for f in fields)))

    def first_page(queryset):
        paginator = KeysetPaginator(queryset, PAGE)
        return paginator._ordered(paginator.keys)[: PAGE + 1]

    out = {}
    with connection.cursor() as cursor:
        for name, queryset in (("search index", searched), ("icontains, 7 fields", old)):
            # the page as the API reads it (its columns and joins; the id comes first)
            sql, params = first_page(queryset).query.sql_with_params()
            out[name] = {"page": timed(cursor, sql, list(params), runs)}
            sql, params = queryset.order_by().values_list("pk").query.sql_with_params()
            out[name]["all"] = timed(cursor, sql, list(params), max(1, runs // 3))
    for shape in SHAPES:
        ids = out["search index"][shape].pop("rows")
        expected = out["icontains, 7 fields"][shape].pop("rows")
        out["search index"][shape].update(
            count=len(ids),
            missing=len(set(expected) - set(ids)),
            extra=len(set(ids) - set(expected)),
            same=ids == expected if shape == "page" else set(ids) == set(expected),
        )
        out["icontains, 7 fields"][shape]["count"] = len(expected)
    return out


# --- the probe: texts the bench data lacks -------------------------------------------------------


def probe(connection, model) -> dict:
    """Each method's matches among PROBE_TEXTS for each of PROBE_TERMS, against icontains."""
    from logistics.search import tokens

    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TEMPORARY TABLE {PROBE_TABLE} (id int PRIMARY KEY, description text, "
            "place_text text, search_tokens tsvector, jieba_tokens tsvector, "
            "jieba_search tsvector)"
        )
        cursor.executemany(
            f"INSERT INTO {PROBE_TABLE} VALUES (%s, %s, '', %s::tsvector, %s::tsvector, "  # noqa: S608
            "%s::tsvector)",
            [
                (
                    n,
                    text,
                    tokens(text, ""),
                    jieba_tokens(text, "", mode="accurate"),
                    jieba_tokens(text, "", mode="search"),
                )
                for n, text in enumerate(PROBE_TEXTS)
            ],
        )
        out = {}
        for term in PROBE_TERMS:
            found = {}
            for method in METHODS:
                where, params = condition(connection, model, method, term)
                where = where.replace(f'"{TABLE}"', PROBE_TABLE)
                cursor.execute(shaped(where, "all", PROBE_TABLE), params)
                found[method] = sorted(r[0] for r in cursor.fetchall())
            expected = set(found["icontains"])
            out[term] = {
                method: {
                    "found": len(ids),
                    "missed": [PROBE_TEXTS[i] for i in sorted(expected - set(ids))],
                    "extra": [PROBE_TEXTS[i] for i in sorted(set(ids) - expected)],
                }
                for method, ids in found.items()
            }
            out[term]["icontains"]["texts"] = [PROBE_TEXTS[i] for i in found["icontains"]]
        cursor.execute(f"DROP TABLE {PROBE_TABLE}")
    return out


# --- the report ----------------------------------------------------------------------------------


def mb(value: float) -> str:
    return f"{value / 1024 / 1024:.1f} MB"


def report(results: dict) -> str:
    lines = []
    for size, data in results["sizes"].items():
        build, queries = data["build"], data["queries"]
        lines += [
            f"\n### {data['requests']:,} requests ({size})\n",
            "| method | index size | build | "
            + " | ".join(f"{t}: all ms (rows, missing) · page ms" for t in TERMS)
            + " |",
            "|---|---:|---:|" + "---|" * len(TERMS),
        ]
        for method in METHODS:
            index = build["indexes"].get(method)
            cells = [
                method,
                mb(index["bytes"]) if index else "—",
                f"{index['build_s']:.1f} s" if index else "—",
            ]
            for term in TERMS:
                entry = queries[term][method]
                every, page = entry["all"], entry["page"]
                note = f"{every['count']:,}"
                if method != "icontains":
                    note += ", same" if every["same"] else f", −{every['missing']:,}"
                    note += f" +{every['extra']:,}" if every["extra"] else ""
                cells.append(
                    f"{every['execution_ms']:.1f} ({note}) · {page['execution_ms']:.2f}"
                    + ("" if page["same"] else " ≠")
                )
            lines.append("| " + " | ".join(cells) + " |")
        lines += [
            "\nPlanning ms (all rows): "
            + "; ".join(
                f"{m} " + "/".join(f"{queries[t][m]['all']['planning_ms']:.2f}" for t in TERMS)
                for m in METHODS
            ),
            "\nScans (all rows, 漏水): "
            + "; ".join(f"{m}: {', '.join(queries['漏水'][m]['all']['scans'])}" for m in METHODS),
            "\n| the API's first page (real table) | "
            + " | ".join(TERMS)
            + " |\n|---|"
            + "---:|" * len(TERMS),
        ]
        for name in ("search index", "icontains, 7 fields"):
            cells = []
            for term in TERMS:
                entry = data["portal"][term][name]
                cell = f"{entry['page']['execution_ms']:.2f} ms"
                if name == "search index":
                    cell += " (same rows)" if entry["all"]["same"] else " (differs)"
                cells.append(cell)
            lines.append(f"| {name} | " + " | ".join(cells) + " |")
        write = data["write"]
        lines.append(
            "\nWrite side, ms/row (bench rows / probe texts): "
            + "; ".join(
                f"{m} {v['bench rows']:.3f} / {v['probe texts']:.3f}"
                for m, v in write["ms_per_row"].items()
            )
            + f"; jieba's dictionary {write['jieba_load_s']:.2f} s, "
            f"+{write['jieba_rss_mb']:.0f} MB RSS"
        )
    probe_data = next(iter(results["sizes"].values()))["probe"]
    lines += [
        "\n### Probe texts: what each method misses (−) or adds (+) against icontains\n",
        "| term | icontains finds | " + " | ".join(METHODS[:-1]) + " |",
        "|---|---|" + "---|" * (len(METHODS) - 1),
    ]
    for term, found in probe_data.items():
        cells = []
        for method in METHODS[:-1]:
            entry = found[method]
            diff = [f"−{t}" for t in entry["missed"]] + [f"+{t}" for t in entry["extra"]]
            cells.append("same" if not diff else "; ".join(diff))
        lines.append(f"| {term} | {found['icontains']['found']} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> None:
    args = parse_args()
    if args.step == "one":
        main_one(args)
    else:
        main_all(args)


if __name__ == "__main__":
    main()
