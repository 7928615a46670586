"""The core names no app: apps register their beat entries, API scope areas and sections."""

import re
from pathlib import Path

from django.conf import settings as django_settings

from logistics.api.permissions import all_scopes, scope_areas
from logistics.celery import app as celery_app

CORE = Path(__file__).resolve().parents[2] / "logistics"
APPS = r"(repairs|dining|reviews|dorms|lostfound|parcels)"
IMPORT = re.compile(rf"^\s*(from|import)\s+{APPS}\b", re.MULTILINE)
BY_NAME = re.compile(rf"""get_model\(\s*["']{APPS}["']|import_module\(\s*["']{APPS}\b""")
# The project's wiring names the installed apps and their URL modules by design.
WIRING = {"settings.py", "urls.py"}


def core_modules() -> list[Path]:
    return [
        path
        for path in CORE.rglob("*.py")
        if "migrations" not in path.parts and path.name not in WIRING
    ]


def test_it_finds_no_app_imported_by_the_core():
    offenders = [
        str(path.relative_to(CORE.parent))
        for path in core_modules()
        if IMPORT.search(path.read_text()) or BY_NAME.search(path.read_text())
    ]
    assert core_modules()
    assert offenders == []


def test_it_gives_celery_beat_every_apps_entries():
    tasks = {entry["task"] for entry in celery_app.conf.beat_schedule.values()}
    assert {
        "logistics.tasks.bulk_relay_outbox",
        "logistics.tasks.bulk_purge_outbox",
        "logistics.tasks.bulk_send_daily_digests",
        "repairs.tasks.bulk_sla_sweep",
        "repairs.tasks.bulk_auto_confirm",
        "dining.tasks.publish_due",
        "dining.tasks.bulk_favourites_notify_tomorrow",
        "dining.tasks.bulk_price_index",
        "reviews.tasks.bulk_invitations_sweep",
        "reviews.tasks.bulk_complaints_sweep",
        "reviews.tasks.bulk_aggregate_indices",
    } <= tasks
    assert celery_app.conf.beat_schedule == django_settings.CELERY_BEAT_SCHEDULE


def test_it_relays_the_outbox_at_the_configured_interval():
    relay = django_settings.CELERY_BEAT_SCHEDULE["outbox-relay"]
    assert relay["schedule"] == django_settings.OUTBOX_RELAY_INTERVAL
    assert relay["options"] == {"expires": django_settings.OUTBOX_RELAY_INTERVAL}


def test_it_offers_a_read_and_a_write_scope_for_every_registered_area():
    areas = set(scope_areas())
    assert {
        "places",
        "notifications",
        "repairs",
        "dining",
        "reviews",
        "dorms",
        "lostfound",
        "parcels",
    } == areas
    pairs = {f"{a}:{level}" for a in areas for level in ("read", "write")}
    # the city supervision export is read only: no write scope offered
    assert set(all_scopes()) == pairs | {"supervision:read", "webhooks:manage"}
