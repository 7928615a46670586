"""Writes of the parcels system: every state change, keyword-only, atomic, notifying."""

from __future__ import annotations

import secrets
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from logistics import workflow
from parcels import carriers, events
from parcels.errors import (
    ConcurrentUpdate,
    InvalidTrackingNumber,
    InvalidTransition,
    NoShelfSpace,
    ProxyInvalid,
)
from parcels.models import (
    Carrier,
    Parcel,
    ParcelEvent,
    ParcelNotice,
    Pickup,
    Proxy,
    Shelf,
    SizeClass,
    Station,
)
from parcels.opening import StationCalendar
from parcels.recipients import Match, match_recipient, phone_tail
from parcels.reviews import pickup_event_record
from parcels.workflow import AT_STATION, TRANSITIONS

if TYPE_CHECKING:
    from logistics.models import User

Status = Parcel.Status
SIZE_ORDER = [SizeClass.SMALL, SizeClass.MEDIUM, SizeClass.LARGE, SizeClass.OVERSIZED]
CODE_ATTEMPTS = 20


def record(
    parcel: Parcel,
    *,
    by: User | None,
    action: str,
    from_status: str = "",
    note: str = "",
    data=None,
) -> ParcelEvent:
    return ParcelEvent.objects.create(
        parcel=parcel,
        actor=by,
        action=action,
        from_status=from_status or parcel.status,
        to_status=parcel.status,
        note=note,
        data=data or {},
    )


def transition(parcel: Parcel, *, expected, to: str, **changes) -> str:
    """logistics.workflow.transition with the parcels' messages; returns the old status."""
    return workflow.transition(
        parcel,
        expected=expected,
        to=to,
        invalid=InvalidTransition,
        concurrent=ConcurrentUpdate,
        **changes,
    )


# --- Scan-in ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ScanResult:
    """What a scan did: the parcel, whether it was new (False: it was already waiting here,
    nothing changed), and the carrier guess."""

    parcel: Parcel
    created: bool
    guess: carriers.Guess


def parcel_scan_in(
    *,
    station: Station,
    number: str,
    by: User | None,
    recipient_hint: str = "",
    recipient_name: str = "",
    recipient_phone: str = "",
    size_class: str = SizeClass.SMALL,
    carrier: str = "",
    arrived_at: datetime | None = None,
    slots: SlotPlan | None = None,
) -> ScanResult:
    """Takes one parcel in at `station`: guesses the carrier (or takes `carrier`), matches
    the recipient, gives it a shelf slot and a pickup code, and adds it to the recipient's
    arrival notice. Scanning a number already waiting here changes nothing (created=False).
    A bulk arrival passes one `SlotPlan` of the station for all its rows.

    Raises InvalidTrackingNumber (bad number, malformed S10, unknown carrier code) and
    NoShelfSpace (every shelf of the size class and the larger ones is full)."""
    guess = carriers.guess(number)
    if guess.error:
        raise InvalidTrackingNumber(guess.error, fields={"number": [guess.error]})
    if carrier and carrier not in Carrier.values:
        raise InvalidTrackingNumber(fields={"carrier": [_("Choose a carrier from the list.")]})
    if existing := _waiting(station, guess.number):
        return ScanResult(existing, False, guess)
    match = match_recipient(recipient_hint, name=recipient_name, phone=recipient_phone)
    try:
        with transaction.atomic():
            parcel = _store(station, guess, match, by, size_class, carrier, arrived_at, slots)
    except IntegrityError:
        # The same number scanned at the same moment elsewhere (or a code drawn twice).
        if existing := _waiting(station, guess.number):
            return ScanResult(existing, False, guess)
        raise
    return ScanResult(parcel, True, guess)


def _waiting(station: Station, number: str) -> Parcel | None:
    return (
        Parcel.objects.with_related()
        .filter(station=station, tracking_number=number, status__in=AT_STATION)
        .first()
    )


def _store(station, guess, match: Match, by, size_class, carrier, arrived_at, slots) -> Parcel:
    shelf, layer = choose_slot(station, size_class, slots)
    code = new_pickup_code(station, shelf, layer, slots)
    parcel = new_parcel(
        station=station,
        guess=guess,
        match=match,
        by=by,
        size_class=size_class,
        carrier=carrier,
        arrived_at=arrived_at or timezone.now(),
        slot=(shelf, layer, code),
    )
    parcel.save()
    if slots is not None:
        slots.took(parcel)
    record(parcel, by=by, action="scanned_in", from_status="", data=scanned_in_data(parcel, match))
    if match.user is not None:
        arrival_route(parcel=parcel, by=by)
    events.parcels_arrived([parcel])
    return parcel


def new_parcel(
    *,
    station,
    guess,
    match: Match,
    by,
    size_class,
    carrier,
    arrived_at,
    slot,
    calendar: StationCalendar | None = None,
) -> Parcel:
    """The parcel a scan stores (unsaved): what the label and the number say, its slot and
    code, its free-storage and return deadlines (in the station's open days: `calendar`, read
    once for a bulk arrival). One scan and the bulk arrival build it here."""
    shelf, layer, code = slot
    user = match.user
    calendar = calendar or StationCalendar(station)
    return Parcel(
        station=station,
        tracking_number=guess.number,
        carrier=carrier or guess.carrier,
        carrier_candidates=list(guess.candidates) if not carrier else [],
        recipient=user,
        recipient_name=match.name,
        phone_tail=phone_tail(user) if user else match.phone_tail,
        recipient_hint=match.name if user is None else "",
        size_class=size_class,
        shelf=shelf,
        layer=layer,
        pickup_code=code,
        arrived_at=arrived_at,
        scanned_by=by,
        free_until=calendar.add_open_days(arrived_at, station.free_days),
        return_due_at=calendar.add_open_days(arrived_at, station.return_days),
    )


def scanned_in_data(parcel: Parcel, match: Match) -> dict:
    return {"carrier": parcel.carrier, "candidates": parcel.carrier_candidates, "match": match.how}


def choose_slot(
    station: Station, size_class: str, slots: SlotPlan | None = None
) -> tuple[Shelf, int]:
    """The emptiest layer of the station's shelves of `size_class` (a larger class when those
    are full). One query for the shelves, one for the fill of their layers (COUNT(*): read
    from parcels_stock_slot_idx alone); none with a `SlotPlan`."""
    sizes = SIZE_ORDER[SIZE_ORDER.index(size_class) :] if size_class in SIZE_ORDER else SIZE_ORDER
    if slots is not None:
        shelves = [shelf for shelf in slots.shelves if shelf.size_class in sizes]
        fill = slots.fill
    else:
        shelves = list(Shelf.objects.filter(station=station, size_class__in=sizes))
        fill = layer_fill(station, shelves)
    return pick_slot(shelves, fill, size_class)


def pick_slot(shelves: list[Shelf], fill: dict, size_class: str) -> tuple[Shelf, int]:
    """The emptiest layer with room among `shelves` of `size_class`, else of the next larger
    class (ties: the lower shelf number, then layer). Raises NoShelfSpace."""
    sizes = SIZE_ORDER[SIZE_ORDER.index(size_class) :] if size_class in SIZE_ORDER else SIZE_ORDER
    for size in sizes:
        free = [
            (fill.get((shelf.pk, layer), 0), shelf.number, layer, shelf)
            for shelf in shelves
            if shelf.size_class == size
            for layer in range(1, shelf.layers + 1)
            if fill.get((shelf.pk, layer), 0) < shelf.capacity_per_layer
        ]
        if free:
            layer, shelf = min(free, key=lambda slot: slot[:3])[2:]
            return shelf, layer
    raise NoShelfSpace()


def layer_fill(station: Station, shelves: list[Shelf]) -> dict[tuple[int, int], int]:
    """How many parcels lie on each (shelf id, layer) of `shelves` (waiting or to return)."""
    rows = (
        Parcel.objects.filter(
            station=station, status__in=(Status.WAITING, Status.TO_RETURN), shelf__in=shelves
        )
        .values("shelf_id", "layer")
        .annotate(n=Count("*"))
    )
    return {(row["shelf_id"], row["layer"]): row["n"] for row in rows}


def new_pickup_code(
    station: Station, shelf: Shelf, layer: int, slots: SlotPlan | None = None
) -> str:
    """`shelf-layer-NNNN` with a random last part no waiting parcel of the station has (the
    partial unique constraint holds it against a race)."""
    prefix = f"{shelf.number}-{layer}-"
    taken = slots.taken(prefix) if slots is not None else codes_taken(station, prefix)
    return draw_code(prefix, taken)


def draw_code(prefix: str, taken: set[str]) -> str:
    """A random `prefix` + NNNN not in `taken`. Raises NoShelfSpace when none is found."""
    for _attempt in range(CODE_ATTEMPTS):
        code = f"{prefix}{secrets.randbelow(10_000):04d}"
        if code not in taken:
            return code
    raise NoShelfSpace()


def codes_taken(station: Station, prefix: str) -> set[str]:
    return set(
        Parcel.objects.filter(
            station=station, status=Status.WAITING, pickup_code__startswith=prefix
        ).values_list("pickup_code", flat=True)
    )


class SlotPlan:
    """A bulk arrival's view of one station's shelves (its rows stored one after another in one
    transaction): the shelves, the fill of their layers and the codes of the waiting parcels
    read once (three queries) and counted on as parcels are stored; choose_slot and
    new_pickup_code then cost no query. A scan at the counter meanwhile is not seen: the fill
    only guides the choice, and the unique constraint holds the codes."""

    def __init__(self, station: Station):
        self.station = station
        self.shelves = list(Shelf.objects.filter(station=station))
        self.fill = Counter(layer_fill(station, self.shelves))
        self._taken: dict[str, set[str]] = defaultdict(set)
        waiting = Parcel.objects.filter(station=station, status=Status.WAITING)
        for code in waiting.exclude(pickup_code="").values_list("pickup_code", flat=True):
            self._taken[code.rsplit("-", 1)[0] + "-"].add(code)

    def taken(self, prefix: str) -> set[str]:
        return self._taken[prefix]

    def took(self, parcel: Parcel) -> None:
        self.fill[(parcel.shelf_id, parcel.layer)] += 1
        self.taken(parcel.pickup_code.rsplit("-", 1)[0] + "-").add(parcel.pickup_code)


@transaction.atomic
def parcel_set_carrier(*, parcel: Parcel, carrier: str, by: User) -> Parcel:
    """The clerk picks or overrides the carrier. Raises NotAllowed, InvalidTransition,
    InvalidInput (an unknown carrier)."""
    TRANSITIONS.check(parcel, "set_carrier", by)
    if carrier not in Carrier.values:
        raise workflow.InvalidInput(fields={"carrier": [_("Choose a carrier from the list.")]})
    before = parcel.carrier
    parcel.carrier, parcel.carrier_candidates = carrier, []
    parcel.save(update_fields=["carrier", "carrier_candidates", "updated_at"])
    record(parcel, by=by, action="carrier_set", data={"from": before, "to": carrier})
    return parcel


@transaction.atomic
def parcel_resolve_recipient(*, parcel: Parcel, recipient: User, by: User) -> Parcel:
    """An unknown recipient found: the parcel becomes theirs and joins their arrival notice.
    Raises NotAllowed, InvalidTransition."""
    TRANSITIONS.check(parcel, "resolve", by)
    rows = Parcel.objects.filter(pk=parcel.pk, status=Status.WAITING, recipient__isnull=True)
    if rows.update(recipient=recipient, phone_tail=phone_tail(recipient)) != 1:
        raise ConcurrentUpdate()
    parcel.refresh_from_db()
    parcel.save(update_fields=["search_tokens", "updated_at"])
    record(parcel, by=by, action="recipient_resolved", data={"recipient": recipient.username})
    arrival_route(parcel=parcel, by=by)
    return parcel


def arrival_route(*, parcel: Parcel, by: User | None) -> None:
    """The recipient's station notice, or the delivery run when they chose their office."""
    from parcels.delivery import arrival_route as route  # delivery builds on these services

    route(parcel=parcel, by=by)


# --- Arrival notices ----------------------------------------------------------------------------


def notice_add(*, parcel: Parcel, now: datetime | None = None) -> ParcelNotice:
    """Adds the parcel to its recipient's open notice at the station, or opens one that goes
    out when the batching window (PARCELS_NOTICE_WINDOW_MINUTES) has passed."""
    notice = open_notices(
        station_id=parcel.station_id, recipient_ids=[parcel.recipient_id], now=now
    )[parcel.recipient_id]
    Parcel.objects.filter(pk=parcel.pk).update(notice=notice)
    parcel.notice = notice
    return notice


def open_notices(
    *, station_id: int, recipient_ids, now: datetime | None = None
) -> dict[int, ParcelNotice]:
    """Each recipient's open notice at the station (locked), opening one that goes out when
    the batching window (PARCELS_NOTICE_WINDOW_MINUTES) has passed where they have none."""
    now = now or timezone.now()
    notices = {}
    for notice in ParcelNotice.objects.select_for_update().filter(
        recipient_id__in=set(recipient_ids),
        station_id=station_id,
        sent_at__isnull=True,
        send_at__gt=now,
    ):
        notices.setdefault(notice.recipient_id, notice)
    window = timedelta(minutes=settings.PARCELS_NOTICE_WINDOW_MINUTES)
    missing = [
        ParcelNotice(recipient_id=pk, station_id=station_id, send_at=now + window)
        for pk in dict.fromkeys(recipient_ids)
        if pk not in notices
    ]
    for notice in ParcelNotice.objects.bulk_create(missing):
        notices[notice.recipient_id] = notice
    return notices


def notices_send_due(*, now: datetime | None = None) -> int:
    """Sends every notice whose window has passed, once each (claimed by a conditional
    update, so two sweeps never both send one). Returns how many were sent."""
    now = now or timezone.now()
    due = ParcelNotice.objects.filter(sent_at__isnull=True, send_at__lte=now)
    sent = 0
    for notice_id in due.values_list("pk", flat=True)[:1000]:
        sent += notice_send(notice_id=notice_id, now=now)
    return sent


@transaction.atomic
def notice_send(*, notice_id: int, now: datetime) -> int:
    from parcels.notices import announce  # the wording lives with the notices

    claimed = ParcelNotice.objects.filter(pk=notice_id, sent_at__isnull=True).update(sent_at=now)
    if not claimed:
        return 0
    notice = ParcelNotice.objects.select_related("recipient", "station").get(pk=notice_id)
    parcels = list(
        notice.parcels.filter(status=Status.WAITING).select_related("shelf").order_by("id")
    )
    if not parcels:
        return 0  # all collected before the window ended: nothing to announce
    announce(notice, parcels, now=now)
    ParcelEvent.objects.bulk_create(
        [
            ParcelEvent(
                parcel=p,
                action="notified",
                from_status=p.status,
                to_status=p.status,
                data={"notice": notice.pk},
            )
            for p in parcels
        ]
    )
    return 1


# --- Pickup -------------------------------------------------------------------------------------


@transaction.atomic
def parcels_hand_over(
    *,
    station: Station,
    parcels: list[Parcel],
    by: User,
    method: str,
    proxy: Proxy | None = None,
    photo=None,
) -> Pickup:
    """Hands `parcels` (all waiting at `station`, for one recipient) to their recipient or a
    proxy, with the proof. Raises NotAllowed (not a clerk here), InvalidTransition (one was
    collected meanwhile: nothing is handed over), InvalidInput (parcels of several people)."""
    if not parcels:
        raise workflow.InvalidInput(fields={"parcels": [_("Choose the parcels to hand over.")]})
    recipients = {p.recipient_id for p in parcels}
    if len(recipients) != 1 or any(p.station_id != station.pk for p in parcels):
        raise workflow.InvalidInput(
            fields={"parcels": [_("Hand over the parcels of one person at a time.")]}
        )
    for parcel in parcels:
        TRANSITIONS.check(parcel, "pick_up", by)
    recipient = parcels[0].recipient
    collector = (
        proxy.collector_name if proxy else (recipient.get_display_name() if recipient else "")
    )
    pickup = Pickup(
        station=station,
        clerk=by,
        recipient=recipient,
        proxy=proxy,
        method=method,
        collected_by_name=collector or parcels[0].recipient_name or "?",
    )
    if photo is not None:
        pickup.photo.save(photo.name, photo.file, save=False)
    pickup.save()
    now = timezone.now()
    for parcel in parcels:
        transition(
            parcel, expected=[Status.WAITING], to=Status.PICKED_UP, pickup=pickup, closed_at=now
        )
        data = {"pickup": pickup.pk, "method": method, "proxy": proxy.pk if proxy else None}
        record(parcel, by=by, action="picked_up", from_status=Status.WAITING, data=data)
    if proxy is not None:
        Proxy.objects.filter(pk=proxy.pk, used_at__isnull=True).update(used_at=now)
    pickup_event_record(pickup, count=len(parcels), url=parcels[0].get_absolute_url())
    events.parcels_picked_up(parcels, pickup)
    return pickup


# --- Proxies ------------------------------------------------------------------------------------


@transaction.atomic
def proxy_create(
    *,
    recipient: User,
    parcel: Parcel | None = None,
    proxy_user: User | None = None,
    proxy_name: str = "",
    valid_on=None,
) -> Proxy:
    """The recipient lets someone collect one parcel (`parcel`) or all of the day's. The proxy
    gets a six-digit one-time code to say at the counter (a campus account also sees it in the
    app). Raises ProxyInvalid, NotAllowed (not the recipient's parcel)."""
    from parcels.notices import notify_proxy

    if proxy_user is None and not proxy_name.strip():
        raise ProxyInvalid(fields={"proxy_name": [str(ProxyInvalid.default_message)]})
    if proxy_user is not None and proxy_user.pk == recipient.pk:
        raise ProxyInvalid(
            fields={"proxy_user": [_("You need no proxy to collect your own parcels.")]}
        )
    if parcel is not None and (
        parcel.recipient_id != recipient.pk or parcel.status != Status.WAITING
    ):
        raise workflow.NotAllowed()
    proxy = Proxy.objects.create(
        recipient=recipient,
        parcel=parcel,
        proxy_user=proxy_user,
        proxy_name=proxy_name.strip()[:100],
        valid_on=valid_on or timezone.localdate(),
        code=f"{secrets.randbelow(1_000_000):06d}",
    )
    if proxy_user is not None:
        notify_proxy(proxy)
    return proxy


def proxy_parcels(proxy: Proxy, station: Station):
    """The waiting parcels at `station` that `proxy` may collect."""
    parcels = Parcel.objects.with_related().filter(
        station=station, status=Status.WAITING, recipient_id=proxy.recipient_id
    )
    if proxy.parcel_id:
        parcels = parcels.filter(pk=proxy.parcel_id)
    return parcels
