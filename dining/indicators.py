"""The dining indicators (logistics.indicators), computed from the daily rows of dining/daily.py:
the price index, the price rule violations, the share of low-price dishes and the sold-out rate,
for the site and each canteen's building and campus. docs/indicators.md lists them.
"""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from logistics import indicators as ind
from logistics.indicators import DOWN, UP, Indicator, Scope, Unit

from . import daily

PRICE_INDEX = 110  # prices 10 % above the base period
LOW_PRICE_PERCENT = 20  # the demo's and the commission's usual minimum share
SOLD_OUT_PERCENT = 10


def page(name: str):
    def link(scope: Scope) -> str:
        return reverse(name)

    return link


def register() -> None:
    ind.register_indicators(
        "dining",
        [
            Indicator(
                "dining.price_index",
                _("Price index"),
                unit=Unit.INDEX,
                good=DOWN,
                value=ind.mean(daily.PRICE_INDEX, "index"),
                threshold=PRICE_INDEX,
                drill_down=page("dining:price-index"),
                help_text=_(
                    "The basket dishes' prices against the base period (100), the mean of the "
                    "period's days."
                ),
            ),
            Indicator(
                "dining.rule_violations",
                _("Price rule violations"),
                unit=Unit.COUNT,
                good=DOWN,
                value=ind.total(daily.VIOLATIONS),
                threshold=0,
                drill_down=page("dining:violations"),
                help_text=_("Rules broken by the menus of the period's days."),
            ),
            Indicator(
                "dining.low_price_share",
                _("Low-price share"),
                unit=Unit.PERCENT,
                good=UP,
                value=ind.rate(daily.LOW_PRICE),
                threshold=LOW_PRICE_PERCENT,
                drill_down=page("dining:figures"),
                help_text=_("Dishes served at the low-price threshold or less."),
            ),
            Indicator(
                "dining.sold_out_rate",
                _("Sold-out rate"),
                unit=Unit.PERCENT,
                good=DOWN,
                value=ind.rate(daily.SOLD_OUT),
                threshold=SOLD_OUT_PERCENT,
                drill_down=page("dining:figures"),
                help_text=_("Dishes served that were marked sold out."),
            ),
        ],
    )
