"""The canteen staff's journey in a real browser: copy yesterday's lunch, raise a price above
its cap, see the warning, give a reason, publish; then mark a dish sold out during service."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from dining.models import Menu, PriceChange, PriceRule, PriceViolation
from tests.dining.factories import (
    CanteenFactory,
    DishCategoryFactory,
    DishFactory,
    MenuFactory,
    MenuItemFactory,
    PriceRuleFactory,
    WindowFactory,
    canteen_staff_for,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_it_copies_yesterdays_lunch_and_publishes_a_capped_price_with_a_reason(open_as, screenshot):
    today = timezone.localdate()
    window = WindowFactory(
        canteen=CanteenFactory(slug="mh-1", name="第一食堂", name_en="Canteen 1"),
        code="A",
        name="大众菜",
        name_en="Set dishes",
    )
    meat = DishCategoryFactory(code="meat")
    beef = DishFactory(
        canteen=window.canteen, category=meat, name="红烧牛腩", name_en="Braised beef",
        price=Decimal("22.00"),
    )  # fmt: skip
    rice = DishFactory(canteen=window.canteen, name="米饭", name_en="Rice", price=Decimal("1"))
    yesterday = MenuFactory(window=window, date=today - datetime.timedelta(days=1))
    MenuItemFactory(menu=yesterday, dish=beef, sort_order=0)
    MenuItemFactory(menu=yesterday, dish=rice, sort_order=1)
    PriceRuleFactory(
        name="荤菜限价", kind=PriceRule.Kind.CATEGORY_CAP, category=meat, amount=Decimal("25")
    )
    staff = canteen_staff_for(window.canteen)

    page = open_as(staff)
    page.goto("/dining/staff/")
    screenshot(page, "dining-staff-home")
    with page.expect_navigation():
        page.locator("table.staff-grid").first.locator("tr", has_text="Lunch").locator(
            "a"
        ).first.click()
    assert "No menu yet" in page.inner_text("#menu-status")

    with page.expect_navigation():
        page.get_by_role("button", name="Copy yesterday's same meal").click()
    rows = page.locator("tr.menu-item-row")
    assert rows.count() == 2
    beef_row = rows.filter(has_text="Braised beef")
    beef_row.locator("input[name$='-price']").fill("28.00")
    with page.expect_navigation():
        page.get_by_role("button", name="Publish now").click()
    findings = page.locator("#findings")
    assert "25" in findings.inner_text() and "28" in findings.inner_text()
    screenshot(page, "dining-staff-publish-warning")
    assert Menu.objects.get(date=today).status == Menu.Status.DRAFT

    page.fill("textarea[name=publish-reason]", "节日特供，份量加大")
    with page.expect_navigation():
        page.get_by_role("button", name="Publish now").click()
    assert "Published" in page.inner_text("#menu-status")

    menu = Menu.objects.get(date=today)
    assert menu.status == Menu.Status.PUBLISHED and menu.published_by == staff
    assert menu.items.get(dish=beef).price == Decimal("28.00")
    violation = PriceViolation.objects.get()
    assert (violation.reason, violation.acknowledged_by, violation.dish) == (
        "节日特供，份量加大",
        staff,
        beef,
    )
    change = PriceChange.objects.get(menu_item__menu=menu)
    assert (change.old_price, change.new_price, change.changed_by) == (
        Decimal("22.00"),
        Decimal("28.00"),
        staff,
    )

    # During service: the sold-out switch answers in place (htmx), without a page load.
    switch = page.locator("#service li", has_text="Braised beef").locator("button")
    url = page.url
    switch.click()
    page.locator("#service li", has_text="Braised beef").locator(
        "button[aria-pressed=true]"
    ).wait_for()
    assert page.url == url
    assert menu.items.get(dish=beef).sold_out
    assert page.csp_violations == []
