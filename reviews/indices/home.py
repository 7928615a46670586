"""Home-page and manager-overview sections of this part of reviews (logistics.sections)."""

from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from logistics.figures import percent
from logistics.roles import Role
from logistics.sections import register_overview_section
from reviews.models import IndexRow, Subject

from .aggregate import month_start
from .forms import DEFAULT_MIN_REVIEWS

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


def register() -> None:
    """Called from ReviewsConfig.ready()."""
    register_overview_section(
        "reviews.satisfaction",
        title=gettext_lazy("Satisfaction this month"),
        template="reviews/indices/_overview_section.html",
        context=satisfaction_context,
        order=60,
        roles={Role.LOGISTICS_MANAGER, Role.SUPERVISOR},
    )
