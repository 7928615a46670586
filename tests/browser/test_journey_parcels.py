"""The parcels counter in a real browser: scan-in at scanner speed never loses a parcel, an
ambiguous carrier is picked, and the student's QR code hands their parcels over."""

import time

import pytest

from logistics.roles import Role
from parcels.models import Parcel
from parcels.pickup import qr_token
from tests.browser.conftest import DESKTOP
from tests.logistics.factories import UserFactory
from tests.parcels.factories import clerk_of, station_with_shelves

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

NUMBERS = [f"SF1{n:012d}" for n in range(1, 16)]  # 15 characters each


def scan_at_scanner_speed(page, numbers) -> list[float]:
    """Types each number and Enter as a USB scanner does; returns each one's milliseconds."""
    field = page.locator("input[name=number]")
    field.focus()
    took = []
    for number in numbers:
        start = time.perf_counter()
        page.keyboard.insert_text(number[:5])  # a scanner's burst …
        for char in number[5:]:
            page.keyboard.press(char)  # … and keystrokes, no pause between numbers
        page.keyboard.press("Enter")
        took.append((time.perf_counter() - start) * 1000)
    return took


@pytest.mark.parametrize("viewport", [None, DESKTOP], ids=["phone", "counter-pc"])
def test_it_saves_every_parcel_scanned_at_scanner_speed(open_as, viewport):
    station = station_with_shelves(code="EAST", name="东区驿站", name_en="East station")
    clerk = clerk_of(station)
    page = open_as(clerk)
    if viewport:
        page.set_viewport_size(viewport)
    page.goto(f"/parcels/stations/{station.pk}/scan/")
    took = scan_at_scanner_speed(page, NUMBERS)
    page.locator("[data-scan-result=stored]").nth(len(NUMBERS) - 1).wait_for()
    saved = set(Parcel.objects.filter(station=station).values_list("tracking_number", flat=True))
    assert saved == set(NUMBERS)
    assert sorted(took)[len(took) // 2] < 100, took  # the typing itself kept scanner pace
    assert page.evaluate("document.activeElement.name") == "number"
    assert page.input_value("input[name=number]") == ""
    assert not page.csp_violations
    # Scanning them all again changes nothing and says so.
    scan_at_scanner_speed(page, NUMBERS[:3])
    page.locator("[data-scan-result=duplicate]").nth(2).wait_for()
    assert Parcel.objects.filter(station=station).count() == len(NUMBERS)


def test_it_picks_an_ambiguous_carrier_and_hands_over_by_qr_code(open_as):
    station = station_with_shelves(code="EAST", name="东区驿站", name_en="East station")
    clerk = clerk_of(station)
    student = UserFactory(
        username="2024001", display_name="张伟", phone="13812341234", roles=[Role.STUDENT]
    )
    page = open_as(clerk)
    page.goto(f"/parcels/stations/{station.pk}/scan/")
    for number in ("4312345678901", "SF1000000000001", "JT5012345678901"):
        page.fill("input[name=recipient]", "张伟 1234")
        page.locator("input[name=number]").focus()
        page.keyboard.insert_text(number)
        page.keyboard.press("Enter")
    page.locator("[data-scan-result=stored]").nth(2).wait_for()
    page.get_by_role("button", name="Yunda Express").click()
    page.locator(".scan-carrier", has_text="Yunda Express").wait_for()
    assert Parcel.objects.get(tracking_number="4312345678901").carrier == "yunda"
    assert page.evaluate("document.activeElement.name") == "number"

    student_page = open_as(student)
    student_page.goto("/parcels/mine/qr/")
    assert student_page.locator(".pickup-qr svg").is_visible()

    page.goto(f"/parcels/stations/{station.pk}/pickup/")
    page.fill("input[name=q]", qr_token(student))
    page.get_by_role("button", name="Find").click()
    assert page.locator("input[name=parcels]").count() == 3
    page.get_by_role("button", name="Confirm handover").click()
    page.get_by_text("Handed over 3 parcels").wait_for()
    assert Parcel.objects.filter(status="picked_up", recipient=student).count() == 3
