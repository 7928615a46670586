"""Writes of the lost-and-found system: every state change, keyword-only, atomic, notifying."""

from __future__ import annotations

import secrets
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
from lostfound import events
from lostfound.errors import ConcurrentUpdate, InvalidTransition
from lostfound.models import (
    Category,
    Claim,
    Desk,
    FoundItem,
    FoundItemEvent,
    FoundItemPhoto,
    LostReport,
    Match,
)
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
    finder_wants_it: bool = False,
) -> FoundItem:
    """A finder reports a found item, which they hand to `desk` or keep (custody "finder").
    A campus card or ID never goes on the board; with a campus ID its owner is told directly.
    The notice is published now and the category's holding period starts (`finder_wants_it`:
    the finder asks for it back if nobody claims it). Raises InvalidInput (photos, a time in
    the future)."""
    _check_found_at(found_at)
    cleaned = _clean_photos(photos)
    now = timezone.now()
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
        notice_published_at=None if category.is_campus_card else now,
        holding_until=category.holding_end(now),
        finder_wants_it=finder_wants_it and not category.is_valuable,
    )
    _save_photos(item, cleaned)
    _record(item, action="reported", by=finder, custody=custody)
    _tell_card_owner(item, by=finder)
    if custody == FoundItem.Custody.DESK:
        item_notifier(item, action="reported", recipients=desk_staff(desk), by=finder)
    matches_for_item(item)
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
        holding_until=category.holding_end(now),
        label=_next_label(desk),
        storage_place=storage_place.strip(),
        stored_at=now,
        intake_by=by,
    )
    _save_photos(item, cleaned)
    _record(item, action="intake", by=by, label=item.label)
    _after_intake(item, by=by)
    _tell_card_owner(item, by=by)
    matches_for_item(item)
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
    matches_for_report(report)
    return report


@transaction.atomic
def category_save(*, category: Category, by: User) -> Category:
    """A manager adds or changes a category. Raises NotAllowed."""
    if not by.is_manager:
        raise NotAllowed()
    category.full_clean()
    category.save()
    return category


# --- Matching -----------------------------------------------------------------------------------

match_notifier = Notifier(
    kind="lostfound.{action}",
    titles={"match": _("A found %(category)s may be yours: %(description)s")},
    params=lambda match: {
        "category": str(match.found_item.category),
        "description": match.found_item.description,
    },
    url=lambda match: match.lost_report.get_absolute_url(),
)


def _propose_and_tell(matches: list, *, by: User | None) -> None:
    for match in matches:
        match_notifier(match, action="match", recipients=[match.lost_report.owner], by=None)


def matches_for_item(item: FoundItem) -> None:
    """Proposes the item to the open lost reports it fits; their owners are told."""
    from lostfound.matching import match_item

    _propose_and_tell(match_item(item), by=None)


def matches_for_report(report: LostReport) -> None:
    from lostfound.matching import match_report

    _propose_and_tell(match_report(report), by=None)


@transaction.atomic
def match_decline(*, match: Match, by: User) -> Match:
    """The owner says the proposed item is not theirs; it is never proposed again to this
    report. Raises NotAllowed (not the report's owner)."""
    if match.lost_report.owner_id != by.pk:
        raise NotAllowed()
    Match.objects.filter(pk=match.pk).update(status=Match.Status.DECLINED)
    match.status = Match.Status.DECLINED
    return match


# --- Claims and handover ------------------------------------------------------------------------

CLAIMABLE = (Status.REPORTED, Status.INTAKE_PENDING, Status.STORED)
BLOCK_AFTER = 3  # rejected claims in one category …
BLOCK_FOR = timedelta(days=1)  # … block claims in it for this long

claim_notifier = Notifier(
    kind="lostfound.claim_{action}",
    titles={
        "created": _("Claim %(number)s on %(item)s waits for the desk"),
        "approved": _("Your claim %(number)s was approved: collect your %(category)s"),
        "rejected": _("Your claim %(number)s was rejected"),
        "handover_pending": _("Handover of %(item)s needs a second desk person"),
        "returned_finder": _(
            "The %(category)s you found has been returned to its owner. Thank you!"
        ),
    },
    params=lambda claim: {
        "number": claim.number,
        "item": claim.item.number,
        "category": str(claim.category),
    },
    url=lambda claim: claim.get_absolute_url(),
    department=lambda claim: claim.item.desk.department,
)


@transaction.atomic
def claim_create(*, item: FoundItem, claimant: User, answers: str) -> Claim:
    """An owner claims an item, answering the hidden-trait questions in their own words.
    Raises OwnItem, ClaimBlocked, AlreadyClaimed, InvalidTransition, InvalidInput."""
    from lostfound.errors import AlreadyClaimed, ClaimBlocked, OwnItem

    if item.finder_id == claimant.pk:
        raise OwnItem()
    if (
        item.status not in CLAIMABLE
        or item.claims.filter(
            status__in=(Claim.Status.APPROVED, Claim.Status.HANDOVER_PENDING)
        ).exists()
    ):
        raise InvalidTransition()
    since = timezone.now() - BLOCK_FOR
    if Claim.objects.blocking(claimant=claimant, category=item.category, since=since).count() >= (
        BLOCK_AFTER
    ):
        raise ClaimBlocked()
    if item.claims.filter(claimant=claimant, status=Claim.Status.PENDING).exists():
        raise AlreadyClaimed()
    if not answers.strip():
        raise InvalidInput(fields={"answers": [_("Say what only the owner would know.")]})
    claim = Claim.objects.create(
        item=item, claimant=claimant, category=item.category, answers=answers.strip()
    )
    Match.objects.filter(found_item=item, lost_report__owner=claimant).update(
        status=Match.Status.CLAIMED
    )
    _record(item, action="claimed", by=claimant, claim=claim.pk)
    claim_notifier(claim, action="created", recipients=desk_staff(item.desk), by=claimant)
    return claim


def _claim_transition(claim: Claim, rule, **changes) -> None:
    transition(
        claim,
        expected=rule.sources,
        to=rule.target,
        invalid=InvalidTransition,
        concurrent=ConcurrentUpdate,
        **changes,
    )


@transaction.atomic
def claim_approve(*, claim: Claim, by: User, reason: str = "") -> Claim:
    """The desk approves a claim after comparing the answers with the hidden traits: the
    claimant gets a one-time handover code. Raises NotAllowed, InvalidTransition."""
    from lostfound.workflow import CLAIM_TRANSITIONS

    rule = CLAIM_TRANSITIONS.check(claim, "approve", by)
    code = f"{secrets.randbelow(10**6):06d}"
    _claim_transition(
        claim,
        rule,
        reason=reason.strip(),
        decided_by=by,
        decided_at=timezone.now(),
        handover_code=code,
    )
    FoundItem.objects.filter(pk=claim.item_id).update(owner=claim.claimant)
    _record(claim.item, action="claim_approved", by=by, claim=claim.pk)
    claim_notifier(claim, action="approved", recipients=[claim.claimant], by=by)
    return claim


@transaction.atomic
def claim_reject(*, claim: Claim, by: User, reason: str) -> Claim:
    """The desk rejects a claim (wrong answers), with the reason; recorded, counted towards the
    claimant's block. Raises NotAllowed, InvalidTransition, InvalidInput (no reason)."""
    from lostfound.workflow import CLAIM_TRANSITIONS

    rule = CLAIM_TRANSITIONS.check(claim, "reject", by)
    if not reason.strip():
        raise InvalidInput(fields={"reason": [_("Give the reason.")]})
    _claim_transition(claim, rule, reason=reason.strip(), decided_by=by, decided_at=timezone.now())
    _record(claim.item, action="claim_rejected", by=by, claim=claim.pk)
    claim_notifier(claim, action="rejected", recipients=[claim.claimant], by=by)
    return claim


@transaction.atomic
def claim_hand_over(*, claim: Claim, by: User, code: str = "", identity_checked: bool = False):
    """The desk hands the item over: the claimant shows the one-time code, or stands at the
    desk signed in with their campus identity (`identity_checked`). A valuable then waits for
    a second desk person. Raises NotAllowed, InvalidTransition, WrongCode."""
    from lostfound.errors import WrongCode
    from lostfound.workflow import CLAIM_TRANSITIONS

    rule = CLAIM_TRANSITIONS.check(claim, "hand_over", by)
    if not identity_checked and not secrets.compare_digest(code.strip(), claim.handover_code):
        raise WrongCode()
    method = "identity" if identity_checked else "code"
    if claim.category.is_valuable:
        transition(
            claim,
            expected=rule.sources,
            to=Claim.Status.HANDOVER_PENDING,
            invalid=InvalidTransition,
            concurrent=ConcurrentUpdate,
            handed_by=by,
            handover_method=method,
        )
        claim_notifier(
            claim, action="handover_pending", recipients=desk_staff(claim.item.desk), by=by
        )
        return claim
    _claim_transition(claim, rule, handed_by=by, handover_method=method)
    return _returned(claim, by=by)


@transaction.atomic
def claim_confirm_handover(*, claim: Claim, by: User) -> Claim:
    """A second desk person confirms a valuable's handover. Raises NotAllowed,
    SecondPersonRequired, InvalidTransition."""
    from lostfound.errors import SecondPersonRequired
    from lostfound.workflow import CLAIM_TRANSITIONS

    rule = CLAIM_TRANSITIONS.check(claim, "confirm_handover", by)
    if claim.handed_by_id == by.pk:
        raise SecondPersonRequired()
    _claim_transition(claim, rule, second_by=by)
    return _returned(claim, by=by)


@transaction.atomic
def finder_hand_over(*, item: FoundItem, by: User, code: str) -> Claim:
    """The finder who kept the item hands it over to its owner, entering the code the portal
    shows the owner. Raises NotAllowed (not the finder, not kept by them), WrongCode,
    InvalidTransition (no approved claim)."""
    from lostfound.errors import WrongCode

    if item.finder_id != by.pk or item.custody != FoundItem.Custody.FINDER:
        raise NotAllowed()
    claim = item.claims.filter(status=Claim.Status.APPROVED).first()
    if claim is None:
        raise InvalidTransition()
    if not secrets.compare_digest(code.strip(), claim.handover_code):
        raise WrongCode()
    transition(
        claim,
        expected=[Claim.Status.APPROVED],
        to=Claim.Status.HANDED_OVER,
        invalid=InvalidTransition,
        concurrent=ConcurrentUpdate,
        handed_by=by,
        handover_method="finder_code",
    )
    return _returned(claim, by=by)


def _returned(claim: Claim, *, by: User) -> Claim:
    """The item is back with its owner: the claim keeps who, when, which desk person and the
    proof; the finder hears (not who); the owner's lost reports of the category are found."""
    now = timezone.now()
    Claim.objects.filter(pk=claim.pk).update(handed_over_at=now)
    claim.handed_over_at = now
    item = claim.item
    transition(
        item,
        expected=CLAIMABLE,
        to=Status.RETURNED,
        invalid=InvalidTransition,
        concurrent=ConcurrentUpdate,
        owner=claim.claimant,
    )
    LostReport.objects.filter(
        owner=claim.claimant, category=claim.category, status=LostReport.Status.OPEN
    ).update(status=LostReport.Status.FOUND, updated_at=now)
    _record(item, action="returned", by=by, claim=claim.pk, proof=claim.handover_method)
    if item.finder_id and item.finder_id != by.pk:
        # Told without the owner's name: the finder's notification names the item only.
        notify_finder = Notifier(
            kind="lostfound.{action}",
            titles={"returned": claim_notifier.titles["returned_finder"]},
            params=lambda i: {"category": str(i.category)},
            url=lambda i: i.get_absolute_url(),
        )
        notify_finder(item, action="returned", recipients=[item.finder], by=None)
    from lostfound.reviews import handover_event_record

    handover_event_record(claim)
    events.item_returned(claim)
    return claim
