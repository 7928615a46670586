"""The parcel's state machine, written once: which action moves a parcel from which state and
who may take it. Services check it; pages, the API and templates read it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Q

from logistics.workflow import StateMachine, Transition
from parcels.errors import InvalidTransition
from parcels.models import Parcel, Station

if TYPE_CHECKING:
    from logistics.models import User

Status = Parcel.Status

# Parcels that lie on a shelf of their station (what the station holds now).
IN_STOCK: tuple[str, ...] = (Status.WAITING, Status.TO_RETURN)
CLOSED: tuple[str, ...] = (Status.PICKED_UP, Status.RETURNED, Status.DELIVERED)
# Parcels in a station's care: one per tracking number (the idempotent scan-in).
AT_STATION: tuple[str, ...] = (Status.WAITING, Status.TO_RETURN, Status.FOR_DELIVERY)


def serves(user: User, parcel: Parcel) -> bool:
    """Whether `user` works at the parcel's station (its clerks, managers)."""
    return Station.objects.for_clerk(user).filter(pk=parcel.station_id).exists()


def _rule(action, sources, target) -> Transition:
    return Transition(action, frozenset(sources), target, allowed=serves)


TRANSITIONS = StateMachine(
    [
        _rule("pick_up", [Status.WAITING], Status.PICKED_UP),
        _rule("resolve", [Status.WAITING], None),  # an unknown recipient found
        _rule("set_carrier", [Status.WAITING, Status.TO_RETURN], None),
        _rule("move", [Status.WAITING, Status.TO_RETURN], None),
        _rule("send_for_return", [Status.WAITING], Status.TO_RETURN),
        # A parcel on the return list, or one refused before its time, goes to its courier.
        _rule("return", [Status.WAITING, Status.TO_RETURN], Status.RETURNED),
        _rule("send_for_delivery", [Status.WAITING], Status.FOR_DELIVERY),
        _rule("deliver", [Status.FOR_DELIVERY], Status.DELIVERED),
        _rule("undeliverable", [Status.FOR_DELIVERY], Status.WAITING),  # back on the shelf
    ],
    invalid=InvalidTransition,
)


def overdue_q(now):
    """Overdue, written once: waiting past the station's free-storage period."""
    return Q(status=Status.WAITING, free_until__lt=now)


def is_overdue(parcel: Parcel, now) -> bool:
    return (
        parcel.status == Status.WAITING
        and parcel.free_until is not None
        and parcel.free_until < now
    )
