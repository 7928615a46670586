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
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models.expressions import BaseExpression, Value
from django.db.models.functions import Coalesce
from django.urls import NoReverseMatch
from django.utils import timezone, translation
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _

from logistics.notifications import notify
from logistics.roles import Role
from logistics.uploads import clean_image
from logistics.workcalendar import WorkCalendar
from repairs import dispatch, sla
from repairs.models import CategoryQuestion, RepairEvent, RepairPhoto, RepairRequest
from repairs.querysets import OPEN_STATUSES, covers, dispatchers_for, managers

Status = RepairRequest.Status


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


NOT_ALLOWED = _("You may not do this with this request.")
# Work has not started in these states, so the requester may still cancel.
CANCELLABLE = (Status.SUBMITTED, Status.ACCEPTED, Status.ASSIGNED)
WORKING = (Status.ASSIGNED, Status.IN_PROGRESS, Status.REOPENED)
RATEABLE = (Status.COMPLETED, Status.CONFIRMED, Status.CLOSED)
# A hold stops the clock: requests on hold are neither reminded nor escalated.
ESCALATABLE = tuple(s for s in OPEN_STATUSES if s != Status.ON_HOLD)

TITLES = {
    "submitted": _("Your repair request %(number)s was received"),
    "submitted_staff": _("New repair request %(number)s: %(category)s, %(place)s"),
    "accepted": _("Repair request %(number)s was accepted"),
    "rejected": _("Repair request %(number)s was rejected"),
    "assigned": _("Repair request %(number)s was assigned to %(technician)s"),
    "unassigned": _("Repair request %(number)s was given to another technician"),
    "handed_back": _("Repair request %(number)s was handed back by %(actor)s"),
    "started": _("Work on repair request %(number)s has started"),
    "on_hold": _("Repair request %(number)s is on hold"),
    "resumed": _("Work on repair request %(number)s continues"),
    "completed": _("Repair request %(number)s is completed — please confirm"),
    "comment": _("New note on repair request %(number)s"),
    "cancelled": _("Repair request %(number)s was cancelled"),
    "confirmed": _("Repair request %(number)s was confirmed"),
    "auto_confirmed": _("Repair request %(number)s was confirmed automatically"),
    "reopened": _("Repair request %(number)s was reopened"),
    "rated": _("Repair request %(number)s was rated %(rating)s of 5"),
    "closed": _("Repair request %(number)s was closed"),
    "reminder": _("Repair request %(number)s is due at %(due)s"),
    "escalated": _("Repair request %(number)s is overdue"),
    "escalated_managers": _("Repair request %(number)s is still overdue"),
}


# --- Helpers: who may act, the conditional update, the timeline, notifications ------------------


def is_manager(user) -> bool:
    return bool(user) and (user.is_superuser or user.has_role(Role.LOGISTICS_MANAGER))


def can_dispatch(user, request) -> bool:
    """A logistics manager, or a repair dispatcher whose scope covers the request."""
    if not (user and user.is_authenticated and user.is_active):
        return False
    if is_manager(user):
        return True
    if not user.has_role(Role.REPAIR_DISPATCHER):
        return False
    return covers(list(user.scoped(Role.REPAIR_DISPATCHER)), request)


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied(NOT_ALLOWED)


def _is_requester(user, request) -> bool:
    return bool(user and user.is_authenticated) and request.requester_id == user.pk


def _is_assignee(user, request) -> bool:
    return bool(user and user.is_authenticated) and request.assignee_id == user.pk


def _required_text(field: str, value: str, message) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationError({field: message})
    return value


def _transition(request, *, expected, to_status, guard=None, **changes) -> str:
    """Moves `request` to `to_status` if the row is still in the caller's status (one of
    `expected`); returns the old status. `guard` adds conditions (e.g. the same assignee)."""
    if request.status not in expected:
        raise InvalidTransition()
    from_status = request.status
    fields = {"status": to_status, "updated_at": timezone.now(), **changes}
    rows = RepairRequest.objects.filter(pk=request.pk, status=from_status, **(guard or {}))
    if rows.update(**fields) != 1:
        raise ConcurrentUpdate()
    computed = [name for name, value in fields.items() if isinstance(value, BaseExpression)]
    for name, value in fields.items():
        if name not in computed:
            setattr(request, name, value)
    if computed:
        request.refresh_from_db(fields=computed)
    return from_status


def _first_response(now):
    return Coalesce("first_response_at", Value(now))


def _record(request, *, by, action, from_status=None, note="", data=None, images=(), kind=None):
    event = RepairEvent.objects.create(
        request=request,
        actor=by,
        action=action,
        from_status=from_status if from_status is not None else request.status,
        to_status=request.status,
        note=note,
        data=data or {},
    )
    for image in images:
        photo = RepairPhoto(
            request=request,
            event=event,
            kind=kind or RepairPhoto.Kind.OTHER,
            width=image.width,
            height=image.height,
            uploaded_by=by,
        )
        photo.image.save(image.name, image.file, save=False)
        photo.save()
    return event


def request_url(request) -> str:
    """The request's page, or "" while the pages are not installed."""
    try:
        return request.get_absolute_url()
    except NoReverseMatch:
        return ""


def _notify(request, *, action, recipients, by=None, title_key=None, body="", **params):
    """Notifies the recipients except the actor, in the portal's language."""
    users = [u for u in recipients if u is not None and (by is None or u.pk != by.pk)]
    if not users:
        return
    with translation.override(settings.LANGUAGE_CODE):
        values = {
            "number": request.number,
            "category": str(request.category),
            "place": request.place,
            "actor": by.get_display_name() if by else "",
            **{k: str(v) for k, v in params.items()},
        }
        title = str(TITLES[title_key or action]) % values
        body = str(body)
    notify(
        recipients=users,
        kind=f"repairs.{action}",
        title=title,
        body=body,
        url=request_url(request),
        department=request.team,
    )


def _clean_photos(photos, *, limit: int | None = None) -> list:
    photos = [p for p in (photos or ()) if p]
    limit = settings.REPAIRS_MAX_PHOTOS if limit is None else limit
    if len(photos) > limit:
        raise ValidationError(
            {"photos": _("Attach at most %(max)d photos.") % {"max": limit}}, code="too_many"
        )
    images, errors = [], []
    for index, upload in enumerate(photos, start=1):
        try:
            images.append(clean_image(upload))
        except ValidationError as error:
            name = getattr(upload, "name", "") or str(index)
            errors.extend(f"{name}: {message}" for message in error.messages)
    if errors:
        raise ValidationError({"photos": errors})
    return images


# --- Filing -------------------------------------------------------------------------------------


def clean_answers(*, category, answers: dict | None) -> dict:
    """The answers to the category's questions, checked and normalised (unknown codes dropped);
    raises ValidationError({"answers": [...]}) naming each bad or missing answer."""
    answers = answers or {}
    if not isinstance(answers, dict):
        raise ValidationError({"answers": _("Answers must be given per question.")})
    cleaned, errors = {}, []
    for question in category.questions.all():
        value = answers.get(question.code)
        if value in (None, "", []):
            if question.required:
                errors.append(
                    _("%(question)s: this answer is required.")
                    % {"question": question.localized_label}
                )
            continue
        try:
            cleaned[question.code] = _clean_answer(question, value)
        except ValueError:
            errors.append(
                _("%(question)s: this answer is not valid.")
                % {"question": question.localized_label}
            )
    if errors:
        raise ValidationError({"answers": errors})
    return cleaned


def _clean_answer(question, value):
    kind = question.kind
    keys = {str(choice.get("key")) for choice in question.choices or [] if isinstance(choice, dict)}
    if kind == CategoryQuestion.Kind.NUMBER:
        try:
            number = Decimal(str(value).strip())
        except InvalidOperation:
            raise ValueError(value) from None
        if not number.is_finite():
            raise ValueError(value)
        return int(number) if number == number.to_integral_value() else float(number)
    if kind == CategoryQuestion.Kind.DATETIME:
        moment = parse_datetime(str(value).strip())
        if moment is None:
            raise ValueError(value)
        return moment.isoformat()
    if kind == CategoryQuestion.Kind.SINGLE:
        if str(value) not in keys:
            raise ValueError(value)
        return str(value)
    if kind == CategoryQuestion.Kind.MULTI:
        values = [str(v) for v in (value if isinstance(value, list | tuple) else [value])]
        if not values or not set(values) <= keys:
            raise ValueError(value)
        return values
    return str(value).strip()[: 2000 if kind == CategoryQuestion.Kind.TEXT else 200]


def _place_errors(*, building, room, place_text: str) -> dict:
    errors = {}
    if room is not None and building is not None and room.building_id != building.pk:
        errors["room"] = _("This room is not in the chosen building.")
    if room is None and building is None and not place_text:
        errors["place_text"] = _("Choose a building and room, or describe the place.")
    return errors


def _filing_errors(*, category, description, urgency) -> dict:
    errors = {}
    if not category.is_active:
        errors["category"] = _("This category is not available.")
    if not (description or "").strip():
        errors["description"] = _("Describe the fault.")
    if urgency not in RepairRequest.Urgency.values:
        errors["urgency"] = _("Choose a valid urgency.")
    return errors


def _clean_filing(
    *, requester, category, description, urgency, building, room, place_text, answers, photos
):
    """Every input error of a filing at once, or the cleaned (answers, images)."""
    if not (requester and requester.is_authenticated and requester.is_active):
        raise PermissionDenied(NOT_ALLOWED)
    errors = _filing_errors(category=category, description=description, urgency=urgency)
    errors |= _place_errors(building=building, room=room, place_text=place_text)
    cleaned = {}
    for name, clean in (
        ("answers", lambda: clean_answers(category=category, answers=answers)),
        ("photos", lambda: _clean_photos(photos)),
    ):
        try:
            cleaned[name] = clean()
        except ValidationError as error:
            errors |= error.message_dict
    if errors:
        raise ValidationError(errors)
    return cleaned["answers"], cleaned["photos"]


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
    answers, images = _clean_filing(
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
    _record(
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
    _notify(request, action="submitted", recipients=[request.requester])
    _notify(
        request,
        action="submitted",
        title_key="submitted_staff",
        recipients=dispatchers_for(request),
        body=request.description[:500],
    )
    if request.assignee_id:
        _notify(
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
    _require(can_dispatch(by, request))
    now = timezone.now()
    old = _transition(
        request,
        expected=(Status.SUBMITTED, Status.REOPENED),
        to_status=Status.ACCEPTED,
        first_response_at=_first_response(now),
    )
    _record(request, by=by, action="accepted", from_status=old, note=note.strip())
    _notify(request, action="accepted", recipients=[request.requester], by=by, body=note)
    return request


@transaction.atomic
def repair_request_reject(*, request, by, reason: str):
    """submitted/accepted → rejected with a reason (dispatcher or manager)."""
    _require(can_dispatch(by, request))
    reason = _required_text("reason", reason, _("Say why the request is rejected."))
    now = timezone.now()
    old = _transition(
        request,
        expected=(Status.SUBMITTED, Status.ACCEPTED),
        to_status=Status.REJECTED,
        rejection_reason=reason,
        first_response_at=_first_response(now),
        closed_at=now,
    )
    _record(request, by=by, action="rejected", from_status=old, note=reason)
    _notify(request, action="rejected", recipients=[request.requester], by=by, body=reason)
    return request


def _clean_technician(technician):
    if not (technician and technician.is_active and technician.has_role(Role.TECHNICIAN)):
        raise ValidationError({"technician": _("Choose an active technician.")})
    return technician


@transaction.atomic
def repair_request_assign(*, request, technician, by, team=None, note: str = ""):
    """submitted/accepted/assigned/reopened → assigned to a technician (dispatcher/manager)."""
    _require(can_dispatch(by, request))
    technician = _clean_technician(technician)
    if request.status == Status.ASSIGNED and request.assignee_id == technician.pk:
        raise InvalidTransition(_("The request is already assigned to this technician."))
    previous = request.assignee if request.assignee_id else None
    now = timezone.now()
    changes = {
        "assignee": technician,
        "assigned_at": now,
        "first_response_at": _first_response(now),
    }
    if team is not None:
        changes["team"] = team
    old = _transition(
        request,
        expected=(Status.SUBMITTED, Status.ACCEPTED, Status.ASSIGNED, Status.REOPENED),
        to_status=Status.ASSIGNED,
        # A reassignment only applies if nobody reassigned the request in the meantime.
        guard={"assignee_id": previous.pk if previous else None},
        **changes,
    )
    data = {"assignee": technician.pk, "previous_assignee": previous.pk if previous else None}
    _record(request, by=by, action="assigned", from_status=old, note=note.strip(), data=data)
    name = technician.get_display_name()
    _notify(
        request,
        action="assigned",
        recipients=[request.requester, technician],
        by=by,
        technician=name,
        body=note,
    )
    if previous and previous.pk != technician.pk:
        _notify(request, action="assigned", title_key="unassigned", recipients=[previous], by=by)
    return request


def repair_requests_assign_bulk(*, request_ids, technician, by) -> tuple[list[int], list[str]]:
    """Assigns many requests; returns (assigned ids, messages for the ones that failed).

    Each request is assigned in its own transaction, so one that fails (gone, not in scope,
    wrong state, changed meanwhile) does not stop the others."""
    _clean_technician(technician)
    visible = RepairRequest.objects.for_user(by).select_related("category", "requester")
    found = visible.in_bulk(list(dict.fromkeys(int(pk) for pk in request_ids)))
    assigned, failures = [], []
    for pk in dict.fromkeys(int(pk) for pk in request_ids):
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


@transaction.atomic
def repair_request_hand_back(*, request, by, reason: str):
    """assigned/in_progress → accepted, unassigned, with the technician's reason."""
    _require(_is_assignee(by, request))
    reason = _required_text("reason", reason, _("Say why you hand the job back."))
    old = _transition(
        request,
        expected=WORKING,
        to_status=Status.ACCEPTED,
        guard={"assignee_id": by.pk},
        assignee=None,
        assigned_at=None,
    )
    _record(
        request,
        by=by,
        action="handed_back",
        from_status=old,
        note=reason,
        data={"previous_assignee": by.pk},
    )
    _notify(request, action="handed_back", recipients=dispatchers_for(request), by=by, body=reason)
    return request


# --- Work ---------------------------------------------------------------------------------------


@transaction.atomic
def repair_request_start(*, request, by, note: str = ""):
    """assigned/reopened → in_progress (the assignee)."""
    _require(_is_assignee(by, request))
    now = timezone.now()
    old = _transition(
        request,
        expected=(Status.ASSIGNED, Status.REOPENED),
        to_status=Status.IN_PROGRESS,
        guard={"assignee_id": by.pk},
        started_at=Coalesce("started_at", Value(now)),
        first_response_at=_first_response(now),
    )
    _record(request, by=by, action="started", from_status=old, note=note.strip())
    _notify(request, action="started", recipients=[request.requester], by=by, body=note)
    return request


@transaction.atomic
def repair_request_hold(*, request, by, reason: str):
    """assigned/in_progress → on_hold (waiting for parts); pauses the SLA clock."""
    _require(_is_assignee(by, request))
    reason = _required_text("reason", reason, _("Say what the job is waiting for."))
    old = _transition(
        request,
        expected=WORKING,
        to_status=Status.ON_HOLD,
        guard={"assignee_id": by.pk},
        on_hold_since=timezone.now(),
        status_before_hold=request.status,
    )
    _record(request, by=by, action="on_hold", from_status=old, note=reason)
    _notify(request, action="on_hold", recipients=[request.requester], by=by, body=reason)
    return request


@transaction.atomic
def repair_request_resume(*, request, by, note: str = ""):
    """on_hold → the status before the hold; the due times move by the paused working time."""
    _require(_is_assignee(by, request) or can_dispatch(by, request))
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
    old = _transition(request, expected=(Status.ON_HOLD,), to_status=back_to, **changes)
    data = {"paused_working_seconds": int(paused.total_seconds())}
    _record(request, by=by, action="resumed", from_status=old, note=note.strip(), data=data)
    _notify(request, action="resumed", recipients=[request.requester], by=by, body=note)
    return request


def _clean_labour(labour_minutes):
    if labour_minutes in (None, ""):
        return None
    try:
        minutes = int(labour_minutes)
    except (TypeError, ValueError):
        minutes = -1
    if not 0 <= minutes <= 100_000:
        raise ValidationError({"labour_minutes": _("Give the labour time in whole minutes.")})
    return minutes


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
    _require(_is_assignee(by, request))
    labour_minutes = _clean_labour(labour_minutes)
    images = _clean_photos(photos)
    now = timezone.now()
    old = _transition(
        request,
        expected=WORKING,
        to_status=Status.COMPLETED,
        guard={"assignee_id": by.pk},
        completed_at=now,
        started_at=Coalesce("started_at", Value(now)),
        first_response_at=_first_response(now),
        resolution_note=(note or "").strip(),
        labour_minutes=labour_minutes,
        materials=(materials or "").strip(),
    )
    data = {"labour_minutes": labour_minutes, "materials": request.materials}
    _record(
        request,
        by=by,
        action="completed",
        from_status=old,
        note=request.resolution_note,
        data=data,
        images=images,
        kind=RepairPhoto.Kind.COMPLETION,
    )
    _notify(
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
    _require(_is_requester(by, request) or _is_assignee(by, request) or can_dispatch(by, request))
    note = (note or "").strip()
    images = _clean_photos(photos)
    if not note and not images:
        raise ValidationError({"note": _("Write a note or attach a photo.")})
    event = _record(request, by=by, action="comment", note=note, images=images)
    recipients = [request.requester, request.assignee if request.assignee_id else None]
    _notify(request, action="comment", recipients=recipients, by=by, body=note)
    return event


# --- Requester ----------------------------------------------------------------------------------


@transaction.atomic
def repair_request_cancel(*, request, by, reason: str = ""):
    """submitted/accepted/assigned → cancelled, by the requester before work starts."""
    _require(_is_requester(by, request))
    old = _transition(
        request, expected=CANCELLABLE, to_status=Status.CANCELLED, closed_at=timezone.now()
    )
    _record(request, by=by, action="cancelled", from_status=old, note=(reason or "").strip())
    recipients = [request.assignee] if request.assignee_id else dispatchers_for(request)
    _notify(request, action="cancelled", recipients=recipients, by=by, body=reason or "")
    return request


def _clean_rating(rating) -> int:
    try:
        value = int(rating)
    except (TypeError, ValueError):
        value = 0
    if not 1 <= value <= 5 or str(rating).strip() not in {str(value), f"{value}.0"}:
        raise ValidationError({"rating": _("Give a rating from 1 to 5.")})
    return value


@transaction.atomic
def repair_request_confirm(*, request, by, rating: int | None = None, comment: str = ""):
    """completed → confirmed (requester), optionally with a rating."""
    _require(_is_requester(by, request))
    now = timezone.now()
    changes = {"confirmed_at": now}
    if rating not in (None, "") and request.rating is None:
        changes.update(
            rating=_clean_rating(rating), rating_comment=(comment or "").strip(), rated_at=now
        )
    old = _transition(request, expected=(Status.COMPLETED,), to_status=Status.CONFIRMED, **changes)
    data = {"rating": changes["rating"]} if "rating" in changes else {}
    note = (comment or "").strip()
    _record(request, by=by, action="confirmed", from_status=old, note=note, data=data)
    _notify(request, action="confirmed", recipients=[request.assignee], by=by)
    return request


@transaction.atomic
def repair_request_reopen(*, request, by, reason: str):
    """completed/confirmed (within REPAIRS_REOPEN_DAYS of completion) → reopened, back to the
    same technician (status reopened; the technician starts again).

    The redo gets a fresh completion due time (the category's target from now) and a fresh
    reminder and escalation."""
    _require(_is_requester(by, request))
    reason = _required_text("reason", reason, _("Say what is still wrong."))
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
    old = _transition(
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
    _record(request, by=by, action="reopened", from_status=old, note=reason)
    _notify(request, action="reopened", recipients=[request.assignee], by=by, body=reason)
    return request


@transaction.atomic
def repair_request_rate(*, request, by, rating: int, comment: str = ""):
    """Stores the requester's 1–5 rating of a completed/confirmed/closed request (once)."""
    _require(_is_requester(by, request))
    rating = _clean_rating(rating)
    if request.status not in RATEABLE:
        raise InvalidTransition(_("A request can be rated once its work is completed."))
    if request.rating is not None:
        raise InvalidTransition(_("This request has already been rated."))
    now, comment = timezone.now(), (comment or "").strip()
    rows = RepairRequest.objects.filter(
        pk=request.pk, status__in=RATEABLE, rating__isnull=True
    ).update(rating=rating, rating_comment=comment, rated_at=now, updated_at=now)
    if rows != 1:
        raise ConcurrentUpdate()
    request.rating, request.rating_comment, request.rated_at = rating, comment, now
    _record(request, by=by, action="rated", note=comment, data={"rating": rating})
    _notify(request, action="rated", recipients=[request.assignee], by=by, rating=rating)
    return request


@transaction.atomic
def repair_request_close(*, request, by=None):
    """confirmed → closed (a manager, or automatically)."""
    if by is not None:
        _require(can_dispatch(by, request))
    old = _transition(
        request, expected=(Status.CONFIRMED,), to_status=Status.CLOSED, closed_at=timezone.now()
    )
    _record(request, by=by, action="closed", from_status=old)
    _notify(request, action="closed", recipients=[request.requester], by=by)
    return request


# --- Sweeps (Celery beat) -----------------------------------------------------------------------


def repair_requests_auto_confirm(*, now=None) -> int:
    """Confirms requests completed more than REPAIRS_AUTO_CONFIRM_DAYS ago; returns how many."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.REPAIRS_AUTO_CONFIRM_DAYS)
    due = RepairRequest.objects.filter(status=Status.COMPLETED, completed_at__lte=cutoff)
    return sum(_auto_confirm_one(pk, now=now) for pk in due.values_list("pk", flat=True))


@transaction.atomic
def _auto_confirm_one(pk: int, *, now) -> bool:
    rows = RepairRequest.objects.filter(pk=pk, status=Status.COMPLETED).update(
        status=Status.CONFIRMED, confirmed_at=now, updated_at=now
    )
    if not rows:
        return False  # confirmed by the requester or another sweep meanwhile
    request = RepairRequest.objects.with_related().get(pk=pk)
    _record(request, by=None, action="confirmed", from_status=Status.COMPLETED, data={"auto": True})
    _notify(
        request,
        action="confirmed",
        title_key="auto_confirmed",
        recipients=[request.requester, request.assignee],
    )
    return True


def repair_requests_sla_sweep(*, now=None) -> dict:
    """Reminds assignees before the deadline, escalates overdue requests to the dispatcher and
    then the manager; each at most once (due-time columns, no countdown tasks)."""
    now = now or timezone.now()
    return {
        "reminded": _send_reminders(now),
        "escalated": _escalate_to_dispatchers(now),
        "escalated_to_managers": _escalate_to_managers(now),
    }


def _send_reminders(now) -> int:
    soon = now + timedelta(hours=float(settings.REPAIRS_REMINDER_BEFORE_HOURS))
    due = (
        RepairRequest.objects.open()
        .exclude(status=Status.ON_HOLD)
        .filter(
            assignee__isnull=False,
            reminder_sent_at__isnull=True,
            completion_due_at__gt=now,
            completion_due_at__lte=soon,
        )
    )
    return sum(_remind_one(pk, now=now) for pk in due.values_list("pk", flat=True))


@transaction.atomic
def _remind_one(pk: int, *, now) -> bool:
    rows = RepairRequest.objects.filter(pk=pk, reminder_sent_at__isnull=True).update(
        reminder_sent_at=now
    )
    if not rows:
        return False
    request = RepairRequest.objects.with_related().get(pk=pk)
    local_due = timezone.localtime(request.completion_due_at).strftime("%Y-%m-%d %H:%M")
    _record(
        request, by=None, action="reminder", data={"due": request.completion_due_at.isoformat()}
    )
    _notify(request, action="reminder", recipients=[request.assignee], due=local_due)
    return True


def _escalate_to_dispatchers(now) -> int:
    due = RepairRequest.objects.overdue(now).filter(escalation_level=0)
    return sum(_escalate_one(pk, now=now, level=1) for pk in due.values_list("pk", flat=True))


def _escalate_to_managers(now) -> int:
    calendar = WorkCalendar()
    rows = (
        RepairRequest.objects.overdue(now)
        .filter(escalation_level=1)
        .select_related("category")
        .only(
            "pk",
            "completion_due_at",
            "urgency",
            "category",
            "category__response_hours",
            "category__completion_hours",
        )
    )
    due = [
        r.pk
        for r in rows.iterator()
        if sla.manager_escalation_due(
            completion_due_at=r.completion_due_at,
            category=r.category,
            urgency=r.urgency,
            calendar=calendar,
        )
        <= now
    ]
    return sum(_escalate_one(pk, now=now, level=2) for pk in due)


@transaction.atomic
def _escalate_one(pk: int, *, now, level: int) -> bool:
    rows = RepairRequest.objects.filter(
        pk=pk, escalation_level=level - 1, status__in=ESCALATABLE
    ).update(escalation_level=level, escalated_at=now)
    if not rows:
        return False
    request = RepairRequest.objects.with_related().get(pk=pk)
    _record(request, by=None, action="escalated", data={"level": level})
    if level == 1:
        recipients = dispatchers_for(request) or managers()
        _notify(request, action="escalated", recipients=recipients)
    else:
        _notify(request, action="escalated", title_key="escalated_managers", recipients=managers())
    return True
