"""Celery tasks of the lost-and-found system: take ids, re-read, run twice safely."""

from celery import shared_task

from lostfound.services.disposals import found_items_holding_sweep


@shared_task(name="lostfound.tasks.bulk_holding_sweep", ignore_result=True)
def bulk_holding_sweep() -> int:
    """Lists the items past their holding period for disposal and reminds their desks."""
    return found_items_holding_sweep()
