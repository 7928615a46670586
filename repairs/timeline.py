"""What every repair service does: change the status conditionally, record the timeline entry
(with its photos), and notify the people concerned in the portal's language."""

from django.conf import settings
from django.db.models.expressions import BaseExpression, Value
from django.db.models.functions import Coalesce
from django.urls import NoReverseMatch
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from logistics.notifications import notify
from repairs.errors import ConcurrentUpdate, InvalidTransition
from repairs.models import RepairEvent, RepairPhoto, RepairRequest

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


def transition(request, *, expected, to_status, guard=None, **changes) -> str:
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


def first_response(now):
    return Coalesce("first_response_at", Value(now))


def record(request, *, by, action, from_status=None, note="", data=None, images=(), kind=None):
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


def notify_request(request, *, action, recipients, by=None, title_key=None, body="", **params):
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
