"""Home-page and manager-overview sections of complaints (logistics.sections)."""

from django.db.models import Count, F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from reviews.models import Complaint

from .querysets import complaints_for
from .workflow import OPEN_STATUSES, overdue_q

SHOWN = 5


def my_complaints_context(request) -> dict:
    """The user's most recent complaints and suggestions (one query)."""
    complaints = complaints_for(request.user).filter(author=request.user)[:SHOWN]
    items = [
        {
            "title": f"{c.number} {c.title}",
            "url": c.get_absolute_url(),
            "status": c.get_status_display(),
            "meta": date_format(timezone.localtime(c.created_at), "SHORT_DATE_FORMAT"),
        }
        for c in complaints
    ]
    return {
        "items": items,
        "empty_text": _("No complaints or suggestions. Something to tell the services?"),
        "more_url": reverse("reviews:complaint-list") + "?box=mine"
        if items
        else reverse("reviews:complaint-new"),
    }


def overview_context(request) -> dict:
    """Open, overdue, and the share of closed ones resolved within their deadline (one query)."""
    now = timezone.now()
    figures = Complaint.objects.aggregate(
        open=Count("pk", filter=Q(status__in=OPEN_STATUSES)),
        overdue=Count("pk", filter=overdue_q(now)),
        escalated=Count("pk", filter=Q(status__in=OPEN_STATUSES, escalation_level__gt=0)),
        closed=Count("pk", filter=Q(status=Complaint.Status.CLOSED)),
        in_time=Count(
            "pk",
            filter=Q(status=Complaint.Status.CLOSED, resolved_at__lte=F("resolve_due_at")),
        ),
    )
    share = f"{figures['in_time'] / figures['closed']:.0%}" if figures["closed"] else "—"
    inbox = reverse("reviews:complaint-list")
    return {
        "figures": [
            {
                "label": _("Open complaints"),
                "value": figures["open"],
                "url": f"{inbox}?is_open=true",
            },
            {"label": _("Overdue"), "value": figures["overdue"], "url": f"{inbox}?overdue=true"},
            {
                "label": _("Escalated"),
                "value": figures["escalated"],
                "url": f"{inbox}?escalated=true",
            },
            {"label": _("Closed within deadline"), "value": share, "url": ""},
        ]
    }


def register() -> None:
    """Called from ReviewsConfig.ready()."""
    from logistics.sections import register_home_section, register_overview_section

    register_home_section(
        "reviews.my-complaints",
        title=gettext_lazy("My complaints"),
        template="includes/_item_list.html",
        context=my_complaints_context,
        order=40,
    )
    register_overview_section(
        "reviews.complaints",
        title=gettext_lazy("Complaints and suggestions"),
        template="includes/_figures.html",
        context=overview_context,
        order=40,
    )
