"""Celery tasks of the parcels system: take ids, re-read, run twice safely."""

from celery import shared_task

from parcels import returns, services


@shared_task(name="parcels.tasks.send_due_notices", ignore_result=True)
def send_due_notices() -> int:
    """Sends the arrival notices whose batching window has passed (each once)."""
    return services.notices_send_due()


@shared_task(name="parcels.tasks.sweep_ageing", ignore_result=True)
def sweep_ageing() -> dict[str, int]:
    """Reminds recipients before the return deadline and moves parcels past it to the return
    lists (each parcel once)."""
    return returns.ageing_sweep()
