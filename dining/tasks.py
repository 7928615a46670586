"""Celery tasks of the dining app, run by beat: scheduled menus, favourites on tomorrow's menu.

Both are safe to run twice: publishing picks only menus still scheduled (rows locked, skipped if
another run holds them), and each favourite remembers the date it was last announced for.
"""

from celery import shared_task

from dining import services


@shared_task(name="dining.tasks.publish_due", ignore_result=True)
def publish_due() -> int:
    """Publishes the scheduled menus whose time has come (every minute; not on the bulk queue,
    so a long bulk job never delays a menu)."""
    return services.menus_publish_due()


@shared_task(name="dining.tasks.bulk_favourites_notify_tomorrow", ignore_result=True)
def bulk_favourites_notify_tomorrow() -> int:
    """Tells users which of their favourite dishes are on tomorrow's published menus."""
    return services.favourites_notify_tomorrow()


# The name the brief uses; beat calls the bulk_ task (routed to the bulk queue).
favourites_notify_tomorrow = bulk_favourites_notify_tomorrow
