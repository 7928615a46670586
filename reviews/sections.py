"""Reviews' home-page and manager-overview sections (registered in ReviewsConfig.ready()):
"To review" for everyone served, this month's satisfaction for managers and supervisors.

The complaints sections live in reviews/complaints/home.py.
"""

from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from logistics.figures import percent
from reviews.indices.aggregate import month_start
from reviews.indices.forms import DEFAULT_MIN_REVIEWS
from reviews.models import IndexRow, Subject
from reviews.querysets import events_to_review
from reviews.registry import event_type_label

SHOWN = 5


def to_review_context(request) -> dict:
    """The signed-in user's events waiting for their rating, latest first (one query)."""
    events = events_to_review(request.user).order_by("-occurred_at", "-id")[:SHOWN]
    items = [
        {
            "title": event.title,
            "url": reverse("reviews:event-review", args=[event.pk]),
            "status": event_type_label(event.event_type),
            "meta": date_format(timezone.localtime(event.occurred_at), "SHORT_DATE_FORMAT"),
        }
        for event in events
    ]
    return {
        "items": items,
        "empty_text": _("Nothing to rate right now."),
        "more_url": reverse("reviews:index"),
    }


LOWEST_SHOWN = 3


def satisfaction_context(request) -> dict:
    """Campus satisfaction this month, its response rate, and the lowest-ranked units:
    two queries over IndexRow."""
    month = month_start(timezone.localdate())
    rows = IndexRow.objects.filter(period=IndexRow.Period.MONTH, period_start=month, event_type="")
    campus = rows.filter(kind=Subject.Kind.CAMPUS).first()
    lowest = list(
        rows.filter(kind=Subject.Kind.UNIT, reviews__gte=DEFAULT_MIN_REVIEWS)
        .select_related("subject")
        .order_by(F("adjusted_mean").asc(nulls_last=True), "subject__name")[:LOWEST_SHOWN]
    )
    url = reverse("reviews:index-overview")
    mean = campus.mean if campus else None
    share = campus.satisfied_share if campus else None
    rate = campus.response_rate if campus else None
    figures = [
        {
            "label": _("Campus satisfaction (mean stars)"),
            "value": "—" if mean is None else f"{mean:.2f}",
            "url": url,
        },
        {"label": _("Share satisfied (4–5 stars)"), "value": percent(share)},
        {"label": _("Response rate"), "value": percent(rate)},
        {"label": _("Reviews this month"), "value": campus.reviews if campus else 0},
    ]
    return {"figures": figures, "lowest": lowest}
