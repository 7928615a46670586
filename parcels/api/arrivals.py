"""Bulk arrival (入库) through the API: up to 500 parcels in one call, one transaction, each row
idempotent by station and tracking number; a bad row refuses the whole call with every row's
errors, so a carrier's or locker system's retry never leaves half a manifest stored."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils.translation import gettext as _

from logistics import workflow
from logistics.workflow import DomainError
from parcels import carriers, services
from parcels.models import Carrier, Parcel, Station
from parcels.workflow import AT_STATION

if TYPE_CHECKING:
    from logistics.models import User

MAX_ROWS = 500


@dataclass(frozen=True)
class RowResult:
    index: int
    created: bool
    parcel: object


def arrivals_scan_in(*, station: Station, rows: list[dict], by: User) -> list[RowResult]:
    """Takes `rows` in at `station` (each the input of services.parcel_scan_in) in one
    transaction. Raises InvalidInput with `parcels.<index>.<field>` errors for every bad row
    (nothing stored), NoShelfSpace (nothing stored)."""
    numbers = _check_numbers(rows)
    known = _in_care(station, numbers)
    results, errors = [], {}
    with transaction.atomic():
        for index, row in enumerate(rows):
            if numbers[index] in known:  # a retry: answered without a write or a query
                results.append(RowResult(index, False, known[numbers[index]]))
                continue
            try:
                scanned = services.parcel_scan_in(station=station, by=by, **row)
            except DomainError as error:
                if not error.fields:
                    raise
                for name, texts in error.fields.items():
                    errors[f"parcels.{index}.{_field(name)}"] = texts
                continue
            results.append(RowResult(index, scanned.created, scanned.parcel))
        if errors:
            raise workflow.InvalidInput(
                _("No parcel was stored: correct the rows named and send the call again."),
                fields=errors,
            )
    return results


def _field(name: str) -> str:
    return "tracking_number" if name == "number" else name


def _in_care(station: Station, numbers: list[str]) -> dict[str, Parcel]:
    """The parcels of these numbers already in the station's care (one query)."""
    parcels = Parcel.objects.filter(
        station=station, tracking_number__in=set(numbers), status__in=AT_STATION
    )
    return {parcel.tracking_number: parcel for parcel in parcels}


def _check_numbers(rows: list[dict]) -> list[str]:
    """Every row's number and carrier before anything is written (no query); returns the
    numbers as stored (normalised)."""
    errors, numbers = {}, []
    for index, row in enumerate(rows):
        guess = carriers.guess(row["number"])
        numbers.append(guess.number)
        if guess.error:
            errors[f"parcels.{index}.tracking_number"] = [str(guess.error)]
        if row.get("carrier") and row["carrier"] not in Carrier.values:
            errors[f"parcels.{index}.carrier"] = [_("Choose a carrier from the list.")]
    if errors:
        raise workflow.InvalidInput(
            _("No parcel was stored: correct the rows named and send the call again."),
            fields=errors,
        )
    return numbers
