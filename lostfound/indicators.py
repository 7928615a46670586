"""The lost-and-found indicators (logistics.indicators), read from the daily figures
(lostfound/daily.py): items found, the return rate and the items past their holding period."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from logistics import indicators as ind
from lostfound.daily import FOUND, PAST_HOLDING, RETURNED

# Fewer than this share of items returned (returned ÷ found in the period) needs a look at how
# owners learn of their items.
RETURN_RATE_THRESHOLD = 30
# Items past their holding period should be disposed of (or handed to the police); more than
# this many still at a desk's shelves is a backlog.
PAST_HOLDING_THRESHOLD = 20


def _figures(scope: ind.Scope) -> str:
    return reverse("lostfound:figures")


def _past_holding(scope: ind.Scope) -> str:
    return reverse("lostfound:figures") + "#past-holding"


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
                value=ind.rate(RETURNED, base="found"),
                threshold=RETURN_RATE_THRESHOLD,
                drill_down=_figures,
                help_text=_("Items returned ÷ items found in the period."),
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
