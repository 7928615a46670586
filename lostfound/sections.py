"""Home-page and manager-overview section callables of the lost-and-found system."""

from datetime import timedelta

from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.timezone import localtime
from django.utils.translation import gettext as _

from logistics.figures import percent
from lostfound.models import FoundItem, LostReport

SHOWN = 5


def _item(row) -> dict:
    return {
        "title": f"{row.number} {row.category}",
        "url": row.get_absolute_url(),
        "status": row.get_status_display(),
        "meta": date_format(localtime(row.created_at), "SHORT_DATE_FORMAT"),
    }


def my_lost_reports_context(request: HttpRequest) -> dict:
    """The user's latest lost reports (one query)."""
    reports = LostReport.objects.filter(owner=request.user).select_related("category")[:SHOWN]
    return {
        "items": [_item(r) for r in reports],
        "empty_text": _("You have not reported anything lost."),
        "more_url": reverse("lostfound:mine") + "?show=lost",
    }


def my_found_items_context(request: HttpRequest) -> dict:
    """The items the user found, and those known to be theirs (one query)."""
    items = (
        FoundItem.objects.filter(finder=request.user)
        .select_related("category")
        .order_by("-created_at", "-id")[:SHOWN]
    )
    return {
        "items": [_item(i) for i in items],
        "empty_text": _("You have not reported a found item."),
        "more_url": reverse("lostfound:mine"),
    }


OVERVIEW_DAYS = 30


def overview_context(request: HttpRequest) -> dict:
    """The lost-and-found section of the manager overview: the last 30 days (one query)."""
    from lostfound.daily import period_figures

    end = timezone.localdate()
    data = period_figures(end - timedelta(days=OVERVIEW_DAYS - 1), end, places=0)
    url = reverse("lostfound:figures")
    hours = data.median_return_hours
    return {
        "figures": [
            {"label": _("Found, last 30 days"), "value": data.found, "url": url},
            {"label": _("Items returned"), "value": data.returned, "url": url},
            {"label": _("Items disposed of"), "value": data.disposed, "url": url},
            {"label": _("Return rate"), "value": percent(data.return_rate), "url": ""},
            {
                "label": _("Median time to return (hours)"),
                "value": "—" if hours is None else hours,
                "url": "",
            },
        ]
    }
