"""What every repair service records and says: the timeline entry (with its photos) and the
notification titles. The conditional transition and "notify everyone involved but the actor"
are logistics.workflow's; `transition` here only names the repairs' errors."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from functools import partial
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import Func
from django.db.models.expressions import Value
from django.db.models.functions import Coalesce
from django.urls import NoReverseMatch
from django.utils.translation import gettext_lazy as _

from logistics import workflow
from repairs import choices, events
from repairs.errors import ConcurrentUpdate, InvalidTransition
from repairs.models import RepairEvent, RepairPhoto, RepairRequest

if TYPE_CHECKING:
    from django.core.files.images import ImageFile

    from logistics.models import User

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
    "completed_followed": _("Repair request %(number)s that you follow is completed"),
}

# The steps that followers of a request (RepairFollower) are told of.
FOLLOWED_ACTIONS = frozenset(
    {"accepted", "rejected", "started", "on_hold", "resumed", "completed", "cancelled", "closed"}
)


def transition(repair: RepairRequest, *, expected: Iterable[str], to: str, **changes: Any) -> str:
    """logistics.workflow.transition with the repairs' messages; returns the old status. A
    step may change a technician's open jobs, which the cached dropdown of technicians shows
    (repairs.choices): the conditional UPDATE sends no post_save, so it is dropped here, now
    and again once the step commits (a page drawn meanwhile may have kept the old counts)."""
    old = workflow.transition(
        repair,
        expected=expected,
        to=to,
        invalid=InvalidTransition,
        concurrent=ConcurrentUpdate,
        **changes,
    )
    choices.forget("technicians")
    transaction.on_commit(partial(choices.forget, "technicians"))
    return old


def first_response(now: datetime) -> Func:
    return Coalesce("first_response_at", Value(now))


def record(
    repair: RepairRequest,
    *,
    by: User | None,
    action: str,
    from_status: str | None = None,
    note: str = "",
    data: dict | None = None,
    images: Iterable[ImageFile] = (),
    kind: str | None = None,
) -> RepairEvent:
    event = RepairEvent.objects.create(
        request=repair,
        actor=by,
        action=action,
        from_status=from_status if from_status is not None else repair.status,
        to_status=repair.status,
        note=note,
        data=data or {},
    )
    for image in images:
        photo = RepairPhoto(
            request=repair,
            event=event,
            kind=kind or RepairPhoto.Kind.OTHER,
            width=image.width,
            height=image.height,
            uploaded_by=by,
        )
        photo.image.save(image.name, image.file, save=False)
        photo.save()
    events.status_changed(event)
    return event


def repair_url(repair: RepairRequest) -> str:
    """The request's page, or "" while the pages are not installed."""
    try:
        return repair.get_absolute_url()
    except NoReverseMatch:
        return ""


@dataclass(frozen=True)
class RepairNotifier(workflow.Notifier):
    """The repairs' Notifier, which also tells the request's followers of its progress (without
    a link: the page is the requester's)."""

    def __call__(self, repair, *, action, recipients, by=None, title_key=None, **params):
        recipients = list(recipients)
        super().__call__(
            repair, action=action, recipients=recipients, by=by, title_key=title_key, **params
        )
        if action not in FOLLOWED_ACTIONS or title_key is not None:
            return
        followers = [u for u in followers_of(repair) if u not in recipients]
        if followers:
            params.pop("body", None)
            key = "completed_followed" if action == "completed" else None
            plain = replace(self, url=lambda repair: "")
            workflow.Notifier.__call__(
                plain, repair, action=action, recipients=followers, by=by, title_key=key, **params
            )


def followers_of(repair: RepairRequest) -> list[User]:
    return [f.user for f in repair.followers.select_related("user").filter(user__is_active=True)]


notify_repair = RepairNotifier(
    kind="repairs.{action}",
    titles=TITLES,
    params=lambda repair: {
        "number": repair.number,
        "category": repair.category,
        "place": repair.place,
    },
    url=repair_url,
    department=lambda repair: repair.team,
)
