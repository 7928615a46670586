"""Home-page and manager-overview section callables of the parcels system."""

from datetime import timedelta

from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from parcels import figures
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


OVERVIEW_DAYS = 30


def overview_context(request: HttpRequest) -> dict:
    """The parcels section of the manager overview: the stations now, the last 30 days and the
    next week's forecast (three queries)."""
    now = timezone.now()
    today = timezone.localdate(now)
    stock = figures.stock_now(now)
    period = figures.period_figures(
        start=today - timedelta(days=OVERVIEW_DAYS - 1), end=today, now=now, carriers=False
    )
    ahead = figures.forecast(today=today)
    url = reverse("parcels:peak")
    hours = period.dwell_p90_hours
    return {
        "figures": [
            {"label": _("In stock now"), "value": stock["in_stock"], "url": url + "#stations"},
            {"label": _("Overdue now"), "value": stock["overdue"], "url": url + "#carriers"},
            {"label": _("To return now"), "value": stock["to_return"], "url": url + "#carriers"},
            {"label": _("Arrivals, last 30 days"), "value": period.arrived, "url": url},
            {"label": _("Forecast, next 7 days"), "value": ahead.total, "url": url + "#forecast"},
            {
                "label": _("Dwell, 90th percentile (hours)"),
                "value": "—" if hours is None else hours,
                "url": "",
            },
        ],
        "figures_url": url,
    }
