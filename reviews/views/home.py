"""Home-page sections of this part of reviews (logistics.sections): "To review"."""

from django.urls import reverse
from django.utils.formats import date_format
from django.utils.timezone import localtime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

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
            "meta": date_format(localtime(event.occurred_at), "SHORT_DATE_FORMAT"),
        }
        for event in events
    ]
    return {
        "items": items,
        "empty_text": _("Nothing to rate right now."),
        "more_url": reverse("reviews:index"),
    }


def register() -> None:
    """Called from ReviewsConfig.ready()."""
    from logistics.sections import register_home_section  # noqa: PLC0415

    register_home_section(
        "reviews.to-review",
        title=gettext_lazy("To review"),
        template="includes/_item_list.html",
        context=to_review_context,
        order=30,
    )
