"""The complaints' integration events for school IT (logistics.events), registered in ready()."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

from logistics.events import emit, register_event_type

if TYPE_CHECKING:
    from datetime import datetime

    from reviews.models import Complaint

OVERDUE = "reviews.complaint.overdue"


def register() -> None:
    register_event_type(
        OVERDUE,
        version=1,
        label=_("Complaint overdue"),
        description=_(
            "A complaint passed its acknowledge or resolve deadline and went to the managers."
        ),
    )


def complaint_overdue(complaint: Complaint, *, deadline: str, now: datetime) -> None:
    # Number, department and deadlines: not the title, text or author.
    data = {
        "complaint_id": complaint.pk,
        "number": complaint.number,
        "kind": complaint.kind,
        "status": complaint.status,
        "department_id": complaint.department_id,
        "deadline": deadline,
        "acknowledge_due_at": complaint.acknowledge_due_at.isoformat(),
        "resolve_due_at": complaint.resolve_due_at.isoformat(),
    }
    emit(OVERDUE, data, occurred_at=now)
