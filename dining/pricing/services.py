"""Price supervision (菜价监督): price-change records, rule checks at publishing, the price index.

Rules compare the student price (the tier every canteen has); the price history is the
PriceChange rows the services record whenever a standard or menu price differs from the last one.
"""

from __future__ import annotations

import datetime
import logging
from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from dining.models import (
    BasketItem,
    Dish,
    Menu,
    MenuItem,
    PriceChange,
    PriceIndexPoint,
    PriceRule,
    PriceViolation,
)

if TYPE_CHECKING:
    from logistics.models import User

logger = logging.getLogger(__name__)

STUDENT = PriceChange.Tier.STUDENT
HUNDRED = Decimal("100")
CENT = Decimal("0.01")
INCREASE_WINDOW = datetime.timedelta(days=30)
DEFAULT_BASE_DATE = datetime.date(2026, 9, 1)
# Menus that count with the one being published for the low-price share: scheduled menus have
# passed the check already and will be served, so they count like published ones.
SERVED_STATUSES = (Menu.Status.PUBLISHED, Menu.Status.SCHEDULED)


@dataclass
class PriceFinding:
    """One rule a menu would break if published: a warning to acknowledge or a block."""

    rule: object  # PriceRule
    severity: str  # PriceRule.Severity value
    message: str
    dish: object | None = None  # Dish
    data: dict = field(default_factory=dict)


# --- Price changes ------------------------------------------------------------------------------


def price_change_record(
    *,
    dish: Dish,
    new_price: Decimal,
    by: User | None,
    tier: str = "student",
    old_price: Decimal | None = None,
    menu_item: MenuItem | None = None,
    reason: str = "",
) -> PriceChange:
    """Records one price change (who, when, from, to, why). Call it inside the service that
    changes a dish's standard price or a menu item's price; returns the PriceChange."""
    return PriceChange.objects.create(
        dish=dish,
        menu_item=menu_item,
        tier=tier,
        old_price=old_price,
        new_price=new_price,
        changed_by=by if by is not None and by.is_authenticated else None,
        reason=(reason or "").strip()[:300],
    )


# --- Rule checks --------------------------------------------------------------------------------


def applicable_rules(*, menu: Menu) -> QuerySet[PriceRule]:
    """The active rules that apply to a menu's canteen and meal."""
    return (
        PriceRule.objects.filter(is_active=True)
        .filter(Q(canteen__isnull=True) | Q(canteen_id=menu.canteen_id))
        .filter(Q(meal="") | Q(meal=menu.meal))
        .select_related("category")
        .order_by("kind", "name", "pk")
    )


def price_rules_check(*, menu: Menu) -> list[PriceFinding]:
    """Checks a menu against every active rule that applies (canteen, category, meal):
    category caps, maximum increase per change and per 30 days (against the price history),
    minimum share of low-price dishes for the canteen and meal. Reads only; writes nothing."""
    rules = list(applicable_rules(menu=menu))
    if not rules:
        return []
    kinds = {rule.kind for rule in rules}
    items = _items_with_history(menu, kinds)
    lows = _lowest_prices(menu, items) if PriceRule.Kind.MAX_INCREASE_30_DAYS in kinds else {}
    siblings = _sibling_prices(menu) if PriceRule.Kind.LOW_PRICE_SHARE in kinds else []
    findings = []
    for rule in rules:
        if rule.kind == PriceRule.Kind.CATEGORY_CAP:
            findings += _check_cap(rule, items)
        elif rule.kind == PriceRule.Kind.MAX_INCREASE_PER_CHANGE:
            refs = {item.pk: _last_price(item) for item in items}
            findings += _check_increase(rule, items, refs, per_change=True)
        elif rule.kind == PriceRule.Kind.MAX_INCREASE_30_DAYS:
            findings += _check_increase(rule, items, lows, per_change=False)
        elif rule.kind == PriceRule.Kind.LOW_PRICE_SHARE:
            findings += _check_share(rule, menu, items, siblings)
    return findings


def _own_changes(menu):
    return PriceChange.objects.filter(dish=OuterRef("dish_id"), tier=STUDENT).filter(
        menu_item__menu_id=menu.pk
    )


def _other_changes(menu):
    return PriceChange.objects.filter(dish=OuterRef("dish_id"), tier=STUDENT).exclude(
        menu_item__menu_id=menu.pk
    )


def _items_with_history(menu, kinds) -> list:
    """The menu's items with their dish, and the dish's price before this menu changed it."""
    items = MenuItem.objects.filter(menu_id=menu.pk).select_related("dish__category")
    if kinds & {PriceRule.Kind.MAX_INCREASE_PER_CHANGE, PriceRule.Kind.MAX_INCREASE_30_DAYS}:
        items = items.annotate(
            own_first_old=Subquery(
                _own_changes(menu).order_by("changed_at", "id").values("old_price")[:1]
            ),
            other_last=Subquery(
                _other_changes(menu).order_by("-changed_at", "-id").values("new_price")[:1]
            ),
        )
    return list(items.order_by("sort_order", "id"))


def _money(value):
    # SQLite returns subquery prices unscaled (Decimal("10")); PostgreSQL as stored ("10.00").
    return None if value is None else Decimal(value).quantize(CENT)


def _last_price(item):
    """The dish's last recorded price before this menu: the price this menu's own change
    started from, else the newest other change, else the dish's standard price."""
    if getattr(item, "own_first_old", None) is not None:
        return _money(item.own_first_old)
    if getattr(item, "other_last", None) is not None:
        return _money(item.other_last)
    return item.dish.price


def _lowest_prices(menu, items) -> dict:
    """{item pk: the dish's lowest price in the 30 days before now}, from the price history:
    the price in force when the window opened and every price recorded since (the prices this
    menu sets itself excluded)."""
    since = timezone.now() - INCREASE_WINDOW
    dish_ids = [item.dish_id for item in items]
    before = (
        PriceChange.objects.filter(dish=OuterRef("pk"), tier=STUDENT, changed_at__lt=since)
        .exclude(menu_item__menu_id=menu.pk)
        .order_by("-changed_at", "-id")
        .values("new_price")[:1]
    )
    recorded = PriceChange.objects.filter(
        dish_id__in=dish_ids, tier=STUDENT, changed_at__gte=since
    ).values_list("dish_id", "old_price", "new_price", "menu_item__menu_id")
    prices = defaultdict(set)
    for dish_id, old, new, menu_id in recorded:
        prices[dish_id].add(old)
        if menu_id != menu.pk:
            prices[dish_id].add(new)
    starts = Dish.objects.filter(pk__in=dish_ids).annotate(start=Subquery(before))
    for dish_id, start in starts.values_list("pk", "start"):
        prices[dish_id].add(start)
    lows = {}
    for item in items:
        known = [_money(p) for p in prices[item.dish_id] if p is not None]
        lows[item.pk] = min(known) if known else _last_price(item)
    return lows


def _sibling_prices(menu) -> list[tuple]:
    """(student price, category id) of the items of the other served menus of the same canteen,
    date and meal."""
    return list(
        MenuItem.objects.filter(
            menu__canteen_id=menu.canteen_id,
            menu__date=menu.date,
            menu__meal=menu.meal,
            menu__status__in=SERVED_STATUSES,
        )
        .exclude(menu_id=menu.pk)
        .values_list("price", "dish__category_id")
    )


def _in_category(rule, item) -> bool:
    return rule.category_id is None or item.dish.category_id == rule.category_id


def _finding(rule, message, dish=None, **data) -> PriceFinding:
    clean = {k: str(v) if isinstance(v, Decimal) else v for k, v in data.items()}
    return PriceFinding(rule=rule, severity=rule.severity, message=message, dish=dish, data=clean)


def _check_cap(rule, items) -> list[PriceFinding]:
    if rule.amount is None:
        return []
    return [
        _finding(
            rule,
            gettext("%(dish)s costs %(price)s yuan, above the cap of %(cap)s yuan (%(category)s).")
            % {
                "dish": item.dish.localized_name,
                "price": item.price,
                "cap": rule.amount,
                "category": item.dish.category.localized_name,
            },
            dish=item.dish,
            price=item.price,
            cap=rule.amount,
        )
        for item in items
        if _in_category(rule, item) and item.price > rule.amount
    ]


def increase_limit(rule: PriceRule, reference: Decimal) -> Decimal | None:
    """The highest price `rule` allows over `reference`: `amount` yuan when set, else percent."""
    if rule.amount is not None:
        return reference + rule.amount
    if rule.percent is not None:
        return reference * (1 + rule.percent / HUNDRED)
    return None


def _limit_text(rule) -> str:
    if rule.amount is not None:
        return gettext("%(amount)s yuan") % {"amount": rule.amount}
    return gettext("%(percent)s %%") % {"percent": rule.percent}


def _check_increase(rule, items, references: dict, *, per_change: bool) -> list[PriceFinding]:
    findings = []
    for item in items:
        reference = references.get(item.pk)
        if reference is None or not _in_category(rule, item):
            continue
        limit = increase_limit(rule, reference)
        if limit is None or item.price <= limit:
            continue
        if per_change:
            text = gettext(
                "%(dish)s rises from %(old)s to %(new)s yuan, more than %(limit)s in one change."
            )
        else:
            text = gettext(
                "%(dish)s costs %(new)s yuan, more than %(limit)s above its lowest price of the "
                "last 30 days (%(old)s yuan)."
            )
        values = {"dish": item.dish.localized_name, "old": reference, "new": item.price}
        findings.append(
            _finding(
                rule,
                text % {**values, "limit": _limit_text(rule)},
                dish=item.dish,
                reference=reference,
                price=item.price,
                increase=item.price - reference,
            )
        )
    return findings


def _check_share(rule, menu, items, siblings) -> list[PriceFinding]:
    if rule.amount is None or rule.percent is None:
        return []
    prices = [(item.price, item.dish.category_id) for item in items] + siblings
    prices = [p for p, category in prices if rule.category_id in (None, category)]
    if not prices:
        return []
    low = sum(1 for p in prices if p <= rule.amount)
    share = (Decimal(low) * HUNDRED / len(prices)).quantize(Decimal("0.1"), ROUND_HALF_UP)
    if share >= rule.percent:
        return []
    text = gettext(
        "Only %(share)s %% of the dishes of this meal (%(low)s of %(total)s) cost %(threshold)s "
        "yuan or less; at least %(minimum)s %% must."
    ) % {
        "share": share,
        "low": low,
        "total": len(prices),
        "threshold": rule.amount,
        "minimum": rule.percent,
    }
    return [
        _finding(
            rule,
            text,
            share=share,
            low=low,
            total=len(prices),
            threshold=rule.amount,
            minimum=rule.percent,
        )
    ]


# --- Violations ---------------------------------------------------------------------------------


def price_violations_record(
    *, menu: Menu, findings: list[PriceFinding], by: User | None, reason: str = ""
) -> list[PriceViolation]:
    """Stores the findings of a published menu as PriceViolation rows (acknowledged by `by`
    with `reason` for warnings)."""
    now = timezone.now()
    reason = (reason or "").strip()
    who = by if by is not None and by.is_authenticated else None
    stored = []
    for finding in findings:
        acknowledged = finding.severity == PriceRule.Severity.WARNING and bool(reason)
        # A menu published again after a change keeps one row per rule and dish: the latest.
        violation, _created = PriceViolation.objects.update_or_create(
            rule=finding.rule,
            menu=menu,
            dish=finding.dish,
            defaults={
                "severity": finding.severity,
                "message": str(finding.message)[:300],
                "data": finding.data,
                "acknowledged_by": who if acknowledged else None,
                "acknowledged_at": now if acknowledged else None,
                "reason": reason if acknowledged else "",
            },
        )
        stored.append(violation)
    return stored


# --- Rules (managers) ---------------------------------------------------------------------------

RULE_FIELDS = (
    "name",
    "kind",
    "severity",
    "canteen",
    "category",
    "meal",
    "amount",
    "percent",
    "is_active",
)


def can_manage_rules(user: User) -> bool:
    """Only logistics managers (and superusers) set price rules."""
    return bool(user and user.is_authenticated and user.is_manager)


def rule_requirements(
    *, kind: str, amount: Decimal | None, percent: Decimal | None
) -> dict[str, str]:
    """Field errors of a rule's numbers for its kind ({} when they fit)."""
    errors = {}
    if amount is not None and amount < 0:
        errors["amount"] = _("Enter an amount of zero or more.")
    if percent is not None and percent < 0:
        errors["percent"] = _("Enter a percentage of zero or more.")
    elif percent is not None and percent > 100 and kind == PriceRule.Kind.LOW_PRICE_SHARE:
        errors["percent"] = _("A share is at most 100 percent.")
    if kind == PriceRule.Kind.CATEGORY_CAP and amount is None:
        errors["amount"] = _("A price cap needs an amount.")
    increases = {PriceRule.Kind.MAX_INCREASE_PER_CHANGE, PriceRule.Kind.MAX_INCREASE_30_DAYS}
    if kind in increases and amount is None and percent is None:
        errors["percent"] = _("Give a maximum increase in percent or in yuan.")
    if kind == PriceRule.Kind.LOW_PRICE_SHARE:
        if amount is None:
            errors["amount"] = _("Give the price at or below which a dish counts as low-price.")
        if percent is None:
            errors["percent"] = _("Give the minimum share of low-price dishes in percent.")
    return errors


@transaction.atomic
def price_rule_save(*, by: User, data: dict, rule: PriceRule | None = None) -> PriceRule:
    """Creates or updates a price rule (managers only); raises ValidationError on bad numbers."""
    if not can_manage_rules(by):
        raise PermissionDenied(gettext("Only logistics managers set price rules."))
    rule = rule or PriceRule()
    for name in RULE_FIELDS:
        if name in data:
            setattr(rule, name, data[name])
    rule.meal = rule.meal or ""
    errors = rule_requirements(kind=rule.kind, amount=rule.amount, percent=rule.percent)
    if errors:
        raise ValidationError(errors)
    rule.full_clean()
    rule.save()
    return rule


# --- Price index --------------------------------------------------------------------------------


def index_base_date() -> datetime.date:
    """The base date of the price index (settings.DINING_INDEX_BASE_DATE, an ISO date)."""
    value = settings.DINING_INDEX_BASE_DATE
    if isinstance(value, datetime.date):
        return value
    try:
        parsed = parse_date(value) if value else None
    except ValueError:  # "2026-13-01": well formed, not a date
        parsed = None
    if value and parsed is None:
        logger.warning(
            "DINING_INDEX_BASE_DATE %r is not a date; using %s", value, DEFAULT_BASE_DATE
        )
    return parsed or DEFAULT_BASE_DATE


def _end_of_day(day) -> datetime.datetime:
    start = datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time())
    return timezone.make_aware(start)


def _price_on(day, dish: str) -> dict:
    """Annotations giving the student price on `day` of the dish `dish` names (an OuterRef
    path): the price of the dish on the newest published menu on or before `day`, or its
    standard price in force at the end of `day`, whichever was set later; before any record, the
    first recorded old price (`_price_of` reads them, with the dish's price as the last resort:
    the last known price is carried forward)."""
    end = _end_of_day(day)
    served = MenuItem.objects.filter(
        dish=OuterRef(dish), menu__status=Menu.Status.PUBLISHED, menu__date__lte=day
    ).order_by("-menu__date", "-id")
    standard = PriceChange.objects.filter(dish=OuterRef(dish), tier=STUDENT).filter(
        menu_item__isnull=True
    )
    before = standard.filter(changed_at__lt=end).order_by("-changed_at", "-id")
    after = standard.filter(changed_at__gte=end).order_by("changed_at", "id")
    return {
        "served_price": Subquery(served.values("price")[:1]),
        "served_date": Subquery(served.values("menu__date")[:1]),
        "standard_price": Subquery(before.values("new_price")[:1]),
        "standard_at": Subquery(before.values("changed_at")[:1]),
        "next_old": Subquery(after.values("old_price")[:1]),
    }


def _basket_prices(day, *, only_missing_base: bool = False) -> dict[int, Decimal | None]:
    """{basket item pk: the dish's student price on `day`} (see `_price_on`)."""
    rows = BasketItem.objects.select_related("dish")
    if only_missing_base:
        rows = rows.filter(base_price__isnull=True)
    rows = rows.annotate(**_price_on(day, "dish_id"))
    return {row.pk: _price_of(row, row.dish.price) for row in rows}


def dish_prices_on(*, day: datetime.date, dishes: QuerySet[Dish]) -> dict[int, Decimal]:
    """{dish pk: its student price on `day`}, read as the price index reads it. One query."""
    rows = dishes.annotate(**_price_on(day, "pk"))
    return {row.pk: _price_of(row, row.price) for row in rows}


def _price_of(row, standing: Decimal) -> Decimal:
    standard_day = timezone.localdate(row.standard_at) if row.standard_at else None
    if row.served_price is not None and (standard_day is None or row.served_date >= standard_day):
        return _money(row.served_price)
    if row.standard_price is not None:
        return _money(row.standard_price)
    if row.next_old is not None:
        return _money(row.next_old)
    return standing


def laspeyres(pairs: Sequence[tuple[Decimal, Decimal, Decimal]]) -> Decimal | None:
    """Σ p_t·q_0 / Σ p_0·q_0 × 100 over (p_t, p_0, q_0) triples; None without a base."""
    current = sum((p_t * q_0 for p_t, _p0, q_0 in pairs), Decimal(0))
    base = sum((p_0 * q_0 for _pt, p_0, q_0 in pairs), Decimal(0))
    if not base:
        return None
    return (current * HUNDRED / base).quantize(CENT, ROUND_HALF_UP)


def price_index_values(*, day: datetime.date) -> dict[int | None, Decimal]:
    """{canteen id (None: campus): the index of `day`}; basket dishes without a price on the
    base date or on `day` are left out of both sums."""
    return price_index_by(day=day, groups=lambda canteen_id: (canteen_id, None))


def price_index_by(
    *, day: datetime.date, groups: Callable[[int], Iterable[Hashable]]
) -> dict[Hashable, Decimal]:
    """{group: the index of `day` over the basket dishes of its canteens}, where
    `groups(canteen id)` names the groups a canteen's dishes count in (a building, a campus)."""
    base_prices = _basket_prices(index_base_date(), only_missing_base=True)
    current = _basket_prices(day)
    pairs = defaultdict(list)
    for item in BasketItem.objects.select_related("dish").order_by("pk"):
        p_0 = item.base_price if item.base_price is not None else base_prices.get(item.pk)
        p_t = current.get(item.pk)
        if p_0 is None or p_t is None or not item.quantity:
            continue
        for group in groups(item.dish.canteen_id):
            pairs[group].append((p_t, p_0, item.quantity))
    values = {group: laspeyres(found) for group, found in pairs.items()}
    return {group: value for group, value in values.items() if value is not None}


@transaction.atomic
def price_index_compute(*, day: datetime.date) -> int:
    """Computes the Laspeyres index of `day` per canteen and for the campus (base period from
    settings); idempotent (update_or_create). Returns the number of points written."""
    values = price_index_values(day=day)
    written = 0
    for canteen_id, value in values.items():
        PriceIndexPoint.objects.update_or_create(
            date=day, canteen_id=canteen_id, defaults={"value": value}
        )
        written += 1
    return written
