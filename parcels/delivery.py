"""Consent and delivery preference (快递市场管理办法 2024): a recipient chooses to collect at a
station (everyone's default) or, for staff, delivery to their office; a parcel for someone who
chose the office goes on the clerk's delivery run for its building instead of a shelf notice,
and its delivery is recorded with who signed for it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from logistics import workflow
from logistics.roles import MANAGER_ROLES, STAFF_ROLES, Role
from logistics.workflow import notify_involved
from parcels.models import Delivery, DeliveryPreference, Parcel, Station
from parcels.workflow import TRANSITIONS

if TYPE_CHECKING:
    from logistics.models import Building, User

Status = Parcel.Status
Mode = DeliveryPreference.Mode

DELIVERED = gettext_lazy("Parcel %(number)s delivered to %(office)s, signed by %(name)s")
NOT_DELIVERED = gettext_lazy(
    "Parcel %(number)s could not be delivered to your office: collect it at %(station)s with "
    "the code %(code)s"
)


def may_choose_office(user: User) -> bool:
    """Office delivery is for staff (teachers and the portal's staff roles), not students."""
    return user.has_role(Role.TEACHER, *STAFF_ROLES, *MANAGER_ROLES)


def preference_of(user: User) -> DeliveryPreference | None:
    return DeliveryPreference.objects.filter(user=user).select_related("building").first()


@transaction.atomic
def preference_set(
    *, user: User, mode: str, building: Building | None = None, office: str = ""
) -> DeliveryPreference:
    """Records the recipient's choice (and when they made it); it applies to the parcels that
    arrive from now on. Raises InvalidInput (office delivery for a student, no building)."""
    if mode not in Mode.values:
        raise workflow.InvalidInput(fields={"mode": [_("Choose how you receive parcels.")]})
    if mode == Mode.OFFICE:
        if not may_choose_office(user):
            raise workflow.InvalidInput(
                fields={"mode": [_("Office delivery is for staff; students collect at a station.")]}
            )
        if building is None:
            raise workflow.InvalidInput(
                fields={"building": [_("Choose the building of your office.")]}
            )
    else:
        building, office = None, ""
    preference, _created = DeliveryPreference.objects.update_or_create(
        user=user,
        defaults={
            "mode": mode,
            "building": building,
            "office": office.strip()[:100],
            "chosen_at": timezone.now(),
        },
    )
    return preference


def arrival_route(*, parcel: Parcel, by: User | None) -> None:
    """Where a parcel with a known recipient goes on arrival: the delivery run when they chose
    office delivery, else their arrival notice at the station."""
    from parcels.services import notice_add

    preference = preference_of(parcel.recipient)
    if preference is not None and preference.delivers:
        parcel_send_for_delivery(parcel=parcel, preference=preference, by=by)
    else:
        notice_add(parcel=parcel)


def parcel_send_for_delivery(
    *, parcel: Parcel, preference: DeliveryPreference, by: User | None
) -> Parcel:
    """Puts a waiting parcel on the delivery run to the recipient's office (the caller's
    transaction)."""
    from parcels.services import record, transition

    transition(
        parcel,
        expected=[Status.WAITING],
        to=Status.FOR_DELIVERY,
        delivery_building=preference.building,
        delivery_office=preference.office,
    )
    data = {"building": preference.building_id, "office": preference.office}
    record(parcel, by=by, action="sent_for_delivery", from_status=Status.WAITING, data=data)
    return parcel


def delivery_run(station: Station):
    """The station's parcels on the delivery run, by building and office."""
    return (
        Parcel.objects.with_related()
        .select_related("delivery_building")
        .filter(station=station, status=Status.FOR_DELIVERY)
        .order_by("delivery_building_id", "delivery_office", "id")
    )


@transaction.atomic
def parcels_deliver(
    *, station: Station, parcels: list[Parcel], signed_by_name: str, by: User
) -> Delivery:
    """Records the delivery of `parcels` (on the run, to one building) and who signed for them;
    tells each recipient. Raises NotAllowed (not a clerk here), InvalidInput (no signature, no
    parcels, several buildings), InvalidTransition / ConcurrentUpdate (one changed meanwhile)."""
    signed_by_name = signed_by_name.strip()
    if not signed_by_name:
        raise workflow.InvalidInput(fields={"signed_by_name": [_("Give the name of who signed.")]})
    if not parcels:
        raise workflow.InvalidInput(fields={"parcels": [_("Choose the parcels delivered.")]})
    for parcel in parcels:
        TRANSITIONS.check(parcel, "deliver", by)
    buildings = {p.delivery_building_id for p in parcels}
    if len(buildings) != 1 or None in buildings or any(p.station_id != station.pk for p in parcels):
        raise workflow.InvalidInput(
            fields={"parcels": [_("Record the parcels of one building at a time.")]}
        )
    offices = {p.delivery_office for p in parcels}
    proof = Delivery.objects.create(
        station=station,
        building_id=buildings.pop(),
        office=offices.pop() if len(offices) == 1 else "",
        clerk=by,
        signed_by_name=signed_by_name[:100],
    )
    now = timezone.now()
    for parcel in parcels:
        _deliver_one(parcel, proof, by, now)
    return proof


def _deliver_one(parcel: Parcel, proof: Delivery, by: User, now) -> None:
    from parcels.services import record, transition

    transition(
        parcel, expected=[Status.FOR_DELIVERY], to=Status.DELIVERED, delivery=proof, closed_at=now
    )
    data = {"delivery": proof.pk, "signed_by": proof.signed_by_name}
    record(parcel, by=by, action="delivered", from_status=Status.FOR_DELIVERY, data=data)
    office = " ".join(
        x for x in (parcel.delivery_building.localized_name, parcel.delivery_office) if x
    )
    notify_involved(
        recipients=[parcel.recipient],
        by=by,
        kind="parcels.delivered",
        title=DELIVERED,
        params={"number": parcel.tracking_number, "office": office, "name": proof.signed_by_name},
        url=parcel.get_absolute_url(),
    )


@transaction.atomic
def parcel_undeliverable(*, parcel: Parcel, by: User) -> Parcel:
    """The office could not take it: the parcel goes back on its shelf and its recipient is
    told where to collect it. Raises NotAllowed, InvalidTransition, ConcurrentUpdate."""
    from parcels.services import record, transition

    TRANSITIONS.check(parcel, "undeliverable", by)
    transition(parcel, expected=[Status.FOR_DELIVERY], to=Status.WAITING)
    record(parcel, by=by, action="undeliverable", from_status=Status.FOR_DELIVERY)
    notify_involved(
        recipients=[parcel.recipient],
        by=by,
        kind="parcels.not_delivered",
        title=NOT_DELIVERED,
        params={
            "number": parcel.tracking_number,
            "station": parcel.station.localized_name,
            "code": parcel.pickup_code,
        },
        url=reverse("parcels:mine"),
    )
    return parcel
