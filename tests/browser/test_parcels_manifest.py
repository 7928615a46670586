"""The clerk's manifest import in a real browser at 360 px, in Chinese: a file with bad rows
shows every bad row (htmx, no reload) and stores nothing; the corrected file stores them all;
the page and both reports pass axe and fit the screen."""

import pytest
from axe_playwright_python.sync_playwright import Axe

from parcels.models import Parcel
from tests.browser.conftest import new_page, sign_in
from tests.browser.test_accessibility_sweep import problems_on
from tests.parcels.factories import clerk_of, station_with_shelves

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

HEADER = "快递单号,收件人,收件人姓名,电话,尺寸,快递公司\n"


def test_a_clerk_imports_a_manifest_after_correcting_its_bad_rows(browser, live_server, tmp_path):
    station = station_with_shelves(code="EAST", name="东区驿站", name_en="East station")
    clerk = clerk_of(station)
    bad, good = tmp_path / "bad.csv", tmp_path / "good.csv"
    bad.write_text(
        HEADER + "SF1000000000001,,张伟,13812341234,小件,\nEE123456784CN,,,,,\nA?,,,,,\n",
        encoding="utf-8",
    )
    good.write_text(
        HEADER + "SF1000000000001,,张伟,13812341234,小件,\nEE123456785CN,,,,,\n",
        encoding="utf-8",
    )
    page = new_page(browser, live_server.url)
    sign_in(page, clerk.username)
    page.goto(f"/parcels/stations/{station.pk}/manifest/")
    axe = Axe()
    assert problems_on(page, axe) == []

    page.set_input_files("input[type=file]", str(bad))
    page.get_by_role("button", name="检查并入库").click()
    page.get_by_text("没有存入任何包裹").wait_for()
    rows = page.locator(".import-errors tbody tr")
    assert rows.count() == 2
    assert rows.nth(0).inner_text().split("\t")[:2] == ["3", "快递单号"]
    assert not Parcel.objects.exists()
    assert problems_on(page, axe) == []

    page.set_input_files("input[type=file]", str(good))
    page.get_by_role("button", name="检查并入库").click()
    page.get_by_text("到件清单已入库").wait_for()
    assert page.locator(".manifest-result tbody tr").count() == 2
    assert Parcel.objects.filter(station=station).count() == 2
    assert problems_on(page, axe) == []
    assert not page.csp_violations
    page.context.close()
