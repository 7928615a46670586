"""Celery beat's schedule: the periodic sweeps of the core (apps add theirs here)."""

from celery.schedules import crontab


def beat_schedule(*, relay_interval: int) -> dict:
    """The beat schedule; settings.py calls this once with its own values."""
    return {
        "outbox-relay": {
            "task": "logistics.tasks.bulk_relay_outbox",
            "schedule": relay_interval,
            # A relay run that waited longer than one interval is superseded by the next one.
            "options": {"expires": relay_interval},
        },
        "outbox-purge": {
            "task": "logistics.tasks.bulk_purge_outbox",
            "schedule": crontab(hour=3, minute=30),
        },
        "notifications-daily-digest": {
            "task": "logistics.tasks.bulk_send_daily_digests",
            "schedule": crontab(hour=7, minute=0),
        },
        "repairs-sla-sweep": {
            "task": "repairs.tasks.bulk_sla_sweep",
            "schedule": 300,
            "options": {"expires": 300},
        },
        "repairs-auto-confirm": {
            "task": "repairs.tasks.bulk_auto_confirm",
            "schedule": crontab(minute=10),
        },
        "dining-publish-due": {
            "task": "dining.tasks.publish_due",
            "schedule": 60,
            "options": {"expires": 60},
        },
        "dining-favourites-tomorrow": {
            "task": "dining.tasks.bulk_favourites_notify_tomorrow",
            "schedule": crontab(hour=18, minute=0),
        },
        "dining-price-index": {
            "task": "dining.tasks.bulk_price_index",
            "schedule": crontab(hour=0, minute=15),
        },
        "reviews-invitations": {
            "task": "reviews.tasks.bulk_invitations_sweep",
            "schedule": 300,
            "options": {"expires": 300},
        },
        "reviews-complaints-sweep": {
            "task": "reviews.tasks.bulk_complaints_sweep",
            "schedule": 300,
            "options": {"expires": 300},
        },
        # Today's rows every quarter hour, and yesterday's once more after midnight.
        "reviews-indices": {
            "task": "reviews.tasks.bulk_aggregate_indices",
            "schedule": crontab(minute="*/15"),
            "options": {"expires": 900},
        },
        "reviews-indices-yesterday": {
            "task": "reviews.tasks.bulk_aggregate_indices",
            "schedule": crontab(hour=0, minute=30),
            "kwargs": {"days_back": 1},
        },
    }
