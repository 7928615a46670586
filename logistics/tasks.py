"""Celery tasks of the core: deliver one outbox row, relay and purge the outbox, daily digests,
daily figures, the sweep of expired kept photos, the weekly report.

Tasks take ids and re-read rows; each is safe to run twice (see outbox.py).
"""

from celery import shared_task

from logistics import daily, indicators, kept, notifications, outbox, supervision
from logistics.reports import mail as reports_mail


@shared_task(name=outbox.DELIVER_TASK, ignore_result=True)
def deliver_outbox_message(message_id: str) -> bool:
    """Sends one outbox row (e-mail, digest or webhook) unless it was already sent."""
    return outbox.deliver(message_id)


@shared_task(name="logistics.tasks.bulk_relay_outbox", ignore_result=True)
def bulk_relay_outbox() -> int:
    """Re-publishes outbox rows the broker never got or a lost worker left behind."""
    return outbox.relay()


@shared_task(name="logistics.tasks.bulk_send_daily_digests", ignore_result=True)
def bulk_send_daily_digests() -> int:
    """Queues one digest e-mail per user who chose the daily digest."""
    return notifications.notification_digests_enqueue()


@shared_task(name="logistics.tasks.bulk_purge_outbox", ignore_result=True)
def bulk_purge_outbox() -> int:
    """Deletes outbox rows sent more than 30 days ago."""
    return outbox.purge_sent()


@shared_task(name="logistics.tasks.bulk_push_supervision", ignore_result=True)
def bulk_push_supervision() -> int:
    """Writes the city supervision push of yesterday once its figures are closed (and of any
    day of the week before not pushed yet); the outbox delivers it."""
    return len(supervision.push_due())


@shared_task(name="logistics.tasks.bulk_refresh_daily_figures", ignore_result=True)
def bulk_refresh_daily_figures() -> int:
    """Rewrites today's figures (and the past days whose source rows changed), then the
    indicators of every period those days fall in (logistics.indicators)."""
    written = daily.refresh()
    return written + indicators.refresh()


@shared_task(name="logistics.tasks.bulk_sweep_kept_photos", ignore_result=True)
def bulk_sweep_kept_photos() -> int:
    """Deletes the photos kept for forms that were never sent again, once expired."""
    return kept.sweep()


@shared_task(name="logistics.tasks.bulk_send_weekly_reports", ignore_result=True)
def bulk_send_weekly_reports() -> list[str]:
    """Builds and mails the weekly reports due today (Monday, or the next working day)."""
    return reports_mail.weekly_reports_send()
