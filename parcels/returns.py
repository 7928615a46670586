"""Ageing and returns: overdue parcels by age, the reminder before the return deadline, the move
to the carrier's return list when the return period is over, the courier's sign-out (the
ReturnRecord) and moving a parcel to another shelf. Every write here is a service."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from logistics import workflow
from logistics.workflow import notify_involved
from parcels.errors import ConcurrentUpdate, NoShelfSpace
from parcels.models import Carrier, Parcel, ReturnRecord, Shelf, Station
from parcels.services import new_pickup_code, record, transition
from parcels.workflow import TRANSITIONS, overdue_q

if TYPE_CHECKING:
    from logistics.models import User

Status = Parcel.Status
SWEEP_BATCH = 1000

LAST_DAY_TITLE = gettext_lazy(
    "Last day of free storage, until %(deadline)s: %(codes)s at %(station)s"
)
RETURN_REMINDER = gettext_lazy(
    "Collect by %(deadline)s or it goes back to the carrier: %(codes)s at %(station)s"
)


# --- Reads --------------------------------------------------------------------------------------


def overdue_parcels(station: Station, *, now: datetime | None = None):
    """The station's waiting parcels past their free storage, oldest first (a keyset list)."""
    return (
        Parcel.objects.with_related()
        .filter(overdue_q(now or timezone.now()), station=station)
        .order_by("arrived_at", "id")
    )


def return_list(station: Station, carrier: str | None = None):
    """The parcels waiting for their carrier's courier, by carrier, oldest first."""
    parcels = Parcel.objects.with_related().filter(station=station, status=Status.TO_RETURN)
    if carrier is not None:
        parcels = parcels.filter(carrier=carrier)
    return parcels.order_by("carrier", "arrived_at", "id")


# --- The beat sweep -----------------------------------------------------------------------------


def ageing_sweep(*, now: datetime | None = None) -> dict[str, int]:
    """One run of the ageing beat entry: reminders, then the move to the return lists. Safe to
    run twice and at once: every parcel is claimed by a conditional update."""
    now = now or timezone.now()
    return {
        "reminded": last_day_reminders_send(now=now) + return_reminders_send(now=now),
        "to_return": parcels_send_for_return(now=now),
    }


@dataclass(frozen=True)
class Reminder:
    """One kind of reminder: the deadline it warns of, the column that says it was sent, its
    kind and title."""

    key: str
    deadline: str
    sent: str
    kind: str
    title: object


LAST_DAY = Reminder(
    "free_end", "free_until", "last_day_reminded_at", "parcels.last_day_reminder", LAST_DAY_TITLE
)
BEFORE_RETURN = Reminder(
    "return", "return_due_at", "return_reminded_at", "parcels.return_reminder", RETURN_REMINDER
)


def last_day_reminders_send(*, now: datetime) -> int:
    """Reminds each recipient once per parcel on the last day of its free storage (the local
    day its free storage ends, before it ends). Returns the parcels reminded."""
    today = timezone.localdate(now)
    return _reminders_send(
        LAST_DAY,
        now=now,
        lead=timedelta(days=1),
        keep=lambda parcel_day: parcel_day == today,
    )


def return_reminders_send(*, now: datetime) -> int:
    """Reminds each recipient once per parcel, PARCELS_RETURN_REMINDER_HOURS before its return
    deadline: one notice per person for all their parcels due. Returns the parcels reminded."""
    lead = timedelta(hours=settings.PARCELS_RETURN_REMINDER_HOURS)
    return _reminders_send(BEFORE_RETURN, now=now, lead=lead)


def _reminders_send(reminder: Reminder, *, now: datetime, lead: timedelta, keep=None) -> int:
    due = (
        Parcel.objects.filter(
            status=Status.WAITING,
            recipient__isnull=False,
            **{
                f"{reminder.deadline}__lte": now + lead,
                f"{reminder.deadline}__gt": now,
                f"{reminder.sent}__isnull": True,
            },
        )
        .order_by(reminder.deadline, "id")
        .values_list("recipient_id", "pk", reminder.deadline)[:SWEEP_BATCH]
    )
    by_person: dict[int, list[int]] = defaultdict(list)
    for recipient_id, pk, deadline in due:
        if keep is None or keep(timezone.localdate(deadline)):
            by_person[recipient_id].append(pk)
    return sum(_remind(reminder, ids, now) for ids in by_person.values())


@transaction.atomic
def _remind(reminder: Reminder, ids: list[int], now: datetime) -> int:
    claimed = [
        pk
        for pk in ids
        if Parcel.objects.filter(
            pk=pk, status=Status.WAITING, **{f"{reminder.sent}__isnull": True}
        ).update(**{reminder.sent: now})
    ]
    if not claimed:
        return 0
    parcels = list(
        Parcel.objects.select_related("station", "recipient").filter(pk__in=claimed).order_by("id")
    )
    for station_parcels in _by_station(parcels).values():
        first = station_parcels[0]
        deadline = getattr(first, reminder.deadline)
        notify_involved(
            recipients=[first.recipient],
            by=None,
            kind=reminder.kind,
            title=reminder.title,
            params={
                "deadline": timezone.localtime(deadline).strftime("%Y-%m-%d %H:%M"),
                "codes": ", ".join(p.pickup_code for p in station_parcels),
                "station": first.station.localized_name,
            },
            url=reverse("parcels:mine"),
            department=first.station.department,
        )
    for parcel in parcels:
        record(parcel, by=None, action="reminded", data={"before": reminder.key})
    return len(parcels)


def _by_station(parcels: list[Parcel]) -> dict[int, list[Parcel]]:
    groups: dict[int, list[Parcel]] = defaultdict(list)
    for parcel in parcels:
        groups[parcel.station_id].append(parcel)
    return groups


def parcels_send_for_return(*, now: datetime) -> int:
    """Moves the waiting parcels whose return period is over to their carrier's return list.
    Returns how many moved."""
    due = Parcel.objects.filter(status=Status.WAITING, return_due_at__lte=now).order_by(
        "return_due_at", "id"
    )
    moved = 0
    for parcel in due[:SWEEP_BATCH]:
        moved += _send_for_return(parcel, now)
    return moved


@transaction.atomic
def _send_for_return(parcel: Parcel, now: datetime) -> int:
    if not Parcel.objects.filter(pk=parcel.pk, status=Status.WAITING).update(
        status=Status.TO_RETURN, updated_at=now
    ):
        return 0  # collected, or moved by another sweep, meanwhile
    parcel.status = Status.TO_RETURN
    record(parcel, by=None, action="sent_for_return", from_status=Status.WAITING)
    return 1


# --- The courier signs out ----------------------------------------------------------------------


@transaction.atomic
def parcels_return(
    *,
    station: Station,
    parcels: list[Parcel],
    courier_name: str,
    by: User,
    note: str = "",
) -> ReturnRecord:
    """Hands `parcels` (of one carrier, at `station`) to the carrier's courier, with the proof.
    Raises NotAllowed (not a clerk here), InvalidInput (no courier, no parcels, several or no
    carrier), InvalidTransition / ConcurrentUpdate (one was collected meanwhile: none goes)."""
    courier_name = courier_name.strip()
    if not courier_name:
        raise workflow.InvalidInput(fields={"courier_name": [_("Give the courier's name.")]})
    if not parcels:
        raise workflow.InvalidInput(fields={"parcels": [_("Choose the parcels to return.")]})
    for parcel in parcels:
        TRANSITIONS.check(parcel, "return", by)
    carriers = {p.carrier for p in parcels}
    if len(carriers) != 1 or "" in carriers or any(p.station_id != station.pk for p in parcels):
        raise workflow.InvalidInput(
            fields={
                "parcels": [
                    _("Return the parcels of one carrier at a time; set the carrier first.")
                ]
            }
        )
    proof = ReturnRecord.objects.create(
        station=station,
        carrier=carriers.pop(),
        courier_name=courier_name[:100],
        clerk=by,
        note=note.strip()[:200],
    )
    now = timezone.now()
    for parcel in parcels:
        before = transition(
            parcel,
            expected=[Status.WAITING, Status.TO_RETURN],
            to=Status.RETURNED,
            return_record=proof,
            closed_at=now,
        )
        data = {"return": proof.pk, "courier": proof.courier_name}
        record(parcel, by=by, action="returned", from_status=before, note=proof.note, data=data)
    return proof


def carriers_to_return(station: Station) -> list[tuple[str, str, int]]:
    """(carrier, label, count) of the station's return list, one query."""
    from django.db.models import Count

    rows = (
        Parcel.objects.filter(station=station, status=Status.TO_RETURN)
        .values("carrier")
        .annotate(n=Count("id"))
        .order_by("carrier")
    )
    labels = dict(Carrier.choices)
    return [
        (row["carrier"], str(labels.get(row["carrier"], _("Carrier not set"))), row["n"])
        for row in rows
    ]


# --- Moving a parcel ----------------------------------------------------------------------------


@transaction.atomic
def parcel_move(*, parcel: Parcel, shelf: Shelf, layer: int, by: User) -> Parcel:
    """Moves the parcel to `layer` of `shelf` (of its station); its pickup code follows the new
    place (`shelf-layer-NNNN`). Raises NotAllowed, InvalidTransition, InvalidInput (another
    station's shelf, no such layer), NoShelfSpace (the layer is full)."""
    TRANSITIONS.check(parcel, "move", by)
    if shelf.station_id != parcel.station_id or not 1 <= layer <= shelf.layers:
        raise workflow.InvalidInput(
            fields={"layer": [_("Choose a layer of this station's shelves.")]}
        )
    held = Parcel.objects.filter(
        shelf=shelf, layer=layer, status__in=(Status.WAITING, Status.TO_RETURN)
    ).count()
    if held >= shelf.capacity_per_layer:
        raise NoShelfSpace()
    before = {"slot": parcel.slot, "code": parcel.pickup_code}
    code = new_pickup_code(parcel.station, shelf, layer)
    rows = Parcel.objects.filter(pk=parcel.pk, status=parcel.status, shelf_id=parcel.shelf_id)
    if rows.update(shelf=shelf, layer=layer, pickup_code=code, updated_at=timezone.now()) != 1:
        raise ConcurrentUpdate()
    parcel.shelf, parcel.layer, parcel.pickup_code = shelf, layer, code
    parcel.save(update_fields=["search_tokens"])
    after = {"slot": parcel.slot, "code": code}
    record(parcel, by=by, action="moved", data={"from": before, "to": after})
    return parcel
