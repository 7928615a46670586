"""The complaint pages: filing (with prefilled links), the detail and its actions, the inbox,
the public board, and the home sections."""

import uuid

import pytest
from django.test import Client
from django.urls import reverse

from reviews.complaints.services import (
    complaint_confirm,
    complaint_create,
    complaint_reply,
    complaint_resolve,
)
from reviews.models import Complaint, Subject
from tests.dining.factories import DishFactory
from tests.logistics.factories import DepartmentFactory
from tests.reviews.factories import ServiceEventFactory

pytestmark = pytest.mark.django_db


def browser(user=None) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    if user is not None:
        client.force_login(user)
    return client


def url(name, *args):
    return reverse(f"reviews:{name}", args=args)


def test_it_files_a_complaint_from_the_form(student, department, staff):
    data = {"kind": "complaint", "department": department.pk, "title": "Noisy", "body": "Loud."}
    response = browser(student).post(url("complaint-new"), data)
    complaint = Complaint.objects.get()
    assert response.status_code == 302 and response["Location"] == complaint.get_absolute_url()
    page = browser(student).get(complaint.get_absolute_url()).content.decode()
    assert complaint.number in page and "Withdraw" in page


def test_it_shows_field_errors_never_a_500(student):
    response = browser(student).post(url("complaint-new"), {"kind": "x", "event": "abc"})
    assert response.status_code == 200
    response = browser(student).post(url("complaint-new"), {"kind": "complaint"})
    assert response.status_code == 200
    assert b"Choose the service unit" in response.content
    # "²" passes str.isdigit() but is no id: a message, not a 500.
    for link in ({"event": "²"}, {"subject": "dish:²"}, {"subject": "dish:99999999999999999999"}):
        assert browser(student).get(url("complaint-new"), link).status_code == 200
        data = {"kind": "complaint", "title": "T", "body": "B", **link}
        assert browser(student).post(url("complaint-new"), data).status_code == 200
    assert not Complaint.objects.exists()


def test_it_prefills_from_an_event_and_a_dish_link(student, other_student):
    event = ServiceEventFactory(served=student, title="Repair R000123")
    page = browser(student).get(url("complaint-new"), {"event": event.pk}).content.decode()
    assert "Repair R000123" in page
    data = {"kind": "complaint", "title": "Slow", "body": "Too slow.", "event": event.pk}
    browser(student).post(url("complaint-new"), data)
    assert Complaint.objects.get().department == event.department
    # Someone else's event is refused with a message.
    other = ServiceEventFactory(served=other_student)
    response = browser(student).post(url("complaint-new"), {**data, "event": other.pk})
    assert b"not one of yours" in response.content

    dish = DishFactory()
    dish.canteen.department = DepartmentFactory(code="dining")
    dish.canteen.save(update_fields=["department"])
    link = {"subject": f"dish:{dish.pk}"}
    assert dish.name_en in browser(student).get(url("complaint-new"), link).content.decode()
    assert not Subject.objects.filter(kind="dish").exists()  # a GET writes nothing
    browser(student).post(
        url("complaint-new"), {**link, "kind": "complaint", "title": "Price", "body": "Up"}
    )
    complaint = Complaint.objects.latest("id")
    assert complaint.subject.kind == Subject.Kind.DISH
    assert complaint.department == dish.canteen.department


def test_it_hides_a_complaint_from_others(complaint, other_student, outsider):
    for user in (other_student, outsider):
        assert browser(user).get(complaint.get_absolute_url()).status_code == 404
        assert browser(user).post(url("complaint-withdraw", complaint.pk)).status_code == 404


def test_it_walks_the_pages_from_reply_to_confirmation(complaint, staff, student):
    page = browser(staff).get(complaint.get_absolute_url()).content.decode()
    assert "Acknowledge" in page and "Reply to the author" in page
    browser(staff).post(url("complaint-reply", complaint.pk), {"reply-body": "Fixing it"})
    browser(staff).post(url("complaint-resolve", complaint.pk), {"resolve-note": "Fixed"})
    complaint.refresh_from_db()
    assert complaint.status == "resolved"
    page = browser(student).get(complaint.get_absolute_url()).content.decode()
    assert "Fixing it" in page and "Confirm it is resolved" in page
    response = browser(student).post(
        url("complaint-confirm", complaint.pk), {"confirm-satisfaction": "4"}, follow=True
    )
    assert b"The case is closed" in response.content
    complaint.refresh_from_db()
    assert complaint.status == "closed" and complaint.satisfaction == 4


def test_it_explains_a_refused_step(complaint, staff, student):
    complaint_resolve(complaint=complaint, by=staff, note="Fixed")
    response = browser(student).post(
        url("complaint-confirm", complaint.pk), {"confirm-satisfaction": ""}, follow=True
    )
    assert b"Give a score from 1 to 5" in response.content
    response = browser(student).post(url("complaint-withdraw", complaint.pk), follow=True)
    assert b"no longer in a state" in response.content
    assert browser(staff).post(url("complaint-confirm", complaint.pk)).status_code == 403


def test_it_shows_the_inbox_with_filters_to_staff(complaint, staff, student, department):
    complaint_create(
        author=student, kind="suggestion", title="Idea", body="b", department=department
    )
    page = browser(staff).get(url("complaint-list")).content.decode()
    assert "Complaints inbox" in page and complaint.title in page and "Idea" in page
    page = browser(staff).get(url("complaint-list"), {"kind": "suggestion"}).content.decode()
    assert complaint.title not in page and "Idea" in page
    assert browser(staff).get(url("complaint-list"), {"overdue": "maybe"}).status_code == 200
    mine = browser(student).get(url("complaint-list")).content.decode()
    assert "My complaints and suggestions" in mine and complaint.title in mine


def test_it_puts_what_waits_for_the_department_first_in_the_inbox(
    complaint, staff, student, department
):
    complaint_resolve(complaint=complaint, by=staff, note="Fixed.")
    complaint_confirm(complaint=complaint, by=student, satisfaction=4)
    waiting = complaint_create(
        author=student, kind="complaint", title="Zzz new one", body="b", department=department
    )

    def listed(**params):
        page = browser(staff).get(url("complaint-list"), params).context["page"]
        return [c.pk for c in page.object_list]

    assert listed() == [waiting.pk]  # what waits, the nearest deadline first
    assert listed(is_open="false") == [complaint.pk]
    assert listed(is_open="unknown") == [waiting.pk, complaint.pk]  # all, newest first


def test_it_pages_the_inbox_by_cursor(department, staff, student):
    filed = [
        complaint_create(
            author=student, kind="complaint", title=f"c{n}", body="b", department=department
        )
        for n in range(27)
    ]
    client = browser(staff)
    first = client.get(url("complaint-list")).context["page"]
    second = client.get(url("complaint-list"), {"cursor": first.next_cursor}).context["page"]

    seen = [c.pk for c in first] + [c.pk for c in second]
    assert sorted(seen) == sorted(c.pk for c in filed) and len(set(seen)) == 27
    assert not second.has_next


def test_it_finds_a_complaint_by_its_number_or_words_of_it(complaint, staff, student, department):
    other = complaint_create(
        author=student, kind="complaint", title="食堂排队太久", body="中午", department=department
    )
    client = browser(staff)

    def found(q):
        return [c.pk for c in client.get(url("complaint-list"), {"q": q}).context["page"]]

    assert found(other.number.lower()) == [other.pk]
    assert found("排队") == [other.pk]
    assert found("排队 中午") == [other.pk]
    assert complaint.pk not in found("排队")


def test_it_lists_with_a_fixed_number_of_queries(
    department, staff, student, django_assert_num_queries
):
    for n in range(6):
        complaint_create(
            author=student, kind="complaint", title=f"c{n}", body="b", department=department
        )
    client = browser(staff)
    client.get(url("complaint-list"))
    # user (with its roles, unread count and staff departments), rows (a cursor page: no count)
    with django_assert_num_queries(2):
        client.get(url("complaint-list"))


def test_it_shows_opted_in_resolved_suggestions_on_the_public_board(student, staff, department):
    body = "Open the library at 7. Call 13800138000, 138-1234-5678 or zhang.san@stu.edu.cn."

    def suggestion(title, public_ok, body=body):
        item = complaint_create(
            author=student,
            kind="suggestion",
            title=title,
            body=body,
            department=department,
            public_ok=public_ok,
        )
        complaint_reply(complaint=item, by=staff, body="Done from May.", public=True)
        complaint_reply(complaint=item, by=staff, body="internal only", public=False)
        complaint_resolve(complaint=item, by=staff, note="Opened at 7.")
        return item

    shown = suggestion("Earlier opening", True)
    suggestion("Private idea", False)
    complaint_confirm(complaint=shown, by=student, satisfaction=5)
    page = browser().get(url("complaint-board")).content.decode()
    assert "Earlier opening" in page and "Done from May." in page
    assert "Private idea" not in page and "internal only" not in page
    assert shown.number not in page and student.get_display_name() not in page
    assert "13800138000" not in page and "138-1234-5678" not in page
    assert "zhang.san@stu.edu.cn" not in page and "Open the library at 7." in page


def test_it_shows_my_complaints_at_home_and_figures_to_managers(complaint, student, manager):
    assert complaint.title in browser(student).get("/").content.decode()
    page = browser(manager).get(reverse("manager-overview")).content.decode()
    assert "Complaints and suggestions" in page and "Closed within deadline" in page


def test_it_files_with_the_unit_left_empty_as_its_help_says(student):
    office = DepartmentFactory(code="logistics-office", kind="logistics")
    data = {"kind": "complaint", "title": "Dark path", "body": "No lamp by the lake."}
    page = browser(student).get(url("complaint-new")).content.decode()
    assert "Leave it empty if you are not sure" in page

    response = browser(student).post(url("complaint-new"), data)

    assert response.status_code == 302
    assert Complaint.objects.get().department == office


def test_it_offers_only_the_categories_of_the_linked_service_without_placeholders(student):
    for ref, name in (("repairs:water", "Water"), ("dining:noodles", "Noodles")):
        Subject.objects.create(kind="category", ref=ref, name=name, name_en=name)
    event = ServiceEventFactory(served=student, event_type="repairs.request")

    plain = browser(student).get(url("complaint-new")).content.decode()
    linked = browser(student).get(url("complaint-new"), {"event": event.pk}).content.decode()

    assert "---------" not in plain
    assert '<optgroup label="Repair centre">' in plain
    assert '<optgroup label="Dining services">' in plain
    assert "Water" in linked and "Noodles" not in linked
    # Posting a category of another service is refused, not filed.
    noodles = Subject.objects.get(ref="dining:noodles")
    data = {"kind": "complaint", "title": "T", "body": "B", "event": event.pk}
    response = browser(student).post(url("complaint-new"), {**data, "category": noodles.pk})
    assert response.status_code == 200 and not Complaint.objects.exists()


def test_it_sends_a_double_tapped_complaint_once(student, department):
    data = {
        "kind": "complaint",
        "department": department.pk,
        "title": "Noisy",
        "body": "Loud.",
        "submission_token": str(uuid.uuid4()),
    }
    client = browser(student)
    first = client.post(url("complaint-new"), data)
    second = client.post(url("complaint-new"), data)

    assert Complaint.objects.count() == 1
    assert second.status_code == 302 and second["Location"] == first["Location"]


def test_it_names_what_a_complaint_is_about_with_chinese_punctuation(student):
    dish = DishFactory(name="红烧肉")
    dish.canteen.department = DepartmentFactory(code="dining")
    dish.canteen.save(update_fields=["department"])
    data = {"subject": f"dish:{dish.pk}", "kind": "complaint", "title": "Price", "body": "Up"}
    browser(student).post(url("complaint-new"), data)
    chinese = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    chinese.force_login(student)

    page = chinese.get(Complaint.objects.get().get_absolute_url()).content.decode()
    assert "菜品：红烧肉" in page
    assert "Dish: " in browser(student).get(url("complaint-new"), {"subject": data["subject"]}).text
