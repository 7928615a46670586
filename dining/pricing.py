"""Price supervision (菜价监督): price-change records, rule checks at publishing, the price index.

CONTRACT (the lead wrote the signatures; the menu services, pages and API call exactly these;
helper d2 implements them and may add functions).
"""

from dataclasses import dataclass, field


@dataclass
class PriceFinding:
    """One rule a menu would break if published: a warning to acknowledge or a block."""

    rule: object  # PriceRule
    severity: str  # PriceRule.Severity value
    message: str
    dish: object | None = None  # Dish
    data: dict = field(default_factory=dict)


def price_change_record(
    *, dish, new_price, by, tier="student", old_price=None, menu_item=None, reason: str = ""
):
    """Records one price change (who, when, from, to, why). Call it inside the service that
    changes a dish's standard price or a menu item's price; returns the PriceChange."""
    raise NotImplementedError


def price_rules_check(*, menu) -> list[PriceFinding]:
    """Checks a menu against every active rule that applies (canteen, category, meal):
    category caps, maximum increase per change and per 30 days (against the price history),
    minimum share of low-price dishes for the canteen and meal. Reads only; writes nothing."""
    raise NotImplementedError


def price_violations_record(*, menu, findings, by, reason: str = ""):
    """Stores the findings of a published menu as PriceViolation rows (acknowledged by `by`
    with `reason` for warnings)."""
    raise NotImplementedError


def price_index_compute(*, day) -> int:
    """Computes the Laspeyres index of `day` per canteen and for the campus (base period from
    settings); idempotent (update_or_create). Returns the number of points written."""
    raise NotImplementedError
