"""Celery tasks of the dining app, run by beat: scheduled menus, favourites on tomorrow's menu.

Both are safe to run twice: publishing picks only menus still scheduled (rows locked, skipped if
another run holds them), and each favourite remembers the date it was last announced for.
"""

import datetime

from celery import shared_task
from django.utils import timezone

from dining import services
from dining.pricing import services as pricing


@shared_task(name="dining.tasks.publish_due", ignore_result=True)
def publish_due() -> int:
    """Publishes the scheduled menus whose time has come (every minute; not on the bulk queue,
    so a long bulk job never delays a menu)."""
    return services.menus_publish_due()


@shared_task(name="dining.tasks.bulk_favourites_notify_tomorrow", ignore_result=True)
def bulk_favourites_notify_tomorrow() -> int:
    """Tells users which of their favourite dishes are on tomorrow's published menus."""
    return services.favourites_notify_tomorrow()


@shared_task(name="dining.tasks.bulk_price_index", ignore_result=True)
def bulk_price_index(day: str | None = None) -> int:
    """Computes the price index of yesterday (final: the day is over) and of today (first
    value, menus are published ahead); or of one ISO `day`. Idempotent (update_or_create)."""
    if day:
        return pricing.price_index_compute(day=datetime.date.fromisoformat(day))
    today = timezone.localdate()
    yesterday = today - datetime.timedelta(days=1)
    return sum(pricing.price_index_compute(day=d) for d in (yesterday, today))


# The name the brief uses; beat calls the bulk_ task (routed to the bulk queue).
favourites_notify_tomorrow = bulk_favourites_notify_tomorrow
