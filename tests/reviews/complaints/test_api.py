"""/api/v1/reviews/complaints/: scoped reads, filing, the actions, scopes, errors, query counts."""

import pytest
from django.test import Client

from logistics.tokens import api_token_issue
from reviews.complaints.services import complaint_create, complaint_resolve
from reviews.models import Complaint
from tests.reviews.factories import ServiceEventFactory

pytestmark = pytest.mark.django_db
URL = "/api/v1/reviews/complaints/"
ERROR_KEYS = {"code", "detail", "fields", "request_id"}


def api(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def post(client, url, data=None, **kwargs):
    return client.post(url, data or {}, content_type="application/json", **kwargs)


def test_it_lists_only_what_each_user_may_see(
    complaint, student, other_student, staff, outsider, manager
):
    for user, count in ((student, 1), (other_student, 0), (staff, 1), (outsider, 0), (manager, 1)):
        assert len(api(user).get(URL).json()["results"]) == count, user


def test_it_hides_another_users_complaint(complaint, other_student, outsider):
    for user in (other_student, outsider):
        response = api(user).get(f"{URL}{complaint.pk}/")
        assert response.status_code == 404
        assert set(response.json()) == ERROR_KEYS
        assert post(api(user), f"{URL}{complaint.pk}/withdraw/").status_code == 404


def test_it_files_a_complaint(student, department):
    data = {
        "kind": "suggestion",
        "title": "More seats",
        "body": "Please.",
        "department": department.pk,
    }
    response = post(api(student), URL, data)
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["number"].startswith("TS-") and body["status"] == "submitted"
    assert [e["action"] for e in body["entries"]] == ["filed"]


def test_it_answers_field_errors_for_bad_input(student, other_student):
    response = post(api(student), URL, {"kind": "praise", "title": "", "body": "x"})
    assert response.status_code == 400
    assert {"kind", "title"} <= set(response.json()["fields"])
    event = ServiceEventFactory(served=other_student)
    data = {"kind": "complaint", "title": "t", "body": "b", "event": event.pk}
    assert "event" in post(api(student), URL, data).json()["fields"]
    response = post(api(student), URL, {"kind": "complaint", "title": "t", "body": "b"})
    assert response.status_code == 400
    assert "department" in response.json()["fields"]
    data = {"kind": "complaint", "title": "t", "body": "b", "subject": "dish:²"}
    response = post(api(student), URL, data)
    assert response.status_code == 400 and "subject" in response.json()["fields"]


def test_it_runs_the_workflow_through_the_actions(complaint, staff, student):
    url = f"{URL}{complaint.pk}"
    assert post(api(staff), f"{url}/acknowledge/").json()["status"] == "acknowledged"
    assert post(api(staff), f"{url}/reply/", {"body": "On it", "public": True}).status_code == 200
    assert post(api(staff), f"{url}/resolve/", {"note": "Done"}).json()["status"] == "resolved"
    response = post(api(student), f"{url}/confirm/", {"satisfaction": 5})
    assert response.status_code == 200
    assert response.json()["status"] == "closed" and response.json()["satisfaction"] == 5


def test_it_answers_409_for_a_step_from_the_wrong_state(complaint, student):
    response = post(api(student), f"{URL}{complaint.pk}/confirm/", {"satisfaction": 5})
    assert response.status_code == 409
    assert response.json()["code"] == "invalid_transition"


def test_it_answers_403_when_the_user_sees_it_but_may_not_act(complaint, staff, student):
    assert post(api(student), f"{URL}{complaint.pk}/resolve/", {"note": "x"}).status_code == 403
    complaint_resolve(complaint=complaint, by=staff, note="Done")
    assert post(api(staff), f"{URL}{complaint.pk}/confirm/", {"satisfaction": 3}).status_code == 403


def test_it_reopens_and_reassigns(complaint, staff, student, manager, outsider):
    complaint_resolve(complaint=complaint, by=staff, note="Done")
    response = post(api(student), f"{URL}{complaint.pk}/reopen/", {"reason": "No"})
    assert response.json()["reopen_count"] == 1
    department = outsider.staff_scopes.get().department_id
    response = post(api(manager), f"{URL}{complaint.pk}/reassign/", {"department": department})
    assert response.json()["department"] == department
    assert api(outsider).get(f"{URL}{complaint.pk}/").status_code == 200


def test_it_needs_the_reviews_scopes(client, complaint, student):
    _, raw = api_token_issue(user=student, name="app", scopes=["reviews:read"])
    headers = {"Authorization": f"Bearer {raw}"}
    assert len(client.get(URL, headers=headers).json()["results"]) == 1
    response = post(client, f"{URL}{complaint.pk}/withdraw/", headers=headers)
    assert response.status_code == 403 and "reviews:write" in response.json()["detail"]
    _, raw = api_token_issue(user=student, name="w", scopes=["reviews:write"])
    response = post(
        client, f"{URL}{complaint.pk}/withdraw/", headers={"Authorization": f"Bearer {raw}"}
    )
    assert response.status_code == 200


def test_it_filters_the_list(complaint, staff, department, student):
    complaint_create(author=student, kind="suggestion", title="s", body="b", department=department)
    assert len(api(staff).get(URL, {"kind": "suggestion"}).json()["results"]) == 1
    assert len(api(staff).get(URL, {"overdue": "true"}).json()["results"]) == 0
    assert api(staff).get(URL, {"status": "nonsense"}).status_code == 400


def test_it_lists_with_a_fixed_number_of_queries(
    complaint, department, student, staff, django_assert_num_queries
):
    for n in range(5):
        complaint_create(
            author=student, kind="complaint", title=f"c{n}", body="b", department=department
        )
    client = api(staff)
    client.get(URL)  # warm the session
    # session, user (with its roles, unread count and staff departments), rows, entries (lists are
    # not counted)
    with django_assert_num_queries(4):
        assert len(client.get(URL).json()["results"]) == Complaint.objects.count()
