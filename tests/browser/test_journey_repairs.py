"""The repairs journey in a real browser, one context per person.

A student files a repair with a photo → the dispatcher assigns it → the technician starts and
completes it with a photo → the student confirms and rates it. Each of them first finds the
notification of the step before in their notification list.
"""

import io
import re

import pytest
from PIL import Image

from logistics.models import Notification
from logistics.roles import Role
from repairs.models import RepairPhoto, RepairRequest
from tests.logistics.factories import RoomFactory, UserFactory
from tests.repairs.factories import CategoryFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def jpeg(color) -> dict:
    buffer = io.BytesIO()
    Image.new("RGB", (640, 480), color).save(buffer, format="JPEG")
    return {"name": "photo.jpg", "mimeType": "image/jpeg", "buffer": buffer.getvalue()}


def sees_notification(page, user, kind: str, repair: RepairRequest) -> None:
    """The user's list shows the notification of that step, in the page's language."""
    notification = Notification.objects.filter(recipient=user, kind=kind).latest("id")
    assert repair.number in notification.title
    page.goto("/notifications/")
    language = page.evaluate("document.documentElement.lang")
    title = notification.in_language(language)["title"]
    assert repair.number in title
    item = page.locator("li.notification", has_text=title)
    assert item.is_visible()
    assert item.locator(".tag-unread").is_visible()


@pytest.fixture
def cast(db):
    parent = CategoryFactory(code="water", name="水电", name_en="Water and electricity")
    light = CategoryFactory(
        code="water-light", name="灯具不亮", name_en="Light not working", parent=parent
    )
    room = RoomFactory(number="305")
    student = UserFactory(username="s2024301", roles=[Role.STUDENT], dorm_room=room)
    dispatcher = UserFactory(
        username="d1001", display_name="陈调度", roles=[Role.REPAIR_DISPATCHER]
    )
    technician = UserFactory(username="t1001", display_name="刘师傅", roles=[Role.TECHNICIAN])
    return {
        "student": student,
        "dispatcher": dispatcher,
        "technician": technician,
        "light": light,
        "room": room,
    }


def test_it_takes_a_repair_from_report_to_rating_across_four_people(open_as, cast):
    student, dispatcher, technician = cast["student"], cast["dispatcher"], cast["technician"]

    # 1. The student reports the broken light, with a photo; the place is pre-filled.
    mine = open_as(student)
    mine.goto("/repairs/new/")
    group = mine.locator("details.category-group", has_text="Water and electricity")
    if group.get_attribute("open") is None:
        group.locator("summary").click()
    group.locator("label.category-option", has_text="Light not working").click()
    assert mine.is_checked(f"input[name=category][value='{cast['light'].pk}']")
    assert mine.input_value("input[name=room_number]") == "305"
    mine.fill("textarea[name=description]", "The ceiling light does not turn on.")
    mine.set_input_files("input[name=photos]", [jpeg((200, 60, 40))])
    with mine.expect_navigation():
        mine.click("#report-form button[type=submit]")
    repair = RepairRequest.objects.get(requester=student)
    assert mine.url.endswith(f"/repairs/{repair.pk}/")
    assert repair.status == RepairRequest.Status.SUBMITTED
    assert repair.room == cast["room"]
    assert repair.photos.filter(kind=RepairPhoto.Kind.REPORT).count() == 1
    assert mine.locator(f"img[src*='/repairs/{repair.pk}/photos/']").count() >= 1

    # 2. The dispatcher sees the new request among their notifications and assigns it.
    desk = open_as(dispatcher)
    sees_notification(desk, dispatcher, _kind_for(dispatcher, repair), repair)
    desk.goto(f"/repairs/{repair.pk}/")
    desk.select_option("select[name=technician]", str(technician.pk))
    with desk.expect_navigation():
        desk.click("form[action$='/assign/'] button[type=submit]")
    repair.refresh_from_db()
    assert repair.status == RepairRequest.Status.ASSIGNED
    assert repair.assignee == technician

    # 3. The technician is told, starts the job and completes it with a photo.
    bench = open_as(technician)
    sees_notification(bench, technician, "repairs.assigned", repair)
    bench.goto(f"/repairs/{repair.pk}/")
    with bench.expect_navigation():
        bench.click("form[action$='/start/'] button[type=submit]")
    repair.refresh_from_db()
    assert repair.status == RepairRequest.Status.IN_PROGRESS
    complete = bench.locator("form[action$='/complete/']")
    if not complete.is_visible():
        bench.click("summary:has-text('Mark as completed')")
    complete.locator("textarea[name=note]").fill("Replaced the starter; the light works.")
    complete.locator("input[name=labour_minutes]").fill("20")
    complete.locator("input[name=photos]").set_input_files([jpeg((40, 160, 60))])
    with bench.expect_navigation():
        complete.locator("button[type=submit]").click()
    repair.refresh_from_db()
    assert repair.status == RepairRequest.Status.COMPLETED
    assert repair.labour_minutes == 20
    assert repair.photos.filter(kind=RepairPhoto.Kind.COMPLETION).count() == 1

    # 4. The student is told it is done, confirms and gives five stars.
    sees_notification(mine, student, "repairs.completed", repair)
    mine.goto(f"/repairs/{repair.pk}/")
    confirm = mine.locator("form#confirm")
    confirm.locator("label[for=confirm-star-5]").click()
    confirm.locator("textarea[name=comment]").fill("Quick and tidy, thank you.")
    with mine.expect_navigation():
        confirm.locator("button[type=submit]").click()
    repair.refresh_from_db()
    assert repair.status == RepairRequest.Status.CONFIRMED
    assert repair.rating == 5
    assert repair.rating_comment == "Quick and tidy, thank you."
    timeline = mine.inner_text("main")
    assert re.search(r"Replaced the starter", timeline)
    actions = list(repair.events.values_list("action", flat=True))
    assert actions[0] != actions[-1] and len(actions) >= 5
    for page in (mine, desk, bench):
        assert page.csp_violations == []


def _kind_for(dispatcher, repair) -> str:
    """The kind of the notification a dispatcher gets for a new request (whatever it is named)."""
    return Notification.objects.filter(recipient=dispatcher).latest("id").kind
