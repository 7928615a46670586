"""Celery beat's schedule, filled by the apps: each registers its periodic sweeps in `ready()`.

settings.py hands Celery the one dict below (``CELERY_BEAT_SCHEDULE = BEAT_SCHEDULE``); apps add
their entries from ``AppConfig.ready()``::

    from logistics.schedule import register_beat_entry

    register_beat_entry("repairs-sla-sweep", task="repairs.tasks.bulk_sla_sweep", schedule=300,
                        options={"expires": 300})

Celery reads the schedule when beat starts, after ``django.setup()`` has run every app's
``ready()`` (its Django fix-up sets Django up before the scheduler is built), so the dict is
complete by then. Registering a name again replaces the entry (a reloaded ``ready()`` is
harmless).
"""

from typing import Any

from celery.schedules import crontab, schedule

# The same object is settings.CELERY_BEAT_SCHEDULE and Celery's conf.beat_schedule.
BEAT_SCHEDULE: dict[str, dict[str, Any]] = {}


def register_beat_entry(
    name: str,
    *,
    task: str,
    schedule: float | crontab | schedule,
    options: dict[str, Any] | None = None,
    kwargs: dict[str, Any] | None = None,
) -> None:
    """Adds (or replaces) one periodic task run by Celery beat."""
    entry: dict[str, Any] = {"task": task, "schedule": schedule}
    if options:
        entry["options"] = dict(options)
    if kwargs:
        entry["kwargs"] = dict(kwargs)
    BEAT_SCHEDULE[name] = entry


def register_core_entries(*, relay_interval: int) -> None:
    """The core's own sweeps: the outbox relay and purge, the daily digests, daily figures,
    expired kept photos, the city supervision push, the weekly report."""
    register_beat_entry(
        "outbox-relay",
        task="logistics.tasks.bulk_relay_outbox",
        schedule=relay_interval,
        # A relay run that waited longer than one interval is superseded by the next one.
        options={"expires": relay_interval},
    )
    register_beat_entry(
        "outbox-purge",
        task="logistics.tasks.bulk_purge_outbox",
        schedule=crontab(hour=3, minute=30),
    )
    register_beat_entry(
        "notifications-daily-digest",
        task="logistics.tasks.bulk_send_daily_digests",
        schedule=crontab(hour=7, minute=0),
    )
    register_beat_entry(
        "supervision-push",
        task="logistics.tasks.bulk_push_supervision",
        # every half hour: yesterday goes out after the first run that finds it closed
        schedule=crontab(minute="10,40"),
    )
    register_beat_entry(
        "daily-figures",
        task="logistics.tasks.bulk_refresh_daily_figures",
        schedule=300,
        # a run that waited past the next one's start is superseded by it
        options={"expires": 300},
    )
    register_beat_entry(
        "kept-photos-sweep",
        task="logistics.tasks.bulk_sweep_kept_photos",
        schedule=crontab(minute=15),
    )
    # Every morning: on a Monday that is a working day it sends last week's report; after a
    # holiday Monday, the next working day does (logistics.reports.build.weeks_due).
    register_beat_entry(
        "weekly-report",
        task="logistics.tasks.bulk_send_weekly_reports",
        schedule=crontab(hour=8, minute=0),
    )
