"""Details a phone user noticed (issue 12, items 3 and 9), checked in Chromium at 360 px: the
"复制自" date filled in Chinese and saved, the styled publish-time input, the whole English
site name in the header, and dates on request cards that do not break mid-token."""

import datetime

import pytest
from django.utils import timezone

from dining.models import Menu
from logistics.roles import Role
from tests.browser.conftest import new_page, sign_in
from tests.dining.factories import (
    CanteenFactory,
    DishFactory,
    MenuFactory,
    MenuItemFactory,
    WindowFactory,
    canteen_staff_for,
)
from tests.logistics.factories import UserFactory
from tests.repairs.factories import RepairRequestFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

BOX_STYLE = """(e) => { const s = getComputedStyle(e);
  return [s.borderTopWidth, s.borderRadius, s.minHeight, s.paddingLeft, s.fontSize]; }"""


def test_it_fills_the_copy_from_date_in_chinese_and_copies_that_day(browser, live_server):
    today = timezone.localdate()
    week_ago = today - datetime.timedelta(days=7)
    window = WindowFactory(canteen=CanteenFactory(slug="mh-1"), code="A")
    source = MenuFactory(window=window, date=week_ago, meal="lunch")
    MenuItemFactory(menu=source, dish=DishFactory(canteen=window.canteen, name="米饭"))
    staff = canteen_staff_for(window.canteen)

    page = new_page(browser, live_server.url)  # zh-CN
    sign_in(page, staff.username)
    page.goto(f"/dining/staff/mh-1/menu/{today.isoformat()}/lunch/A/")
    assert page.get_attribute("html", "lang") == "zh-hans"
    copy_from = page.locator("input[name='copy-from_date']")
    assert copy_from.input_value() == week_ago.isoformat()

    # The publish-time input looks like the other inputs (it was left unstyled).
    publish_at = page.locator("input[type=datetime-local]")
    assert publish_at.evaluate(BOX_STYLE) == copy_from.evaluate(BOX_STYLE)

    with page.expect_navigation():
        page.click("button[name=action][value=copy]")
    copied = Menu.objects.get(window=window, date=today, meal="lunch")
    assert [item.dish.name for item in copied.items.all()] == ["米饭"]
    page.context.close()


def test_it_shows_the_whole_english_site_name_on_a_phone(browser, live_server):
    page = new_page(browser, live_server.url, locale="en-US")
    sign_in(page, UserFactory(roles=[Role.STUDENT]).username)
    brand = page.locator(".brand")
    assert brand.inner_text() == "Campus Logistics Portal"
    cut = brand.evaluate("(e) => e.scrollWidth > e.clientWidth || e.scrollHeight > e.clientHeight")
    assert not cut
    assert brand.bounding_box()["x"] + brand.bounding_box()["width"] <= 360
    page.context.close()


def test_it_keeps_each_date_on_a_request_card_on_one_line(browser, live_server):
    student = UserFactory(roles=[Role.STUDENT])
    for _ in range(3):
        RepairRequestFactory(requester=student)
    page = new_page(browser, live_server.url)
    sign_in(page, student.username)
    page.goto("/repairs/mine/")
    times = page.locator("li.repair-item time")
    assert times.count() == 3
    lines = times.evaluate_all("(all) => all.map((e) => e.getClientRects().length)")
    assert lines == [1, 1, 1]
    page.context.close()
