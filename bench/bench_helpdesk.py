"""django-helpdesk 2.6.1 as a peer of the portal's dispatcher queue (issue #11, item 4): its
ticket list at 100,000 tickets, served as the portal is, for bench/bench_scale.py serve --peer
helpdesk.

    .venv/bin/python bench/bench_helpdesk.py prepare   # venv, database, tickets, session

prepare: the venv .venv-helpdesk (bench/peer_helpdesk/requirements.txt), the database
peer_helpdesk_100k (created when missing, migrated), and bench/peer_helpdesk/load.py: one staff
user, 30 agents, four queues, 100,000 tickets over two years (about 3 % open) with their
followups, VACUUM ANALYZE, and the staff user's session in
bench/results/scale-peer_helpdesk_100k.json.

start(args): gunicorn of .venv-helpdesk with the portal's servers' settings as flags (gthread,
1 worker × args.threads, recycling off, keep-alive 5 s, timeout 30 s, no control socket),
pinned to args.server_cpu; returns (Popen, port, info) as bench_scale.serve's servers are.

The measured pages (ENDPOINTS): the ticket list page, /helpdesk/tickets/ with no filter (the
default query, open and reopened tickets, oldest first), as the signed-in staff user; its page
holds the filters and an empty DataTables table, and the browser then asks
/helpdesk/datatables_ticket_list/<query>/ for the rows (serverSide), the first 25 (the user's
tickets_per_page) in the default order: that request, with the query string DataTables sends,
is the second endpoint.
"""

import argparse
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent))

import run  # noqa: E402

BASE_DIR = run.BASE_DIR
VENV = BASE_DIR / ".venv-helpdesk"
PEER = BASE_DIR / "bench" / "peer_helpdesk"
DATABASE = "peer_helpdesk_100k"
INFO = BASE_DIR / "bench" / "results" / f"scale-{DATABASE}.json"
# one key for the loader and the server: the session's auth hash must hold in both
SECRET_KEY = "bench-helpdesk-peer-only-" + "k" * 40
LIST_PAGE = "peer: helpdesk ticket list"
ROWS = "peer: helpdesk ticket list rows (JSON)"
# (name, who, path) as bench_scale.ENDPOINTS; {rows_path} is found by start() on the page
ENDPOINTS = [
    (LIST_PAGE, "helpdesk_staff", "/helpdesk/tickets/"),
    (ROWS, "helpdesk_staff", "{rows_path}"),
]


def env() -> dict[str, str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "GUNICORN_"))}
    return {
        **base,
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{DATABASE}",
        "DJANGO_SECRET_KEY": SECRET_KEY,
        "DJANGO_SETTINGS_MODULE": "peer_helpdesk.settings",
    }


def prepare(tickets: int) -> None:
    started = time.monotonic()
    python = VENV / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
    subprocess.run(
        [str(python), "-m", "pip", "install", "-q", "-r", str(PEER / "requirements.txt")],
        check=True,
    )
    print(f"venv: {time.monotonic() - started:.0f} s", file=sys.stderr)
    run.create_database(env()["DATABASE_URL"])
    manage = [str(python), str(PEER / "manage.py")]
    subprocess.run([*manage, "migrate", "--noinput", "-v", "0"], env=env(), check=True)
    subprocess.run(
        [str(python), str(PEER / "load.py"), str(tickets), str(INFO)], env=env(), check=True
    )
    print(f"prepared in {time.monotonic() - started:.0f} s", file=sys.stderr)


def start(args) -> tuple[subprocess.Popen, int, dict]:
    import bench_overhead

    info = json.loads(INFO.read_text())
    port = run.free_port()
    command = [
        *bench_overhead.pinned(args.server_cpu),
        str(VENV / "bin" / "gunicorn"),
        "peer_helpdesk.wsgi",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        "1",
        "--threads",
        str(args.threads),
        "--worker-class",
        "gthread",
        "--max-requests",
        "0",
        # as /work/main/gunicorn.conf.py sets them for the portal
        "--keep-alive",
        "5",
        "--timeout",
        "30",
        "--no-control-socket",
        "--log-level",
        "warning",
    ]
    server = subprocess.Popen(command, cwd=BASE_DIR / "bench", env=env(), start_new_session=True)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if run.get(port, "/healthz", {})[0] == 200:
                break
        except OSError:
            time.sleep(0.2)
    else:
        run.stop(server)
        sys.exit("gunicorn (django-helpdesk) did not answer /healthz within 30 s")
    try:
        info["rows_path"] = rows_path(port, info)
        check(port, info)
    except BaseException:
        run.stop(server)
        raise
    return server, port, info


def _get(port: int, path: str, info: dict) -> tuple[int, str]:
    status, body = run.get(port, path, {"Cookie": info["cookies"]["helpdesk_staff"]})
    return status, body.decode()


def rows_path(port: int, info: dict) -> str:
    """The request DataTables sends for the list page's first rows: the page's ajax URL and the
    parameters of a first draw (its columns, no order: the page's `order: []`, start 0, the
    table's data-page-length)."""
    status, page = _get(port, "/helpdesk/tickets/", info)
    if status != 200:
        sys.exit(f"helpdesk ticket list answered {status} (not signed in?)")
    url = re.search(r'"url": "(/helpdesk/datatables_ticket_list/[^"]+)"', page).group(1)
    length = re.search(r"data-page-length='(\d+)'", page).group(1)
    table = page[page.index("$('#ticketTable').DataTable(") :]
    params = [("draw", "1")]
    for n, name in enumerate(re.findall(r'\bdata: "(\w+)"', table)):
        params += [
            (f"columns[{n}][data]", name),
            (f"columns[{n}][name]", ""),
            (f"columns[{n}][searchable]", "true"),
            (f"columns[{n}][orderable]", "false" if name == "id" else "true"),
            (f"columns[{n}][search][value]", ""),
            (f"columns[{n}][search][regex]", "false"),
        ]
    params += [
        ("start", "0"),
        ("length", length),
        ("search[value]", ""),
        ("search[regex]", "false"),
        ("_", "1700000000000"),
    ]
    return f"{url}?{urlencode(params)}"


def check(port: int, info: dict) -> None:
    """Both endpoints answer 200 as the signed-in staff user with what they should hold."""
    status, page = _get(port, "/helpdesk/tickets/", info)
    if status != 200 or 'id="ticketTable"' not in page or "helpdesk_staff" not in page:
        sys.exit(f"helpdesk ticket list: {status}, not the staff user's ticket list")
    status, body = _get(port, info["rows_path"], info)
    if status != 200:
        sys.exit(f"helpdesk ticket rows answered {status}")
    rows = json.loads(body)
    if rows["recordsTotal"] != info["open"] or len(rows["data"]) != min(25, info["open"]):
        sys.exit(f"helpdesk ticket rows: {rows['recordsTotal']} open, {len(rows['data'])} rows")
    info["page_bytes"], info["rows_bytes"] = len(page.encode()), len(body.encode())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("step", choices=["prepare"])
    parser.add_argument("--tickets", type=int, default=100_000)
    prepare(parser.parse_args().tickets)


if __name__ == "__main__":
    main()
