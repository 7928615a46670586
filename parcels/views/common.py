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
}


def action_label(event) -> str:
    return str(ACTION_LABELS.get(event.action, event.action))


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
