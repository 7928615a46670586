"""The dining figures as daily rows (logistics.daily), for the indicators (dining/indicators.py).

A day holds, for the whole site and for each canteen's building and campus (zeros included):
the price index of the day (the Laspeyres index of dining/pricing over the basket dishes of
those canteens), the rule violations of the day's menus, and of the dishes served that day
(items of the published menus dated that day, as the figures page counts them) how many cost
the low-price threshold or less and how many were marked sold out.

A menu published, changed or sold out later, and a violation recorded later, make beat rewrite
the day the menu is for (`changed_days`).
"""

from __future__ import annotations

from datetime import date, datetime

from django.db.models import Count, Q
from django.utils import timezone

from logistics import daily
from logistics.daily import Figure
from logistics.models import DailyFigure

from .figures import default_low_price, served_items, violations_in
from .models import Canteen, Menu, MenuItem, PriceRule, PriceViolation
from .pricing.services import price_index_by

SOURCE = "dining"
PRICE_INDEX = "dining.price_index"
VIOLATIONS = "dining.violations"
LOW_PRICE = "dining.low_price"
SOLD_OUT = "dining.sold_out"
Kind = DailyFigure.ScopeKind
SITE = (Kind.SITE, 0)
BLOCK = PriceRule.Severity.BLOCK


def register() -> None:
    daily.register_daily_figures(SOURCE, compute, changed_days=changed_days)


def canteen_scopes() -> dict[int, list[tuple[str, int]]]:
    """{canteen id: the scopes its figures count in}: the site, its building and campus."""
    rows = Canteen.objects.values_list("pk", "building_id", "building__campus_id").order_by()
    return {
        pk: [SITE, (Kind.BUILDING, building_id), (Kind.CAMPUS, campus_id)]
        for pk, building_id, campus_id in rows
    }


def compute(day: date, now: datetime) -> list[Figure]:
    scopes = canteen_scopes()
    counts: dict[tuple, list[int]] = {
        scope: [0, 0, 0, 0, 0] for found in [*scopes.values(), [SITE]] for scope in found
    }  # items, low, sold out, violations, blocks
    threshold = default_low_price()
    served = (
        served_items(None, day, day)
        .values_list("menu__canteen_id")
        .annotate(
            n=Count("id"),
            low=Count("id", filter=Q(price__lte=threshold)),
            sold_out=Count("id", filter=Q(sold_out=True)),
        )
        .order_by()
    )
    for canteen_id, n, low, sold_out in served:
        for scope in scopes.get(canteen_id, [SITE]):
            _add(counts[scope], 0, n, low, sold_out)
    violations = (
        violations_in(None, day, day)
        .values_list("menu__canteen_id")
        .annotate(n=Count("id"), blocks=Count("id", filter=Q(severity=BLOCK)))
        .order_by()
    )
    for canteen_id, n, blocks in violations:
        for scope in scopes.get(canteen_id, [SITE]):
            _add(counts[scope], 3, n, blocks)
    index = price_index_by(day=day, groups=lambda canteen_id: scopes.get(canteen_id, [SITE]))
    return [
        figure
        for scope, (items, low, sold_out, n, blocks) in sorted(counts.items())
        for figure in _figures(scope, items, low, sold_out, n, blocks, index.get(scope), threshold)
    ]


def _add(row: list[int], at: int, *values: int) -> None:
    for offset, value in enumerate(values):
        row[at + offset] += value


def _figures(scope, items, low, sold_out, violations, blocks, index, threshold) -> list[Figure]:
    kind, scope_id = scope
    has_index = index is not None
    return [
        Figure(PRICE_INDEX, int(has_index), {"index": float(index or 0)}, kind, scope_id),
        Figure(VIOLATIONS, violations, {"blocks": blocks}, kind, scope_id),
        Figure(LOW_PRICE, low, {"base": items, "threshold": str(threshold)}, kind, scope_id),
        Figure(SOLD_OUT, sold_out, {"base": items}, kind, scope_id),
    ]


def changed_days(since: datetime, now: datetime) -> set[date]:
    """The dates of the menus changed, sold out or found breaking a rule since `since`."""
    menus = Menu.objects.filter(updated_at__gte=since).values_list("date", flat=True)
    sold = MenuItem.objects.filter(sold_out_at__gte=since).values_list("menu__date", flat=True)
    found = PriceViolation.objects.filter(created_at__gte=since).values_list(
        "menu__date", flat=True
    )
    today = timezone.localdate(now)
    days = set()
    for query in (menus, sold, found):
        days.update(day for day in query.order_by().distinct() if day <= today)
    return days
