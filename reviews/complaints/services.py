"""Every change to a complaint or suggestion: filing, handling, confirmation, the deadline sweep.

Each service runs in a transaction, checks who may act and from which state, changes the row
with a conditional UPDATE (``WHERE status = <the caller's copy's status>``: of two people acting
at once, the second gets ConcurrentUpdate instead of overwriting the first), records a
ComplaintEntry in the timeline and notifies the people concerned.

Errors callers turn into answers: PermissionDenied (403; views answer 404 first when the user
cannot see the complaint), InvalidTransition / ConcurrentUpdate (409), ValidationError with a
message_dict keyed by argument name (400). The ``complaint`` argument is the caller's copy; it is
updated in place on success.

Silence never counts as satisfied: a resolved complaint stays "resolved, awaiting confirmation"
until its author confirms (with a satisfaction score) or reopens it; nothing closes it for them.
"""

import uuid

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from logistics.notifications import notify
from logistics.workcalendar import WorkCalendar
from reviews.errors import ConcurrentUpdate, InvalidTransition
from reviews.models import Complaint, ComplaintEntry

from . import deadlines, routing
from .querysets import OPEN, can_handle, is_manager

Status = Complaint.Status
ESCALATE_AFTER_REOPENINGS = 2
NOT_ALLOWED = _("You may not do this with this complaint.")

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


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied(NOT_ALLOWED)


def _is_author(user, complaint) -> bool:
    return bool(user and user.is_authenticated) and complaint.author_id == user.pk


def _transition(complaint, *, expected, to_status=None, **changes) -> str:
    """Applies `changes` if the row is still in the caller's status; returns the old status."""
    if complaint.status not in expected:
        raise InvalidTransition()
    old = complaint.status
    fields = {"updated_at": timezone.now(), **changes}
    if to_status is not None:
        fields["status"] = to_status
    if Complaint.objects.filter(pk=complaint.pk, status=old).update(**fields) != 1:
        raise ConcurrentUpdate()
    complaint.refresh_from_db(fields=list(fields))
    return old


def _record(complaint, *, by, action, note="", public=False, **data) -> ComplaintEntry:
    return ComplaintEntry.objects.create(
        complaint=complaint, action=action, actor=by, note=note, is_public=public, data=data
    )


def _notify(complaint, *, action, recipients, by=None, title_key=None, body="", **params):
    """Notifies the recipients (never the actor) in the portal's language."""
    seen, users = set(), []
    for user in recipients:
        if user is None or user.pk in seen or (by is not None and user.pk == by.pk):
            continue
        seen.add(user.pk)
        users.append(user)
    if not users:
        return
    with translation.override(settings.LANGUAGE_CODE):
        values = {
            "number": complaint.number,
            "kind": str(complaint.get_kind_display()),
            "title": complaint.title,
            **{k: str(v) for k, v in params.items()},
        }
        title = str(TITLES[title_key or action]) % values
    notify(
        recipients=users,
        kind=f"reviews.complaint_{action}",
        title=title[:200],
        body=str(body)[:500],
        url=complaint.get_absolute_url(),
        department=complaint.department,
    )


def _handlers(complaint) -> list:
    """Department staff and the staff who answer for its subject (a dish's canteen's staff)."""
    answerers = routing.subject_staff(subject=complaint.subject, event=complaint.event)
    return routing.department_staff(complaint.department) + answerers


# --- filing -------------------------------------------------------------------------------------


def _clean_filing(*, author, kind, title, body, event, department, subject):
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
    author,
    kind,
    title,
    body,
    subject=None,
    event=None,
    department=None,
    public_ok=False,
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
def complaint_acknowledge(*, complaint, by, note: str = "") -> Complaint:
    """submitted → acknowledged: the department has taken it on (staff or managers)."""
    _require(can_handle(by, complaint))
    note = _text("note", note, "", limit=2000, required=False)
    _transition(
        complaint,
        expected=(Status.SUBMITTED,),
        to_status=Status.ACKNOWLEDGED,
        acknowledged_at=timezone.now(),
    )
    _record(complaint, by=by, action="acknowledged", note=note)
    _notify(complaint, action="acknowledged", recipients=[complaint.author], by=by, body=note)
    return complaint


@transaction.atomic
def complaint_reply(*, complaint, by, body, public: bool = False) -> ComplaintEntry:
    """A reply from the department, visible to the author (and, if public, on the board).

    A reply to a complaint nobody acknowledged yet acknowledges it.
    """
    _require(can_handle(by, complaint))
    body = _text("body", body, _("Write your reply."), limit=4000)
    if complaint.status == Status.SUBMITTED:
        _transition(
            complaint,
            expected=(Status.SUBMITTED,),
            to_status=Status.ACKNOWLEDGED,
            acknowledged_at=timezone.now(),
        )
    else:
        _transition(complaint, expected=(*OPEN, Status.RESOLVED))
    entry = _record(complaint, by=by, action="reply", note=body, public=bool(public))
    _notify(complaint, action="reply", recipients=[complaint.author], by=by, body=body)
    return entry


@transaction.atomic
def complaint_resolve(*, complaint, by, note, public: bool = False) -> Complaint:
    """submitted/acknowledged → resolved, with what was done; the author is asked to confirm."""
    _require(can_handle(by, complaint))
    note = _text("note", note, _("Say what was done about it."), limit=4000)
    now = timezone.now()
    _transition(
        complaint,
        expected=OPEN,
        to_status=Status.RESOLVED,
        resolved_at=now,
        acknowledged_at=complaint.acknowledged_at or now,
    )
    _record(complaint, by=by, action="resolved", note=note, public=bool(public))
    _notify(complaint, action="resolved", recipients=[complaint.author], by=by, body=note)
    return complaint


@transaction.atomic
def complaint_reassign(*, complaint, by, department, note: str = "") -> Complaint:
    """A manager passes an open complaint to another department: its clocks start again."""
    _require(is_manager(by))
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
        expected=OPEN,
        to_status=Status.SUBMITTED,
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


def _clean_satisfaction(value) -> int:
    text = str(value if value is not None else "").strip()
    if text not in {"1", "2", "3", "4", "5"}:
        raise ValidationError({"satisfaction": _("Give a score from 1 to 5.")})
    return int(text)


@transaction.atomic
def complaint_confirm(*, complaint, by, satisfaction, comment: str = "") -> Complaint:
    """resolved → closed: the author confirms, saying how satisfied they are with the handling."""
    _require(_is_author(by, complaint))
    satisfaction = _clean_satisfaction(satisfaction)
    comment = _text("comment", comment, "", limit=2000, required=False)
    _transition(
        complaint,
        expected=(Status.RESOLVED,),
        to_status=Status.CLOSED,
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
def complaint_reopen(*, complaint, by, reason) -> Complaint:
    """resolved → acknowledged with a new resolve deadline; the second reopening escalates."""
    _require(_is_author(by, complaint))
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
    _transition(complaint, expected=(Status.RESOLVED,), to_status=Status.ACKNOWLEDGED, **changes)
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
def complaint_withdraw(*, complaint, by, reason: str = "") -> Complaint:
    """The author withdraws an open complaint."""
    _require(_is_author(by, complaint))
    reason = _text("reason", reason, "", limit=2000, required=False)
    _transition(complaint, expected=OPEN, to_status=Status.WITHDRAWN, closed_at=timezone.now())
    _record(complaint, by=by, action="withdrawn", note=reason)
    _notify(complaint, action="withdrawn", recipients=_handlers(complaint), by=by, body=reason)
    return complaint


# --- the beat sweep -----------------------------------------------------------------------------


def complaints_sweep(now=None) -> dict:
    """Escalates complaints past their acknowledge or resolve deadline to the logistics managers,
    once each (escalation_level 0 → 1 claimed by a conditional UPDATE: safe to run twice)."""
    now = now or timezone.now()
    overdue_ack = Complaint.objects.filter(
        status=Status.SUBMITTED, acknowledge_due_at__lt=now, escalation_level=0
    ).values_list("pk", flat=True)
    overdue_resolve = Complaint.objects.filter(
        status__in=OPEN, resolve_due_at__lt=now, escalation_level=0
    ).values_list("pk", flat=True)
    counts = {"escalated_acknowledge": 0, "escalated_resolve": 0}
    for pk in list(overdue_ack):
        counts["escalated_acknowledge"] += _escalate_one(pk, now=now, deadline="acknowledge")
    for pk in list(overdue_resolve):
        counts["escalated_resolve"] += _escalate_one(pk, now=now, deadline="resolve")
    return counts


@transaction.atomic
def _escalate_one(pk: int, *, now, deadline: str) -> bool:
    rows = Complaint.objects.filter(pk=pk, escalation_level=0, status__in=OPEN).update(
        escalation_level=1, escalated_at=now
    )
    if not rows:
        return False  # escalated by another sweep, or handled meanwhile
    complaint = Complaint.objects.select_related("department").get(pk=pk)
    _record(complaint, by=None, action="escalated", level=1, deadline=deadline)
    _notify(
        complaint,
        action="escalated",
        recipients=routing.managers(complaint.department),
        body=complaint.body,
    )
    return True
