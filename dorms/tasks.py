"""Celery tasks of the dorms system: take ids, re-read, run twice safely."""

from celery import shared_task

from dorms import services


@shared_task(name="dorms.tasks.bulk_deliver_notice", ignore_result=True)
def deliver_notice(delivery_id: int) -> int:
    """Delivers a notice batch by batch; each batch commits with its cursor, so a worker killed
    halfway (or a second copy of this task) sends nothing twice."""
    batches = 0
    while services.notice_deliver_batch(delivery_id=delivery_id):
        batches += 1
    return batches + 1


@shared_task(name="dorms.tasks.bulk_release_due", ignore_result=True)
def release_due() -> int:
    """Publishes scheduled notices whose time has come, and re-sends stalled deliveries."""
    released = services.notices_release_due()
    for delivery_id in services.deliveries_stalled():
        deliver_notice.delay(delivery_id)
    return released


@shared_task(name="dorms.tasks.bulk_chase_acknowledgements", ignore_result=True)
def chase_acknowledgements() -> dict:
    """One reminder before the deadline, then the missing lists to the dorm managers."""
    from dorms.acks import notices_chase_acknowledgements

    return notices_chase_acknowledgements()


@shared_task(name="dorms.tasks.bulk_report_overdue_hazards", ignore_result=True)
def report_overdue_hazards() -> int:
    """Hazards past their fix deadline, reported once to their buildings' dorm managers."""
    from dorms.inspections.services import hazards_report_overdue

    return hazards_report_overdue()


@shared_task(name="dorms.tasks.bulk_announce_outages", ignore_result=True)
def announce_outages() -> int:
    """Tells subscribed school IT systems of the outages that have started (once each)."""
    from dorms.events import outages_announce_started

    return outages_announce_started()
