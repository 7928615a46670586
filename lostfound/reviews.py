"""Lost and found in the reviews system: a handover is a service event the owner may review,
with the desk (its unit) as the subject."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

from reviews.registry import Dimension, register_event_type
from reviews.services import SubjectRef, service_event_record

if TYPE_CHECKING:
    from lostfound.models import Claim
    from reviews.models import ServiceEvent

EVENT_TYPE = "lostfound.handover"


def register() -> None:
    register_event_type(
        EVENT_TYPE,
        label=_("Lost and found handover"),
        dimensions=(
            Dimension("speed", _("Speed")),
            Dimension("attitude", _("Service attitude")),
        ),
    )


def handover_event_record(claim: Claim) -> ServiceEvent:
    """The service event of a handover (idempotent per claim): the owner was served by the
    desk."""
    desk = claim.item.desk
    unit = desk.department
    return service_event_record(
        event_type=EVENT_TYPE,
        source_id=str(claim.pk),
        served=claim.claimant,
        occurred_at=claim.handed_over_at,
        title=f"{claim.item.number} {claim.category.name}",
        url=claim.get_absolute_url(),
        department=unit,
        subjects=[SubjectRef("unit", str(unit.pk), unit.name, unit.name_en, unit)],
    )
