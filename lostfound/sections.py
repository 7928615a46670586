"""Home-page and manager-overview section callables of the lost-and-found system."""

from django.http import HttpRequest
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.timezone import localtime
from django.utils.translation import gettext as _

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
