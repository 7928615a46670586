"""The repairs indicators (logistics.indicators), computed from the daily rows of repairs/daily.py.

Volumes, times and rates are those of the requests filed in the period (the site, each campus
and each unit a dispatcher is scoped to); the open and overdue requests and the repeat faults
are states of the moment, kept for every building too. docs/indicators.md lists them.
"""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from logistics import indicators as ind
from logistics.indicators import DOWN, NEUTRAL, UP, Indicator, Scope, ScopeKind, Unit

from . import daily
from .figures import PERCENTILE

# 24 working hours (a category's default target) is about three calendar days.
COMPLETION_P90_HOURS = 72
ON_TIME_PERCENT = 90
FIRST_TIME_FIX_PERCENT = 90


def figures_page(scope: Scope) -> str:
    """The figures page (the period's figures of the user's own scope)."""
    return reverse("repairs:figures")


# The queue's filters by place: the same requests as the scope's daily rows.
QUEUE_SCOPES = {
    ScopeKind.BUILDING: "building",
    ScopeKind.CAMPUS: "campus_id",
    ScopeKind.DEPARTMENT: "department",
}


def queue(**filters: str):
    """The dispatcher's queue with `filters` (every state unless they say), narrowed to the
    scope's place."""
    return ind.link_to("repairs:queue", QUEUE_SCOPES, filtered="1", **filters)


def register() -> None:
    ind.register_indicators(
        "repairs",
        [
            Indicator(
                "repairs.filed",
                _("Repair requests filed"),
                unit=Unit.COUNT,
                good=NEUTRAL,
                value=ind.total(daily.FILED),
                drill_down=figures_page,
            ),
            Indicator(
                "repairs.open",
                _("Open repair requests"),
                unit=Unit.COUNT,
                good=DOWN,
                value=ind.latest(daily.OPEN_NOW),
                state=True,
                drill_down=queue(is_open="true"),
            ),
            Indicator(
                "repairs.overdue",
                _("Overdue repair requests"),
                unit=Unit.COUNT,
                good=DOWN,
                value=ind.latest(daily.OVERDUE),
                state=True,
                threshold=0,
                drill_down=queue(overdue="true"),
                help_text=_("Open requests past their completion deadline (SLA), now."),
            ),
            Indicator(
                "repairs.completion_p90",
                _("Time to complete a repair, 90th percentile"),
                unit=Unit.HOURS,
                good=DOWN,
                value=ind.percentile(daily.COMPLETION, PERCENTILE, scale=1 / 3600),
                threshold=COMPLETION_P90_HOURS,
                drill_down=figures_page,
            ),
            Indicator(
                "repairs.completion_on_time",
                _("Repairs completed on time"),
                unit=Unit.PERCENT,
                good=UP,
                value=ind.rate(daily.COMPLETION_SLA),
                threshold=ON_TIME_PERCENT,
                drill_down=figures_page,
            ),
            Indicator(
                "repairs.first_time_fix",
                _("Repairs fixed the first time"),
                unit=Unit.PERCENT,
                good=UP,
                value=ind.rate(daily.REOPENED, complement=True),
                threshold=FIRST_TIME_FIX_PERCENT,
                drill_down=queue(status="reopened"),
                help_text=_("Completed requests that were not reopened."),
            ),
            Indicator(
                "repairs.repeat_faults",
                _("Repeat faults"),
                unit=Unit.COUNT,
                good=DOWN,
                value=ind.latest(daily.REPEAT_FAULTS),
                state=True,
                threshold=0,
                drill_down=figures_page,
                help_text=_("Rooms with the same fault reported three times in 90 days."),
            ),
        ],
    )
