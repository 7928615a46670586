"""The weekly report on a phone (#16 item 3): a logistics manager finds last week's report on
the manager overview, reads it at 360 px in Chinese (axe, no overflow), prints it without the
menus and buttons, and downloads the workbook — checked against the stored report."""

import io
from datetime import timedelta
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.utils import timezone
from openpyxl import load_workbook

from logistics.indicators import Period
from logistics.models import IndicatorValue, WeeklyReport
from logistics.reports.build import report_build
from logistics.roles import Role
from tests.browser.conftest import new_page, sign_in
from tests.browser.test_accessibility_sweep import problems_on
from tests.logistics.factories import BuildingFactory, UserFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def report(db):
    """Last week's report, built from stored values: overdue repairs up from 2 to 6 across the
    site, 5 of them in one building."""
    monday = timezone.localdate() - timedelta(days=timezone.localdate().weekday() + 7)
    dorm = BuildingFactory(name="学生公寓甲楼", name_en="Dorm A")
    rows = [
        ("site", 0, monday, 6, True),
        ("site", 0, monday - timedelta(days=7), 2, False),
        ("building", dorm.id, monday, 5, True),
    ]
    for kind, scope_id, start, value, attention in rows:
        IndicatorValue.objects.create(
            key="repairs.overdue",
            scope_kind=kind,
            scope_id=scope_id,
            period=Period.WEEK,
            start=start,
            end=start + timedelta(days=6),
            value=value,
            attention=attention,
            computed_at=timezone.now(),
        )
    return report_build(start=monday)


def test_a_manager_reads_prints_and_downloads_last_weeks_report(
    browser, live_server, report, screenshot
):
    manager = UserFactory(username="m2026301", roles=[Role.LOGISTICS_MANAGER])
    page = new_page(browser, live_server.url, timeout=20_000)
    sign_in(page, manager.username)

    page.goto("/manage/overview/")
    page.get_by_role("link", name=f"周报 {report.week}").click()
    page.wait_for_url(f"**/manage/reports/{report.week}/")
    main = page.inner_text("main")
    assert f"周报 {report.week}" in page.inner_text("h1")
    overdue = page.locator("tr.report-needs-attention", has_text="超时报修")
    assert overdue.count() == 1 and "+4" in overdue.inner_text()
    assert "学生公寓甲楼" in main and "需要关注" in main
    assert problems_on(page, Axe()) == []
    screenshot(page, "weekly-report")

    page.emulate_media(media="print")  # on paper: the report, without menus and buttons
    assert not page.locator(".site-nav").is_visible()
    assert not page.locator(".report-tools").is_visible()
    assert overdue.is_visible()
    page.emulate_media(media="screen")

    with page.expect_download() as download:
        page.get_by_role("link", name="下载 XLSX").click()
    book = load_workbook(io.BytesIO(Path(download.value.path()).read_bytes()))
    rows = list(book["指标"].iter_rows(values_only=True))
    overdue_row = next(row for row in rows if row[2] == "repairs.overdue")
    assert overdue_row[2:6] == ("repairs.overdue", 6, 2, 4)
    assert WeeklyReport.objects.get().snapshot["site"][0]["value"] == 6  # what the page said
    page.context.close()
