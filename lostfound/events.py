"""The lost-and-found's integration events for school IT (logistics.events), registered in
ready()."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

from logistics.events import emit, register_event_type

if TYPE_CHECKING:
    from .models import Claim

RETURNED = "lostfound.item.returned"


def register() -> None:
    register_event_type(
        RETURNED,
        version=1,
        label=_("Found item returned"),
        description=_("A found item was handed back to its owner at a desk."),
    )


def item_returned(claim: Claim) -> None:
    # The item and where: not who lost or found it (a campus system has no need of either).
    item = claim.item
    data = {
        "item_id": item.pk,
        "category_id": item.category_id,
        "desk_id": item.desk_id,
        "building_id": item.building_id,
        "found_at": item.found_at.isoformat(),
        "returned_at": claim.handed_over_at.isoformat(),
        "proof": claim.handover_method,
    }
    emit(RETURNED, data, occurred_at=claim.handed_over_at)
