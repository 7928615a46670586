"""The reviews indicators (logistics.indicators), computed from the daily rows of reviews/daily.py:
the satisfaction of each service whose events are reviewed, the reviews and complaints, and the
complaints closed within their deadline. docs/indicators.md lists them.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.apps import apps
from django.urls import reverse
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from logistics import indicators as ind
from logistics.indicators import DOWN, NEUTRAL, UP, Indicator, Scope, ScopeKind, Unit
from reviews.registry import event_types

from . import daily

SATISFACTION_SCORE = 3.5  # mean stars below this need attention
ON_TIME_PERCENT = 90


def ranking(event_type: str = ""):
    """The satisfaction ranking of the units, for one event type (or all)."""

    def link(scope: Scope) -> str:
        query = {"event_type": event_type} if event_type else {}
        return reverse("reviews:index-overview") + (f"?{urlencode(query)}" if query else "")

    return link


def complaints(**filters: str):
    """The complaints inbox with `filters`, the department's where the scope is one."""
    return ind.link_to("reviews:complaint-list", {ScopeKind.DEPARTMENT: "department"}, **filters)


def service_label(service: str):
    if apps.is_installed(service):
        return apps.get_app_config(service).verbose_name
    return service


def satisfaction(service: str) -> Indicator:
    first = next(t.key for t in event_types() if daily.service_of(t.key) == service)
    return Indicator(
        f"reviews.satisfaction.{service}",
        format_lazy(_("Satisfaction with {service}"), service=service_label(service)),
        unit=Unit.SCORE,
        good=UP,
        value=ind.mean(daily.rated_key(service), "stars"),
        threshold=SATISFACTION_SCORE,
        drill_down=ranking(first),
        help_text=_("Mean stars (1–5) of the reviews written in the period."),
    )


def register() -> None:
    """Called from ReviewsConfig.ready(), after the apps that register event types (reviews is
    the last of the portal's apps)."""
    ind.register_indicators(
        "reviews",
        [
            *(satisfaction(service) for service in daily.services()),
            Indicator(
                "reviews.reviews",
                _("Reviews written"),
                unit=Unit.COUNT,
                good=NEUTRAL,
                value=ind.total(daily.RATED),
                drill_down=ranking(),
            ),
            Indicator(
                "reviews.complaints",
                _("Complaints filed"),
                unit=Unit.COUNT,
                good=DOWN,
                value=ind.total(daily.COMPLAINTS),
                drill_down=complaints(kind="complaint"),
                help_text=_("Complaints filed in the period (suggestions not counted)."),
            ),
            Indicator(
                "reviews.complaints_on_time",
                _("Complaints closed within deadline"),
                unit=Unit.PERCENT,
                good=UP,
                value=ind.rate(daily.CLOSED_IN_TIME),
                threshold=ON_TIME_PERCENT,
                drill_down=complaints(overdue="true"),
                help_text=_(
                    "Of the complaints and suggestions closed in the period, those resolved by "
                    "their deadline."
                ),
            ),
        ],
    )
