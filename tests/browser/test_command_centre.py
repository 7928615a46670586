"""The command centre on a phone (#16 item 7): a logistics manager opens it, sees an overdue-repairs
warning for one building, follows it to the requests behind it, and opens last week's report —
at 360 px, in Chinese, checked against the database. The page passes axe and fits the screen for
the manager and for a unit head, who sees only their building."""

from datetime import timedelta

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.utils import timezone

from logistics import daily, indicators
from logistics.indicators import Period
from logistics.models import StaffScope
from logistics.reports.build import report_build, week_label
from logistics.roles import Role
from repairs.models import RepairRequest
from tests.browser.conftest import new_page, sign_in
from tests.browser.test_accessibility_sweep import problems_on
from tests.logistics.factories import BuildingFactory, CampusFactory, RoomFactory, UserFactory
from tests.repairs.factories import RepairRequestFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def campus(db):
    """Two buildings: A with two requests past their deadline and one in time, B all in time;
    the daily figures and indicators of the last ten days computed as beat would, and last
    week's report built as Monday's beat run would."""
    north = CampusFactory(code="N", name="北校区", name_en="North campus")
    dorm = BuildingFactory(campus=north, code="A", name="学生公寓甲楼", name_en="Dorm A")
    teaching = BuildingFactory(campus=north, code="B", name="教学楼乙", name_en="Teaching B")
    now = timezone.now()
    late = [
        RepairRequestFactory(
            room=RoomFactory(building=dorm, number=f"10{n}"),
            completion_due_at=now - timedelta(hours=3 + n),
        )
        for n in range(2)
    ]
    in_time = [
        RepairRequestFactory(room=RoomFactory(building=dorm, number="201")),
        RepairRequestFactory(room=RoomFactory(building=teaching, number="301")),
    ]
    today = timezone.localdate()
    days = [today - timedelta(days=n) for n in range(10)]
    daily.refresh(days=days)
    indicators.refresh(days=days)
    last_week = report_build(start=indicators.period_start(Period.WEEK, today) - timedelta(7))
    return {
        "dorm": dorm,
        "teaching": teaching,
        "late": late,
        "in_time": in_time,
        "last_week": last_week,
    }


def test_a_manager_follows_an_overdue_warning_to_the_requests_behind_it(
    browser, live_server, campus, screenshot
):
    manager = UserFactory(
        username="m2026101", display_name="吴经理", roles=[Role.LOGISTICS_MANAGER]
    )
    page = new_page(browser, live_server.url, timeout=20_000)
    sign_in(page, manager.username)

    page.click("a.nav-manage")
    page.wait_for_url("**/manage/")
    assert page.inner_text("h1") == "指挥中心"
    warnings = page.locator("li.cc-alert", has_text="超时报修")
    dorm = warnings.filter(has_text="学生公寓甲楼")
    assert dorm.count() == 1 and warnings.filter(has_text="教学楼乙").count() == 0
    assert dorm.locator(".cc-alert-value strong").inner_text() == "2"
    assert "今天起超标" in dorm.inner_text()
    assert problems_on(page, Axe()) == []
    screenshot(page, "command-centre")
    page.emulate_media(media="print")  # on paper: the figures, without menus and the filter
    assert not page.locator(".site-nav").is_visible()
    assert not page.locator(".cc-filter").is_visible()
    assert dorm.is_visible() and page.locator(".cc-trend").first.is_visible()
    page.emulate_media(media="screen")

    dorm.get_by_role("link", name="超时报修").click()
    page.wait_for_url("**/repairs/queue/**")
    assert f"building={campus['dorm'].pk}" in page.url and "overdue=true" in page.url
    listed = set(page.locator("main").inner_text().split())
    late = {repair.number for repair in campus["late"]}
    others = {repair.number for repair in campus["in_time"]}
    assert late <= listed and not others & listed
    assert RepairRequest.objects.overdue().count() == 2  # what the page said, in the database
    assert page.evaluate("document.documentElement.scrollWidth") <= 360

    page.click("a.nav-manage")  # back in the command centre: last week's report
    page.get_by_role("link", name="周报", exact=True).click()
    page.wait_for_url("**/manage/reports/")
    week = campus["last_week"].week
    assert week == week_label(timezone.localdate() - timedelta(days=7))
    page.get_by_role("link", name=week, exact=True).click()
    page.wait_for_url(f"**/manage/reports/{week}/")
    assert page.inner_text("h1") == f"周报 {week}"
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.context.close()


def test_a_unit_head_sees_their_building_only(browser, live_server, campus):
    head = UserFactory(username="d2026102", roles=[Role.DORM_MANAGER])
    StaffScope.objects.create(user=head, role=Role.DORM_MANAGER, building=campus["teaching"])
    page = new_page(browser, live_server.url, timeout=20_000)
    sign_in(page, head.username)
    page.goto("/manage/")
    assert page.locator("li.cc-alert").count() == 0
    assert "教学楼乙" in page.inner_text("main") and "学生公寓甲楼" not in page.inner_text("main")
    assert problems_on(page, Axe()) == []
    response = page.goto(f"/manage/?building={campus['dorm'].pk}")
    assert response.status == 404
    page.context.close()
