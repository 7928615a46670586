"""Portal overhead: the constant view in a bare Django project, the same view inside the portal,
and the portal's /dining/, side by side in one run.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal_bench_dining \\
    REDIS_URL=redis://127.0.0.1:6379/15 .venv/bin/python bench/bench_overhead.py

Needs wrk (Debian/Ubuntu: `apt-get install -y wrk`). Prepares the dining benchmark's data
(bench/bench_dining.py), then starts two gunicorns with the project's gunicorn.conf.py, one
worker with 4 threads (gthread) each, recycling off, pinned to one CPU (--server-cpu):

- the ceiling: bench/settings_bare.py, a bare Django project with startproject's middleware;
- the portal: bench/settings_dining.py (the portal's settings and URLs plus /bench/constant/).

wrk runs pinned to another CPU (--client-cpu) with a phone's headers (Accept-Encoding gzip,
Accept-Language zh-CN, a mobile User-Agent), anonymous. Each round measures bare constant,
portal constant and portal /dining/ for --seconds each, the order rotating per round, and the
ratios are taken within the round (the machine may be shared: a ratio of neighbours is fairer
than an absolute rate). Beside requests per second it reports requests per second of the
worker's own CPU time (utime + stime from /proc), what one core would serve. Writes
bench/results/overhead-<time>.json and prints a Markdown table.
"""

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_dining  # noqa: E402
import run  # noqa: E402

BASE_DIR = run.BASE_DIR
PHONE = {
    "User-Agent": "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like "
    "Gecko) Chrome/124.0 Mobile Safari/537.36",
    "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
    "Accept-Encoding": "gzip, deflate, br",
    "Accept-Language": "zh-CN,zh;q=0.9,en;q=0.8",
}
# (name, server, path); the ratios are each to the first.
ENDPOINTS = [
    ("bare constant", "bare", "/bench/constant/"),
    ("portal constant", "portal", "/bench/constant/"),
    ("portal /dining/", "portal", "/dining/"),
]
TARGETS = {"portal constant": 0.85, "portal /dining/": 0.80}
SETTINGS = {"bare": "bench.settings_bare", "portal": bench_dining.SETTINGS}


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=12)
    parser.add_argument("--seconds", type=int, default=4, help="per endpoint and round")
    parser.add_argument("--connections", type=int, default=8, help="wrk connections")
    parser.add_argument("--threads", type=int, default=4, help="gunicorn threads (1 worker)")
    parser.add_argument("--server-cpu", default="0", help="taskset CPU list of the servers")
    parser.add_argument("--client-cpu", default="1", help="taskset CPU list of wrk")
    parser.add_argument("--skip-prepare", action="store_true", help="data already there")
    return parser.parse_args()


def pinned(cpus: str) -> list[str]:
    return ["taskset", "-c", cpus] if cpus and shutil.which("taskset") else []


def start(env: dict[str, str], settings: str, args) -> tuple[subprocess.Popen, int]:
    port = run.free_port()
    env = {
        **env,
        "DJANGO_SETTINGS_MODULE": settings,
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_WORKERS": "1",
        "GUNICORN_THREADS": str(args.threads),
        "GUNICORN_MAX_REQUESTS": "0",
    }
    gunicorn = str(Path(sys.executable).parent / "gunicorn")
    server = subprocess.Popen(
        [*pinned(args.server_cpu), gunicorn, "logistics.wsgi"],
        cwd=BASE_DIR,
        env=env,
        start_new_session=True,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if run.get(port, "/healthz", {})[0] in (200, 503):
                return server, port
        except OSError:
            time.sleep(0.2)
    run.stop(server)
    sys.exit(f"gunicorn ({settings}) did not answer /healthz within 30 s")


def latencies(out: str) -> dict[str, float]:
    """p50, p90 and p99 (ms) of wrk --latency's output, and p95 when bench/wrk_p95.lua ran."""
    found = {
        f"p{p}_ms": round(_ms(value, unit), 2)
        # wrk pads the unit to two characters: "1.07s " at a second and more
        for p, value, unit in re.findall(r"^\s+(50|90|99)%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
    }
    if p95 := re.search(r"^p95_us (\d+)$", out, re.M):
        found["p95_ms"] = round(int(p95.group(1)) / 1000, 2)
    return found


def _ms(value: str, unit: str) -> float:
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def worker_cpu(server: subprocess.Popen) -> float:
    """CPU seconds (user + system) the gunicorn worker of `server` has used so far."""
    master = server.pid
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    total = 0
    for pid in children:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15)
    return total / os.sysconf("SC_CLK_TCK")


def wrk(port: int, path: str, seconds: int, args, server: subprocess.Popen | None = None) -> dict:
    headers = [part for name, value in PHONE.items() for part in ("-H", f"{name}: {value}")]
    command = [
        *pinned(args.client_cpu),
        "wrk",
        "-t1",
        f"-c{args.connections}",
        f"-d{seconds}s",
        "--latency",
        *headers,
        f"http://127.0.0.1:{port}{path}",
    ]
    cpu_before = worker_cpu(server) if server else 0.0
    out = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    cpu = worker_cpu(server) - cpu_before if server else 0.0
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    total = int(re.search(r"(\d+) requests in", out).group(1))
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    socket_errors = re.search(r"Socket errors: (.*)", out)
    latency = latencies(out)
    return {
        "req_per_s": rate,
        # Requests per second of the worker's own CPU time: what one core would serve. Under a
        # shared machine's load this moves far less than req_per_s (which also measures how
        # much CPU the worker got).
        "req_per_cpu_s": round(total / cpu, 1) if cpu else None,
        "cpu_us_per_request": round(cpu / total * 1e6, 1) if cpu else None,
        "requests": total,
        "errors": int(bad.group(1)) if bad else 0,
        "socket_errors": socket_errors.group(1).strip() if socket_errors else "",
        **latency,
    }


def check(port: int, path: str, server: str) -> int:
    """One request as the phone: 200, and the size sent."""
    status, body = run.get(port, path, PHONE)
    if status != 200:
        sys.exit(f"{server} {path} answered {status}")
    return len(body)


def main() -> None:
    args = parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is missing: install it (Debian/Ubuntu: apt-get install -y wrk)")
    host = run.machine()
    env = run.server_env()
    env["DATABASE_URL"] = os.environ.get(
        "DATABASE_URL", "postgres://postgres@127.0.0.1:5432/portal_bench_dining"
    )
    size = None if args.skip_prepare else bench_dining.prepare(env)
    servers = {name: start(env, settings, args) for name, settings in SETTINGS.items()}
    rounds = []
    try:
        sent = {name: check(servers[server][1], path, server) for name, server, path in ENDPOINTS}
        for _name, server, path in ENDPOINTS:  # warm-up: imports, caches, connections
            wrk(servers[server][1], path, 2, args)
        for n in range(args.rounds):
            order = ENDPOINTS[n % 3 :] + ENDPOINTS[: n % 3]
            result = {
                name: wrk(servers[server][1], path, args.seconds, args, servers[server][0])
                for name, server, path in order
            }
            result["loadavg_1m"] = os.getloadavg()[0]
            rounds.append(result)
            print(f"round {n + 1}: {line(result)}", flush=True)
    finally:
        for server, _ in servers.values():
            run.stop(server)
    report = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": host,
        "data": size,
        "bytes_sent": sent,
        "gunicorn": f"1 worker x {args.threads} threads (gthread), recycling off",
        "cpus": {"servers": args.server_cpu, "wrk": args.client_cpu},
        "wrk": {"threads": 1, "connections": args.connections, "seconds": args.seconds},
        "headers": PHONE,
        "rounds": rounds,
        "summary": summary(rounds),
    }
    run.RESULTS.mkdir(exist_ok=True)
    stamp = report["when"].replace(":", "")
    (run.RESULTS / f"overhead-{stamp}.json").write_text(json.dumps(report, indent=2))
    print(json.dumps(report["summary"], indent=2))
    print(table(rounds))


def ratios(result: dict, measure: str = "req_per_s") -> dict:
    ceiling = result[ENDPOINTS[0][0]][measure]
    return {name: result[name][measure] / ceiling for name in TARGETS}


def line(result: dict) -> str:
    rates = ", ".join(f"{name} {result[name]['req_per_s']:.0f}/s" for name, _, _ in ENDPOINTS)
    shares = ", ".join(f"{name} {share:.0%}" for name, share in ratios(result).items())
    cpu = ", ".join(f"{share:.0%}" for share in ratios(result, "req_per_cpu_s").values())
    return f"{rates}; {shares}; per CPU second {cpu}"


def summary(rounds: list[dict]) -> dict:
    report = {}
    for measure in ("req_per_s", "req_per_cpu_s"):
        per_round = [ratios(r, measure) for r in rounds]
        for name, target in TARGETS.items():
            values = sorted(r[name] for r in per_round)
            report[f"{name} ({measure})"] = {
                "ratio_min": round(values[0], 3),
                "ratio_median": round(values[len(values) // 2], 3),
                "ratio_max": round(values[-1], 3),
                "target": target,
            }
    return report


def table(rounds: list[dict]) -> str:
    rows = [
        "| round | load 1 min | bare req/s | portal constant req/s | /dining/ req/s "
        "| constant / bare | /dining/ / bare | CPU µs per request (bare, constant, /dining/) "
        "| constant / bare per CPU s | /dining/ / bare per CPU s |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for n, result in enumerate(rounds, start=1):
        shares = ratios(result)
        cpu_shares = ratios(result, "req_per_cpu_s")
        rates = " | ".join(f"{result[name]['req_per_s']:.0f}" for name, _, _ in ENDPOINTS)
        cpu = ", ".join(f"{result[name]['cpu_us_per_request']:.0f}" for name, _, _ in ENDPOINTS)
        rows.append(
            f"| {n} | {result['loadavg_1m']:.2f} | {rates} "
            f"| {shares['portal constant']:.0%} | {shares['portal /dining/']:.0%} | {cpu} "
            f"| {cpu_shares['portal constant']:.0%} | {cpu_shares['portal /dining/']:.0%} |"
        )
    return "\n".join(rows)


if __name__ == "__main__":
    main()
