"""Every change to a repair request: filing, dispatch, work, confirmation, and the SLA sweeps.

Each service runs in a transaction, checks the rule table (repairs.workflow.TRANSITIONS: who
may act, from which state), changes the status with a conditional UPDATE (so two people acting
at once never lose an update: the loser gets ConcurrentUpdate), records a RepairEvent in the
timeline and notifies everyone involved but the actor.

Errors callers get (logistics.workflow answers them the same way in pages and the API):
- NotAllowed (also Django's PermissionDenied, 403): the user may not do this;
- InvalidTransition (409): not possible in the request's current state;
- ConcurrentUpdate (409): someone else changed the request first;
- AlreadyAssigned, AlreadyRated (409 conflict): it is already so;
- django ValidationError with a message_dict keyed by the argument names ("description",
  "room", "photos", "answers", "reason", "rating", "technician" …): bad input (400).
The `repair` argument is the caller's copy of the row: the change only applies if the row is
still in that copy's status, and the copy is updated in place on success.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models.expressions import Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from logistics.workcalendar import WorkCalendar
from logistics.workflow import DomainError
from repairs import dispatch, events, reviews, sla, sweeps
from repairs.errors import AlreadyAssigned, AlreadyRated, InvalidTransition, OwnRequest
from repairs.models import Category, RepairEvent, RepairFollower, RepairPhoto, RepairRequest
from repairs.querysets import dispatchers_for
from repairs.timeline import first_response, notify_repair, record, transition
from repairs.validation import (
    clean_filing,
    clean_labour,
    clean_photos,
    clean_rating,
    clean_technician,
    required_text,
)
from repairs.workflow import OPEN_STATUSES, TRANSITIONS
from reviews.services import AlreadyReviewed

if TYPE_CHECKING:
    from django.core.files.uploadedfile import UploadedFile

    from logistics.models import Building, Department, Room, User

Status = RepairRequest.Status


def _check(repair: RepairRequest, action: str, by: User | None) -> None:
    """The rule table says whether `by` may take `action` now (by None: the system)."""
    TRANSITIONS.check(repair, action, by)


def _sources(action: str) -> frozenset[str]:
    return TRANSITIONS[action].sources


# --- Filing -------------------------------------------------------------------------------------


@transaction.atomic
def repair_request_create(
    *,
    requester: User,
    category: Category,
    description: str,
    building: Building | None = None,
    room: Room | None = None,
    place_text: str = "",
    urgency: str = RepairRequest.Urgency.NORMAL,
    preferred_windows: str = "",
    consent_to_enter: bool = False,
    contact_phone: str = "",
    answers: dict | None = None,
    photos: Iterable[UploadedFile] = (),
) -> RepairRequest:
    """Files a request (status submitted), computes its due times, applies the dispatch rules
    (default team / technician → status assigned when a technician is chosen), stores up to 6
    photos (logistics.uploads rules), and notifies the requester and the dispatchers."""
    place_text = (place_text or "").strip()
    answers, images = clean_filing(
        requester=requester,
        category=category,
        description=description,
        urgency=urgency,
        building=building,
        room=room,
        place_text=place_text,
        answers=answers,
        photos=photos,
    )
    description = description.strip()
    building = room.building if room is not None else building
    now = timezone.now()
    response_due, completion_due = sla.due_times(category=category, urgency=urgency, start=now)
    rule = dispatch.matching_rule(category=category, building=building)
    technician = rule.technician if rule else None
    repair = RepairRequest.objects.create(
        requester=requester,
        category=category,
        building=building,
        room=room,
        place_text=place_text,
        description=description,
        urgency=urgency,
        preferred_windows=(preferred_windows or "").strip(),
        consent_to_enter=bool(consent_to_enter),
        contact_phone=(contact_phone or "").strip() or requester.phone,
        answers=answers,
        status=Status.ASSIGNED if technician else Status.SUBMITTED,
        team=(rule.team if rule and rule.team_id else None) or category.department,
        assignee=technician,
        assigned_at=now if technician else None,
        response_due_at=response_due,
        completion_due_at=completion_due,
    )
    data = (
        {"dispatch_rule": rule.pk, "assignee": technician.pk if technician else None}
        if rule
        else {}
    )
    record(
        repair,
        by=requester,
        action="submitted",
        from_status="",
        images=images,
        kind=RepairPhoto.Kind.REPORT,
        data=data,
    )
    _notify_filed(repair)
    events.request_filed(repair)
    return repair


def _notify_filed(repair: RepairRequest) -> None:
    notify_repair(repair, action="submitted", recipients=[repair.requester])
    notify_repair(
        repair,
        action="submitted",
        title_key="submitted_staff",
        recipients=dispatchers_for(repair),
        body=repair.description[:500],
    )
    if repair.assignee_id:
        notify_repair(
            repair,
            action="assigned",
            recipients=[repair.assignee],
            technician=repair.assignee.get_display_name(),
            body=repair.description[:500],
        )


# --- Dispatch -----------------------------------------------------------------------------------


@transaction.atomic
def repair_request_accept(*, repair: RepairRequest, by: User, note: str = "") -> RepairRequest:
    """submitted/reopened → accepted (a dispatcher takes it on; the first response)."""
    _check(repair, "accept", by)
    now = timezone.now()
    old = transition(
        repair,
        expected=_sources("accept"),
        to=Status.ACCEPTED,
        first_response_at=first_response(now),
    )
    record(repair, by=by, action="accepted", from_status=old, note=note.strip())
    notify_repair(repair, action="accepted", recipients=[repair.requester], by=by, body=note)
    return repair


@transaction.atomic
def repair_request_reject(*, repair: RepairRequest, by: User, reason: str) -> RepairRequest:
    """submitted/accepted → rejected with a reason (dispatcher or manager)."""
    _check(repair, "reject", by)
    reason = required_text("reason", reason, _("Say why the request is rejected."))
    now = timezone.now()
    old = transition(
        repair,
        expected=_sources("reject"),
        to=Status.REJECTED,
        rejection_reason=reason,
        first_response_at=first_response(now),
        closed_at=now,
    )
    record(repair, by=by, action="rejected", from_status=old, note=reason)
    notify_repair(repair, action="rejected", recipients=[repair.requester], by=by, body=reason)
    return repair


@transaction.atomic
def repair_request_assign(
    *,
    repair: RepairRequest,
    technician: User,
    by: User,
    team: Department | None = None,
    note: str = "",
) -> RepairRequest:
    """submitted/accepted/assigned/reopened → assigned to a technician (dispatcher/manager)."""
    _check(repair, "assign", by)
    technician = clean_technician(technician)
    if repair.status == Status.ASSIGNED and repair.assignee_id == technician.pk:
        raise AlreadyAssigned()
    previous = repair.assignee if repair.assignee_id else None
    now = timezone.now()
    changes = {
        "assignee": technician,
        "assigned_at": now,
        "first_response_at": first_response(now),
    }
    if team is not None:
        changes["team"] = team
    old = transition(
        repair,
        expected=_sources("assign"),
        to=Status.ASSIGNED,
        # A reassignment only applies if nobody reassigned the request in the meantime.
        guard={"assignee_id": previous.pk if previous else None},
        **changes,
    )
    data = {"assignee": technician.pk, "previous_assignee": previous.pk if previous else None}
    record(repair, by=by, action="assigned", from_status=old, note=note.strip(), data=data)
    name = technician.get_display_name()
    notify_repair(
        repair,
        action="assigned",
        recipients=[repair.requester, technician],
        by=by,
        technician=name,
        body=note,
    )
    if previous and previous.pk != technician.pk:
        notify_repair(
            repair, action="assigned", title_key="unassigned", recipients=[previous], by=by
        )
    return repair


def repair_requests_assign_bulk(
    *, repair_ids: Iterable[int | str], technician: User, by: User
) -> tuple[list[int], list[str]]:
    """Assigns many requests; returns (assigned ids, messages for the ones that failed).

    Each request is assigned in its own transaction, so one that fails (gone, not in scope,
    wrong state, changed meanwhile) does not stop the others."""
    clean_technician(technician)
    ids = list(dict.fromkeys(_repair_id(pk) for pk in repair_ids))
    if None in ids:
        raise ValidationError({"request_ids": _("Choose requests by their numbers.")})
    found = RepairRequest.objects.for_user(by).with_related().in_bulk(ids)
    assigned, failures = [], []
    for pk in ids:
        repair = found.get(pk)
        number = f"R{pk:06d}"
        if repair is None:
            failures.append(_("%(number)s: not found.") % {"number": number})
            continue
        try:
            repair_request_assign(repair=repair, technician=technician, by=by)
        except (DomainError, PermissionDenied, ValidationError) as error:
            message = getattr(error, "message", None) or " ".join(getattr(error, "messages", []))
            failures.append(
                _("%(number)s: %(message)s") % {"number": number, "message": message or error}
            )
        else:
            assigned.append(pk)
    return assigned, failures


def _repair_id(value: int | str) -> int | None:
    try:
        pk = int(value)
    except (TypeError, ValueError):
        return None
    return pk if pk > 0 else None


@transaction.atomic
def repair_request_hand_back(*, repair: RepairRequest, by: User, reason: str) -> RepairRequest:
    """assigned/in_progress/reopened → accepted, unassigned, with the technician's reason."""
    _check(repair, "hand_back", by)
    reason = required_text("reason", reason, _("Say why you hand the job back."))
    old = transition(
        repair,
        expected=_sources("hand_back"),
        to=Status.ACCEPTED,
        guard={"assignee_id": by.pk},
        assignee=None,
        assigned_at=None,
    )
    record(
        repair,
        by=by,
        action="handed_back",
        from_status=old,
        note=reason,
        data={"previous_assignee": by.pk},
    )
    notify_repair(
        repair, action="handed_back", recipients=dispatchers_for(repair), by=by, body=reason
    )
    return repair


# --- Work ---------------------------------------------------------------------------------------


@transaction.atomic
def repair_request_start(*, repair: RepairRequest, by: User, note: str = "") -> RepairRequest:
    """assigned/reopened → in_progress (the assignee)."""
    _check(repair, "start", by)
    now = timezone.now()
    old = transition(
        repair,
        expected=_sources("start"),
        to=Status.IN_PROGRESS,
        guard={"assignee_id": by.pk},
        started_at=Coalesce("started_at", Value(now)),
        first_response_at=first_response(now),
    )
    record(repair, by=by, action="started", from_status=old, note=note.strip())
    notify_repair(repair, action="started", recipients=[repair.requester], by=by, body=note)
    return repair


@transaction.atomic
def repair_request_hold(*, repair: RepairRequest, by: User, reason: str) -> RepairRequest:
    """assigned/in_progress/reopened → on_hold (waiting for parts); pauses the SLA clock."""
    _check(repair, "hold", by)
    reason = required_text("reason", reason, _("Say what the job is waiting for."))
    old = transition(
        repair,
        expected=_sources("hold"),
        to=Status.ON_HOLD,
        guard={"assignee_id": by.pk},
        on_hold_since=timezone.now(),
        status_before_hold=repair.status,
    )
    record(repair, by=by, action="on_hold", from_status=old, note=reason)
    notify_repair(repair, action="on_hold", recipients=[repair.requester], by=by, body=reason)
    return repair


@transaction.atomic
def repair_request_resume(*, repair: RepairRequest, by: User, note: str = "") -> RepairRequest:
    """on_hold → the status before the hold; the due times move by the paused working time."""
    _check(repair, "resume", by)
    now = timezone.now()
    calendar = WorkCalendar()
    paused = calendar.between(repair.on_hold_since or now, now)
    changes = {
        "completion_due_at": sla.pushed_back(repair.completion_due_at, paused, calendar=calendar),
        "on_hold_since": None,
        "status_before_hold": "",
    }
    if repair.first_response_at is None:
        changes["response_due_at"] = sla.pushed_back(
            repair.response_due_at, paused, calendar=calendar
        )
    back_to = repair.status_before_hold or Status.ASSIGNED
    old = transition(repair, expected=_sources("resume"), to=back_to, **changes)
    data = {"paused_working_seconds": int(paused.total_seconds())}
    record(repair, by=by, action="resumed", from_status=old, note=note.strip(), data=data)
    notify_repair(repair, action="resumed", recipients=[repair.requester], by=by, body=note)
    return repair


@transaction.atomic
def repair_request_complete(
    *,
    repair: RepairRequest,
    by: User,
    note: str = "",
    labour_minutes: int | None = None,
    materials: str = "",
    photos: Iterable[UploadedFile] = (),
) -> RepairRequest:
    """assigned/in_progress/reopened → completed, with note, labour, materials and photos."""
    _check(repair, "complete", by)
    labour_minutes = clean_labour(labour_minutes)
    images = clean_photos(photos)
    now = timezone.now()
    old = transition(
        repair,
        expected=_sources("complete"),
        to=Status.COMPLETED,
        guard={"assignee_id": by.pk},
        completed_at=now,
        started_at=Coalesce("started_at", Value(now)),
        first_response_at=first_response(now),
        resolution_note=(note or "").strip(),
        labour_minutes=labour_minutes,
        materials=(materials or "").strip(),
    )
    data = {"labour_minutes": labour_minutes, "materials": repair.materials}
    record(
        repair,
        by=by,
        action="completed",
        from_status=old,
        note=repair.resolution_note,
        data=data,
        images=images,
        kind=RepairPhoto.Kind.COMPLETION,
    )
    # The requester may now review it; the reviews system invites them after a delay.
    reviews.repair_event_record(repair)
    notify_repair(
        repair,
        action="completed",
        recipients=[repair.requester],
        by=by,
        body=repair.resolution_note,
    )
    return repair


@transaction.atomic
def repair_request_comment(
    *, repair: RepairRequest, by: User, note: str, photos: Iterable[UploadedFile] = ()
) -> RepairEvent:
    """Adds a note (and photos) to the timeline without changing the status."""
    _check(repair, "comment", by)
    note = (note or "").strip()
    images = clean_photos(photos)
    if not note and not images:
        raise ValidationError({"note": _("Write a note or attach a photo.")})
    event = record(repair, by=by, action="comment", note=note, images=images)
    # Its timeline (and perhaps its photos) changed: cached pages and rows and API clients see it.
    repair.updated_at = timezone.now()
    RepairRequest.objects.filter(pk=repair.pk).update(updated_at=repair.updated_at)
    recipients = [repair.requester, repair.assignee if repair.assignee_id else None]
    notify_repair(repair, action="comment", recipients=recipients, by=by, body=note)
    return event


# --- Requester ----------------------------------------------------------------------------------


@transaction.atomic
def repair_request_cancel(*, repair: RepairRequest, by: User, reason: str = "") -> RepairRequest:
    """submitted/accepted/assigned → cancelled, by the requester before work starts."""
    _check(repair, "cancel", by)
    old = transition(
        repair, expected=_sources("cancel"), to=Status.CANCELLED, closed_at=timezone.now()
    )
    record(repair, by=by, action="cancelled", from_status=old, note=(reason or "").strip())
    recipients = [repair.assignee] if repair.assignee_id else dispatchers_for(repair)
    notify_repair(repair, action="cancelled", recipients=recipients, by=by, body=reason or "")
    return repair


@transaction.atomic
def repair_request_confirm(
    *,
    repair: RepairRequest,
    by: User,
    rating: int | None = None,
    comment: str = "",
    scores: dict | None = None,
    anonymous: bool = False,
) -> RepairRequest:
    """completed → confirmed (requester), optionally with a rating (a review, see rate)."""
    _check(repair, "confirm", by)
    rate = rating not in (None, "") and repair.rating is None
    if rate:
        rating = clean_rating(rating)
    old = transition(
        repair,
        expected=_sources("confirm"),
        to=Status.CONFIRMED,
        confirmed_at=timezone.now(),
    )
    data = {"rating": rating} if rate else {}
    note = (comment or "").strip()
    record(repair, by=by, action="confirmed", from_status=old, note=note, data=data)
    notify_repair(repair, action="confirmed", recipients=[repair.assignee], by=by)
    if rate:
        _review(repair, by=by, rating=rating, comment=note, scores=scores, anonymous=anonymous)
    return repair


@transaction.atomic
def repair_request_reopen(*, repair: RepairRequest, by: User, reason: str) -> RepairRequest:
    """completed/confirmed (within REPAIRS_REOPEN_DAYS of completion) → reopened, back to the
    same technician (status reopened; the technician starts again).

    The redo gets a fresh completion due time (the category's target from now) and a fresh
    reminder and escalation."""
    _check(repair, "reopen", by)
    reason = required_text("reason", reason, _("Say what is still wrong."))
    now = timezone.now()
    _response, completion_due = sla.due_times(
        category=repair.category, urgency=repair.urgency, start=now
    )
    old = transition(
        repair,
        expected=_sources("reopen"),
        to=Status.REOPENED,
        reopen_count=repair.reopen_count + 1,
        confirmed_at=None,
        completion_due_at=completion_due,
        reminder_sent_at=None,
        escalation_level=0,
        escalated_at=None,
    )
    record(repair, by=by, action="reopened", from_status=old, note=reason)
    notify_repair(repair, action="reopened", recipients=[repair.assignee], by=by, body=reason)
    return repair


@transaction.atomic
def repair_request_rate(
    *,
    repair: RepairRequest,
    by: User,
    rating: int,
    comment: str = "",
    scores: dict | None = None,
    anonymous: bool = False,
) -> RepairRequest:
    """The requester reviews a completed/confirmed/closed request, once: stars, the three
    dimension scores, a comment, "anonymous to staff" (see repairs.reviews)."""
    _check(repair, "rate", by)
    rating = clean_rating(rating)
    comment = (comment or "").strip()
    _review(repair, by=by, rating=rating, comment=comment, scores=scores, anonymous=anonymous)
    return repair


def _review(
    repair: RepairRequest,
    *,
    by: User,
    rating: int,
    comment: str,
    scores: dict | None,
    anonymous: bool,
) -> None:
    """The rating goes to the reviews system; its on_review hook copies it onto the request."""
    try:
        review = reviews.repair_review_create(
            repair=repair,
            by=by,
            rating=rating,
            scores=scores,
            comment=comment,
            anonymous=anonymous,
        )
    except AlreadyReviewed:
        raise AlreadyRated() from None
    except ValidationError as error:
        # The reviews system names the stars "stars"; here the argument is "rating".
        raise ValidationError(
            {("rating" if k == "stars" else k): v for k, v in error.message_dict.items()}
        ) from None
    repair.rating, repair.rating_comment, repair.rated_at = (
        review.stars,
        review.comment,
        review.created_at,
    )


@transaction.atomic
def repair_request_close(*, repair: RepairRequest, by: User | None = None) -> RepairRequest:
    """confirmed → closed (a dispatcher or manager, or automatically: by None)."""
    _check(repair, "close", by)
    old = transition(repair, expected=_sources("close"), to=Status.CLOSED, closed_at=timezone.now())
    record(repair, by=by, action="closed", from_status=old)
    notify_repair(repair, action="closed", recipients=[repair.requester], by=by)
    return repair


@transaction.atomic
def repair_request_follow(*, repair: RepairRequest, user: User) -> bool:
    """`user` follows an open request someone else filed (the "already reported" hint) and is
    told of its progress; False when they already follow it. Raises OwnRequest for one's own
    request and InvalidTransition when it is no longer open."""
    if repair.requester_id == user.pk:
        raise OwnRequest()
    if repair.status not in OPEN_STATUSES:
        raise InvalidTransition()
    _follower, created = RepairFollower.objects.get_or_create(repair=repair, user=user)
    return created


# --- Sweeps (Celery beat) -----------------------------------------------------------------------


def repair_requests_auto_confirm(*, now: datetime | None = None) -> int:
    """Confirms requests completed more than REPAIRS_AUTO_CONFIRM_DAYS ago; returns how many."""
    return sweeps.auto_confirm(now=now or timezone.now())


def repair_requests_sla_sweep(*, now: datetime | None = None) -> dict[str, int]:
    """Reminds assignees before the deadline, escalates overdue requests to the dispatcher and
    then the manager; each at most once (due-time columns, no countdown tasks)."""
    return sweeps.sla_sweep(now=now or timezone.now())
