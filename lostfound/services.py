"""Writes of the lost-and-found system: every state change, keyword-only, atomic, notifying."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from logistics.uploads import clean_image
from logistics.workflow import InvalidInput, NotAllowed, Notifier, transition
from lostfound.errors import ConcurrentUpdate, InvalidTransition
from lostfound.models import Category, Desk, FoundItem, FoundItemEvent, FoundItemPhoto, LostReport
from lostfound.querysets import is_desk_staff
from lostfound.workflow import TRANSITIONS, check_second_person

if TYPE_CHECKING:
    from logistics.models import Building, User

Status = FoundItem.Status
MAX_PHOTOS = 4

item_notifier = Notifier(
    kind="lostfound.{action}",
    titles={
        "card_found": _("Your %(category)s was found: %(where)s"),
        "card_found_finder": _(
            "Your %(category)s was found. Its finder keeps it: write to them from the item's page."
        ),
        "reported": _("A found item %(number)s (%(category)s) is on its way to your desk"),
        "intake_pending": _("Valuable item %(number)s needs a second person to confirm intake"),
    },
    params=lambda item: {"number": item.number, "category": str(item.category)},
    url=lambda item: item.get_absolute_url(),
    department=lambda item: item.desk.department if item.desk_id else None,
)


def _record(item: FoundItem, *, action: str, by: User | None, note: str = "", **data) -> None:
    FoundItemEvent.objects.create(item=item, actor=by, action=action, note=note, data=data)


def _clean_photos(photos: Sequence) -> list:
    if len(photos) > MAX_PHOTOS:
        raise InvalidInput(fields={"photos": [_("At most %(n)d photos.") % {"n": MAX_PHOTOS}]})
    cleaned = []
    for upload in photos:
        try:
            cleaned.append(clean_image(upload))
        except ValidationError as error:
            raise InvalidInput(fields={"photos": error.messages}) from None
    return cleaned


def _save_photos(item: FoundItem, cleaned: list) -> None:
    for image in cleaned:
        photo = FoundItemPhoto(item=item)
        photo.image.save(image.name, image.file, save=False)
        photo.save()


def _check_found_at(found_at: datetime) -> None:
    if found_at > timezone.now() + timedelta(minutes=5):
        raise InvalidInput(fields={"found_at": [_("This time is in the future.")]})


def desk_staff(desk: Desk) -> list[User]:
    """The active people who serve `desk` (their lostfound_desk scope names its unit)."""
    from logistics.roles import Role

    return list(
        get_user_model()
        .objects.filter(
            is_active=True,
            groups__name=Role.LOSTFOUND_DESK,
            staff_scopes__role=Role.LOSTFOUND_DESK,
            staff_scopes__department_id=desk.department_id,
        )
        .distinct()
    )


@transaction.atomic
def found_item_report(
    *,
    finder: User,
    category: Category,
    description: str,
    found_at: datetime,
    desk: Desk,
    custody: str = FoundItem.Custody.DESK,
    hidden_traits: str = "",
    owner_campus_id: str = "",
    building: Building | None = None,
    place_text: str = "",
    photos: Sequence = (),
) -> FoundItem:
    """A finder reports a found item, which they hand to `desk` or keep (custody "finder").
    A campus card or ID never goes on the board; with a campus ID its owner is told directly.
    Raises InvalidInput (photos, a time in the future)."""
    _check_found_at(found_at)
    cleaned = _clean_photos(photos)
    item = FoundItem.objects.create(
        finder=finder,
        category=category,
        description=description.strip(),
        hidden_traits=hidden_traits.strip(),
        owner_campus_id=owner_campus_id.strip(),
        building=building,
        place_text=place_text.strip(),
        found_at=found_at,
        custody=custody,
        desk=desk,
        is_public=not category.is_campus_card,
        notice_published_at=None if category.is_campus_card else timezone.now(),
    )
    _save_photos(item, cleaned)
    _record(item, action="reported", by=finder, custody=custody)
    _tell_card_owner(item, by=finder)
    if custody == FoundItem.Custody.DESK:
        item_notifier(item, action="reported", recipients=desk_staff(desk), by=finder)
    return item


@transaction.atomic
def found_item_intake(
    *,
    by: User,
    desk: Desk,
    category: Category,
    description: str,
    found_at: datetime,
    storage_place: str = "",
    hidden_traits: str = "",
    owner_campus_id: str = "",
    building: Building | None = None,
    place_text: str = "",
    photos: Sequence = (),
) -> FoundItem:
    """The desk logs an item handed in without a prior report: it is labelled and stored (a
    valuable waits for a second desk person's confirmation). Raises NotAllowed (not this
    desk's staff), InvalidInput."""
    if not is_desk_staff(by, desk.pk):
        raise NotAllowed()
    _check_found_at(found_at)
    cleaned = _clean_photos(photos)
    now = timezone.now()
    item = FoundItem.objects.create(
        finder=None,
        category=category,
        description=description.strip(),
        hidden_traits=hidden_traits.strip(),
        owner_campus_id=owner_campus_id.strip(),
        building=building,
        place_text=place_text.strip(),
        found_at=found_at,
        custody=FoundItem.Custody.DESK,
        desk=desk,
        status=Status.INTAKE_PENDING if category.is_valuable else Status.STORED,
        is_public=not category.is_campus_card,
        notice_published_at=None if category.is_campus_card else now,
        label=_next_label(desk),
        storage_place=storage_place.strip(),
        stored_at=now,
        intake_by=by,
    )
    _save_photos(item, cleaned)
    _record(item, action="intake", by=by, label=item.label)
    _after_intake(item, by=by)
    _tell_card_owner(item, by=by)
    return item


@transaction.atomic
def found_item_receive(
    *, item: FoundItem, by: User, storage_place: str = "", hidden_traits: str = ""
) -> FoundItem:
    """The desk receives an item a finder reported: labelled, stored (a valuable awaits a
    second person). Hidden traits the desk notes are added to the finder's. Raises NotAllowed,
    InvalidTransition, ConcurrentUpdate."""
    rule = TRANSITIONS.check(item, "receive", by)
    target = Status.INTAKE_PENDING if item.category.is_valuable else rule.target
    traits = "\n".join(t for t in (item.hidden_traits, hidden_traits.strip()) if t)
    transition(
        item,
        expected=rule.sources,
        to=target,
        invalid=InvalidTransition,
        concurrent=ConcurrentUpdate,
        custody=FoundItem.Custody.DESK,
        label=item.label or _next_label(item.desk),
        storage_place=storage_place.strip(),
        stored_at=timezone.now(),
        intake_by=by,
        hidden_traits=traits,
    )
    _record(item, action="intake", by=by, label=item.label)
    _after_intake(item, by=by)
    return item


@transaction.atomic
def found_item_confirm_intake(*, item: FoundItem, by: User) -> FoundItem:
    """A second desk person confirms a valuable's intake. Raises NotAllowed,
    SecondPersonRequired (the person who took it in), InvalidTransition, ConcurrentUpdate."""
    rule = TRANSITIONS.check(item, "confirm_intake", by)
    check_second_person(item, by)
    transition(
        item,
        expected=rule.sources,
        to=rule.target,
        invalid=InvalidTransition,
        concurrent=ConcurrentUpdate,
        guard={"intake_by_id": item.intake_by_id},
        intake_confirmed_by=by,
    )
    _record(item, action="intake_confirmed", by=by)
    return item


def _after_intake(item: FoundItem, *, by: User) -> None:
    if item.status == Status.INTAKE_PENDING:
        item_notifier(item, action="intake_pending", recipients=desk_staff(item.desk), by=by)


def _next_label(desk: Desk) -> str:
    """The desk's next storage label ("MH-00042"): one conditional increment, never reused."""
    Desk.objects.filter(pk=desk.pk).update(next_label=F("next_label") + 1)
    number = Desk.objects.values_list("next_label", flat=True).get(pk=desk.pk) - 1
    return f"{desk.code}-{number:05d}"


def _tell_card_owner(item: FoundItem, *, by: User | None) -> None:
    """A campus card or ID with a campus ID on it: its owner hears directly, never the board."""
    if not (item.category.is_campus_card and item.owner_campus_id):
        return
    owner = (
        get_user_model()
        .objects.filter(username__iexact=item.owner_campus_id, is_active=True)
        .first()
    )
    if owner is None:
        _record(item, action="owner_unknown", by=by)
        return
    FoundItem.objects.filter(pk=item.pk).update(owner=owner)
    item.owner = owner
    at_desk = item.custody == FoundItem.Custody.DESK
    item_notifier(
        item,
        action="card_found",
        title_key="card_found" if at_desk else "card_found_finder",
        recipients=[owner],
        by=by,
        where=item.desk.where,
    )
    _record(item, action="owner_notified", by=by)


@transaction.atomic
def lost_report_create(
    *,
    owner: User,
    category: Category,
    description: str,
    lost_from: datetime,
    lost_until: datetime,
    building: Building | None = None,
    place_text: str = "",
    photo=None,
) -> LostReport:
    """An owner reports a lost item. Raises InvalidInput (the time window, the photo)."""
    if lost_from > lost_until:
        raise InvalidInput(
            fields={"lost_until": [_("The end of the time window is before its start.")]}
        )
    if lost_from > timezone.now() + timedelta(minutes=5):
        raise InvalidInput(fields={"lost_from": [_("This time is in the future.")]})
    cleaned = _clean_photos([photo] if photo else [])
    report = LostReport(
        owner=owner,
        category=category,
        description=description.strip(),
        building=building,
        place_text=place_text.strip(),
        lost_from=lost_from,
        lost_until=lost_until,
    )
    if cleaned:
        report.photo.save(cleaned[0].name, cleaned[0].file, save=False)
    report.save()
    return report


@transaction.atomic
def category_save(*, category: Category, by: User) -> Category:
    """A manager adds or changes a category. Raises NotAllowed."""
    if not by.is_manager:
        raise NotAllowed()
    category.full_clean()
    category.save()
    return category
