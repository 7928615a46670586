"""The parcels' integration events for school IT (logistics.events), registered in ready()."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

from logistics.events import emit_many, register_event_type

if TYPE_CHECKING:
    from .models import Parcel, Pickup

ARRIVED = "parcels.parcel.arrived"
PICKED_UP = "parcels.parcel.picked_up"


def register() -> None:
    register_event_type(
        ARRIVED,
        version=1,
        label=_("Parcel arrived"),
        description=_("A parcel was scanned in at a station (one scan or a bulk arrival)."),
    )
    register_event_type(
        PICKED_UP,
        version=1,
        label=_("Parcel picked up"),
        description=_("A parcel was handed over at the station, to its recipient or a proxy."),
    )


def _parcel(parcel: Parcel) -> dict:
    # No tracking number (it opens the carrier's record), pickup code (it collects the
    # parcel), name or phone digits: the recipient by campus ID only.
    return {
        "parcel_id": parcel.pk,
        "station_id": parcel.station_id,
        "carrier": parcel.carrier,
        "size_class": parcel.size_class,
        "status": parcel.status,
        "recipient": parcel.recipient.username if parcel.recipient else None,
    }


def parcels_arrived(parcels: list[Parcel]) -> None:
    emit_many(
        ARRIVED,
        [
            _parcel(p) | {"arrived_at": p.arrived_at.isoformat(), "free_until": _iso(p.free_until)}
            for p in parcels
        ],
    )


def parcels_picked_up(parcels: list[Parcel], pickup: Pickup) -> None:
    emit_many(
        PICKED_UP,
        [
            _parcel(p)
            | {"picked_up_at": p.closed_at.isoformat(), "by_proxy": bool(pickup.proxy_id)}
            for p in parcels
        ],
        occurred_at=parcels[0].closed_at if parcels else None,
    )


def _iso(value) -> str | None:
    return value.isoformat() if value else None
