"""Portal overhead in process: CPU time per request of the bare constant view, the portal's
constant view and the warm /dining/, through Django's WSGI handler without a server or a socket
(what bench_overhead.py's per-CPU-second figures measure, with less noise on a shared machine).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal_bench_dining \\
    REDIS_URL=redis://127.0.0.1:6379/15 .venv/bin/python bench/overhead_cpu.py

Run bench_overhead.py (or bench_dining.py) once before: it prepares the data. Each endpoint runs
in a process of its own with the phone's headers of bench_overhead.py; the figure is the
minimum over --repeats of --requests requests of time.process_time() per request.
"""

import argparse
import io
import json
import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(1, str(Path(__file__).resolve().parent.parent))  # bench.settings_*

import bench_overhead  # noqa: E402
import run  # noqa: E402

ENDPOINTS = [
    ("bare constant", "bench.settings_bare", "/bench/constant/"),
    ("portal constant", "bench.settings_dining", "/bench/constant/"),
    ("portal /dining/", "bench.settings_dining", "/dining/"),
]


def measure(path: str, requests: int, repeats: int) -> float:
    """CPU µs per request of `path` in this process (DJANGO_SETTINGS_MODULE set)."""
    from django.core.wsgi import get_wsgi_application

    app = get_wsgi_application()
    headers = {
        "HTTP_" + name.upper().replace("-", "_"): value
        for name, value in bench_overhead.PHONE.items()
    }

    def one() -> None:
        environ = {
            "REQUEST_METHOD": "GET",
            "PATH_INFO": path,
            "QUERY_STRING": "",
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "8000",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "HTTP_HOST": "127.0.0.1",
            "REMOTE_ADDR": "127.0.0.1",
            "wsgi.input": io.BytesIO(),
            "wsgi.errors": sys.stderr,
            "wsgi.url_scheme": "http",
            **headers,
        }
        status = []
        body = app(environ, lambda s, h, *a: status.append(s))
        for _ in body:
            pass
        body.close()
        if not status[0].startswith("200"):
            sys.exit(f"{path} answered {status[0]}")

    for _ in range(200):  # warm: imports, caches, the page
        one()
    best = float("inf")
    for _ in range(repeats):
        start = time.process_time()
        for _ in range(requests):
            one()
        best = min(best, (time.process_time() - start) / requests)
    return best * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--inner", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.inner:
        os.environ["DJANGO_SETTINGS_MODULE"] = args.inner[0]
        print(json.dumps(measure(args.inner[1], args.requests, args.repeats)))
        return
    env = run.server_env()
    env["DATABASE_URL"] = os.environ.get(
        "DATABASE_URL", "postgres://postgres@127.0.0.1:5432/portal_bench_dining"
    )
    results = {}
    for name, settings, path in ENDPOINTS:
        out = subprocess.run(
            [
                sys.executable,
                __file__,
                "--inner",
                settings,
                path,
                "--requests",
                str(args.requests),
                "--repeats",
                str(args.repeats),
            ],
            env={**env, "DJANGO_SETTINGS_MODULE": settings},
            cwd=run.BASE_DIR,
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        results[name] = round(json.loads(out.splitlines()[-1]), 1)
    bare = results["bare constant"]
    for name, us in results.items():
        print(f"{name}: {us} µs per request, {bare / us:.0%} of bare's rate per CPU second")
    print(f"load average {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
