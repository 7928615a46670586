"""Celery tasks of the repairs app: the SLA sweep and the auto-confirmation, run by beat.

Neither takes arguments: each re-reads the due-time columns and changes a row only with a
conditional UPDATE, so a second or concurrent run sends nothing twice.
"""

from celery import shared_task

from repairs import services


@shared_task(name="repairs.tasks.bulk_sla_sweep", ignore_result=True)
def bulk_sla_sweep() -> dict:
    """Reminds technicians before due times and escalates overdue requests."""
    return services.repair_requests_sla_sweep()


@shared_task(name="repairs.tasks.bulk_auto_confirm", ignore_result=True)
def bulk_auto_confirm() -> int:
    """Confirms completed requests their requesters left unconfirmed for too long."""
    return services.repair_requests_auto_confirm()
