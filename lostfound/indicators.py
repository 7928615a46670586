"""The lost-and-found indicators (logistics.indicators), read from the daily figures
(lostfound/daily.py): items found, the return rate and the items past their holding period."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from logistics import indicators as ind
from lostfound.daily import FOUND, FOUND_RETURNED, PAST_HOLDING, period_return_rate

# Fewer than this share of the items found returned needs a look at how owners learn of them.
RETURN_RATE_THRESHOLD = 30
# Items past their holding period should be disposed of (or handed to the police); more than
# this many still at a desk's shelves is a backlog.
PAST_HOLDING_THRESHOLD = 20


def _figures(scope: ind.Scope) -> str:
    return reverse("lostfound:figures")


def _past_holding(scope: ind.Scope) -> str:
    return reverse("lostfound:figures") + "#past-holding"


def _return_rate(rows) -> float | None:
    """The figures page's return rate (lostfound.daily.period_return_rate), as a percentage."""
    rate = period_return_rate(rows[FOUND_RETURNED])
    return None if rate is None else 100 * rate


def register() -> None:
    ind.register_indicators(
        "lostfound",
        [
            ind.Indicator(
                "lostfound.found",
                _("Items found"),
                unit=ind.Unit.COUNT,
                good=ind.NEUTRAL,
                value=ind.total(FOUND),
                drill_down=_figures,
            ),
            ind.Indicator(
                "lostfound.return_rate",
                _("Return rate"),
                unit=ind.Unit.PERCENT,
                good=ind.UP,
                value=_return_rate,
                figures=(FOUND_RETURNED,),
                threshold=RETURN_RATE_THRESHOLD,
                drill_down=_figures,
                help_text=_("Of the items found in the period, the share returned so far."),
            ),
            ind.Indicator(
                "lostfound.past_holding",
                _("Items past their holding period"),
                unit=ind.Unit.COUNT,
                good=ind.DOWN,
                value=ind.latest(PAST_HOLDING),
                state=True,
                threshold=PAST_HOLDING_THRESHOLD,
                drill_down=_past_holding,
                help_text=_("Still at a desk or with a finder after the holding period ended."),
            ),
        ],
    )
