"""Parcels in the reviews system: a pickup is a service event its recipient may review.

The subjects are the station and the clerk who handed the parcels over (and the station's unit,
when it has one). Reviews has no subject kind for a station, so a station is a "category"
subject named `parcels:station:<code>` (as repairs names its categories `repairs:<code>`): it
collects the scores in the satisfaction indices and can be named in a complaint, answered by
the station's unit. The recipient is invited with the same rules as repairs (after the delay,
one reminder); one or two stars open a follow-up for the station's mailroom clerks.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

from logistics.roles import Role
from reviews.registry import Dimension, register_event_type
from reviews.services import SubjectRef, service_event_record

if TYPE_CHECKING:
    from parcels.models import Pickup, Station
    from reviews.models import ServiceEvent

EVENT_TYPE = "parcels.pickup"


def register() -> None:
    register_event_type(
        EVENT_TYPE,
        label=_("Parcel pickup"),
        dimensions=(
            Dimension("speed", _("Waiting time")),  # 等候时间
            Dimension("care", _("Care of the parcels")),  # 包裹完好
            Dimension("attitude", _("Service attitude")),  # 服务态度
        ),
        follow_up_at_or_below=2,
        follow_up_role=Role.MAILROOM_CLERK,
    )


def station_ref(station: Station) -> SubjectRef:
    return SubjectRef(
        "category",
        f"parcels:station:{station.code}",
        station.name,
        station.name_en or station.name,
        department=station.department,
    )


def pickup_subjects(pickup: Pickup) -> list[SubjectRef]:
    """The station's unit (if any), the station and the clerk."""
    station = pickup.station
    unit = station.department
    subjects = []
    if unit is not None:
        subjects.append(SubjectRef("unit", str(unit.pk), unit.name, unit.name_en, unit))
    subjects.append(station_ref(station))
    if pickup.clerk_id:
        name = pickup.clerk.get_display_name()
        subjects.append(
            SubjectRef("staff", str(pickup.clerk_id), name, name, unit, user=pickup.clerk)
        )
    return subjects


def pickup_event_record(pickup: Pickup, *, count: int, url: str = "") -> ServiceEvent | None:
    """The service event of a pickup (idempotent per pickup); None for parcels of an unknown
    recipient (nobody to invite)."""
    if pickup.recipient_id is None:
        return None
    station = pickup.station
    return service_event_record(
        event_type=EVENT_TYPE,
        source_id=str(pickup.pk),
        served=pickup.recipient,
        occurred_at=pickup.created_at,
        title=f"{station.name} 取件 {count} 件",
        title_en=f"Pickup at {station.name_en or station.name}, {count} parcel(s)",
        url=url,
        department=station.department,
        subjects=pickup_subjects(pickup),
    )
