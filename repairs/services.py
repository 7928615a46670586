"""Every change to a repair request: filing, dispatch, work, confirmation, and the SLA sweeps.

Each service runs in a transaction, checks who may act and from which state, changes the status
with a conditional UPDATE (so two people acting at once never lose an update: the loser gets
ConcurrentUpdate), records a RepairEvent in the timeline and calls logistics.notifications.notify.

CONTRACT (the lead wrote the signatures; pages, API, Open311 and tasks call exactly these).

Errors callers turn into answers:
- PermissionDenied: the user may not do this (views: 404 if they cannot see the request, else 403);
- InvalidTransition (a RepairError): not possible in the request's current state (400/409);
- ConcurrentUpdate (a RepairError): someone else changed the request first (409);
- django ValidationError with a message_dict keyed by the argument names ("description",
  "room", "photos", "answers", "reason", "rating", "technician" …): bad input (400).
The `request` argument is the caller's copy of the row: the change only applies if the row is
still in that copy's status, and the copy is updated in place on success.
"""

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models.expressions import Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from logistics.workcalendar import WorkCalendar
from repairs import dispatch, reviews, sla, sweeps
from repairs.errors import InvalidTransition, RepairError
from repairs.models import RepairPhoto, RepairRequest
from repairs.permissions import can_dispatch, is_assignee, is_requester, require
from repairs.querysets import dispatchers_for
from repairs.timeline import first_response, notify_request, record, transition
from repairs.validation import (
    clean_filing,
    clean_labour,
    clean_photos,
    clean_rating,
    clean_technician,
    required_text,
)
from reviews.errors import AlreadyReviewed

Status = RepairRequest.Status
# Work has not started in these states, so the requester may still cancel.
CANCELLABLE = (Status.SUBMITTED, Status.ACCEPTED, Status.ASSIGNED)
WORKING = (Status.ASSIGNED, Status.IN_PROGRESS, Status.REOPENED)
RATEABLE = (Status.COMPLETED, Status.CONFIRMED, Status.CLOSED)


# --- Filing -------------------------------------------------------------------------------------


@transaction.atomic
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
    request = RepairRequest.objects.create(
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
        request,
        by=requester,
        action="submitted",
        from_status="",
        images=images,
        kind=RepairPhoto.Kind.REPORT,
        data=data,
    )
    _notify_filed(request)
    return request


def _notify_filed(request) -> None:
    notify_request(request, action="submitted", recipients=[request.requester])
    notify_request(
        request,
        action="submitted",
        title_key="submitted_staff",
        recipients=dispatchers_for(request),
        body=request.description[:500],
    )
    if request.assignee_id:
        notify_request(
            request,
            action="assigned",
            recipients=[request.assignee],
            technician=request.assignee.get_display_name(),
            body=request.description[:500],
        )


# --- Dispatch -----------------------------------------------------------------------------------


@transaction.atomic
def repair_request_accept(*, request, by, note: str = ""):
    """submitted/reopened → accepted (a dispatcher takes it on; the first response)."""
    require(can_dispatch(by, request))
    now = timezone.now()
    old = transition(
        request,
        expected=(Status.SUBMITTED, Status.REOPENED),
        to_status=Status.ACCEPTED,
        first_response_at=first_response(now),
    )
    record(request, by=by, action="accepted", from_status=old, note=note.strip())
    notify_request(request, action="accepted", recipients=[request.requester], by=by, body=note)
    return request


@transaction.atomic
def repair_request_reject(*, request, by, reason: str):
    """submitted/accepted → rejected with a reason (dispatcher or manager)."""
    require(can_dispatch(by, request))
    reason = required_text("reason", reason, _("Say why the request is rejected."))
    now = timezone.now()
    old = transition(
        request,
        expected=(Status.SUBMITTED, Status.ACCEPTED),
        to_status=Status.REJECTED,
        rejection_reason=reason,
        first_response_at=first_response(now),
        closed_at=now,
    )
    record(request, by=by, action="rejected", from_status=old, note=reason)
    notify_request(request, action="rejected", recipients=[request.requester], by=by, body=reason)
    return request


@transaction.atomic
def repair_request_assign(*, request, technician, by, team=None, note: str = ""):
    """submitted/accepted/assigned/reopened → assigned to a technician (dispatcher/manager)."""
    require(can_dispatch(by, request))
    technician = clean_technician(technician)
    if request.status == Status.ASSIGNED and request.assignee_id == technician.pk:
        raise InvalidTransition(_("The request is already assigned to this technician."))
    previous = request.assignee if request.assignee_id else None
    now = timezone.now()
    changes = {
        "assignee": technician,
        "assigned_at": now,
        "first_response_at": first_response(now),
    }
    if team is not None:
        changes["team"] = team
    old = transition(
        request,
        expected=(Status.SUBMITTED, Status.ACCEPTED, Status.ASSIGNED, Status.REOPENED),
        to_status=Status.ASSIGNED,
        # A reassignment only applies if nobody reassigned the request in the meantime.
        guard={"assignee_id": previous.pk if previous else None},
        **changes,
    )
    data = {"assignee": technician.pk, "previous_assignee": previous.pk if previous else None}
    record(request, by=by, action="assigned", from_status=old, note=note.strip(), data=data)
    name = technician.get_display_name()
    notify_request(
        request,
        action="assigned",
        recipients=[request.requester, technician],
        by=by,
        technician=name,
        body=note,
    )
    if previous and previous.pk != technician.pk:
        notify_request(
            request, action="assigned", title_key="unassigned", recipients=[previous], by=by
        )
    return request


def repair_requests_assign_bulk(*, request_ids, technician, by) -> tuple[list[int], list[str]]:
    """Assigns many requests; returns (assigned ids, messages for the ones that failed).

    Each request is assigned in its own transaction, so one that fails (gone, not in scope,
    wrong state, changed meanwhile) does not stop the others."""
    clean_technician(technician)
    ids = list(dict.fromkeys(_request_id(pk) for pk in request_ids))
    if None in ids:
        raise ValidationError({"request_ids": _("Choose requests by their numbers.")})
    found = RepairRequest.objects.for_user(by).with_related().in_bulk(ids)
    assigned, failures = [], []
    for pk in ids:
        request = found.get(pk)
        number = f"R{pk:06d}"
        if request is None:
            failures.append(_("%(number)s: not found.") % {"number": number})
            continue
        try:
            repair_request_assign(request=request, technician=technician, by=by)
        except (RepairError, PermissionDenied, ValidationError) as error:
            message = getattr(error, "message", None) or " ".join(getattr(error, "messages", []))
            failures.append(
                _("%(number)s: %(message)s") % {"number": number, "message": message or error}
            )
        else:
            assigned.append(pk)
    return assigned, failures


def _request_id(value) -> int | None:
    try:
        pk = int(value)
    except (TypeError, ValueError):
        return None
    return pk if pk > 0 else None


@transaction.atomic
def repair_request_hand_back(*, request, by, reason: str):
    """assigned/in_progress → accepted, unassigned, with the technician's reason."""
    require(is_assignee(by, request))
    reason = required_text("reason", reason, _("Say why you hand the job back."))
    old = transition(
        request,
        expected=WORKING,
        to_status=Status.ACCEPTED,
        guard={"assignee_id": by.pk},
        assignee=None,
        assigned_at=None,
    )
    record(
        request,
        by=by,
        action="handed_back",
        from_status=old,
        note=reason,
        data={"previous_assignee": by.pk},
    )
    notify_request(
        request, action="handed_back", recipients=dispatchers_for(request), by=by, body=reason
    )
    return request


# --- Work ---------------------------------------------------------------------------------------


@transaction.atomic
def repair_request_start(*, request, by, note: str = ""):
    """assigned/reopened → in_progress (the assignee)."""
    require(is_assignee(by, request))
    now = timezone.now()
    old = transition(
        request,
        expected=(Status.ASSIGNED, Status.REOPENED),
        to_status=Status.IN_PROGRESS,
        guard={"assignee_id": by.pk},
        started_at=Coalesce("started_at", Value(now)),
        first_response_at=first_response(now),
    )
    record(request, by=by, action="started", from_status=old, note=note.strip())
    notify_request(request, action="started", recipients=[request.requester], by=by, body=note)
    return request


@transaction.atomic
def repair_request_hold(*, request, by, reason: str):
    """assigned/in_progress → on_hold (waiting for parts); pauses the SLA clock."""
    require(is_assignee(by, request))
    reason = required_text("reason", reason, _("Say what the job is waiting for."))
    old = transition(
        request,
        expected=WORKING,
        to_status=Status.ON_HOLD,
        guard={"assignee_id": by.pk},
        on_hold_since=timezone.now(),
        status_before_hold=request.status,
    )
    record(request, by=by, action="on_hold", from_status=old, note=reason)
    notify_request(request, action="on_hold", recipients=[request.requester], by=by, body=reason)
    return request


@transaction.atomic
def repair_request_resume(*, request, by, note: str = ""):
    """on_hold → the status before the hold; the due times move by the paused working time."""
    require(is_assignee(by, request) or can_dispatch(by, request))
    if request.status != Status.ON_HOLD:
        raise InvalidTransition()
    now = timezone.now()
    calendar = WorkCalendar()
    paused = calendar.between(request.on_hold_since or now, now)
    changes = {
        "completion_due_at": sla.pushed_back(request.completion_due_at, paused, calendar=calendar),
        "on_hold_since": None,
        "status_before_hold": "",
    }
    if request.first_response_at is None:
        changes["response_due_at"] = sla.pushed_back(
            request.response_due_at, paused, calendar=calendar
        )
    back_to = request.status_before_hold or Status.ASSIGNED
    old = transition(request, expected=(Status.ON_HOLD,), to_status=back_to, **changes)
    data = {"paused_working_seconds": int(paused.total_seconds())}
    record(request, by=by, action="resumed", from_status=old, note=note.strip(), data=data)
    notify_request(request, action="resumed", recipients=[request.requester], by=by, body=note)
    return request


@transaction.atomic
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
    require(is_assignee(by, request))
    labour_minutes = clean_labour(labour_minutes)
    images = clean_photos(photos)
    now = timezone.now()
    old = transition(
        request,
        expected=WORKING,
        to_status=Status.COMPLETED,
        guard={"assignee_id": by.pk},
        completed_at=now,
        started_at=Coalesce("started_at", Value(now)),
        first_response_at=first_response(now),
        resolution_note=(note or "").strip(),
        labour_minutes=labour_minutes,
        materials=(materials or "").strip(),
    )
    data = {"labour_minutes": labour_minutes, "materials": request.materials}
    record(
        request,
        by=by,
        action="completed",
        from_status=old,
        note=request.resolution_note,
        data=data,
        images=images,
        kind=RepairPhoto.Kind.COMPLETION,
    )
    # The requester may now review it; the reviews system invites them after a delay.
    reviews.repair_event_record(request)
    notify_request(
        request,
        action="completed",
        recipients=[request.requester],
        by=by,
        body=request.resolution_note,
    )
    return request


@transaction.atomic
def repair_request_comment(*, request, by, note: str, photos=()):
    """Adds a note (and photos) to the timeline without changing the status."""
    require(is_requester(by, request) or is_assignee(by, request) or can_dispatch(by, request))
    note = (note or "").strip()
    images = clean_photos(photos)
    if not note and not images:
        raise ValidationError({"note": _("Write a note or attach a photo.")})
    event = record(request, by=by, action="comment", note=note, images=images)
    recipients = [request.requester, request.assignee if request.assignee_id else None]
    notify_request(request, action="comment", recipients=recipients, by=by, body=note)
    return event


# --- Requester ----------------------------------------------------------------------------------


@transaction.atomic
def repair_request_cancel(*, request, by, reason: str = ""):
    """submitted/accepted/assigned → cancelled, by the requester before work starts."""
    require(is_requester(by, request))
    old = transition(
        request, expected=CANCELLABLE, to_status=Status.CANCELLED, closed_at=timezone.now()
    )
    record(request, by=by, action="cancelled", from_status=old, note=(reason or "").strip())
    recipients = [request.assignee] if request.assignee_id else dispatchers_for(request)
    notify_request(request, action="cancelled", recipients=recipients, by=by, body=reason or "")
    return request


@transaction.atomic
def repair_request_confirm(
    *,
    request,
    by,
    rating: int | None = None,
    comment: str = "",
    scores: dict | None = None,
    anonymous: bool = False,
):
    """completed → confirmed (requester), optionally with a rating (a review, see rate)."""
    require(is_requester(by, request))
    rate = rating not in (None, "") and request.rating is None
    if rate:
        rating = clean_rating(rating)
    old = transition(
        request,
        expected=(Status.COMPLETED,),
        to_status=Status.CONFIRMED,
        confirmed_at=timezone.now(),
    )
    data = {"rating": rating} if rate else {}
    note = (comment or "").strip()
    record(request, by=by, action="confirmed", from_status=old, note=note, data=data)
    notify_request(request, action="confirmed", recipients=[request.assignee], by=by)
    if rate:
        _review(request, by=by, rating=rating, comment=note, scores=scores, anonymous=anonymous)
    return request


@transaction.atomic
def repair_request_reopen(*, request, by, reason: str):
    """completed/confirmed (within REPAIRS_REOPEN_DAYS of completion) → reopened, back to the
    same technician (status reopened; the technician starts again).

    The redo gets a fresh completion due time (the category's target from now) and a fresh
    reminder and escalation."""
    require(is_requester(by, request))
    reason = required_text("reason", reason, _("Say what is still wrong."))
    window = timedelta(days=settings.REPAIRS_REOPEN_DAYS)
    if request.status in (Status.COMPLETED, Status.CONFIRMED) and (
        request.completed_at is None or timezone.now() > request.completed_at + window
    ):
        raise InvalidTransition(
            _("A request can only be reopened within %(days)d days of its completion.")
            % {"days": settings.REPAIRS_REOPEN_DAYS}
        )
    now = timezone.now()
    _response, completion_due = sla.due_times(
        category=request.category, urgency=request.urgency, start=now
    )
    old = transition(
        request,
        expected=(Status.COMPLETED, Status.CONFIRMED),
        to_status=Status.REOPENED,
        reopen_count=request.reopen_count + 1,
        confirmed_at=None,
        completion_due_at=completion_due,
        reminder_sent_at=None,
        escalation_level=0,
        escalated_at=None,
    )
    record(request, by=by, action="reopened", from_status=old, note=reason)
    notify_request(request, action="reopened", recipients=[request.assignee], by=by, body=reason)
    return request


@transaction.atomic
def repair_request_rate(
    *,
    request,
    by,
    rating: int,
    comment: str = "",
    scores: dict | None = None,
    anonymous: bool = False,
):
    """The requester reviews a completed/confirmed/closed request, once: stars, the three
    dimension scores, a comment, "anonymous to staff" (see repairs.reviews)."""
    require(is_requester(by, request))
    rating = clean_rating(rating)
    if request.status not in RATEABLE:
        raise InvalidTransition(_("A request can be rated once its work is completed."))
    if request.rating is not None:
        raise InvalidTransition(_("This request has already been rated."))
    comment = (comment or "").strip()
    _review(request, by=by, rating=rating, comment=comment, scores=scores, anonymous=anonymous)
    return request


def _review(request, *, by, rating, comment, scores, anonymous) -> None:
    """The rating goes to the reviews system; its on_review hook copies it onto the request."""
    try:
        review = reviews.repair_review_create(
            repair=request,
            by=by,
            rating=rating,
            scores=scores,
            comment=comment,
            anonymous=anonymous,
        )
    except AlreadyReviewed:
        raise InvalidTransition(_("This request has already been rated.")) from None
    except ValidationError as error:
        # The reviews system names the stars "stars"; here the argument is "rating".
        raise ValidationError(
            {("rating" if k == "stars" else k): v for k, v in error.message_dict.items()}
        ) from None
    request.rating, request.rating_comment, request.rated_at = (
        review.stars,
        review.comment,
        review.created_at,
    )


@transaction.atomic
def repair_request_close(*, request, by=None):
    """confirmed → closed (a manager, or automatically)."""
    if by is not None:
        require(can_dispatch(by, request))
    old = transition(
        request, expected=(Status.CONFIRMED,), to_status=Status.CLOSED, closed_at=timezone.now()
    )
    record(request, by=by, action="closed", from_status=old)
    notify_request(request, action="closed", recipients=[request.requester], by=by)
    return request


# --- Sweeps (Celery beat) -----------------------------------------------------------------------


def repair_requests_auto_confirm(*, now=None) -> int:
    """Confirms requests completed more than REPAIRS_AUTO_CONFIRM_DAYS ago; returns how many."""
    return sweeps.auto_confirm(now=now or timezone.now())


def repair_requests_sla_sweep(*, now=None) -> dict:
    """Reminds assignees before the deadline, escalates overdue requests to the dispatcher and
    then the manager; each at most once (due-time columns, no countdown tasks)."""
    return sweeps.sla_sweep(now=now or timezone.now())
