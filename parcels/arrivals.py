"""Bulk arrival (入库) of up to 500 parcels at one station in one transaction, as a carrier's or
locker system's integration sends them: each row idempotent by station and tracking number, a
bad row refusing the whole call with every row's errors (a retry never leaves half a manifest
stored). The rows are stored together — the recipients, shelves, fill, codes, preferences and
notices read once, the parcels and their timelines written in one INSERT each — by the same
rules as one scan (services.new_parcel, pick_slot, draw_code, open_notices)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from functools import reduce
from operator import or_
from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from logistics import workflow
from parcels import carriers, events, services
from parcels.errors import ConcurrentUpdate
from parcels.models import Carrier, DeliveryPreference, Parcel, ParcelEvent, Shelf, Station
from parcels.opening import StationCalendar
from parcels.recipients import Match, match_many
from parcels.workflow import AT_STATION

if TYPE_CHECKING:
    from logistics.models import User

MAX_ROWS = 500
Status = Parcel.Status


@dataclass(frozen=True)
class RowResult:
    index: int
    created: bool
    parcel: Parcel


def arrivals_scan_in(*, station: Station, rows: list[dict], by: User) -> list[RowResult]:
    """Takes `rows` in at `station` (each the keyword input of services.parcel_scan_in), in
    order. Raises InvalidInput with `parcels.<index>.<field>` errors for every bad row,
    NoShelfSpace, ConcurrentUpdate (the same number scanned elsewhere at the same moment: send
    again) — in each case nothing is stored."""
    guesses = _check_numbers(rows)
    known = _in_care(station, [guess.number for guess in guesses])
    try:
        with transaction.atomic():
            return _store_all(station, rows, guesses, known, by)
    except IntegrityError:
        raise ConcurrentUpdate(
            _("Some of these parcels were stored elsewhere a moment ago: send the call again.")
        ) from None


def _store_all(station, rows, guesses, known, by) -> list[RowResult]:
    now = timezone.now()
    results: dict[int, RowResult] = {}
    first_of: dict[str, int] = {}
    new = []
    for index, guess in enumerate(guesses):
        if guess.number in known:  # a retry: answered as it is
            results[index] = RowResult(index, False, known[guess.number])
        elif guess.number not in first_of:
            first_of[guess.number] = index
            new.append(index)
    matches = match_many(
        [
            (rows[i]["recipient_hint"], rows[i]["recipient_name"], rows[i]["recipient_phone"])
            for i in new
        ]
    )
    slots = _slots(station, [rows[i]["size_class"] for i in new])
    calendar = StationCalendar(station)
    parcels = [
        services.new_parcel(
            station=station,
            guess=guesses[i],
            match=match,
            by=by,
            size_class=rows[i]["size_class"],
            carrier=rows[i]["carrier"],
            arrived_at=rows[i]["arrived_at"] or now,
            slot=slot,
            calendar=calendar,
        )
        for i, match, slot in zip(new, matches, slots, strict=True)
    ]
    _route(station, parcels, now)
    Parcel.objects.bulk_create(parcels)
    ParcelEvent.objects.bulk_create(_timelines(parcels, matches, by, now))
    events.parcels_arrived(parcels)
    for i, parcel in zip(new, parcels, strict=True):
        results[i] = RowResult(i, True, parcel)
    for index, guess in enumerate(guesses):  # the same number twice in one call
        if index not in results:
            results[index] = RowResult(index, False, results[first_of[guess.number]].parcel)
    return [results[index] for index in range(len(rows))]


def _slots(station: Station, sizes: list[str]) -> list[tuple[Shelf, int, str]]:
    """A slot and a code for each new parcel: the shelves and their fill read once and counted
    on in memory, the codes taken on the touched layers read in one query."""
    if not sizes:
        return []
    shelves = list(Shelf.objects.filter(station=station))
    fill = services.layer_fill(station, shelves)
    places = []
    for size in sizes:
        shelf, layer = services.pick_slot(shelves, fill, size)
        fill[(shelf.pk, layer)] = fill.get((shelf.pk, layer), 0) + 1
        places.append((shelf, layer))
    prefixes = {f"{shelf.number}-{layer}-" for shelf, layer in places}
    taken: dict[str, set[str]] = defaultdict(set)
    if prefixes:
        codes = Parcel.objects.filter(
            reduce(or_, (Q(pickup_code__startswith=prefix) for prefix in prefixes)),
            station=station,
            status=Status.WAITING,
        ).values_list("pickup_code", flat=True)
        for code in codes:
            taken[code.rsplit("-", 1)[0] + "-"].add(code)
    slots = []
    for shelf, layer in places:
        prefix = f"{shelf.number}-{layer}-"
        code = services.draw_code(prefix, taken[prefix])
        taken[prefix].add(code)
        slots.append((shelf, layer, code))
    return slots


def _route(station: Station, parcels: list[Parcel], now: datetime) -> None:
    """As delivery.arrival_route for each parcel with a recipient: the delivery run for those
    who chose their office, else their open notice at the station (one per person)."""
    people = {p.recipient_id for p in parcels if p.recipient_id}
    if not people:
        return
    preferences = {
        pref.user_id: pref
        for pref in DeliveryPreference.objects.filter(user_id__in=people)
        if pref.delivers
    }
    notices = services.open_notices(
        station_id=station.pk, recipient_ids=people - set(preferences), now=now
    )
    for parcel in parcels:
        if parcel.recipient_id in preferences:
            preference = preferences[parcel.recipient_id]
            parcel.status = Status.FOR_DELIVERY
            parcel.delivery_building_id = preference.building_id
            parcel.delivery_office = preference.office
        elif parcel.recipient_id:
            parcel.notice = notices[parcel.recipient_id]


def _timelines(parcels: list[Parcel], matches: list[Match], by, now) -> list[ParcelEvent]:
    events = []
    for parcel, match in zip(parcels, matches, strict=True):
        events.append(
            ParcelEvent(
                parcel=parcel,
                actor=by,
                action="scanned_in",
                to_status=Status.WAITING,
                data=services.scanned_in_data(parcel, match),
                created_at=now,
            )
        )
        if parcel.status == Status.FOR_DELIVERY:
            data = {"building": parcel.delivery_building_id, "office": parcel.delivery_office}
            events.append(
                ParcelEvent(
                    parcel=parcel,
                    actor=by,
                    action="sent_for_delivery",
                    from_status=Status.WAITING,
                    to_status=Status.FOR_DELIVERY,
                    data=data,
                    created_at=now,
                )
            )
    return events


def _in_care(station: Station, numbers: list[str]) -> dict[str, Parcel]:
    """The parcels of these numbers already in the station's care (one query)."""
    parcels = Parcel.objects.filter(
        station=station, tracking_number__in=set(numbers), status__in=AT_STATION
    )
    return {parcel.tracking_number: parcel for parcel in parcels}


def _check_numbers(rows: list[dict]) -> list[carriers.Guess]:
    """Every row's number and carrier before anything is written (no query)."""
    errors, guesses = {}, []
    for index, row in enumerate(rows):
        guess = carriers.guess(row["number"])
        guesses.append(guess)
        if guess.error:
            errors[f"parcels.{index}.tracking_number"] = [str(guess.error)]
        if row.get("carrier") and row["carrier"] not in Carrier.values:
            errors[f"parcels.{index}.carrier"] = [_("Choose a carrier from the list.")]
    if errors:
        raise workflow.InvalidInput(
            _("No parcel was stored: correct the rows named and send the call again."),
            fields=errors,
        )
    return guesses
