"""What the parcels pages share: who may use the counter, scoped lookups, timeline labels."""

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _

from parcels.models import Parcel, Station
from parcels.querysets import is_clerk, sees_all_stations

PAGE_SIZE = 25

ACTION_LABELS = {
    "scanned_in": _("Scanned in"),
    "notified": _("Recipient notified"),
    "reminded": _("Reminder sent"),
    "carrier_set": _("Carrier set"),
    "recipient_resolved": _("Recipient found"),
    "moved": _("Moved to another shelf"),
    "picked_up": _("Picked up"),
    "returned": _("Returned to the carrier"),
    "sent_for_return": _("Return period over: on the carrier's return list"),
    "sent_for_delivery": _("On the delivery run to the office"),
    "delivered": _("Delivered to the office"),
    "undeliverable": _("Not delivered: back on the shelf"),
}


def action_label(event) -> str:
    return str(ACTION_LABELS.get(event.action, event.action))


def event_detail(event) -> str:
    """What the timeline says beyond the label: the new place, the courier, who signed."""
    data = event.data or {}
    if event.action == "moved" and data.get("to"):
        return _("%(from)s → %(to)s") % {
            "from": (data.get("from") or {}).get("code", ""),
            "to": data["to"].get("code", ""),
        }
    if event.action == "returned" and data.get("courier"):
        return _("Courier: %(name)s") % {"name": data["courier"]}
    if event.action == "delivered" and data.get("signed_by"):
        return _("Signed by %(name)s") % {"name": data["signed_by"]}
    if event.action == "reminded" and data.get("before") == "free_end":
        return _("Last day of free storage")
    if event.action == "reminded":
        return _("Before the return deadline")
    return ""


def works_at_counter(user) -> bool:
    return is_clerk(user) or sees_all_stations(user)


def counter_station(request, station_pk: int) -> Station:
    """The station, if the user works there: 403 for non-clerks, 404 for another station."""
    if not works_at_counter(request.user):
        raise PermissionDenied
    return get_object_or_404(Station.objects.for_clerk(request.user), pk=station_pk)


def station_parcel(station: Station, pk: int) -> Parcel:
    return get_object_or_404(Parcel.objects.with_related().filter(station=station), pk=pk)


def is_htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true"
