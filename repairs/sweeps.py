"""The SLA and confirmation sweeps behind the Celery beat tasks (see repairs.services).

Every step claims its row with a conditional UPDATE of a due-time column before it records or
notifies anything, so a sweep run twice, or two at once, sends each message once.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from logistics.workcalendar import WorkCalendar
from repairs import sla
from repairs.models import RepairRequest
from repairs.querysets import dispatchers_for, managers
from repairs.timeline import notify_repair, record
from repairs.workflow import CLOCK_RUNNING

Status = RepairRequest.Status


def auto_confirm(*, now: datetime) -> int:
    """Confirms requests completed more than REPAIRS_AUTO_CONFIRM_DAYS before `now`."""
    cutoff = now - timedelta(days=settings.REPAIRS_AUTO_CONFIRM_DAYS)
    due = RepairRequest.objects.filter(status=Status.COMPLETED, completed_at__lte=cutoff)
    return sum(_auto_confirm_one(pk, now=now) for pk in due.values_list("pk", flat=True))


@transaction.atomic
def _auto_confirm_one(pk: int, *, now: datetime) -> bool:
    rows = RepairRequest.objects.filter(pk=pk, status=Status.COMPLETED).update(
        status=Status.CONFIRMED, confirmed_at=now, updated_at=now
    )
    if not rows:
        return False  # confirmed by the requester or another sweep meanwhile
    repair = RepairRequest.objects.with_related().get(pk=pk)
    record(repair, by=None, action="confirmed", from_status=Status.COMPLETED, data={"auto": True})
    notify_repair(
        repair,
        action="confirmed",
        title_key="auto_confirmed",
        recipients=[repair.requester, repair.assignee],
    )
    return True


def sla_sweep(*, now: datetime) -> dict[str, int]:
    """Reminders, then the first and second escalation level, as of `now`."""
    return {
        "reminded": _send_reminders(now),
        "escalated": _escalate_to_dispatchers(now),
        "escalated_to_managers": _escalate_to_managers(now),
    }


def _send_reminders(now: datetime) -> int:
    soon = now + timedelta(hours=float(settings.REPAIRS_REMINDER_BEFORE_HOURS))
    due = RepairRequest.objects.filter(
        status__in=CLOCK_RUNNING,
        assignee__isnull=False,
        reminder_sent_at__isnull=True,
        completion_due_at__gt=now,
        completion_due_at__lte=soon,
    )
    return sum(_remind_one(pk, now=now) for pk in due.values_list("pk", flat=True))


@transaction.atomic
def _remind_one(pk: int, *, now: datetime) -> bool:
    rows = RepairRequest.objects.filter(pk=pk, reminder_sent_at__isnull=True).update(
        reminder_sent_at=now,
        updated_at=now,  # its timeline grows: pages and clients see it
    )
    if not rows:
        return False
    repair = RepairRequest.objects.with_related().get(pk=pk)
    local_due = timezone.localtime(repair.completion_due_at).strftime("%Y-%m-%d %H:%M")
    record(repair, by=None, action="reminder", data={"due": repair.completion_due_at.isoformat()})
    notify_repair(repair, action="reminder", recipients=[repair.assignee], due=local_due)
    return True


def _escalate_to_dispatchers(now: datetime) -> int:
    due = RepairRequest.objects.overdue(now).filter(escalation_level=0)
    return sum(_escalate_one(pk, now=now, level=1) for pk in due.values_list("pk", flat=True))


def _escalate_to_managers(now: datetime) -> int:
    calendar = WorkCalendar()
    rows = (
        RepairRequest.objects.overdue(now)
        .filter(escalation_level=1)
        .select_related("category")
        .only(
            "pk",
            "completion_due_at",
            "urgency",
            "category",
            "category__response_hours",
            "category__completion_hours",
        )
    )
    due = [
        r.pk
        for r in rows.iterator()
        if sla.manager_escalation_due(
            completion_due_at=r.completion_due_at,
            category=r.category,
            urgency=r.urgency,
            calendar=calendar,
        )
        <= now
    ]
    return sum(_escalate_one(pk, now=now, level=2) for pk in due)


@transaction.atomic
def _escalate_one(pk: int, *, now: datetime, level: int) -> bool:
    rows = RepairRequest.objects.filter(
        pk=pk, escalation_level=level - 1, status__in=CLOCK_RUNNING
    ).update(escalation_level=level, escalated_at=now, updated_at=now)  # clients: it changed
    if not rows:
        return False
    repair = RepairRequest.objects.with_related().get(pk=pk)
    record(repair, by=None, action="escalated", data={"level": level})
    if level == 1:
        recipients = dispatchers_for(repair) or managers()
        notify_repair(repair, action="escalated", recipients=recipients)
    else:
        notify_repair(
            repair, action="escalated", title_key="escalated_managers", recipients=managers()
        )
    return True
