"""Home-page and manager-overview section callables of the dorms system."""

from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.timezone import localtime
from django.utils.translation import gettext as _

from .models import Notice
from .outages import outages_for_user

SHOWN = 3


def my_building_context(request: HttpRequest) -> dict:
    """The outage banner (active outages in my building) and the newest notices for me."""
    now = timezone.now()
    outages = list(outages_for_user(request.user, now=now)[:SHOWN])
    notices = (
        Notice.objects.addressed_to(request.user).current(now).order_by("-published_at", "-id")
    )
    items = [
        {
            "title": notice.title,
            "url": notice.get_absolute_url(),
            "status": notice.get_kind_display(),
            "meta": date_format(localtime(notice.published_at), "SHORT_DATE_FORMAT"),
        }
        for notice in notices[:SHOWN]
    ]
    return {
        "outages": outages,
        "now": now,
        "items": items,
        "empty_text": _("No notices for you right now."),
        "more_url": reverse("dorms:my-building"),
    }
