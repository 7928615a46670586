"""The complaints journey in a real browser: a student files a complaint → the department's
staff member replies and resolves it → the student confirms it resolved with a satisfaction
score. Each finds the page of the step before through the portal's own links."""

import pytest

from logistics.models import Notification, StaffScope
from logistics.roles import Role
from reviews.models import Complaint
from tests.logistics.factories import DepartmentFactory, UserFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def cast(db):
    department = DepartmentFactory(code="repair-centre", name="维修中心", name_en="Repair centre")
    staff = UserFactory(username="d2001", display_name="王主任", roles=[Role.REPAIR_DISPATCHER])
    StaffScope.objects.create(user=staff, role=Role.REPAIR_DISPATCHER, department=department)
    student = UserFactory(username="s2024302", roles=[Role.STUDENT])
    return {"department": department, "staff": staff, "student": student}


def test_it_takes_a_complaint_from_filing_to_confirmation(open_as, cast, screenshot):
    student_page = open_as(cast["student"])
    student_page.goto("/reviews/complaints/new/")
    student_page.check("input[name=kind][value=complaint]")
    student_page.select_option("select[name=department]", str(cast["department"].pk))
    student_page.fill("input[name=title]", "Tap still leaking")
    student_page.fill("textarea[name=body]", "The tap in room 305 leaks day and night.")
    screenshot(student_page, "complaint-form")
    with student_page.expect_navigation():
        student_page.click("main form button[type=submit]")
    complaint = Complaint.objects.get()
    assert complaint.number in student_page.inner_text("main")
    assert student_page.csp_violations == []

    staff_page = open_as(cast["staff"])
    notification = Notification.objects.get(recipient=cast["staff"], kind="reviews.complaint_filed")
    assert complaint.number in notification.title
    staff_page.goto("/reviews/complaints/")
    with staff_page.expect_navigation():
        staff_page.click(f"text={complaint.title}")
    staff_page.fill("textarea[name=reply-body]", "A plumber comes this afternoon.")
    with staff_page.expect_navigation():
        staff_page.click("#reply button[type=submit]")
    assert "Your reply was sent." in staff_page.inner_text("main")
    staff_page.click("summary:has-text('Mark as resolved')")
    staff_page.fill("textarea[name=resolve-note]", "New washer fitted.")
    with staff_page.expect_navigation():
        staff_page.click("#resolve button[type=submit]")
    assert "Marked resolved" in staff_page.inner_text("main")
    screenshot(staff_page, "complaint-staff")
    assert staff_page.csp_violations == []

    student_page.goto(complaint.get_absolute_url())
    main = student_page.inner_text("main")
    assert "A plumber comes this afternoon." in main and "New washer fitted." in main
    student_page.click("label[for=confirm-star-4]")
    with student_page.expect_navigation():
        student_page.click("#confirm button[type=submit]")
    assert "The case is closed." in student_page.inner_text("main")
    screenshot(student_page, "complaint-closed")
    complaint.refresh_from_db()
    assert complaint.status == Complaint.Status.CLOSED and complaint.satisfaction == 4
    assert student_page.csp_violations == []
