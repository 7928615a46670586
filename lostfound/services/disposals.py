"""The legal clock (民法典 Art. 318) and the desk's register: the campus holding period of each
item, the beat sweep that lists items past it for disposal and reminds their desks, and the
disposals themselves, each proposed by one desk person and approved by a second."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from logistics.notifications import notify
from logistics.workflow import InvalidInput, NotAllowed, Notifier, transition
from lostfound.errors import (
    AlreadyProposed,
    ClaimOpen,
    ConcurrentUpdate,
    HoldingNotOver,
    InvalidTransition,
    SecondPersonRequired,
)
from lostfound.models import (
    OPEN_ITEM_STATUSES,
    Claim,
    Desk,
    Disposal,
    FoundItem,
    FoundItemEvent,
)
from lostfound.querysets import is_desk_staff
from lostfound.services import _record, desk_staff

if TYPE_CHECKING:
    from logistics.models import User

Method = Disposal.Method
SWEEP_BATCH = 500  # items listed per sweep and transaction; the next sweep takes the rest
OPEN_CLAIMS = (Claim.Status.PENDING, Claim.Status.APPROVED, Claim.Status.HANDOVER_PENDING)

disposal_notifier = Notifier(
    kind="lostfound.disposal_{action}",
    titles={
        "proposed": _("Disposal of %(number)s (%(category)s) needs a second desk person"),
        "finder": _(
            "Nobody claimed the %(category)s you found (%(number)s): collect it at %(where)s"
        ),
    },
    params=lambda d: {
        "number": d.item.number,
        "category": str(d.item.category),
        "where": d.desk.where,
    },
    url=lambda d: d.item.get_absolute_url(),
    department=lambda d: d.desk.department,
)


def disposal_methods(item: FoundItem) -> list[str]:
    """What may be done with an unclaimed item: valuables and documents go to the police; other
    items are donated or destroyed, or go back to a finder who asked for them."""
    if item.category.is_valuable or item.category.is_campus_card:
        return [Method.POLICE]
    methods = [Method.DONATE, Method.DESTROY]
    if item.finder_id and item.finder_wants_it:
        methods.insert(0, Method.FINDER)
    return methods


def found_items_holding_sweep(*, now: datetime | None = None) -> int:
    """Puts the open items whose holding period ended on the disposal list, with an event in
    their timelines, and reminds each desk once per sweep. Returns how many were listed; a
    second run lists nothing again (a conditional UPDATE on `disposal_listed_at`)."""
    now = now or timezone.now()
    with transaction.atomic():
        due = list(
            FoundItem.objects.filter(
                status__in=OPEN_ITEM_STATUSES,
                holding_until__lte=now,
                disposal_listed_at__isnull=True,
            )
            .order_by("holding_until", "id")
            .select_for_update(skip_locked=True)
            .values_list("pk", "desk_id")[:SWEEP_BATCH]
        )
        ids = [pk for pk, _desk in due]
        FoundItem.objects.filter(pk__in=ids, disposal_listed_at__isnull=True).update(
            disposal_listed_at=now
        )
        FoundItemEvent.objects.bulk_create(
            FoundItemEvent(item_id=pk, action="holding_ended") for pk in ids
        )
        per_desk: dict[int, int] = defaultdict(int)
        for _pk, desk_id in due:
            per_desk[desk_id] += 1
        for desk in Desk.objects.filter(pk__in=per_desk).select_related("department"):
            notify(
                recipients=desk_staff(desk),
                kind="lostfound.disposal_due",
                title=_("%(count)s items at %(desk)s reached the end of their holding period"),
                params={"count": per_desk[desk.pk], "desk": desk},
                url=reverse("lostfound:disposals"),
                department=desk.department,
            )
    return len(ids)


@transaction.atomic
def disposal_propose(
    *, item: FoundItem, by: User, method: str, reason: str, recipient: str = ""
) -> Disposal:
    """A desk person proposes what to do with an unclaimed item past its holding period; a
    second desk person approves it. Raises NotAllowed (not the item's desk), InvalidTransition
    (no longer open), HoldingNotOver, ClaimOpen, AlreadyProposed, InvalidInput (a method the
    item does not allow, no reason)."""
    if not is_desk_staff(by, item.desk_id):
        raise NotAllowed()
    if item.status not in OPEN_ITEM_STATUSES:
        raise InvalidTransition()
    if not item.is_past_holding:
        raise HoldingNotOver()
    if item.claims.filter(status__in=OPEN_CLAIMS).exists():
        raise ClaimOpen()
    if method not in disposal_methods(item):
        raise InvalidInput(fields={"method": [_("This item cannot be disposed of this way.")]})
    if not reason.strip():
        raise InvalidInput(fields={"reason": [_("Give the reason.")]})
    try:
        with transaction.atomic():
            disposal = Disposal.objects.create(
                item=item,
                desk_id=item.desk_id,
                method=method,
                recipient=recipient.strip(),
                reason=reason.strip(),
                proposed_by=by,
            )
    except IntegrityError:
        raise AlreadyProposed() from None
    disposal.item, disposal.desk = item, item.desk
    _record(item, action="disposal_proposed", by=by, method=method)
    disposal_notifier(disposal, action="proposed", recipients=desk_staff(item.desk), by=by)
    return disposal


def _check_second(disposal: Disposal, by: User) -> None:
    if not is_desk_staff(by, disposal.desk_id):
        raise NotAllowed()
    if disposal.proposed_by_id == by.pk:
        raise SecondPersonRequired()


@transaction.atomic
def disposal_approve(*, disposal: Disposal, by: User) -> Disposal:
    """A second desk person approves a proposed disposal: the item is disposed of and the
    register keeps the date, what, why and who. A finder who asked for the item is told to
    collect it. Raises NotAllowed, SecondPersonRequired, InvalidTransition, ClaimOpen."""
    _check_second(disposal, by)
    item = disposal.item
    if item.claims.filter(status__in=OPEN_CLAIMS).exists():
        raise ClaimOpen()
    transition(
        disposal,
        expected=[Disposal.Status.PROPOSED],
        to=Disposal.Status.APPROVED,
        touch=None,
        invalid=InvalidTransition,
        concurrent=ConcurrentUpdate,
        approved_by=by,
        approved_at=timezone.now(),
    )
    transition(
        item,
        expected=OPEN_ITEM_STATUSES,
        to=FoundItem.Status.DISPOSED,
        invalid=InvalidTransition,
        concurrent=ConcurrentUpdate,
    )
    _record(item, action="disposed", by=by, method=disposal.method)
    if disposal.method == Method.FINDER:
        disposal_notifier(disposal, action="finder", recipients=[item.finder], by=by)
    return disposal


@transaction.atomic
def disposal_cancel(*, disposal: Disposal, by: User) -> None:
    """A desk person withdraws a proposal not yet approved (the owner turned up, a wrong
    method). Raises NotAllowed, InvalidTransition (already approved)."""
    if not is_desk_staff(by, disposal.desk_id):
        raise NotAllowed()
    if not Disposal.objects.filter(pk=disposal.pk, status=Disposal.Status.PROPOSED).delete()[0]:
        raise InvalidTransition()
    _record(disposal.item, action="disposal_cancelled", by=by, method=disposal.method)
