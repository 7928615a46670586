"""Forms that keep the user's work, in a real browser (#12 item 6): the error summary and its
focus, one row for a double tap, a draft kept when offline, photos checked before upload with a
preview (a notice's PDFs too), photos kept when the form comes back with an error, and following
an already reported fault instead of reporting it again. Each test checks what was saved, not
only what is shown."""

import io

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.utils import translation
from PIL import Image

from dorms.forms import AttachmentsField
from logistics.models import PendingUpload
from logistics.roles import Role
from repairs import services
from repairs.models import RepairFollower, RepairPhoto, RepairRequest
from reviews.models import Complaint
from tests.browser.test_accessibility_sweep import problems_on
from tests.logistics.factories import DepartmentFactory, RoomFactory, UserFactory
from tests.repairs.factories import CategoryFactory, RepairRequestFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def student(db):
    return UserFactory(username="s2024501", roles=[Role.STUDENT])


@pytest.fixture
def office(db):
    return DepartmentFactory(code="logistics-office", kind="logistics", name_en="Logistics office")


def jpeg(size=(64, 48)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 40, 40)).save(buffer, format="JPEG")
    return buffer.getvalue()


def test_it_sums_up_the_errors_and_moves_the_focus_there(open_as, student):
    page = open_as(student)
    page.goto("/reviews/complaints/new/")
    with page.expect_navigation():
        page.click("main form button[type=submit]")

    summary = page.locator("[data-error-summary]")
    assert summary.is_visible()
    assert page.evaluate("document.activeElement.hasAttribute('data-error-summary')")
    summary.locator("a", has_text="Title").click()
    assert page.evaluate("document.activeElement.name") == "title"
    assert not Complaint.objects.exists()


def test_it_files_a_double_tapped_complaint_once(open_as, student, office):
    page = open_as(student)
    page.goto("/reviews/complaints/new/")
    page.fill("input[name=title]", "Dark path")
    page.fill("textarea[name=body]", "No lamp by the lake.")
    button = page.locator("main form button[type=submit]")
    with page.expect_navigation():
        button.dblclick()

    assert Complaint.objects.count() == 1
    complaint = Complaint.objects.get()
    assert (complaint.title, complaint.department) == ("Dark path", office)


def test_it_keeps_the_draft_when_offline_and_sends_it_later(open_as, student, office):
    page = open_as(student)
    page.goto("/reviews/complaints/new/")
    page.fill("input[name=title]", "Broken bench")
    page.fill("textarea[name=body]", "The bench by gate 2 is broken.")
    page.context.set_offline(True)
    page.click("main form button[type=submit]")

    note = page.locator("main form .form-note")
    assert "draft is kept" in note.inner_text()
    assert not Complaint.objects.exists()

    page.context.set_offline(False)
    page.goto("/reviews/complaints/new/")
    assert page.input_value("input[name=title]") == "Broken bench"
    assert "draft" in page.locator("main form .form-note").inner_text()
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    assert Complaint.objects.get().body == "The bench by gate 2 is broken."
    page.goto("/reviews/complaints/new/")
    assert page.input_value("input[name=title]") == ""  # sent: the draft is gone


def test_it_checks_photos_before_upload_and_shows_a_preview(open_as, student):
    page = open_as(student)
    page.goto("/repairs/new/")
    photos = page.locator("input[name=photos]")
    big = {"name": "huge.jpg", "mimeType": "image/jpeg", "buffer": b"\xff" * (11 * 2**20)}
    photos.set_input_files([big])

    problem = page.locator(".photo-problem")
    assert "huge.jpg" in problem.inner_text() and "11.0 MB" in problem.inner_text()
    assert page.evaluate("document.querySelector('input[name=photos]').files.length") == 0

    text = {"name": "notes.txt", "mimeType": "text/plain", "buffer": b"hello"}
    photos.set_input_files([text])
    assert "notes.txt" in problem.inner_text()

    small = {"name": "tap.jpg", "mimeType": "image/jpeg", "buffer": jpeg()}
    photos.set_input_files([small])
    page.locator(".photo-preview img[src^='data:image/jpeg']").wait_for()
    assert page.locator(".photo-problem").count() == 0


def test_it_lets_a_student_follow_an_already_reported_fault(open_as, student):
    room = RoomFactory(number="512")
    category = CategoryFactory(code="light", name="灯不亮", name_en="Light out")
    reporter = UserFactory(username="s2024502", roles=[Role.STUDENT])
    earlier = services.repair_request_create(
        requester=reporter, category=category, room=room, description="Ceiling light is out"
    )
    page = open_as(student)
    page.goto(f"/repairs/new/?room={room.pk}&category={category.pk}")

    hint = page.locator("#similar-hint")
    assert "Someone has already reported this" in hint.inner_text()
    assert "message-error" not in (hint.locator(".similar-hint").get_attribute("class") or "")
    hint.locator("button", has_text="Follow this request").click()
    hint.locator("text=You follow").first.wait_for()

    assert RepairFollower.objects.filter(repair=earlier, user=student).exists()
    assert RepairRequest.objects.count() == 1


def test_it_keeps_the_chosen_photos_when_the_report_comes_back_with_an_error(open_as, student):
    room = RoomFactory(number="305")
    category = CategoryFactory(code="tap", name="水龙头", name_en="Tap")
    page = open_as(student)
    page.goto(f"/repairs/new/?room={room.pk}&category={category.pk}")
    photos = [
        {"name": "tap.jpg", "mimeType": "image/jpeg", "buffer": jpeg()},
        {"name": "sink.jpg", "mimeType": "image/jpeg", "buffer": jpeg((48, 64))},
    ]
    page.locator("input[name=photos]").set_input_files(photos)
    with page.expect_navigation():
        page.click("main form button[type=submit]")  # no description: the form comes back

    kept = page.locator("[data-kept-photos] li")
    assert kept.count() == 2 and "kept from before" in page.inner_text("[data-kept-photos]")
    assert page.evaluate(
        "Array.from(document.querySelectorAll('[data-kept-photos] img'))"
        ".every((img) => img.complete && img.naturalWidth > 0)"
    )  # the thumbnails load (the owner's own kept photos)
    assert page.evaluate("document.querySelector('input[name=photos]').files.length") == 0
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.locator("[data-kept-photos] li", has=page.locator("img[alt='sink.jpg']")).locator(
        "button", has_text="Remove"
    ).click()
    assert kept.count() == 1
    page.fill("textarea[name=description]", "The tap drips all night")
    with page.expect_navigation():
        page.click("main form button[type=submit]")

    repair = RepairRequest.objects.get()
    assert repair.description == "The tap drips all night"
    photo = repair.photos.get()  # the kept one, without choosing it again
    assert photo.image.storage.exists(photo.image.name)


def test_it_keeps_the_photo_of_the_finished_work_when_marking_completed_fails(open_as):
    technician = UserFactory(username="t2024501", roles=[Role.TECHNICIAN])
    job = RepairRequestFactory(assigned=True, assignee=technician, description="Tap drips")
    services.repair_request_start(repair=job, by=technician)
    page = open_as(technician)
    page.goto(job.get_absolute_url())
    complete = page.locator("form[action$='/complete/']")
    complete.locator("textarea[name=note]").fill("New washer")
    # A photo the browser cannot tell is broken (right type and size), beside a good one.
    broken = {"name": "blurry.jpg", "mimeType": "image/jpeg", "buffer": b"not a photo at all"}
    finished = {"name": "finished.jpg", "mimeType": "image/jpeg", "buffer": jpeg()}
    complete.locator("input[name=photos]").set_input_files([finished, broken])
    with page.expect_navigation():
        complete.locator("button[type=submit]").click()

    job.refresh_from_db()
    assert job.status == RepairRequest.Status.IN_PROGRESS and not job.photos.exists()
    complete = page.locator("form[action$='/complete/']")
    assert complete.is_visible()  # its <details> is open again
    summary = page.locator("[data-error-summary]")
    assert "blurry.jpg" in summary.inner_text()
    assert page.evaluate("document.activeElement.hasAttribute('data-error-summary')")
    assert complete.locator("textarea[name=note]").input_value() == "New washer"
    kept = complete.locator("[data-kept-photos] li")
    assert kept.count() == 1 and kept.locator("img[alt='finished.jpg']").count() == 1
    assert page.evaluate(
        "document.querySelector('[data-kept-photos] img').complete && "
        "document.querySelector('[data-kept-photos] img').naturalWidth > 0"
    )  # the preview loads
    assert complete.locator("input[name=photos_kept]").count() == 1
    assert problems_on(page, Axe()) == []  # axe and 360 px, like every page in the sweep

    complete.locator("input[name=labour_minutes]").fill("20")
    with page.expect_navigation():
        complete.locator("button[type=submit]").click()

    assert "The job is marked completed." in page.inner_text("main")
    job.refresh_from_db()
    assert (job.status, job.resolution_note, job.labour_minutes) == (
        RepairRequest.Status.COMPLETED,
        "New washer",
        20,
    )
    photo = job.photos.get(kind=RepairPhoto.Kind.COMPLETION)  # the kept one, not chosen again
    assert photo.image.storage.exists(photo.image.name)
    assert not PendingUpload.objects.exists()


def test_it_checks_a_notices_attachments_and_previews_only_photos(page, live_server):
    with translation.override("zh-hans"):
        html = AttachmentsField().widget.render("attachments", None, {"id": "id_attachments"})
    page.goto("/accounts/login/")
    page.evaluate(
        "(html) => document.querySelector('main').insertAdjacentHTML('beforeend', html)", html
    )
    files = page.locator("#id_attachments")
    pdf = b"%PDF-1.4\n%%EOF\n"
    files.set_input_files([{"name": "plan.pdf", "mimeType": "application/pdf", "buffer": pdf}])
    assert page.locator(".photo-problem").count() == 0
    assert page.locator(".photo-preview img").count() == 0  # a PDF gets no broken preview

    big = {"name": "scan.pdf", "mimeType": "application/pdf", "buffer": b"%" * (11 * 2**20)}
    files.set_input_files([big])
    assert "每个文件不能超过 10 MB" in page.locator(".photo-problem").inner_text()
    assert page.evaluate("document.querySelector('#id_attachments').files.length") == 0
    text = {"name": "notes.txt", "mimeType": "text/plain", "buffer": b"hello"}
    files.set_input_files([text])
    assert "不是 PDF、JPEG、PNG 或 WebP" in page.locator(".photo-problem").inner_text()
