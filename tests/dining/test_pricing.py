"""Price supervision: price-change records, the rule checks at publishing, violations, rules."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from dining.models import Meal, Menu, PriceChange, PriceRule, PriceViolation
from dining.pricing import services as pricing
from tests.dining.factories import (
    CanteenFactory,
    DishCategoryFactory,
    DishFactory,
    MenuFactory,
    MenuItemFactory,
    PriceChangeFactory,
    PriceRuleFactory,
    WindowFactory,
    canteen_staff_for,
)

pytestmark = pytest.mark.django_db

D = Decimal


def _draft(canteen=None, **kwargs):
    window = WindowFactory(canteen=canteen) if canteen else WindowFactory()
    return MenuFactory(window=window, status=Menu.Status.DRAFT, **kwargs)


def _ago(change, days):
    PriceChange.objects.filter(pk=change.pk).update(
        changed_at=timezone.now() - datetime.timedelta(days=days)
    )


def test_it_records_a_price_change_with_who_and_why(manager):
    dish = DishFactory(price=D("8.00"))
    change = pricing.price_change_record(
        dish=dish, new_price=D("9.00"), old_price=D("8.00"), by=manager, reason="  肉价上涨 "
    )
    change.refresh_from_db()
    assert (change.old_price, change.new_price, change.tier) == (D("8.00"), D("9.00"), "student")
    assert change.changed_by == manager
    assert change.reason == "肉价上涨"
    assert change.changed_at is not None


def test_it_finds_nothing_without_rules():
    menu = _draft()
    MenuItemFactory(menu=menu, price=D("99.00"))
    assert pricing.price_rules_check(menu=menu) == []


def test_it_flags_a_dish_above_its_category_cap():
    meat = DishCategoryFactory(code="meat")
    veg = DishCategoryFactory(code="veg")
    rule = PriceRuleFactory(kind=PriceRule.Kind.CATEGORY_CAP, category=meat, amount=D("15.00"))
    menu = _draft()
    over = MenuItemFactory(menu=menu, dish__category=meat, price=D("16.50"))
    MenuItemFactory(menu=menu, dish__category=meat, price=D("15.00"))
    MenuItemFactory(menu=menu, dish__category=veg, price=D("30.00"))

    findings = pricing.price_rules_check(menu=menu)

    assert [(f.rule, f.dish, f.severity) for f in findings] == [(rule, over.dish, "warning")]
    assert "16.50" in findings[0].message and "15.00" in findings[0].message
    assert findings[0].data == {"price": "16.50", "cap": "15.00"}


def test_it_applies_rules_by_canteen_and_meal():
    menu = _draft(meal=Meal.LUNCH)
    MenuItemFactory(menu=menu, price=D("20.00"))
    PriceRuleFactory(amount=D("15.00"), canteen=CanteenFactory())
    PriceRuleFactory(amount=D("15.00"), meal=Meal.DINNER)
    PriceRuleFactory(amount=D("15.00"), is_active=False)
    assert pricing.price_rules_check(menu=menu) == []
    mine = PriceRuleFactory(amount=D("15.00"), canteen=menu.canteen, meal=Meal.LUNCH)
    assert [f.rule for f in pricing.price_rules_check(menu=menu)] == [mine]


def test_it_flags_an_increase_above_the_percent_per_change(manager):
    rule = PriceRuleFactory(
        kind=PriceRule.Kind.MAX_INCREASE_PER_CHANGE,
        amount=None,
        percent=D("10"),
        severity=PriceRule.Severity.BLOCK,
    )
    menu = _draft()
    item = MenuItemFactory(menu=menu, dish__price=D("10.00"), price=D("11.50"))
    # The menu service records the change when the item is saved, before publishing.
    pricing.price_change_record(
        dish=item.dish, new_price=D("11.50"), old_price=D("10.00"), by=manager, menu_item=item
    )
    ok = MenuItemFactory(menu=menu, dish__price=D("10.00"), price=D("11.00"))

    findings = pricing.price_rules_check(menu=menu)

    assert [(f.dish, f.severity) for f in findings] == [(item.dish, "block")]
    assert findings[0].data["reference"] == "10.00"
    assert findings[0].data["increase"] == "1.50"
    assert ok.dish != findings[0].dish
    assert rule == findings[0].rule


def test_it_compares_with_the_last_recorded_price_not_the_standard_one():
    PriceRuleFactory(kind=PriceRule.Kind.MAX_INCREASE_PER_CHANGE, amount=D("1.00"))
    menu = _draft()
    item = MenuItemFactory(menu=menu, dish__price=D("8.00"), price=D("10.00"))
    PriceChangeFactory(dish=item.dish, old_price=D("8.00"), new_price=D("9.50"))
    assert pricing.price_rules_check(menu=menu) == []
    PriceChangeFactory(dish=item.dish, old_price=D("9.50"), new_price=D("8.50"))
    assert len(pricing.price_rules_check(menu=menu)) == 1


def test_it_flags_an_increase_in_yuan_within_30_days():
    PriceRuleFactory(kind=PriceRule.Kind.MAX_INCREASE_30_DAYS, amount=D("2.00"), percent=D("50"))
    menu = _draft()
    item = MenuItemFactory(menu=menu, dish__price=D("12.00"), price=D("12.50"))
    # 40 days ago 8 → 9 (9 in force when the window opened); then 9 → 10 → 12 in small steps.
    _ago(PriceChangeFactory(dish=item.dish, old_price=D("8.00"), new_price=D("9.00")), 40)
    _ago(PriceChangeFactory(dish=item.dish, old_price=D("9.00"), new_price=D("10.00")), 20)
    _ago(PriceChangeFactory(dish=item.dish, old_price=D("10.00"), new_price=D("12.00")), 5)

    findings = pricing.price_rules_check(menu=menu)

    assert len(findings) == 1
    assert findings[0].data["reference"] == "9.00"
    assert findings[0].data["increase"] == "3.50"


def test_it_forgets_prices_older_than_30_days():
    PriceRuleFactory(kind=PriceRule.Kind.MAX_INCREASE_30_DAYS, amount=None, percent=D("20"))
    menu = _draft()
    item = MenuItemFactory(menu=menu, dish__price=D("12.00"), price=D("12.00"))
    _ago(PriceChangeFactory(dish=item.dish, old_price=D("6.00"), new_price=D("11.00")), 45)
    assert pricing.price_rules_check(menu=menu) == []


def test_it_flags_a_low_price_share_below_the_minimum_with_the_other_windows():
    rule = PriceRuleFactory(kind=PriceRule.Kind.LOW_PRICE_SHARE, amount=D("5.00"), percent=D("40"))
    menu = _draft()
    MenuItemFactory(menu=menu, price=D("4.00"))
    MenuItemFactory(menu=menu, price=D("9.00"))
    MenuItemFactory(menu=menu, price=D("9.00"))
    # Another window's published lunch the same day counts; a draft and another meal do not.
    other = MenuFactory(window=WindowFactory(canteen=menu.canteen), date=menu.date)
    MenuItemFactory(menu=other, price=D("9.00"))
    draft = _draft(canteen=menu.canteen, date=menu.date)
    MenuItemFactory(menu=draft, price=D("1.00"))
    dinner = MenuFactory(window=WindowFactory(canteen=menu.canteen), date=menu.date, meal="dinner")
    MenuItemFactory(menu=dinner, price=D("1.00"))

    findings = pricing.price_rules_check(menu=menu)

    assert [(f.rule, f.dish) for f in findings] == [(rule, None)]
    assert findings[0].data["share"] == "25.0"
    assert (findings[0].data["low"], findings[0].data["total"]) == (1, 4)
    MenuItemFactory(menu=other, price=D("3.00"))
    assert pricing.price_rules_check(menu=menu) == []


def test_it_checks_the_low_price_share_within_a_category():
    staple = DishCategoryFactory(code="staple")
    PriceRuleFactory(
        kind=PriceRule.Kind.LOW_PRICE_SHARE, amount=D("2.00"), percent=D("50"), category=staple
    )
    menu = _draft()
    MenuItemFactory(menu=menu, dish__category=staple, price=D("1.50"))
    MenuItemFactory(menu=menu, dish__category=DishCategoryFactory(code="meat"), price=D("20"))
    assert pricing.price_rules_check(menu=menu) == []


def test_it_checks_a_menu_in_a_fixed_number_of_queries(django_assert_num_queries):
    for kind in PriceRule.Kind.values:
        PriceRuleFactory(kind=kind, amount=D("5.00"), percent=D("10"))
    menu = _draft()
    for _ in range(6):
        item = MenuItemFactory(menu=menu, price=D("18.00"))
        PriceChangeFactory(dish=item.dish, old_price=D("10.00"), new_price=D("11.00"))
    # rules, items with their history, 30-day history (2), the other menus of the meal
    with django_assert_num_queries(5):
        findings = pricing.price_rules_check(menu=menu)
    assert len(findings) == 6 + 6 + 6 + 1


def test_it_records_acknowledged_warnings_once_per_rule_and_dish():
    canteen = CanteenFactory()
    staff = canteen_staff_for(canteen)
    rule = PriceRuleFactory(amount=D("15.00"))
    menu = _draft(canteen=canteen)
    MenuItemFactory(menu=menu, price=D("18.00"))
    findings = pricing.price_rules_check(menu=menu)

    pricing.price_violations_record(menu=menu, findings=findings, by=staff, reason="进价上涨")
    pricing.price_violations_record(menu=menu, findings=findings, by=staff, reason="再次发布")

    violation = PriceViolation.objects.get()
    assert (violation.rule, violation.menu, violation.severity) == (rule, menu, "warning")
    assert violation.acknowledged_by == staff and violation.acknowledged_at is not None
    assert violation.reason == "再次发布"
    assert "18.00" in violation.message


def test_it_records_blocks_without_an_acknowledgement(manager):
    PriceRuleFactory(amount=D("15.00"), severity=PriceRule.Severity.BLOCK)
    menu = _draft()
    MenuItemFactory(menu=menu, price=D("18.00"))
    findings = pricing.price_rules_check(menu=menu)
    (violation,) = pricing.price_violations_record(
        menu=menu, findings=findings, by=manager, reason="x"
    )
    assert violation.acknowledged_by is None and violation.reason == ""


def test_it_lets_managers_save_rules_and_checks_their_numbers(manager, student):
    data = {"name": "荤菜限价", "kind": PriceRule.Kind.CATEGORY_CAP, "amount": D("15")}
    rule = pricing.price_rule_save(by=manager, data=data)
    assert rule.pk and rule.severity == "warning" and rule.meal == ""
    with pytest.raises(PermissionDenied):
        pricing.price_rule_save(by=student, data=data)
    with pytest.raises(ValidationError) as error:
        pricing.price_rule_save(
            by=manager, data={"name": "x", "kind": PriceRule.Kind.LOW_PRICE_SHARE, "percent": 120}
        )
    assert set(error.value.message_dict) == {"amount", "percent"}
    with pytest.raises(ValidationError):
        pricing.price_rule_save(by=manager, rule=rule, data={"amount": None})
    rule.refresh_from_db()
    assert rule.amount == D("15.00")


def test_it_checks_prices_set_through_the_menu_services_end_to_end():
    from dining import services

    canteen = CanteenFactory()
    staff = canteen_staff_for(canteen)
    window = WindowFactory(canteen=canteen)
    dish = DishFactory(canteen=canteen, price=D("10.00"))
    rule = PriceRuleFactory(
        kind=PriceRule.Kind.MAX_INCREASE_PER_CHANGE, amount=None, percent=D("15")
    )
    day = timezone.localdate() + datetime.timedelta(days=1)
    menu = services.menu_get_or_create(
        by=staff, canteen=canteen, window=window, date=day, meal=Meal.LUNCH
    )
    services.menu_set_items(by=staff, menu=menu, items=[{"dish": dish, "price": D("12.00")}])

    with pytest.raises(services.AcknowledgementRequired) as refused:
        services.menu_publish(by=staff, menu=menu)
    assert [f.data["reference"] for f in refused.value.findings] == ["10.00"]
    services.menu_publish(by=staff, menu=menu, acknowledge_reason="原料涨价")

    violation = PriceViolation.objects.get()
    assert (violation.rule, violation.dish, violation.reason) == (rule, dish, "原料涨价")
    change = PriceChange.objects.get(menu_item__menu=menu)
    assert (change.old_price, change.new_price, change.changed_by) == (
        D("10.00"),
        D("12.00"),
        staff,
    )

    # The next day's copy keeps 12: no new change, nothing to acknowledge again.
    (copy,) = services.menus_copy(
        by=staff, canteen=canteen, from_date=day, to_date=day + datetime.timedelta(days=1)
    )
    services.menu_publish(by=staff, menu=copy)
    assert PriceViolation.objects.count() == 1


def test_it_counts_scheduled_menus_of_the_meal_in_the_low_price_share():
    PriceRuleFactory(kind=PriceRule.Kind.LOW_PRICE_SHARE, amount=D("5.00"), percent=D("50"))
    menu = _draft()
    MenuItemFactory(menu=menu, price=D("9.00"))
    assert len(pricing.price_rules_check(menu=menu)) == 1
    scheduled = MenuFactory(
        window=WindowFactory(canteen=menu.canteen), date=menu.date, status=Menu.Status.SCHEDULED
    )
    MenuItemFactory(menu=scheduled, price=D("3.00"))
    assert pricing.price_rules_check(menu=menu) == []
