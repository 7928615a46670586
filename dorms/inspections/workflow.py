"""The rules of hazards, written once: the state machine, "overdue", default fix deadlines."""

from datetime import timedelta

from django.db.models import Q
from django.utils import timezone

from logistics.workflow import StateMachine, Transition

from ..errors import InvalidTransition
from .models import Hazard, HazardKind

Status = Hazard.Status
OPEN = frozenset({Status.OPEN, Status.FIX_REPORTED})

# How long residents get to fix a hazard unless the inspector says otherwise.
FIX_WITHIN = {
    HazardKind.BLOCKED_EXIT: timedelta(days=1),
    HazardKind.SMOKING: timedelta(days=1),
    HazardKind.OPEN_FLAME: timedelta(days=1),
    HazardKind.HIGH_POWER: timedelta(days=2),
    HazardKind.EXTENSION_CHAIN: timedelta(days=2),
}
DEFAULT_FIX_WITHIN = timedelta(days=7)


def default_deadline(kind: str, now=None):
    return (now or timezone.now()) + FIX_WITHIN.get(kind, DEFAULT_FIX_WITHIN)


def _resident(user, hazard) -> bool:
    return bool(user.dorm_room_id) and user.dorm_room_id == hazard.room_id


def _checker(user, hazard) -> bool:
    from .querysets import can_check_round

    return can_check_round(user, hazard.round)


HAZARD_MACHINE = StateMachine(
    [
        Transition("confirm_fix", frozenset({Status.OPEN}), Status.FIX_REPORTED, _resident),
        Transition("close", OPEN, Status.CLOSED, _checker),
        Transition("reopen", frozenset({Status.FIX_REPORTED}), Status.OPEN, _checker),
    ],
    invalid=InvalidTransition,
)


def overdue_q(now=None) -> Q:
    """Still open (not even reported fixed) after the deadline."""
    return Q(status=Status.OPEN, deadline__lt=now or timezone.now())


def is_overdue(hazard: Hazard, now=None) -> bool:
    return hazard.status == Status.OPEN and hazard.deadline < (now or timezone.now())
