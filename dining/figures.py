"""Manager figures of the dining service: dishes served, the price index trend, rule violations
and the share of low-price dishes per canteen and meal, in a fixed number of queries; and the
index as a line chart (logistics.charts).

Scope: logistics managers, supervisors and superusers see every canteen; canteen staff their own.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Q

from logistics.charts import Chart, Series, line_chart
from logistics.roles import Role

from .models import Canteen, Meal, Menu, MenuItem, PriceIndexPoint, PriceRule, PriceViolation
from .querysets import staff_canteen_filter

DEFAULT_LOW_PRICE = Decimal("5.00")
RECENT_VIOLATIONS = 10
HUNDRED = Decimal("100")


def can_view_all(user) -> bool:
    """Managers, supervisors and superusers see every canteen's figures."""
    if not (user and user.is_authenticated):
        return False
    return user.is_superuser or user.has_role(Role.LOGISTICS_MANAGER, Role.SUPERVISOR)


def can_view_figures(user) -> bool:
    """Who may open the figures, violations and export pages (canteen staff: their own)."""
    return can_view_all(user) or bool(
        user and user.is_authenticated and user.has_role(Role.CANTEEN_STAFF)
    )


def figure_canteens(user):
    """The canteens whose figures `user` may see."""
    if can_view_all(user):
        return Canteen.objects.all()
    if can_view_figures(user):
        return Canteen.objects.filter(staff_canteen_filter(user))
    return Canteen.objects.none()


def default_low_price() -> Decimal:
    """The low-price threshold: the amount of the active low-price share rule for every
    canteen and meal (any category), else DEFAULT_LOW_PRICE."""
    rule = (
        PriceRule.objects.filter(
            kind=PriceRule.Kind.LOW_PRICE_SHARE,
            is_active=True,
            canteen__isnull=True,
            category__isnull=True,
            amount__isnull=False,
        )
        .order_by("meal", "pk")
        .values_list("amount", flat=True)
        .first()
    )
    return rule if rule is not None else DEFAULT_LOW_PRICE


def share(part: int, whole: int) -> Decimal | None:
    """part / whole in percent with one decimal; None when there is nothing to count."""
    if not whole:
        return None
    return (Decimal(part) * HUNDRED / whole).quantize(Decimal("0.1"), ROUND_HALF_UP)


@dataclass
class CanteenFigures:
    """One canteen's row of the figures."""

    canteen: Canteen
    menus: int = 0
    items: int = 0
    dishes: int = 0
    violations: int = 0
    blocks: int = 0
    unacknowledged: int = 0
    index: Decimal | None = None
    low_items: int = 0
    low_by_meal: dict = field(default_factory=dict)  # meal → {"low", "total", "share"}

    @property
    def low_share(self) -> Decimal | None:
        return share(self.low_items, self.items)

    @property
    def meal_shares(self) -> list[dict]:
        return [
            {"meal": meal, "label": label, **self.low_by_meal[meal]}
            for meal, label in Meal.choices
            if meal in self.low_by_meal
        ]


@dataclass
class DiningFigures:
    """The figures of a period (whole days, both ends included)."""

    start: datetime.date
    end: datetime.date
    threshold: Decimal
    rows: list[CanteenFigures]
    series: dict  # canteen id (None: campus) → [(date, value)]
    recent_violations: list

    @property
    def items(self) -> int:
        return sum(row.items for row in self.rows)

    @property
    def violations(self) -> int:
        return sum(row.violations for row in self.rows)

    @property
    def unacknowledged(self) -> int:
        return sum(row.unacknowledged for row in self.rows)

    @property
    def low_share(self) -> Decimal | None:
        return share(sum(row.low_items for row in self.rows), self.items)

    @property
    def campus_index(self) -> Decimal | None:
        points = self.series.get(None) or []
        return points[-1][1] if points else None


def index_series(*, canteen_ids, start, end, campus: bool = True) -> dict:
    """{canteen id or None (campus): [(date, value)]} of the index points in the period."""
    scope = Q(canteen_id__in=list(canteen_ids))
    if campus:
        scope |= Q(canteen__isnull=True)
    points = (
        PriceIndexPoint.objects.filter(scope, date__gte=start, date__lte=end)
        .order_by("date")
        .values_list("canteen_id", "date", "value")
    )
    series = defaultdict(list)
    for canteen_id, day, value in points:
        series[canteen_id].append((day, value))
    return dict(series)


def dining_figures(*, user, start, end, threshold=None) -> DiningFigures:
    """The figures of the canteens `user` may see for the days start..end."""
    canteens = list(figure_canteens(user).order_by("sort_order", "slug"))
    rows = {c.pk: CanteenFigures(canteen=c) for c in canteens}
    if threshold is None:
        threshold = default_low_price()
    served = served_items(list(rows), start, end)
    _add_served(rows, served)
    _add_low_share(rows, served, threshold)
    _add_violations(rows, start, end)
    series = index_series(canteen_ids=list(rows), start=start, end=end)
    for canteen_id, points in series.items():
        if canteen_id in rows:
            rows[canteen_id].index = points[-1][1]
    return DiningFigures(
        start=start,
        end=end,
        threshold=threshold,
        rows=list(rows.values()),
        series=series,
        recent_violations=_recent_violations(list(rows), start, end),
    )


def served_items(canteen_ids, start, end):
    """The items of the published menus of `canteen_ids` dated from start to end (None: every
    canteen): the dishes served."""
    served = MenuItem.objects.filter(
        menu__status=Menu.Status.PUBLISHED, menu__date__gte=start, menu__date__lte=end
    )
    return served if canteen_ids is None else served.filter(menu__canteen_id__in=canteen_ids)


def _add_served(rows, served) -> None:
    counts = served.values("menu__canteen_id").annotate(
        items=Count("id"),
        dishes=Count("dish_id", distinct=True),
        menus=Count("menu", distinct=True),
    )
    for row in counts.order_by():
        figures = rows[row["menu__canteen_id"]]
        figures.items, figures.dishes, figures.menus = row["items"], row["dishes"], row["menus"]


def _add_low_share(rows, served, threshold) -> None:
    counts = served.values("menu__canteen_id", "menu__meal").annotate(
        total=Count("id"), low=Count("id", filter=Q(price__lte=threshold))
    )
    for row in counts.order_by():
        figures = rows[row["menu__canteen_id"]]
        figures.low_items += row["low"]
        figures.low_by_meal[row["menu__meal"]] = {
            "low": row["low"],
            "total": row["total"],
            "share": share(row["low"], row["total"]),
        }


def violations_in(canteen_ids, start, end):
    """The violations of the menus dated in the period (like the dishes served; None: every
    canteen)."""
    violations = PriceViolation.objects.filter(menu__date__gte=start, menu__date__lte=end)
    return (
        violations if canteen_ids is None else violations.filter(menu__canteen_id__in=canteen_ids)
    )


def _add_violations(rows, start, end) -> None:
    block = PriceRule.Severity.BLOCK
    counts = (
        violations_in(list(rows), start, end)
        .values("menu__canteen_id")
        .annotate(
            total=Count("id"),
            blocks=Count("id", filter=Q(severity=block)),
            open=Count("id", filter=~Q(severity=block) & Q(acknowledged_at__isnull=True)),
        )
    )
    for row in counts.order_by():
        figures = rows[row["menu__canteen_id"]]
        figures.violations, figures.blocks = row["total"], row["blocks"]
        figures.unacknowledged = row["open"]


def _recent_violations(canteen_ids, start, end) -> list:
    return list(
        violations_in(canteen_ids, start, end)
        .select_related("rule", "menu__canteen", "menu__window", "dish", "acknowledged_by")
        .order_by("-created_at", "-id")[:RECENT_VIOLATIONS]
    )


# --- The chart ---------------------------------------------------------------------------------


def index_chart(*, series: dict, labels: dict, start, end) -> Chart:
    """The index series ({canteen id or None: [(date, value)]}) as a line chart between start
    and end; `labels` names the keys (None: the campus, drawn bold and black, first)."""
    keys = sorted(series, key=lambda k: (k is not None, str(labels.get(k, k))))
    lines = [Series(str(labels.get(k, k)), series[k], emphasis=k is None) for k in keys]
    return line_chart(
        series=lines,
        start=start,
        end=end,
        baseline=HUNDRED,
        fmt=lambda value: f"{value:.2f}",
        tick_fmt=lambda value: f"{value:.1f}",
    )
