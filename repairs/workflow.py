"""The repair request's state machine, written once: which action moves it from which state,
who may take it, what "open" and "overdue" mean. Services check it, pages offer it, the API,
exports, filters and templates read it."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from logistics.workflow import StateMachine, Transition
from repairs.errors import AlreadyRated, InvalidTransition, ReopenWindowClosed
from repairs.models import RepairRequest
from repairs.permissions import can_dispatch, is_assignee, is_requester

if TYPE_CHECKING:
    from logistics.models import User

Status = RepairRequest.Status

OPEN_STATUSES: tuple[str, ...] = (
    Status.SUBMITTED,
    Status.ACCEPTED,
    Status.ASSIGNED,
    Status.IN_PROGRESS,
    Status.ON_HOLD,
    Status.REOPENED,
)
CLOSED_STATUSES: tuple[str, ...] = tuple(s for s in Status if s not in OPEN_STATUSES)
# Nothing more happens to these (no comments either); completed/confirmed may still reopen.
FINAL_STATUSES: tuple[str, ...] = (Status.CLOSED, Status.CANCELLED, Status.REJECTED)
# A hold stops the SLA clock: a request on hold is never overdue, reminded or escalated.
CLOCK_RUNNING: tuple[str, ...] = tuple(s for s in OPEN_STATUSES if s != Status.ON_HOLD)

# Work has not started in these states, so the requester may still cancel.
CANCELLABLE = (Status.SUBMITTED, Status.ACCEPTED, Status.ASSIGNED)
WORKING = (Status.ASSIGNED, Status.IN_PROGRESS, Status.REOPENED)
RATEABLE = (Status.COMPLETED, Status.CONFIRMED, Status.CLOSED)


# --- Overdue ------------------------------------------------------------------------------------


def overdue_q(now: datetime | None = None, *, prefix: str = "") -> Q:
    """Overdue as a query condition: the clock runs and the completion due time has passed.
    `prefix` reaches the request through a relation ("assigned_repairs__")."""
    return Q(
        **{
            f"{prefix}status__in": CLOCK_RUNNING,
            f"{prefix}completion_due_at__lt": now or timezone.now(),
        }
    )


def is_overdue(repair: RepairRequest, now: datetime | None = None) -> bool:
    """The same rule as overdue_q, for one request in memory."""
    due = repair.completion_due_at
    return bool(due and repair.status in CLOCK_RUNNING and due < (now or timezone.now()))


# --- Transitions --------------------------------------------------------------------------------


def _requester(user: User, repair: RepairRequest) -> bool:
    return is_requester(user, repair)


def _assignee(user: User, repair: RepairRequest) -> bool:
    return is_assignee(user, repair)


def _involved(user: User, repair: RepairRequest) -> bool:
    return is_requester(user, repair) or is_assignee(user, repair) or can_dispatch(user, repair)


def _reopen_window(repair: RepairRequest) -> ReopenWindowClosed | None:
    days = settings.REPAIRS_REOPEN_DAYS
    if repair.completed_at is None or timezone.now() > repair.completed_at + timedelta(days=days):
        return ReopenWindowClosed(
            _("A request can only be reopened within %(days)d days of its completion.")
            % {"days": days}
        )
    return None


def _not_rated(repair: RepairRequest) -> AlreadyRated | None:
    return AlreadyRated() if repair.rating is not None else None


def _rule(action, sources, target, allowed, guard=None) -> Transition:
    return Transition(action, frozenset(sources), target, allowed=allowed, guard=guard)


TRANSITIONS = StateMachine(
    [
        # The requester
        _rule("cancel", CANCELLABLE, Status.CANCELLED, _requester),
        _rule("confirm", [Status.COMPLETED], Status.CONFIRMED, _requester),
        _rule(
            "reopen",
            [Status.COMPLETED, Status.CONFIRMED],
            Status.REOPENED,
            _requester,
            _reopen_window,
        ),
        _rule("rate", RATEABLE, None, _requester, _not_rated),
        # The dispatcher (or a manager)
        _rule("accept", [Status.SUBMITTED, Status.REOPENED], Status.ACCEPTED, can_dispatch),
        _rule("reject", [Status.SUBMITTED, Status.ACCEPTED], Status.REJECTED, can_dispatch),
        _rule(
            "assign",
            [Status.SUBMITTED, Status.ACCEPTED, Status.ASSIGNED, Status.REOPENED],
            Status.ASSIGNED,
            can_dispatch,
        ),
        _rule("close", [Status.CONFIRMED], Status.CLOSED, can_dispatch),
        # The technician
        _rule("start", [Status.ASSIGNED, Status.REOPENED], Status.IN_PROGRESS, _assignee),
        _rule("hold", WORKING, Status.ON_HOLD, _assignee),
        _rule(
            "resume",
            [Status.ON_HOLD],
            None,  # back to the state before the hold
            lambda user, repair: is_assignee(user, repair) or can_dispatch(user, repair),
        ),
        _rule("hand_back", WORKING, Status.ACCEPTED, _assignee),
        _rule("complete", WORKING, Status.COMPLETED, _assignee),
        # Everyone involved
        _rule("comment", [s for s in Status if s not in FINAL_STATUSES], None, _involved),
    ],
    invalid=InvalidTransition,
)
