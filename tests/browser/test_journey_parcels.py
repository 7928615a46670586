"""The parcels counter in a real browser: scan-in at scanner speed (each number and its Enter
within 100 ms) never loses a parcel; the clerk picks an ambiguous carrier and finds an unknown
recipient; the student gets one notice for three parcels, and the QR code read off their
screen hands them over; a friend collects another student's parcel with a proxy code."""

import io
import time
from datetime import timedelta

import pytest
import zxingcpp
from django.utils import timezone
from PIL import Image

from logistics.models import Notification
from logistics.roles import Role
from parcels import services
from parcels.models import Parcel
from parcels.pickup import qr_user_id
from tests.browser.conftest import DESKTOP
from tests.logistics.factories import UserFactory
from tests.parcels.factories import clerk_of, station_with_shelves

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

NUMBERS = [f"SF1{n:012d}" for n in range(1, 16)]  # 15 characters each


def qr_from_page(page) -> str:
    """What the QR code on the student's screen says, read from a picture of it as the
    counter's scanner reads it (zxing-cpp)."""
    picture = Image.open(io.BytesIO(page.locator(".pickup-qr svg").screenshot()))
    found = zxingcpp.read_barcodes(picture)
    assert len(found) == 1, found
    return found[0].text


def scan_at_scanner_speed(page, numbers) -> list[float]:
    """Types each number and Enter as a USB scanner does; returns each one's milliseconds."""
    field = page.locator("input[name=number]")
    field.focus()
    page.wait_for_load_state("networkidle")
    took = []
    for number in numbers:
        start = time.perf_counter()
        # A scanner's burst: the number arrives at once, its last digit and Enter as key
        # presses, and no pause before the next number. (Each key press waits for the
        # browser's answer, so a key a character would not be scanner speed here.)
        page.keyboard.insert_text(number[:-1])
        page.keyboard.press(number[-1])
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
    assert max(took) < 100, took  # each number and its Enter were typed at scanner pace
    assert page.evaluate("document.activeElement.name") == "number"
    assert page.input_value("input[name=number]") == ""
    assert not page.csp_violations
    # Scanning them all again changes nothing and says so.
    scan_at_scanner_speed(page, NUMBERS[:3])
    page.locator("[data-scan-result=duplicate]").nth(2).wait_for()
    assert Parcel.objects.filter(station=station).count() == len(NUMBERS)


def test_the_counter_journey_from_six_scans_to_a_qr_handover_and_a_proxy(open_as):
    """Six parcels scanned at scanner speed (one of an ambiguous carrier, one for nobody the
    label names); the clerk picks the carrier and finds the unknown recipient; the student gets
    one notice for their three parcels, shows the QR code and the clerk hands all three over;
    another student's friend collects theirs with a proxy code."""
    station = station_with_shelves(code="EAST", name="东区驿站", name_en="East station")
    clerk = clerk_of(station)
    zhang = UserFactory(
        username="2024001", display_name="张伟", phone="13812341234", roles=[Role.STUDENT]
    )
    li = UserFactory(
        username="2024002", display_name="李娜", phone="13912345678", roles=[Role.STUDENT]
    )
    wang = UserFactory(username="2024003", display_name="王芳", roles=[Role.STUDENT])
    page = open_as(clerk)
    page.goto(f"/parcels/stations/{station.pk}/scan/")
    took = []
    for label, number in (
        ("张伟 1234", "4312345678901"),  # STO or Yunda
        ("张伟 1234", "SF1000000000001"),
        ("张伟 1234", "JT5012345678901"),
        ("李娜 5678", "SF1000000000002"),
        ("陈某 0000", "SF1000000000003"),  # nobody: the unknown-recipient list
        ("2024003", "YT100000000004"),
    ):
        page.fill("input[name=recipient]", label)
        took += scan_at_scanner_speed(page, [number])
    page.locator("[data-scan-result=stored]").nth(5).wait_for()
    assert max(took) < 100, took
    assert Parcel.objects.filter(station=station).count() == 6

    page.get_by_role("button", name="Yunda Express").click()
    page.locator(".scan-carrier", has_text="Yunda Express").wait_for()
    assert Parcel.objects.get(tracking_number="4312345678901").carrier == "yunda"

    unknown = Parcel.objects.get(tracking_number="SF1000000000003")
    assert unknown.recipient is None
    page.goto(f"/parcels/stations/{station.pk}/unknown/")
    row = page.locator(f"#unknown-{unknown.pk}")
    row.get_by_label("Campus ID").fill("2024002")
    row.get_by_role("button", name="Assign").click()
    page.get_by_text(f"{unknown.pickup_code} now belongs to its recipient").wait_for()
    assert Parcel.objects.get(pk=unknown.pk).recipient == li
    assert page.locator(f"#unknown-{unknown.pk}").count() == 0

    # The batching window passes; beat sends the notices: one per person, not per parcel.
    assert services.notices_send_due(now=timezone.now() + timedelta(minutes=11)) >= 2
    notices = Notification.objects.filter(recipient=zhang, kind="parcels.arrived")
    assert notices.count() == 1
    codes = [p.pickup_code for p in Parcel.objects.filter(recipient=zhang)]
    assert len(codes) == 3 and all(code in notices.get().title for code in codes)
    student = open_as(zhang)
    student.goto("/notifications/")
    items = student.locator(".notification-list li", has_text=codes[0])
    assert items.count() == 1
    assert all(code in items.inner_text() for code in codes)

    student.goto("/parcels/mine/qr/")
    assert student.locator(".pickup-qr svg").is_visible()
    token = qr_from_page(student)
    assert qr_user_id(token) == zhang.pk  # the signed token, read off the screen
    page.goto(f"/parcels/stations/{station.pk}/pickup/")
    page.fill("input[name=q]", token)
    page.get_by_role("button", name="Find").click()
    assert page.locator("input[name=parcels]").count() == 3
    page.get_by_role("button", name="Confirm handover").click()
    page.get_by_text("Handed over 3 parcels").wait_for()
    assert Parcel.objects.filter(status="picked_up", recipient=zhang).count() == 3

    # 李娜 lets 王芳 collect one of her parcels; 王芳 reads the code on her own page.
    mine = open_as(li)
    mine.goto("/parcels/proxies/")
    mine.get_by_label("Which parcel").select_option(
        label=f"{unknown.pickup_code} · {unknown.tracking_number}"
    )
    mine.get_by_label("Collector's campus ID").fill("2024003")
    mine.get_by_role("button", name="Authorise").click()
    mine.get_by_text("may collect with the code").wait_for()
    friend = open_as(wang)
    friend.goto("/parcels/proxies/")
    code = friend.locator("h2:has-text('Parcels I may collect for others') + ul .pickup-code")
    proxy_code = code.inner_text().strip()
    page.goto(f"/parcels/stations/{station.pk}/pickup/")
    page.fill("input[name=q]", proxy_code)
    page.get_by_role("button", name="Find").click()
    assert page.locator("input[name=parcels]").count() == 1
    page.get_by_role("button", name="Confirm handover").click()
    page.get_by_text("Handed over 1 parcel").wait_for()
    collected = Parcel.objects.get(pk=unknown.pk)
    assert collected.status == "picked_up"
    proof = collected.pickup
    assert (proof.method, proof.proxy.proxy_user, proof.clerk) == ("proxy", wang, clerk)
    assert Parcel.objects.get(tracking_number="SF1000000000002").status == "waiting"
    for tab in (page, student, mine, friend):
        assert not tab.csp_violations
