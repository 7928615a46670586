"""gunicorn.conf.py tunes each worker's garbage collector once the application is loaded
(docs/performance.md, "Garbage collection"): the loaded objects frozen, the thresholds from
GUNICORN_GC_THRESHOLD, Python's defaults when it is empty. The hook runs in a fresh
interpreter, so this test process's collector is left alone."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PROBE = """
import gc, json, runpy
config = runpy.run_path("gunicorn.conf.py")
config["post_worker_init"](None)
print(json.dumps({"threshold": gc.get_threshold(), "frozen": gc.get_freeze_count()}))
"""


def worker_gc(**env) -> dict:
    out = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=ROOT,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout)


def test_a_worker_freezes_what_it_loaded_and_collects_less_often():
    gc = worker_gc()
    assert gc["threshold"] == [50000, 20, 100]
    assert gc["frozen"] > 1000  # the interpreter's and the config's objects at least


def test_the_thresholds_come_from_the_environment():
    assert worker_gc(GUNICORN_GC_THRESHOLD="20000,15,50")["threshold"] == [20000, 15, 50]


def test_empty_keeps_pythons_defaults_and_freezes_nothing():
    gc = worker_gc(GUNICORN_GC_THRESHOLD="")
    assert gc == {"threshold": [700, 10, 10], "frozen": 0}


def test_a_wrong_value_stops_the_start_with_a_message_naming_it():
    for wrong in ("50000;20", "many", "1,2,3,4", "-1"):
        out = subprocess.run(
            [sys.executable, "-c", PROBE],
            cwd=ROOT,
            env={**os.environ, "GUNICORN_GC_THRESHOLD": wrong},
            capture_output=True,
            text=True,
        )
        assert out.returncode != 0
        assert "GUNICORN_GC_THRESHOLD must be one to three whole numbers" in out.stderr
        assert repr(wrong) in out.stderr
