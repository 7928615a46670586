"""The repairs' integration events for school IT (logistics.events), registered in ready()."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

from logistics.events import emit, register_event_type
from logistics.outbox import absolute_url

if TYPE_CHECKING:
    from repairs.models import RepairEvent, RepairRequest

FILED = "repairs.request.filed"
STATUS_CHANGED = "repairs.request.status_changed"


def register() -> None:
    register_event_type(
        FILED,
        version=1,
        label=_("Repair request filed"),
        description=_("A repair request was filed (on a page, through the API or Open311)."),
    )
    register_event_type(
        STATUS_CHANGED,
        version=1,
        label=_("Repair request status changed"),
        description=_("A repair request moved from one status to another."),
    )


def _request(repair: RepairRequest) -> dict:
    # Ids, states and times only: no description (free text), no names or phone numbers.
    return {
        "request_id": repair.pk,
        "number": repair.number,
        "category_id": repair.category_id,
        "building_id": repair.building_id,
        "room_id": repair.room_id,
        "urgency": repair.urgency,
        "status": repair.status,
        "completion_due_at": _iso(repair.completion_due_at),
        "url": absolute_url(repair.get_absolute_url()),
    }


def request_filed(repair: RepairRequest) -> None:
    data = _request(repair) | {"requester": repair.requester.username}
    emit(FILED, data, occurred_at=repair.created_at)


def status_changed(event: RepairEvent) -> None:
    """Announces a timeline entry that changed the status (filing has its own event)."""
    if event.action == "submitted" or event.from_status == event.to_status:
        return
    data = _request(event.request) | {
        "from_status": event.from_status,
        "to_status": event.to_status,
        "action": event.action,
    }
    emit(STATUS_CHANGED, data, occurred_at=event.created_at)


def _iso(value) -> str | None:
    return value.isoformat() if value else None
