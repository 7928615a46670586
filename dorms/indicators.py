"""The dorms indicators (logistics.indicators), read from the daily figures (dorms/daily.py):
outages going on, the acknowledgement rate and hazards past their fix deadline."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from logistics import indicators as ind

from .daily import ACKS, HAZARDS, OUTAGES

Kind = ind.ScopeKind

# More outages than this going on at once in one scope is more than planned work.
OUTAGES_THRESHOLD = 3
# Fewer than this share of residents acknowledging by the deadline: the notice did not reach them.
ACK_RATE_THRESHOLD = 80
# A fire hazard past its fix deadline always needs someone.
HAZARDS_THRESHOLD = 0


BY_BUILDING = {Kind.BUILDING: "building"}  # the notice and hazard lists filter by building
_building_outages = ind.link_to("dorms:index", BY_BUILDING, kind="outage")
_acks = ind.link_to("dorms:index", BY_BUILDING, requires_ack="true")
_hazards = ind.link_to("dorms:hazards", BY_BUILDING, overdue="1")


def _outages(scope: ind.Scope) -> str:
    if scope.kind == Kind.BUILDING:  # the building's outage notices
        return _building_outages(scope)
    return reverse("dorms:outages")


def register() -> None:
    ind.register_indicators(
        "dorms",
        [
            ind.Indicator(
                "dorms.active_outages",
                _("Outages going on"),
                unit=ind.Unit.COUNT,
                good=ind.DOWN,
                value=ind.latest(OUTAGES),
                state=True,
                threshold=OUTAGES_THRESHOLD,
                drill_down=_outages,
                help_text=_("Published outage notices whose outage is under way."),
            ),
            ind.Indicator(
                "dorms.ack_rate",
                _("Acknowledged by the deadline"),
                unit=ind.Unit.PERCENT,
                good=ind.UP,
                value=ind.rate(ACKS),
                threshold=ACK_RATE_THRESHOLD,
                drill_down=_acks,
                help_text=_(
                    "Residents who acknowledged a notice by its deadline ÷ residents it reached, "
                    "of the notices due in the period."
                ),
            ),
            ind.Indicator(
                "dorms.hazards_overdue",
                _("Hazards past their fix deadline"),
                unit=ind.Unit.COUNT,
                good=ind.DOWN,
                value=ind.latest(HAZARDS),
                state=True,
                threshold=HAZARDS_THRESHOLD,
                drill_down=_hazards,
                help_text=_("Open hazards whose fix was not reported by the deadline."),
            ),
        ],
    )
