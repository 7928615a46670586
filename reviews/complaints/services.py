"""Every change to a complaint or suggestion: filing, handling, confirmation, the deadline sweep.

Each service runs in a transaction, checks who may act and from which state, changes the row
with a conditional UPDATE (``WHERE status = <the caller's copy's status>``: of two people acting
at once, the second gets ConcurrentUpdate instead of overwriting the first), records a
ComplaintEntry in the timeline and notifies the people concerned.

Who may take which step from which state is reviews.complaints.workflow.TRANSITIONS. Errors
(logistics.workflow answers them the same way in pages and the API): NotAllowed (also Django's
PermissionDenied, 403; views answer 404 first when the user cannot see the complaint),
InvalidTransition / ConcurrentUpdate (409), ValidationError with a message_dict keyed by argument
name (400). The ``complaint`` argument is the caller's copy; it is updated in place on success.

Silence never counts as satisfied: a resolved complaint stays "resolved, awaiting confirmation"
until its author confirms (with a satisfaction score) or reopens it; nothing closes it for them.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from logistics import workflow
from logistics.workcalendar import WorkCalendar
from reviews.errors import ConcurrentUpdate, InvalidTransition
from reviews.models import Complaint, ComplaintEntry

from . import deadlines, events, routing
from .workflow import OPEN_STATUSES, TRANSITIONS, acknowledge_overdue_q, resolve_overdue_q

if TYPE_CHECKING:
    from logistics.models import Department, User
    from reviews.models import ServiceEvent, Subject

Status = Complaint.Status
ESCALATE_AFTER_REOPENINGS = 2

TITLES = {
    "filed": _("Your %(kind)s %(number)s was received"),
    "filed_staff": _("New %(kind)s %(number)s: %(title)s"),
    "acknowledged": _("Your %(kind)s %(number)s is being handled"),
    "reply": _("Reply to your %(kind)s %(number)s"),
    "resolved": _("%(number)s was resolved: please confirm or reopen it"),
    "confirmed": _("%(number)s was confirmed resolved (%(satisfaction)s of 5)"),
    "reopened": _("%(number)s was reopened by its author"),
    "withdrawn": _("%(number)s was withdrawn by its author"),
    "reassigned": _("%(kind)s %(number)s was passed to your department"),
    "reassigned_author": _("Your %(kind)s %(number)s was passed to %(department)s"),
    "escalated": _("%(number)s is overdue: %(title)s"),
    "escalated_reopened": _("%(number)s was reopened twice: %(title)s"),
}


# --- helpers ------------------------------------------------------------------------------------


def _text(field: str, value, message, *, limit: int = 4000, required: bool = True) -> str:
    value = (value or "").strip()
    if required and not value:
        raise ValidationError({field: message})
    if len(value) > limit:
        raise ValidationError({field: _("Write at most %(limit)d characters.") % {"limit": limit}})
    return value


def _check(complaint: Complaint, action: str, by: User) -> None:
    """The rule table says whether `by` may take `action` now."""
    TRANSITIONS.check(complaint, action, by)


def _transition(complaint: Complaint, *, action: str, to: str | None = None, **changes) -> str:
    """The conditional UPDATE of logistics.workflow from the action's states; returns the old
    status. `to` None keeps the status (the row still only changes if nobody else did)."""
    return workflow.transition(
        complaint,
        expected=TRANSITIONS[action].sources,
        to=to or complaint.status,
        invalid=InvalidTransition,
        concurrent=ConcurrentUpdate,
        **changes,
    )


def _record(
    complaint: Complaint,
    *,
    by: User | None,
    action: str,
    note: str = "",
    public: bool = False,
    **data: Any,
) -> ComplaintEntry:
    return ComplaintEntry.objects.create(
        complaint=complaint, action=action, actor=by, note=note, is_public=public, data=data
    )


_notify = workflow.Notifier(
    kind="reviews.complaint_{action}",
    titles=TITLES,
    params=lambda complaint: {
        "number": complaint.number,
        "kind": complaint.get_kind_display(),
        "title": complaint.title,
    },
    url=lambda complaint: complaint.get_absolute_url(),
    department=lambda complaint: complaint.department,
    body_limit=500,
)


def _handlers(complaint: Complaint) -> list[User]:
    """Department staff and the staff who answer for its subject (a dish's canteen's staff)."""
    answerers = routing.subject_staff(subject=complaint.subject, event=complaint.event)
    return routing.department_staff(complaint.department) + answerers


# --- filing -------------------------------------------------------------------------------------


def _clean_filing(
    *,
    author: User,
    kind: str,
    title: str,
    body: str,
    event: ServiceEvent | None,
    department: Department | None,
    subject: Subject | None,
) -> dict:
    errors, cleaned = {}, {}
    if kind not in Complaint.Kind.values:
        errors["kind"] = [_("Choose complaint or suggestion.")]
    for field, value, message, limit in (
        ("title", title, _("Say in a few words what it is about."), 120),
        ("body", body, _("Describe what happened or what you suggest."), 4000),
    ):
        try:
            cleaned[field] = _text(field, value, message, limit=limit)
        except ValidationError as error:
            errors.update(error.message_dict)
    if event is not None and event.served_id != author.pk:
        errors["event"] = [_("You can only link a service you were given.")]
    cleaned["department"] = routing.route(department=department, subject=subject, event=event)
    if cleaned["department"] is None:
        errors["department"] = [_("Choose the service unit this is about.")]
    if errors:
        raise ValidationError(errors)
    return cleaned


@transaction.atomic
def complaint_create(
    *,
    author: User,
    kind: str,
    title: str,
    body: str,
    subject: Subject | None = None,
    event: ServiceEvent | None = None,
    department: Department | None = None,
    public_ok: bool = False,
) -> Complaint:
    """Files a complaint or suggestion, routed to the responsible department, with deadlines."""
    cleaned = _clean_filing(
        author=author,
        kind=kind,
        title=title,
        body=body,
        event=event,
        department=department,
        subject=subject,
    )
    department = cleaned["department"]
    now = timezone.now()
    acknowledge_due, resolve_due = deadlines.due_times(department, now, calendar=WorkCalendar())
    complaint = Complaint.objects.create(
        # A placeholder until the row has its id: the number is "TS-<year>-<id>".
        number=f"new-{uuid.uuid4().hex[:16]}",
        kind=kind,
        author=author,
        subject=subject,
        event=event,
        department=department,
        title=cleaned["title"],
        body=cleaned["body"],
        public_ok=bool(public_ok),
        created_at=now,
        updated_at=now,
        acknowledge_due_at=acknowledge_due,
        resolve_due_at=resolve_due,
    )
    complaint.number = f"TS-{timezone.localtime(now).year}-{complaint.pk:06d}"
    complaint.save(update_fields=["number"])
    _record(complaint, by=author, action="filed")
    _notify(complaint, action="filed", recipients=[author])
    answerers = routing.subject_staff(subject=subject, event=event)
    staff = routing.department_staff(department) + answerers
    _notify(
        complaint,
        action="filed",
        title_key="filed_staff",
        recipients=staff or routing.managers(department),
        body=complaint.body,
    )
    return complaint


# --- handling by the department -----------------------------------------------------------------


@transaction.atomic
def complaint_acknowledge(*, complaint: Complaint, by: User, note: str = "") -> Complaint:
    """submitted → acknowledged: the department has taken it on (staff or managers)."""
    _check(complaint, "acknowledge", by)
    note = _text("note", note, "", limit=2000, required=False)
    _transition(
        complaint,
        action="acknowledge",
        to=Status.ACKNOWLEDGED,
        acknowledged_at=timezone.now(),
    )
    _record(complaint, by=by, action="acknowledged", note=note)
    _notify(complaint, action="acknowledged", recipients=[complaint.author], by=by, body=note)
    return complaint


@transaction.atomic
def complaint_reply(
    *, complaint: Complaint, by: User, body: str, public: bool = False
) -> ComplaintEntry:
    """A reply from the department, visible to the author (and, if public, on the board).

    A reply to a complaint nobody acknowledged yet acknowledges it.
    """
    _check(complaint, "reply", by)
    body = _text("body", body, _("Write your reply."), limit=4000)
    if complaint.status == Status.SUBMITTED:
        _transition(
            complaint,
            action="reply",
            to=Status.ACKNOWLEDGED,
            acknowledged_at=timezone.now(),
        )
    else:
        _transition(complaint, action="reply")
    entry = _record(complaint, by=by, action="reply", note=body, public=bool(public))
    _notify(complaint, action="reply", recipients=[complaint.author], by=by, body=body)
    return entry


@transaction.atomic
def complaint_resolve(
    *, complaint: Complaint, by: User, note: str, public: bool = False
) -> Complaint:
    """submitted/acknowledged → resolved, with what was done; the author is asked to confirm."""
    _check(complaint, "resolve", by)
    note = _text("note", note, _("Say what was done about it."), limit=4000)
    now = timezone.now()
    _transition(
        complaint,
        action="resolve",
        to=Status.RESOLVED,
        resolved_at=now,
        acknowledged_at=complaint.acknowledged_at or now,
    )
    _record(complaint, by=by, action="resolved", note=note, public=bool(public))
    _notify(complaint, action="resolved", recipients=[complaint.author], by=by, body=note)
    return complaint


@transaction.atomic
def complaint_reassign(
    *, complaint: Complaint, by: User, department: Department | None, note: str = ""
) -> Complaint:
    """A manager passes an open complaint to another department: its clocks start again."""
    _check(complaint, "reassign", by)
    if department is None:
        raise ValidationError({"department": _("Choose the department to pass it to.")})
    if department.pk == complaint.department_id:
        raise ValidationError({"department": _("It is already with this department.")})
    note = _text("note", note, "", limit=2000, required=False)
    now = timezone.now()
    acknowledge_due, resolve_due = deadlines.due_times(department, now)
    previous = complaint.department
    _transition(
        complaint,
        action="reassign",
        to=Status.SUBMITTED,
        department=department,
        acknowledged_at=None,
        acknowledge_due_at=acknowledge_due,
        resolve_due_at=resolve_due,
        # An overdue escalation was the old department's; reopened-twice stays escalated.
        escalation_level=complaint.escalation_level if complaint.escalation_level > 1 else 0,
    )
    complaint.department = department
    _record(
        complaint,
        by=by,
        action="reassigned",
        note=note,
        **{"from": previous.pk, "to": department.pk},
    )
    _notify(
        complaint,
        action="reassigned",
        recipients=routing.department_staff(department),
        by=by,
        body=complaint.body,
    )
    _notify(
        complaint,
        action="reassigned",
        title_key="reassigned_author",
        recipients=[complaint.author],
        by=by,
        department=department,
    )
    return complaint


# --- the author's steps -------------------------------------------------------------------------


def _clean_satisfaction(value: int | str | None) -> int:
    text = str(value if value is not None else "").strip()
    if text not in {"1", "2", "3", "4", "5"}:
        raise ValidationError({"satisfaction": _("Give a score from 1 to 5.")})
    return int(text)


@transaction.atomic
def complaint_confirm(
    *, complaint: Complaint, by: User, satisfaction: int | str | None, comment: str = ""
) -> Complaint:
    """resolved → closed: the author confirms, saying how satisfied they are with the handling."""
    _check(complaint, "confirm", by)
    satisfaction = _clean_satisfaction(satisfaction)
    comment = _text("comment", comment, "", limit=2000, required=False)
    _transition(
        complaint,
        action="confirm",
        to=Status.CLOSED,
        closed_at=timezone.now(),
        satisfaction=satisfaction,
        satisfaction_comment=comment,
    )
    _record(complaint, by=by, action="confirmed", note=comment, satisfaction=satisfaction)
    _notify(
        complaint,
        action="confirmed",
        recipients=_handlers(complaint),
        by=by,
        body=comment,
        satisfaction=satisfaction,
    )
    return complaint


@transaction.atomic
def complaint_reopen(*, complaint: Complaint, by: User, reason: str) -> Complaint:
    """resolved → acknowledged with a new resolve deadline; the second reopening escalates."""
    _check(complaint, "reopen", by)
    reason = _text("reason", reason, _("Say what is still wrong."), limit=2000)
    now = timezone.now()
    _acknowledge, resolve = deadlines.hours_for(complaint.department)
    changes = {
        "reopen_count": F("reopen_count") + 1,
        "resolved_at": None,
        "resolve_due_at": deadlines.due_after(now, resolve),
    }
    escalate = complaint.reopen_count + 1 >= ESCALATE_AFTER_REOPENINGS
    if escalate and complaint.escalation_level < 2:
        changes |= {"escalation_level": 2, "escalated_at": now}
    _transition(complaint, action="reopen", to=Status.ACKNOWLEDGED, **changes)
    _record(complaint, by=by, action="reopened", note=reason, count=complaint.reopen_count)
    _notify(complaint, action="reopened", recipients=_handlers(complaint), by=by, body=reason)
    if "escalation_level" in changes:
        _record(complaint, by=None, action="escalated", level=2, reason="reopened")
        _notify(
            complaint,
            action="escalated",
            title_key="escalated_reopened",
            recipients=routing.managers(complaint.department),
            body=reason,
        )
    return complaint


@transaction.atomic
def complaint_withdraw(*, complaint: Complaint, by: User, reason: str = "") -> Complaint:
    """The author withdraws an open complaint."""
    _check(complaint, "withdraw", by)
    reason = _text("reason", reason, "", limit=2000, required=False)
    _transition(complaint, action="withdraw", to=Status.WITHDRAWN, closed_at=timezone.now())
    _record(complaint, by=by, action="withdrawn", note=reason)
    _notify(complaint, action="withdrawn", recipients=_handlers(complaint), by=by, body=reason)
    return complaint


# --- the beat sweep -----------------------------------------------------------------------------


def complaints_sweep(now: datetime | None = None) -> dict[str, int]:
    """Escalates complaints past their acknowledge or resolve deadline to the logistics managers,
    once each (escalation_level 0 → 1 claimed by a conditional UPDATE: safe to run twice)."""
    now = now or timezone.now()
    waiting = Complaint.objects.filter(escalation_level=0)
    overdue_ack = waiting.filter(acknowledge_overdue_q(now)).values_list("pk", flat=True)
    overdue_resolve = waiting.filter(resolve_overdue_q(now)).values_list("pk", flat=True)
    counts = {"escalated_acknowledge": 0, "escalated_resolve": 0}
    for pk in list(overdue_ack):
        counts["escalated_acknowledge"] += _escalate_one(pk, now=now, deadline="acknowledge")
    for pk in list(overdue_resolve):
        counts["escalated_resolve"] += _escalate_one(pk, now=now, deadline="resolve")
    return counts


@transaction.atomic
def _escalate_one(pk: int, *, now: datetime, deadline: str) -> bool:
    rows = Complaint.objects.filter(pk=pk, escalation_level=0, status__in=OPEN_STATUSES).update(
        escalation_level=1, escalated_at=now
    )
    if not rows:
        return False  # escalated by another sweep, or handled meanwhile
    complaint = Complaint.objects.select_related("department").get(pk=pk)
    _record(complaint, by=None, action="escalated", level=1, deadline=deadline)
    events.complaint_overdue(complaint, deadline=deadline, now=now)
    _notify(
        complaint,
        action="escalated",
        recipients=routing.managers(complaint.department),
        body=complaint.body,
    )
    return True
