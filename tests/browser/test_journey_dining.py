"""The dining journey in a real browser, end to end: canteen staff copy yesterday's lunch, raise
a price above its category cap, see the warning, give a reason and publish; a student then sees
the new price on /dining/ at once, excludes peanuts, and the peanut dish disappears."""

import datetime
from decimal import Decimal

import pytest
from django.core.cache import cache

from dining.models import Menu, PriceRule, PriceViolation
from dining.selectors import local_now
from logistics.roles import Role
from tests.browser.conftest import new_page, sign_in
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
from tests.logistics.factories import UserFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture(autouse=True)
def empty_cache():
    """The flush between live-server tests bypasses the services, so nothing invalidated the
    menus an earlier test cached: start from an empty cache (as after restoring a database)."""
    cache.clear()


@pytest.fixture
def staff_page(browser, live_server):
    page = new_page(browser, live_server.url, locale="en-US", timeout=15_000)
    yield page
    page.context.close()


def _yesterdays_lunch():
    today = local_now().date()
    window = WindowFactory(
        canteen=CanteenFactory(slug="north", name="北区食堂", name_en="North canteen"),
        code="A",
        name="大众菜",
        name_en="Set dishes",
    )
    meat = DishCategoryFactory(code="meat")
    beef = DishFactory(
        canteen=window.canteen, category=meat, name="红烧牛腩", name_en="Braised beef",
        price=Decimal("22.00"),
    )  # fmt: skip
    chicken = DishFactory(
        canteen=window.canteen, category=meat, name="宫保鸡丁", name_en="Kung pao chicken",
        price=Decimal("12.00"), allergens=["peanuts"],
    )  # fmt: skip
    rice = DishFactory(canteen=window.canteen, name="米饭", name_en="Rice", price=Decimal("1"))
    yesterday = MenuFactory(window=window, date=today - datetime.timedelta(days=1))
    for order, dish in enumerate((beef, chicken, rice)):
        MenuItemFactory(menu=yesterday, dish=dish, sort_order=order)
    PriceRuleFactory(
        name="荤菜限价", kind=PriceRule.Kind.CATEGORY_CAP, category=meat, amount=Decimal("25")
    )
    return window, beef, chicken


def test_it_publishes_a_capped_price_with_a_reason_and_a_student_filters_out_peanuts(
    staff_page, page, screenshot
):
    window, beef, chicken = _yesterdays_lunch()
    staff = canteen_staff_for(window.canteen)
    student = UserFactory(username="s2024001", roles=[Role.STUDENT])

    # A student looks before lunch is published: nothing for today yet.
    sign_in(page, student.username)
    page.goto("/dining/")
    assert page.locator("li.dish").count() == 0

    # Canteen staff: copy yesterday's lunch, raise the beef above the 25 yuan cap.
    sign_in(staff_page, staff.username)
    staff_page.goto("/dining/staff/")
    with staff_page.expect_navigation():
        staff_page.locator("table.staff-grid").first.locator("tr", has_text="Lunch").locator(
            "a"
        ).first.click()
    with staff_page.expect_navigation():
        staff_page.get_by_role("button", name="Copy yesterday's same meal").click()
    rows = staff_page.locator("tr.menu-item-row")
    assert rows.count() == 3
    rows.filter(has_text="Braised beef").locator("input[name$='-price']").fill("28.00")
    with staff_page.expect_navigation():
        staff_page.get_by_role("button", name="Publish now").click()
    warning = staff_page.inner_text("#findings")
    assert "25" in warning and "28" in warning
    screenshot(staff_page, "dining-journey-warning")
    staff_page.fill("textarea[name=publish-reason]", "节日特供，份量加大")
    with staff_page.expect_navigation():
        staff_page.get_by_role("button", name="Publish now").click()
    assert "Published" in staff_page.inner_text("#menu-status")
    today_menu = Menu.objects.get(date=local_now().date())
    assert today_menu.status == Menu.Status.PUBLISHED
    assert PriceViolation.objects.get().reason == "节日特供，份量加大"

    # The student reloads: the new price shows at once (the cached page was invalidated).
    page.goto("/dining/")
    beef_row = page.locator("li.dish", has_text="红烧牛腩")
    assert "28.00" in beef_row.inner_text()
    assert page.locator("li.dish", has_text="宫保鸡丁").count() == 1
    screenshot(page, "dining-today")

    # Exclude peanuts: the kung pao chicken disappears, the rest stays.
    page.click("details.dining-filters summary")
    page.check("input[name=exclude][value=peanuts]")
    with page.expect_navigation():
        page.click("form.filter-form button[type=submit]")
    assert "exclude=peanuts" in page.url
    assert page.locator("li.dish", has_text="宫保鸡丁").count() == 0
    assert page.locator("li.dish", has_text="红烧牛腩").count() == 1
    assert page.locator("li.dish", has_text="米饭").count() == 1
    assert page.is_checked("input[name=exclude][value=peanuts]")
    screenshot(page, "dining-no-peanuts")
    assert page.csp_violations == [] and staff_page.csp_violations == []
