"""The dorms journey in a real browser, one context per person (issue #15 item 10).

A dorm manager posts a water outage for 东区1号楼 starting in 20 hours, is warned about the
24-hour rule, gives a reason and publishes; a real Celery worker delivers it; the student living
there sees the banner and the notification, and the repair form shows the outage before filing.
The manager posts a safety notice that asks for an acknowledgement, the student acknowledges it
and the manager's rate moves. An inspector records a hazard in the student's room on a phone,
the student confirms the fix and the re-check closes it. Each step checks what was saved, not
only what the page says.
"""

import io
from datetime import timedelta

import pytest
from django.utils import timezone
from PIL import Image
from playwright.sync_api import expect

from dorms.models import AvoidedReport, Hazard, InspectionRound, Notice, NoticeDelivery, NoticeRead
from logistics.models import Notification
from tests.browser.conftest import MOBILE
from tests.dorms.factories import dorm_manager_of, resident_of
from tests.fixtures.celery_worker import wait_until
from tests.logistics.factories import BuildingFactory, RoomFactory
from tests.repairs.factories import CategoryFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.redis,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

REASON = "供水公司临时通知清洗水箱"


def local(when) -> str:
    """The value a datetime-local field takes (the site's time zone, to the minute)."""
    return timezone.localtime(when).strftime("%Y-%m-%dT%H:%M")


@pytest.fixture
def cast(db):
    building = BuildingFactory(code="E1", name="东区1号楼", name_en="East 1")
    room = RoomFactory(building=building, number="101", floor=1)
    water = CategoryFactory(code="water", name="水电", name_en="Water and power")
    no_water = CategoryFactory(code="no-water", name="没有水", name_en="No water", parent=water)
    return {
        "building": building,
        "room": room,
        "student": resident_of(room, "s2024101"),
        "manager": dorm_manager_of(building, username="dm1001"),
        "no_water": no_water,
    }


def write_notice(page, building, **fields) -> Notice:
    """Fills the notice form for `building` and saves the draft; returns the saved draft."""
    page.goto("/dorms/notices/new/")
    page.select_option("select[name=kind]", fields.pop("kind"))
    page.fill("input[name=title]", fields.pop("title"))
    page.fill("textarea[name=body]", fields.pop("body"))
    for name, value in fields.items():
        if name in ("utility",):
            page.select_option(f"select[name={name}]", value)
        elif value is True:
            page.check(f"input[name={name}]")
        else:
            page.fill(f"input[name={name}]", value)
    page.select_option("select[name=audience]", "buildings")
    page.check(f"input[name=buildings][value='{building.pk}']")
    with page.expect_navigation():
        page.click("#notice-form button[type=submit]")
    notice = Notice.objects.latest("id")
    assert page.url.endswith(f"/dorms/notices/{notice.pk}/"), page.inner_text("main")
    assert notice.status == Notice.Status.DRAFT
    return notice


def publish(page, notice: Notice) -> None:
    with page.expect_navigation():
        page.click(f"form[action$='/notices/{notice.pk}/publish/'] button[type=submit]")


def test_outage_and_acknowledgement_from_the_manager_to_the_resident(open_as, cast, celery_worker):
    building, student, manager = cast["building"], cast["student"], cast["manager"]
    now = timezone.now()

    # 1. The manager posts a water stoppage 20 hours ahead and is held by the 24-hour rule.
    desk = open_as(manager)
    outage = write_notice(
        desk,
        building,
        kind="outage",
        title="东区1号楼明日停水",
        body="二次供水水箱清洗，请提前储水。",
        utility="water",
        starts_at=local(now + timedelta(hours=20)),
        ends_at=local(now + timedelta(hours=24)),
        valid_until=local(now + timedelta(hours=24)),
    )
    assert outage.utility == "water" and outage.kind == "outage"
    assert timedelta(hours=19) < outage.starts_at - now <= timedelta(hours=20)
    publish(desk, outage)
    warning = desk.locator("#lead-time-warning")
    assert "24" in warning.inner_text()
    outage.refresh_from_db()
    assert outage.status == Notice.Status.DRAFT  # held until a reason is given
    desk.fill("textarea[name=lead_time_reason]", REASON)
    with desk.expect_navigation():
        desk.click("form[action$='/publish/'] button[type=submit]")
    outage.refresh_from_db()
    assert outage.status == Notice.Status.PUBLISHED
    assert outage.lead_time_reason == REASON
    assert desk.url.endswith(f"/dorms/notices/{outage.pk}/")

    # 2. The worker delivers it; the student sees the banner at home and the notification.
    wait_until(
        lambda: NoticeDelivery.objects.filter(notice=outage, status="done").exists(),
        what="the outage's delivery by the Celery worker",
    )
    notification = Notification.objects.get(recipient=student, kind="dorms.notice.outage")
    assert outage.title in notification.title
    mine = open_as(student)
    mine.goto("/")
    banner = mine.locator(".outage-banner", has_text=outage.title)
    assert banner.is_visible()
    mine.goto("/notifications/")
    assert mine.locator("li.notification", has_text=outage.title).is_visible()

    # 3. Twenty hours later the water is off: the repair form shows the outage before filing.
    Notice.objects.filter(pk=outage.pk).update(
        starts_at=now - timedelta(minutes=30), ends_at=now + timedelta(hours=4)
    )
    mine.goto("/repairs/new/")
    group = mine.locator("details.category-group", has_text="Water and power")
    if group.get_attribute("open") is None:
        group.locator("summary").click()
    group.locator("label.category-option", has_text="No water").click()
    hint = mine.locator(".outage-hint", has_text=outage.title)
    assert hint.is_visible()
    assert mine.input_value("input[name=room_number]") == "101"
    with mine.expect_navigation():
        hint.locator("button[type=submit]").click()
    assert AvoidedReport.objects.filter(notice=outage, user=student).count() == 1
    assert not student.repair_requests.exists()

    # 4. A safety notice asks for an acknowledgement; the manager watches the rate.
    safety = write_notice(
        desk,
        building,
        kind="safety",
        title="宿舍消防安全教育",
        body="请阅读消防安全须知。",
        requires_ack=True,
        ack_deadline=local(now + timedelta(days=3)),
    )
    assert safety.requires_ack and safety.ack_deadline is not None
    publish(desk, safety)
    safety.refresh_from_db()
    assert safety.status == Notice.Status.PUBLISHED
    desk.goto(f"/dorms/notices/{safety.pk}/acknowledgements/")
    rate = desk.locator("#ack-rates [data-rate]").first
    assert rate.inner_text().strip() == "0 %"

    # 5. The student finds it under "Please acknowledge" and confirms it.
    mine.goto("/dorms/building/")
    with mine.expect_navigation():
        mine.locator("#acks-title + ul a", has_text=safety.title).click()
    with mine.expect_navigation():
        mine.click(f"form[action$='/notices/{safety.pk}/acknowledge/'] button[type=submit]")
    read = NoticeRead.objects.get(notice=safety, user=student)
    assert read.acknowledged_at is not None
    assert mine.locator(".message-success").first.is_visible()

    # 6. The manager's page refreshes itself (htmx, every 15 s): the rate has moved.
    expect(desk.locator("#ack-rates [data-rate]").first).to_have_text("100 %", timeout=25_000)
    for page in (desk, mine):
        assert page.csp_violations == []


def jpeg() -> dict:
    buffer = io.BytesIO()
    Image.new("RGB", (640, 480), (180, 40, 30)).save(buffer, format="JPEG")
    return {"name": "hazard.jpg", "mimeType": "image/jpeg", "buffer": buffer.getvalue()}


def fits_the_phone(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= MOBILE["width"]


def test_an_inspector_records_a_hazard_and_the_student_confirms_the_fix(open_as, cast):
    building, student, manager = cast["building"], cast["student"], cast["manager"]
    inspector = dorm_manager_of(username="dm2002")
    today = timezone.localdate()

    # 1. The manager plans the round; the inspection notice goes to the residents.
    desk = open_as(manager)
    desk.goto("/dorms/inspections/new/")
    desk.fill("input[name=title]", "第四季度消防安全检查")
    desk.check(f"input[name=buildings][value='{building.pk}']")
    desk.check(f"input[name=inspectors][value='{inspector.pk}']")
    desk.fill("input[name=starts_on]", today.isoformat())
    desk.fill("input[name=ends_on]", (today + timedelta(days=2)).isoformat())
    with desk.expect_navigation():
        desk.click("#round-form button[type=submit]")
    planned = InspectionRound.objects.get()
    assert desk.url.endswith(planned.get_absolute_url())
    assert list(planned.inspectors.all()) == [inspector]
    assert planned.notice.kind == "inspection" and planned.notice.status == "published"

    # 2. The inspector walks the floor on a phone and records a hazard in room 101, with a photo.
    walk = open_as(inspector)
    walk.goto(planned.get_absolute_url())
    with walk.expect_navigation():
        walk.click(f"a[href$='/buildings/{building.pk}/']")
    assert fits_the_phone(walk)
    with walk.expect_navigation():
        walk.locator(".inspection-rooms a", has_text="101").click()
    walk.select_option("select[name=kind]", "high_power")
    walk.fill("input[name=note]", "电热锅")
    walk.set_input_files("input[name=photo]", [jpeg()])
    with walk.expect_navigation():
        walk.click("#hazard-form button[type=submit]")
    hazard = Hazard.objects.get()
    assert (hazard.room, hazard.kind, hazard.note) == (cast["room"], "high_power", "电热锅")
    assert hazard.photo and hazard.status == "open"
    assert hazard.deadline > timezone.now()
    assert fits_the_phone(walk)

    # 3. The student is told, finds it under their room's inspections and confirms the fix.
    assert Notification.objects.filter(recipient=student, kind="dorms.hazard.found").exists()
    mine = open_as(student)
    mine.goto("/dorms/building/")
    with mine.expect_navigation():
        mine.locator(".room-checks a", has_text="High-power appliance").click()
    photo = mine.locator("img.hazard-photo")
    assert photo.is_visible() and photo.evaluate("img => img.naturalWidth") > 0
    with mine.expect_navigation():
        mine.click(f"form[action$='/hazards/{hazard.pk}/confirm/'] button[type=submit]")
    hazard.refresh_from_db()
    assert hazard.status == "fix_reported" and hazard.fixed_by == student

    # 4. The re-check closes it; the figures count it as fixed on time.
    walk.goto(hazard.get_absolute_url())
    with walk.expect_navigation():
        walk.click("button[name=fixed][value='1']")
    hazard.refresh_from_db()
    assert hazard.status == "closed" and hazard.fixed_on_time
    desk.goto(planned.get_absolute_url())
    assert (
        desk.locator(f"tr[data-building='{building.code}'] [data-checked]").inner_text() == "1 / 1"
    )
    for page in (desk, walk, mine):
        assert page.csp_violations == []
