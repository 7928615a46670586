"""The fault drill's report (bench/drill.py): the machine it ran on, and its results as a Markdown
table, one column per run (before and after a change)."""

import os
import platform
import subprocess
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent


def machine() -> dict:
    model = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    revision = subprocess.run(
        ["git", "describe", "--always", "--dirty"], cwd=BASE_DIR, capture_output=True, text=True
    ).stdout.strip()
    return {
        "nproc": os.cpu_count(),
        "cpu": model,
        "python": platform.python_version(),
        "loadavg_1m": os.getloadavg()[0],
        "revision": revision,
    }


def _ratio(summary: dict) -> str:
    statuses = ", ".join(f"{n}× {code}" for code, n in summary.get("statuses", {}).items())
    return f"{summary.get('succeeded', 0)}/{summary.get('requests', 0)} ({statuses})"


def _delivered(counts: dict) -> str:
    hooks, mails = counts["webhooks"], counts["emails"]
    return (
        f"webhooks {hooks['delivered']}/{hooks['expected']} ({hooks['duplicates']} dup), "
        f"e-mails {mails['delivered']}/{mails['expected']} ({mails['duplicates']} dup)"
    )


def _rows_a(r: dict) -> list[tuple[str, str]]:
    down = r["requests while Redis was down"]
    rows = [(f"a. {kind}", _ratio(summary)) for kind, summary in down.items()]
    rows.append(
        ("a. notifications created while down", str(r["while down"]["notifications created"]))
    )
    rows.append(("a. after Redis returned", _delivered(r["after Redis returned"])))
    rows.append(
        ("a. s from restart to last delivery", str(r["seconds from restart to last delivery"]))
    )
    return rows


def _rows_b(r: dict) -> list[tuple[str, str]]:
    rows = []
    for name, s in r["requests while Redis hung"].items():
        value = f"{_ratio(s)}, p50 {s.get('p50_s')} s, p95 {s.get('p95_s')} s"
        rows.append((f"b. {name}", value))
    rows.append(("b. after Redis returned", _delivered(r["after Redis returned"])))
    return rows


def _rows_c(r: dict) -> list[tuple[str, str]]:
    rows = []
    for kind, k in r["by kind"].items():
        during = ", ".join(f"{n}× {code}" for code, n in sorted(k["during outage"].items()))
        value = (
            f"during: {during}; Retry-After {k['during outage with Retry-After']}; first success "
            f"{k['seconds to first success after restart']} s after start"
        )
        rows.append((f"c. {kind}", value))
    rows.append(("c. processes that died", ", ".join(r["processes that died"]) or "none"))
    rows.append(("c. deliveries of the scenario", _delivered(r["all filings of the scenario"])))
    rows.append(
        ("c. s from restart to last delivery", str(r.get("seconds from restart to last delivery")))
    )
    return rows


def _rows_d(r: dict) -> list[tuple[str, str]]:
    return [
        ("d. webhooks in flight at the kill", str(r["webhooks in flight at the kill"])),
        ("d. deliveries", _delivered(r["after the new worker"])),
        (
            "d. s from kill to last re-sent delivery",
            str(r["seconds from kill to the last re-sent delivery"]),
        ),
    ]


ROWS = {"a": _rows_a, "b": _rows_b, "c": _rows_c, "d": _rows_d}


def table(reports: list[dict]) -> str:
    """A Markdown table of one or more results (e.g. before and after a change), side by side."""
    columns = [dict(_report_rows(report)) for report in reports]
    names = list(dict.fromkeys(name for column in columns for name in column))
    heads = [f"{r['machine']['revision']} {r['when'][:16]}" for r in reports]
    lines = ["| measure | " + " | ".join(heads) + " |", "|---|" + "---|" * len(reports)]
    for name in names:
        lines.append(f"| {name} | " + " | ".join(c.get(name, "") for c in columns) + " |")
    return "\n".join(lines)


def _report_rows(report: dict) -> list[tuple[str, str]]:
    rows = []
    for title, result in report["scenarios"].items():
        before = result.get("seconds until a filing was delivered before the scenario")
        rows.append((f"{title[0]}. s until a filing was delivered, before the fault", str(before)))
        rows += ROWS[title[0]](result)
    return rows
