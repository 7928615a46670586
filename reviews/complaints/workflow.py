"""The complaint's state machine, written once: which step moves it from which state, who may
take it, what "open" and "overdue" mean. Services check it, pages offer it, the API, filters,
sections and templates read it."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from django.db.models import Q
from django.utils import timezone

from logistics.workflow import StateMachine, Transition
from reviews.errors import InvalidTransition
from reviews.models import Complaint

from .querysets import can_handle, is_manager

if TYPE_CHECKING:
    from logistics.models import User

Status = Complaint.Status

# Waiting for the department; resolved waits for the author, closed and withdrawn are done.
OPEN_STATUSES: tuple[str, ...] = Complaint.OPEN_STATUSES
CLOSED_STATUSES: tuple[str, ...] = tuple(s for s in Status if s not in OPEN_STATUSES)


# --- Overdue ------------------------------------------------------------------------------------


def acknowledge_overdue_q(now: datetime | None = None) -> Q:
    """Not acknowledged by its acknowledge deadline."""
    return Q(status=Status.SUBMITTED, acknowledge_due_at__lt=now or timezone.now())


def resolve_overdue_q(now: datetime | None = None) -> Q:
    """Still open past its resolve deadline."""
    return Q(status__in=OPEN_STATUSES, resolve_due_at__lt=now or timezone.now())


def overdue_q(now: datetime | None = None) -> Q:
    """Overdue as a query condition: either deadline passed while it waits for the department."""
    now = now or timezone.now()
    return acknowledge_overdue_q(now) | resolve_overdue_q(now)


def is_overdue(complaint: Complaint, now: datetime | None = None) -> bool:
    """The same rule as overdue_q, for one complaint in memory."""
    now = now or timezone.now()
    if complaint.status == Status.SUBMITTED and complaint.acknowledge_due_at < now:
        return True
    return complaint.status in OPEN_STATUSES and complaint.resolve_due_at < now


def acknowledge_overdue(complaint: Complaint, now: datetime | None = None) -> bool:
    return complaint.status == Status.SUBMITTED and complaint.acknowledge_due_at < (
        now or timezone.now()
    )


def resolve_overdue(complaint: Complaint, now: datetime | None = None) -> bool:
    return complaint.status in OPEN_STATUSES and complaint.resolve_due_at < (now or timezone.now())


# --- Transitions --------------------------------------------------------------------------------


def _handler(user: User, complaint: Complaint) -> bool:
    """Department staff, canteen staff of it, managers (one query, then kept on the object)."""
    cache = complaint.__dict__.setdefault("_handled_by", {})
    if user.pk not in cache:
        cache[user.pk] = can_handle(user, complaint)
    return cache[user.pk]


def remember_handler(complaint: Complaint, user: User, handles: bool) -> None:
    """What a list already knows (querysets.with_handling), so _handler asks no query."""
    complaint.__dict__.setdefault("_handled_by", {})[user.pk] = handles


def _manager(user: User, complaint: Complaint) -> bool:
    return is_manager(user)


def _author(user: User, complaint: Complaint) -> bool:
    return bool(user and user.is_authenticated) and complaint.author_id == user.pk


def _rule(action, sources, target, allowed) -> Transition:
    return Transition(action, frozenset(sources), target, allowed=allowed)


TRANSITIONS = StateMachine(
    [
        # The department
        _rule("acknowledge", [Status.SUBMITTED], Status.ACKNOWLEDGED, _handler),
        # A reply to a submitted complaint acknowledges it; otherwise the state stays.
        _rule("reply", [*OPEN_STATUSES, Status.RESOLVED], None, _handler),
        _rule("resolve", OPEN_STATUSES, Status.RESOLVED, _handler),
        _rule("reassign", OPEN_STATUSES, Status.SUBMITTED, _manager),
        # The author
        _rule("confirm", [Status.RESOLVED], Status.CLOSED, _author),
        _rule("reopen", [Status.RESOLVED], Status.ACKNOWLEDGED, _author),
        _rule("withdraw", OPEN_STATUSES, Status.WITHDRAWN, _author),
    ],
    invalid=InvalidTransition,
)


def allowed_actions(complaint: Complaint, user: User) -> list[str]:
    return TRANSITIONS.allowed_actions(complaint, user)
