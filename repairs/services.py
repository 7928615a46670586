"""Every change to a repair request: filing, dispatch, work, confirmation, and the SLA sweeps.

Each service runs in a transaction, checks who may act and from which state, changes the status
with a conditional UPDATE (so two people acting at once never lose an update: the loser gets
ConcurrentUpdate), records a RepairEvent in the timeline and calls logistics.notifications.notify.

CONTRACT (the lead wrote the signatures; pages, API, Open311 and tasks call exactly these).
"""

from django.core.exceptions import PermissionDenied  # noqa: F401  (raised by services)
from django.utils.translation import gettext_lazy as _


class RepairError(Exception):
    """A domain error with a message for the user (views show it, the API answers 400/409)."""

    default_message = _("This action is not possible.")

    def __init__(self, message=None):
        self.message = message or self.default_message
        super().__init__(str(self.message))


class InvalidTransition(RepairError):
    default_message = _("This request is no longer in a state that allows this action.")


class ConcurrentUpdate(RepairError):
    default_message = _("Someone else changed this request a moment ago. Reload and try again.")


# --- Filing -------------------------------------------------------------------------------------


def repair_request_create(
    *,
    requester,
    category,
    description: str,
    building=None,
    room=None,
    place_text: str = "",
    urgency: str = "normal",
    preferred_windows: str = "",
    consent_to_enter: bool = False,
    contact_phone: str = "",
    answers: dict | None = None,
    photos=(),
):
    """Files a request (status submitted), computes its due times, applies the dispatch rules
    (default team / technician → status assigned when a technician is chosen), stores up to 6
    photos (logistics.uploads rules), and notifies the requester and the dispatchers."""
    raise NotImplementedError


# --- Dispatch -----------------------------------------------------------------------------------


def repair_request_accept(*, request, by, note: str = ""):
    """submitted/reopened → accepted (a dispatcher takes it on; the first response)."""
    raise NotImplementedError


def repair_request_reject(*, request, by, reason: str):
    """submitted/accepted → rejected with a reason (dispatcher or manager)."""
    raise NotImplementedError


def repair_request_assign(*, request, technician, by, team=None, note: str = ""):
    """submitted/accepted/assigned/reopened → assigned to a technician (dispatcher/manager)."""
    raise NotImplementedError


def repair_requests_assign_bulk(*, request_ids, technician, by) -> tuple[list[int], list[str]]:
    """Assigns many requests; returns (assigned ids, messages for the ones that failed)."""
    raise NotImplementedError


def repair_request_hand_back(*, request, by, reason: str):
    """assigned/in_progress → accepted, unassigned, with the technician's reason."""
    raise NotImplementedError


# --- Work ---------------------------------------------------------------------------------------


def repair_request_start(*, request, by, note: str = ""):
    """assigned/reopened → in_progress (the assignee)."""
    raise NotImplementedError


def repair_request_hold(*, request, by, reason: str):
    """assigned/in_progress → on_hold (waiting for parts); pauses the SLA clock."""
    raise NotImplementedError


def repair_request_resume(*, request, by, note: str = ""):
    """on_hold → the status before the hold; the due times move by the paused working time."""
    raise NotImplementedError


def repair_request_complete(
    *,
    request,
    by,
    note: str = "",
    labour_minutes: int | None = None,
    materials: str = "",
    photos=(),
):
    """in_progress (or assigned) → completed, with note, labour, materials and photos."""
    raise NotImplementedError


def repair_request_comment(*, request, by, note: str, photos=()):
    """Adds a note (and photos) to the timeline without changing the status."""
    raise NotImplementedError


# --- Requester ----------------------------------------------------------------------------------


def repair_request_cancel(*, request, by, reason: str = ""):
    """submitted/accepted/assigned → cancelled, by the requester before work starts."""
    raise NotImplementedError


def repair_request_confirm(*, request, by, rating: int | None = None, comment: str = ""):
    """completed → confirmed (requester), optionally with a rating."""
    raise NotImplementedError


def repair_request_reopen(*, request, by, reason: str):
    """completed/confirmed (within REPAIRS_REOPEN_DAYS of completion) → reopened, back to the
    same technician (status reopened; the technician starts again)."""
    raise NotImplementedError


def repair_request_rate(*, request, by, rating: int, comment: str = ""):
    """Stores the requester's 1–5 rating of a completed/confirmed/closed request (once)."""
    raise NotImplementedError


def repair_request_close(*, request, by=None):
    """confirmed → closed (a manager, or automatically)."""
    raise NotImplementedError


# --- Sweeps (Celery beat) -----------------------------------------------------------------------


def repair_requests_auto_confirm(*, now=None) -> int:
    """Confirms requests completed more than REPAIRS_AUTO_CONFIRM_DAYS ago; returns how many."""
    raise NotImplementedError


def repair_requests_sla_sweep(*, now=None) -> dict:
    """Reminds assignees before the deadline, escalates overdue requests to the dispatcher and
    then the manager; each at most once (due-time columns, no countdown tasks)."""
    raise NotImplementedError
