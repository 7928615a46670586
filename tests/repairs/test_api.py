"""The repairs REST API: scoping, filing with photos, every workflow action, errors, filters,
the timeline, categories, token scopes and pinned query counts."""

import datetime

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from logistics.api.exceptions import exception_handler
from logistics.roles import Role
from logistics.tokens import api_token_issue
from repairs import errors, services
from repairs.models import Category, RepairEvent, RepairRequest
from tests.logistics.factories import RoomFactory, UserFactory
from tests.repairs.factories import (
    CategoryFactory,
    CategoryQuestionFactory,
    RepairEventFactory,
    RepairPhotoFactory,
    RepairRequestFactory,
    image_upload,
)

pytestmark = pytest.mark.django_db

CATEGORIES = "/api/v1/repairs/categories/"
REQUESTS = "/api/v1/repairs/requests/"
ERROR_KEYS = {"code", "detail", "fields", "request_id"}


def detail(repair, action=""):
    return f"{REQUESTS}{repair.pk}/" + (f"{action}/" if action else "")


def post(client, url, data=None, **kwargs):
    return client.post(url, data or {}, content_type="application/json", **kwargs)


@pytest.fixture(autouse=True)
def no_throttle_left_over():
    cache.clear()


@pytest.fixture
def dispatcher(db):
    return UserFactory(username="d1001", roles=[Role.REPAIR_DISPATCHER])


@pytest.fixture
def category(db):
    parent = CategoryFactory(code="water", name="水电", name_en="Water and power")
    return CategoryFactory(code="tap", name="水龙头", name_en="Tap", parent=parent)


@pytest.fixture
def room(db):
    return RoomFactory(number="302")


def file_request(user, category, room, **extra):
    return services.repair_request_create(
        requester=user, category=category, room=room, description="水龙头漏水", **extra
    )


def as_user(client, user):
    client.force_login(user)
    return client


# --- Who sees what ------------------------------------------------------------------------------


def test_it_lists_only_the_students_own_requests(client, student, other_student):
    mine = RepairRequestFactory(requester=student)
    RepairRequestFactory(requester=other_student)
    body = as_user(client, student).get(REQUESTS).json()
    assert [r["id"] for r in body["results"]] == [mine.pk]
    assert body["results"][0]["number"] == mine.number
    assert body["results"][0]["requester"]["username"] == student.username


def test_it_hides_another_students_request_as_404(client, student, other_student):
    theirs = RepairRequestFactory(requester=other_student)
    client = as_user(client, student)
    assert client.get(detail(theirs)).status_code == 404
    response = post(client, detail(theirs, "cancel"))
    assert response.status_code == 404
    assert set(response.json()) == ERROR_KEYS
    assert client.get(detail(theirs, "events")).status_code == 404


def test_it_shows_a_technician_only_the_requests_assigned_to_them(client, technician):
    assigned = RepairRequestFactory(assigned=True, assignee=technician)
    RepairRequestFactory(assigned=True)
    body = as_user(client, technician).get(REQUESTS).json()
    assert [r["id"] for r in body["results"]] == [assigned.pk]


def test_it_shows_a_dispatcher_and_a_manager_every_request(client, dispatcher, manager):
    RepairRequestFactory.create_batch(3)
    assert len(as_user(client, dispatcher).get(REQUESTS).json()["results"]) == 3
    assert len(as_user(client, manager).get(REQUESTS).json()["results"]) == 3


def test_it_answers_401_to_anonymous_callers(client):
    response = client.get(REQUESTS)
    assert response.status_code == 401
    assert set(response.json()) == ERROR_KEYS


# --- Tokens and scopes --------------------------------------------------------------------------


def test_it_reads_with_repairs_read_and_refuses_writes_without_repairs_write(
    client, student, category, room
):
    file_request(student, category, room)
    _, raw = api_token_issue(user=student, name="app", scopes=["repairs:read"])
    headers = {"Authorization": f"Bearer {raw}"}
    assert len(client.get(REQUESTS, headers=headers).json()["results"]) == 1
    data = {"category": category.pk, "room": room.pk, "description": "灯不亮"}
    response = post(client, REQUESTS, data, headers=headers)
    assert response.status_code == 403
    assert "repairs:write" in response.json()["detail"]


def test_it_files_a_request_with_a_write_token(client, student, category, room):
    _, raw = api_token_issue(user=student, name="app", scopes=["repairs:write", "repairs:read"])
    data = {"category": category.pk, "room": room.pk, "description": "灯不亮"}
    response = post(client, REQUESTS, data, headers={"Authorization": f"Bearer {raw}"})
    assert response.status_code == 201
    assert RepairRequest.objects.get().requester == student


# --- Filing -------------------------------------------------------------------------------------


def test_it_files_a_request_as_json(client, student, category, room):
    data = {
        "category": category.pk,
        "room": room.pk,
        "description": "  水龙头一直滴水  ",
        "urgency": "high",
        "preferred_windows": "工作日 18:00 后",
        "consent_to_enter": True,
    }
    response = post(as_user(client, student), REQUESTS, data)
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "submitted"
    assert body["building"] == room.building_id
    assert body["description"] == "水龙头一直滴水"
    assert body["urgency"] == "high"
    assert body["completion_due_at"] is not None
    assert body["category_code"] == "tap"
    assert body["is_open"] is True


def test_it_files_a_request_with_photos_in_a_multipart_body(client, student, category, room):
    data = {
        "category": category.pk,
        "room": room.pk,
        "description": "门锁坏了",
        "photos": [image_upload("a.jpg"), image_upload("b.png", fmt="PNG")],
    }
    response = as_user(client, student).post(REQUESTS, data)
    assert response.status_code == 201, response.json()
    photos = response.json()["photos"]
    assert len(photos) == 2
    assert {p["kind"] for p in photos} == {"report"}
    repair = RepairRequest.objects.get()
    assert all(
        p["url"] == f"http://testserver/repairs/{repair.pk}/photos/{p['id']}/" for p in photos
    )


def test_it_takes_answers_in_a_multipart_body(client, student, category, room):
    CategoryQuestionFactory(category=category, code="floors", kind="number", required=True)
    data = {"category": category.pk, "room": room.pk, "description": "x", "answers.floors": "2"}
    data["photos"] = [image_upload()]
    response = as_user(client, student).post(REQUESTS, data)
    assert response.status_code == 201, response.json()
    assert response.json()["answers"] == {"floors": 2}


def test_it_refuses_a_seventh_photo(client, student, category, room):
    data = {
        "category": category.pk,
        "room": room.pk,
        "description": "门锁坏了",
        "photos": [image_upload(f"p{i}.jpg") for i in range(7)],
    }
    response = as_user(client, student).post(REQUESTS, data)
    assert response.status_code == 400
    assert "photos" in response.json()["fields"]
    assert not RepairRequest.objects.exists()


def test_it_refuses_a_file_that_is_not_an_image(client, student, category, room):
    fake = SimpleUploadedFile("x.jpg", b"%PDF-1.4 not an image", content_type="image/jpeg")
    data = {"category": category.pk, "room": room.pk, "description": "x", "photos": [fake]}
    response = as_user(client, student).post(REQUESTS, data)
    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["photos.0"]


def test_it_names_each_bad_field_when_filing(client, student, category):
    other_room = RoomFactory()
    data = {"category": 999999, "room": other_room.pk, "building": 999999, "description": ""}
    body = post(as_user(client, student), REQUESTS, data).json()
    assert body["code"] == "invalid"
    assert {"category", "building", "description"} <= set(body["fields"])


def test_it_refuses_a_request_without_a_place(client, student, category):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    response = post(
        as_user(client, student), REQUESTS, {"category": category.pk, "description": "x"}
    )
    assert response.status_code == 400
    assert "place" in response.json()["detail"]


def test_it_refuses_a_parent_category_that_has_subcategories(client, student, category, room):
    data = {"category": category.parent_id, "room": room.pk, "description": "x"}
    response = post(as_user(client, student), REQUESTS, data)
    assert response.status_code == 400
    assert "category" in response.json()["fields"]


def test_it_checks_the_answers_to_the_categorys_questions(client, student, category, room):
    CategoryQuestionFactory(category=category, code="floors", kind="number", required=True)
    data = {"category": category.pk, "room": room.pk, "description": "x", "answers": {}}
    response = post(as_user(client, student), REQUESTS, data)
    assert response.status_code == 400
    assert "answers" in response.json()["fields"]
    data["answers"] = {"floors": "3"}
    response = post(client, REQUESTS, data)
    assert response.status_code == 201
    assert response.json()["answers"] == {"floors": 3}


# --- The workflow through the actions -----------------------------------------------------------


def test_it_walks_a_request_through_every_step(
    client, student, dispatcher, technician, category, room
):
    repair = file_request(student, category, room)
    assert (
        post(as_user(client, dispatcher), detail(repair, "accept")).json()["status"] == "accepted"
    )
    body = post(
        client, detail(repair, "assign"), {"technician": technician.pk, "note": "快"}
    ).json()
    assert body["status"] == "assigned"
    assert body["assignee"]["username"] == technician.username

    client = as_user(client, technician)
    assert post(client, detail(repair, "start")).json()["status"] == "in_progress"
    assert post(client, detail(repair, "hold"), {"reason": "等配件"}).json()["status"] == "on_hold"
    assert post(client, detail(repair, "resume")).json()["status"] == "in_progress"
    data = {"note": "换了阀芯", "labour_minutes": "30", "materials": "阀芯 1 个"}
    data["photos"] = [image_upload("done.jpg")]
    response = client.post(detail(repair, "complete"), data)
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["status"] == "completed"
    assert body["labour_minutes"] == 30
    assert [p["kind"] for p in body["photos"]] == ["completion"]

    client = as_user(client, student)
    body = post(client, detail(repair, "confirm"), {"rating": 5, "comment": "很好"}).json()
    assert body["status"] == "confirmed"
    assert body["rating"] == 5

    actions = [e["action"] for e in client.get(detail(repair, "events")).json()["results"]]
    assert actions[0] == "submitted"
    assert len(actions) >= 8


def test_it_lets_the_requester_cancel_reopen_rate_and_comment(
    client, student, category, room, technician
):
    cancelled = file_request(student, category, room)
    client = as_user(client, student)
    response = post(client, detail(cancelled, "cancel"), {"reason": "自己修好了"})
    assert response.json()["status"] == "cancelled"

    done = RepairRequestFactory(requester=student, completed=True, assignee=technician)
    response = post(client, detail(done, "reopen"), {"reason": "还在漏"})
    assert response.json()["status"] == "reopened"
    response = post(client, detail(done, "comment"), {"note": "晚上在宿舍"})
    assert response.status_code == 200
    assert client.get(detail(done, "events")).json()["results"][-1]["note"] == "晚上在宿舍"

    rated = RepairRequestFactory(requester=student, completed=True)
    assert post(client, detail(rated, "rate"), {"rating": 4}).json()["rating"] == 4


def test_it_lets_a_technician_hand_a_job_back(client, technician):
    repair = RepairRequestFactory(assigned=True, assignee=technician)
    body = post(as_user(client, technician), detail(repair, "hand-back"), {"reason": "不是水电"})
    assert body.status_code == 200
    assert body.json()["assignee"] is None


def test_it_lets_a_dispatcher_reject_with_a_reason(client, dispatcher):
    repair = RepairRequestFactory()
    client = as_user(client, dispatcher)
    response = post(client, detail(repair, "reject"))
    assert response.status_code == 400
    assert "reason" in response.json()["fields"]
    body = post(client, detail(repair, "reject"), {"reason": "不属于后勤"}).json()
    assert body["status"] == "rejected"
    assert body["rejection_reason"] == "不属于后勤"


def test_it_answers_409_when_the_state_no_longer_allows_the_action(client, dispatcher):
    repair = RepairRequestFactory()
    client = as_user(client, dispatcher)
    assert post(client, detail(repair, "accept")).status_code == 200
    response = post(client, detail(repair, "accept"))
    assert response.status_code == 409
    body = response.json()
    assert set(body) == ERROR_KEYS
    assert body["code"] == "invalid_transition"


def test_it_answers_409_to_the_loser_of_two_people_acting_at_once(dispatcher, technician):
    repair = RepairRequestFactory()
    stale = RepairRequest.objects.get(pk=repair.pk)
    services.repair_request_accept(repair=repair, by=dispatcher)
    with pytest.raises(errors.ConcurrentUpdate) as caught:
        services.repair_request_assign(repair=stale, technician=technician, by=dispatcher)
    # The one exception handler of the API answers it, as for every app.
    response = exception_handler(caught.value, {})
    assert response.status_code == 409
    assert response.data["code"] == "concurrent_update"


def test_it_answers_403_when_the_requester_tries_a_dispatchers_action(client, student):
    repair = RepairRequestFactory(requester=student)
    response = post(as_user(client, student), detail(repair, "accept"))
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert RepairRequest.objects.get().status == "submitted"


def test_it_refuses_to_assign_someone_who_is_not_a_technician(client, dispatcher, student):
    repair = RepairRequestFactory()
    response = post(
        as_user(client, dispatcher), detail(repair, "assign"), {"technician": student.pk}
    )
    assert response.status_code == 400
    assert "technician" in response.json()["fields"]


def test_it_refuses_a_rating_outside_one_to_five(client, student):
    repair = RepairRequestFactory(requester=student, completed=True)
    response = post(as_user(client, student), detail(repair, "rate"), {"rating": 6})
    assert response.status_code == 400
    assert "rating" in response.json()["fields"]


# --- Filters, ordering, pagination, query counts ------------------------------------------------


def test_it_filters_by_status_unassigned_and_category(client, manager, category):
    submitted = RepairRequestFactory(category=category)
    assigned = RepairRequestFactory(assigned=True)
    client = as_user(client, manager)
    ids = lambda query: [r["id"] for r in client.get(REQUESTS + query).json()["results"]]  # noqa: E731
    assert ids("?status=assigned") == [assigned.pk]
    assert ids("?unassigned=true") == [submitted.pk]
    assert ids(f"?category={category.parent_id}") == [submitted.pk]
    assert ids("?ordering=created") == [submitted.pk, assigned.pk]


def test_it_answers_400_to_a_bad_filter_value(client, manager):
    response = as_user(client, manager).get(REQUESTS + "?status=broken&building=x")
    assert response.status_code == 400
    assert {"status", "building"} <= set(response.json()["fields"])


def test_it_writes_a_request_s_photos_oldest_first_in_the_list_and_on_its_own(client, manager):
    repair = RepairRequestFactory()
    newer, older = RepairPhotoFactory(request=repair), RepairPhotoFactory(request=repair)
    older.created_at = newer.created_at - datetime.timedelta(minutes=5)  # the higher id, older
    older.save(update_fields=["created_at"])
    RepairPhotoFactory(request=RepairRequestFactory())  # another request's
    client = as_user(client, manager)

    (row,) = [r for r in client.get(REQUESTS).json()["results"] if r["id"] == repair.pk]
    alone = client.get(f"{REQUESTS}{repair.pk}/").json()

    assert [p["id"] for p in row["photos"]] == [older.pk, newer.pk]
    assert alone["photos"] == row["photos"]
    # read without with_photos(), the same list by a query of its own
    assert RepairRequest.objects.get(pk=repair.pk).photos_in_order == [older, newer]


def test_it_lists_requests_in_queries_independent_of_the_page_size(
    client, manager, django_assert_num_queries
):
    for repair in RepairRequestFactory.create_batch(12, assigned=True):
        RepairPhotoFactory(request=repair)
    client = as_user(client, manager)
    # user (with its roles and unread count), when a request last changed (the page's key) and
    # the page's keys (one join: the category's unit); lists are not counted. The rows not in
    # the cache yet add three: read whole (four joins), their technicians, their photos.
    with django_assert_num_queries(3 + 3):
        small = client.get(REQUESTS + "?page_size=2")
    with django_assert_num_queries(3 + 3):
        large = client.get(REQUESTS + "?page_size=12")
    # the same page again: kept whole (the user, the last change)
    with django_assert_num_queries(2):
        again = client.get(REQUESTS + "?page_size=12")
    assert len(small.json()["results"]) == 2
    assert len(large.json()["results"]) == 12
    assert again.json() == large.json()


def test_it_lists_the_timeline_in_a_fixed_number_of_queries(
    client, student, django_assert_num_queries
):
    repair = RepairRequestFactory(requester=student)
    for _ in range(5):
        RepairPhotoFactory(request=repair, event=RepairEventFactory(request=repair))
    client = as_user(client, student)
    # session, user, the request, page, photos (lists are not counted)
    with django_assert_num_queries(4):
        body = client.get(detail(repair, "events")).json()
    assert len(body["results"]) == 5
    assert all(len(e["photos"]) == 1 for e in body["results"])
    assert len(client.get(detail(repair, "events") + "?action=nothing").json()["results"]) == 0


def test_it_writes_an_event_s_photos_oldest_first_in_the_timeline_and_on_the_page(client, student):
    repair = RepairRequestFactory(requester=student)
    event = RepairEventFactory(request=repair, action="comment", note="又漏了")
    newer = RepairPhotoFactory(request=repair, event=event, kind="other")
    older = RepairPhotoFactory(request=repair, event=event, kind="other")
    older.created_at = newer.created_at - datetime.timedelta(minutes=5)  # the higher id, older
    older.save(update_fields=["created_at"])
    RepairPhotoFactory(request=repair, event=RepairEventFactory(request=repair))  # another's
    client = as_user(client, student)

    (row,) = [
        e for e in client.get(detail(repair, "events")).json()["results"] if e["id"] == event.pk
    ]
    page = client.get(repair.get_absolute_url()).text

    assert [p["id"] for p in row["photos"]] == [older.pk, newer.pk]
    older_url = reverse("repairs:photo", args=[repair.pk, older.pk])
    newer_url = reverse("repairs:photo", args=[repair.pk, newer.pk])
    assert page.index(older_url) < page.index(newer_url)
    # read without the prefetch, the same list by a query of its own
    assert RepairEvent.objects.get(pk=event.pk).photos_in_order == [older, newer]


# --- Categories ---------------------------------------------------------------------------------


def test_it_lists_categories_with_their_tree_and_questions(client, student, category):
    CategoryQuestionFactory(category=category, code="where", kind="singlevaluelist")
    body = as_user(client, student).get(CATEGORIES + "?leaf=true").json()
    assert [c["code"] for c in body["results"]] == ["tap"]
    tap = body["results"][0]
    assert tap["parent_code"] == "water"
    assert tap["is_leaf"] is True
    assert [q["code"] for q in tap["questions"]] == ["where"]
    assert tap["completion_hours"] == "24.00"


def test_it_lists_categories_in_queries_independent_of_the_page_size(
    client, student, django_assert_num_queries
):
    for parent in CategoryFactory.create_batch(6):
        CategoryQuestionFactory(category=CategoryFactory(parent=parent))
    client = as_user(client, student)
    with django_assert_num_queries(4):  # lists are not counted
        assert len(client.get(CATEGORIES + "?page_size=2").json()["results"]) == 2
    with django_assert_num_queries(4):
        assert len(client.get(CATEGORIES + "?page_size=12").json()["results"]) == 12


def test_it_lets_only_managers_write_categories(client, student, manager, category):
    data = {"code": "door", "name": "门窗", "completion_hours": "48"}
    assert post(as_user(client, student), CATEGORIES, data).status_code == 403
    response = post(as_user(client, manager), CATEGORIES, data)
    assert response.status_code == 201
    assert Category.objects.get(code="door").completion_hours == 48


def test_it_refuses_to_put_a_category_below_itself(client, manager, category):
    url = f"{CATEGORIES}{category.parent_id}/"
    response = as_user(client, manager).patch(
        url, {"parent": category.pk}, content_type="application/json"
    )
    assert response.status_code == 400
    assert "parent" in response.json()["fields"]


def test_it_answers_409_when_deleting_a_category_in_use(client, manager, category):
    RepairRequestFactory(category=category)
    response = as_user(client, manager).delete(f"{CATEGORIES}{category.pk}/")
    assert response.status_code == 409
