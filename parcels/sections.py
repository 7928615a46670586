"""Home-page and manager-overview section callables of the parcels system."""

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _

from parcels.models import Parcel

SHOWN = 5


def my_parcels_context(request: HttpRequest) -> dict:
    """The recipient's waiting parcels with their pickup codes (one query)."""
    parcels = (
        Parcel.objects.filter(recipient=request.user, status=Parcel.Status.WAITING)
        .select_related("station")
        .order_by("-arrived_at", "-id")[:SHOWN]
    )
    items = [
        {
            "title": f"{p.pickup_code} · {p.station}",
            "url": p.get_absolute_url(),
            "status": p.get_status_display(),
            "meta": p.tracking_number,
        }
        for p in parcels
    ]
    return {
        "items": items,
        "empty_text": _("No parcels waiting for you."),
        "more_url": reverse("parcels:mine") if items else "",
    }
