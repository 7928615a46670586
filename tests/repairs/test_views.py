"""The repairs pages: reporting, my requests, a request's page and its actions, the queue,
the workload, the workbench, photos and QR sheets — who may use them and what they answer."""

import re
import uuid
from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone, translation

from logistics.models import Notification, PendingUpload, StaffScope, User
from repairs import services
from repairs.models import RepairFollower, RepairPhoto, RepairRequest
from tests.logistics.factories import BuildingFactory, RoomFactory, UserFactory
from tests.repairs.factories import (
    CategoryFactory,
    CategoryQuestionFactory,
    RepairRequestFactory,
    image_upload,
    media_root,  # noqa: F401  (fixture)
)

Status = RepairRequest.Status
QUEUE_QUERIES = 7
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_root", "english")]


@pytest.fixture
def english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    translation.activate("en")
    yield
    translation.deactivate()


@pytest.fixture
def dispatcher(db):
    return UserFactory(username="d1001", roles=["repair_dispatcher"])


@pytest.fixture
def room(db):
    return RoomFactory(number="305")


@pytest.fixture
def category(db):
    parent = CategoryFactory(code="water", name="水电", name_en="Water and power")
    return CategoryFactory(code="light", name="灯具", name_en="Lights", parent=parent)


def as_user(client, user):
    client.force_login(user)
    return client


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def file_request(requester, room, category, **kwargs):
    kwargs.setdefault("description", "The ceiling light is dead")
    return services.repair_request_create(
        requester=requester, category=category, room=room, **kwargs
    )


def report_data(category, room, **extra):
    data = {
        "category": category.pk,
        "building": room.building_id,
        "room_number": room.number,
        "description": "The ceiling light flickers and goes out",
        "urgency": "normal",
        "contact_phone": "13800000000",
    }
    data.update(extra)
    return data


# --- Access ------------------------------------------------------------------------------------

PAGES = ["repairs:index", "repairs:mine", "repairs:create", "repairs:queue", "repairs:workbench"]


@pytest.mark.parametrize("name", PAGES)
def test_it_sends_anonymous_visitors_to_sign_in(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_it_hides_another_students_request_its_photos_and_actions(
    client, student, other_student, room, category
):
    repair = file_request(student, room, category, photos=[image_upload()])
    photo = repair.photos.get()
    as_user(client, other_student)
    assert client.get(reverse("repairs:detail", args=[repair.pk])).status_code == 404
    assert client.get(reverse("repairs:photo", args=[repair.pk, photo.pk])).status_code == 404
    # a number past the key's range is no request either (raw SQL on SQLite answered 500)
    assert client.get(reverse("repairs:detail", args=[10**20])).status_code == 404
    assert client.post(reverse("repairs:cancel", args=[repair.pk])).status_code == 404
    repair.refresh_from_db()
    assert repair.status == Status.SUBMITTED


@pytest.mark.parametrize(
    "name,kwargs",
    [
        ("repairs:queue", {}),
        ("repairs:workload", {}),
        ("repairs:workbench", {}),
        ("repairs:qr-sheets", {}),
    ],
)
def test_it_refuses_staff_pages_to_students_with_403(client, student, name, kwargs):
    assert as_user(client, student).get(reverse(name, kwargs=kwargs)).status_code == 403


def test_it_refuses_bulk_assign_to_students(client, student, technician, room, category):
    repair = file_request(student, room, category)
    response = as_user(client, student).post(
        reverse("repairs:assign-bulk"), {"requests": [repair.pk], "technician": technician.pk}
    )
    assert response.status_code == 403
    repair.refresh_from_db()
    assert repair.assignee is None


def test_it_answers_action_urls_only_to_post(client, student, room, category):
    repair = file_request(student, room, category)
    assert (
        as_user(client, student).get(reverse("repairs:cancel", args=[repair.pk])).status_code == 405
    )


def test_it_answers_403_when_a_requester_tries_a_dispatcher_action(
    client, student, technician, room, category
):
    repair = file_request(student, room, category)
    response = as_user(client, student).post(
        reverse("repairs:assign", args=[repair.pk]), {"technician": technician.pk}
    )
    assert response.status_code == 403
    repair.refresh_from_db()
    assert repair.status == Status.SUBMITTED


# --- Entry and my requests ---------------------------------------------------------------------


def test_it_lands_each_role_on_its_page(client, student, technician, dispatcher):
    assert as_user(client, dispatcher).get(reverse("repairs:index"))["Location"] == reverse(
        "repairs:queue"
    )
    assert as_user(client, technician).get(reverse("repairs:index"))["Location"] == reverse(
        "repairs:workbench"
    )
    response = as_user(client, student).get(reverse("repairs:index"))
    assert response.status_code == 200
    assert "My repairs" in response.text


def test_it_lists_my_requests_with_state_badges_and_not_other_peoples(
    client, student, other_student, room, category
):
    mine = file_request(student, room, category, description="My light is dead")
    file_request(other_student, room, category, description="Not my request at all")
    response = as_user(client, student).get(reverse("repairs:mine"))
    assert mine.get_absolute_url() in response.text
    assert 'class="state state-submitted"' in response.text
    assert "Not my request" not in response.text
    assert response.text.count('class="repair-item card"') == 1


def test_it_shows_closed_requests_only_under_all(client, student, room, category):
    RepairRequestFactory(requester=student, room=room, category=category, status=Status.CLOSED)
    as_user(client, student)
    assert 'class="repair-item card"' not in client.get(reverse("repairs:mine")).text
    response = client.get(reverse("repairs:mine") + "?show=all")
    assert response.text.count('class="repair-item card"') == 1


def test_it_lists_my_requests_in_a_fixed_number_of_queries(
    client, student, room, category, django_assert_num_queries
):
    as_user(client, student)
    # the user with its roles (for_user) and unread count, the page's rows (with category and
    # place; not counted); the session is cached
    for total in (3, 30):
        RepairRequestFactory.create_batch(
            total - RepairRequest.objects.count(), requester=student, category=category
        )
        with django_assert_num_queries(2):
            response = client.get(reverse("repairs:mine"))
        assert len(response.context["page"].object_list) == min(total, 25)


# --- Reporting ---------------------------------------------------------------------------------


def test_it_files_a_request_with_a_photo_and_streams_the_photo_privately(
    client, student, room, category
):
    photo = image_upload("light.png", fmt="PNG")
    data = report_data(category, room, photos=[photo], visit_windows=["weekday-evening"])
    response = as_user(client, student).post(reverse("repairs:create"), data)
    repair = RepairRequest.objects.get(requester=student)
    assert response.status_code == 302
    assert response["Location"] == repair.get_absolute_url()
    assert (repair.room, repair.building, repair.category) == (room, room.building, category)
    assert repair.preferred_windows == "Weekday evenings"
    assert repair.contact_phone == "13800000000"
    stored = repair.photos.get()
    assert stored.kind == RepairPhoto.Kind.REPORT
    page = client.get(repair.get_absolute_url())
    assert stored.get_absolute_url() in page.text
    streamed = client.get(stored.get_absolute_url())
    assert streamed.status_code == 200
    assert streamed["Content-Type"] == "image/png"
    assert streamed["Cache-Control"].startswith("private")
    assert b"".join(streamed.streaming_content).startswith(b"\x89PNG")


def test_it_files_a_request_for_a_free_text_place(client, student, category):
    data = {
        "category": category.pk,
        "place_text": "East gate bicycle shed",
        "description": "The lamp above the shed is out",
        "urgency": "low",
    }
    response = as_user(client, student).post(reverse("repairs:create"), data)
    assert response.status_code == 302
    repair = RepairRequest.objects.get(requester=student)
    assert (repair.room, repair.place_text) == (None, "East gate bicycle shed")


def test_it_prefills_the_place_from_my_dorm_room_and_the_phone_from_my_profile(
    client, student, room
):
    student.dorm_room, student.phone = room, "13911112222"
    student.save(update_fields=["dorm_room", "phone"])
    form = as_user(client, student).get(reverse("repairs:create")).context["form"]
    assert form.initial["building"] == room.building
    assert form.initial["room_number"] == "305"
    assert form.initial["contact_phone"] == "13911112222"


def test_it_prefills_the_room_or_building_a_qr_code_names(client, student, room):
    other_room = RoomFactory(number="512")
    as_user(client, student)
    form = client.get(reverse("repairs:create") + f"?room={other_room.pk}").context["form"]
    assert (form.initial["building"], form.initial["room_number"]) == (other_room.building, "512")
    building = BuildingFactory()
    form = client.get(reverse("repairs:create") + f"?building={building.pk}").context["form"]
    assert form.initial["building"] == building
    assert "room_number" not in form.initial


def test_it_ignores_a_nonsense_room_in_the_address(client, student):
    response = as_user(client, student).get(reverse("repairs:create") + "?room=abc&building=-1")
    assert response.status_code == 200


def test_it_shows_the_category_tree_with_leaves_as_radio_buttons(client, student, category):
    CategoryFactory(code="retired", name_en="Retired kind", is_active=False)
    html = as_user(client, student).get(reverse("repairs:create")).text
    assert "Water and power" in html  # the top level as a group
    assert f'name="category" value="{category.pk}"' in html
    assert f'value="{category.parent_id}"' not in html  # a group is not a leaf
    assert "Retired kind" not in html


def test_it_keeps_everything_and_explains_when_the_report_is_incomplete(
    client, student, room, category
):
    data = report_data(category, room, description="", photos=[image_upload()])
    response = as_user(client, student).post(reverse("repairs:create"), data)
    assert response.status_code == 400
    assert RepairRequest.objects.count() == 0
    form = response.context["form"]
    assert "Tell us briefly what is wrong." in form.errors["description"]
    html = response.text
    assert 'value="13800000000"' in html  # the phone is kept
    assert f'value="{category.pk}" checked' in html
    assert 'name="photos_kept"' in html  # the photo is kept (tests/logistics/test_kept_photos.py)


def test_it_says_which_room_does_not_exist(client, student, room, category):
    data = report_data(category, room, room_number="9999")
    response = as_user(client, student).post(reverse("repairs:create"), data)
    assert response.status_code == 400
    assert "There is no room 9999 in" in response.text


def test_it_refuses_a_file_that_is_not_a_photo(client, student, room, category):
    from django.core.files.uploadedfile import SimpleUploadedFile

    fake = SimpleUploadedFile("light.jpg", b"%PDF-1.4 not an image", content_type="image/jpeg")
    response = as_user(client, student).post(
        reverse("repairs:create"), report_data(category, room, photos=[fake])
    )
    assert response.status_code == 400
    assert "is not a JPEG, PNG or WebP photo" in response.text
    assert RepairRequest.objects.count() == 0


def test_it_asks_the_categorys_questions_and_validates_the_answers(client, student, room, category):
    CategoryQuestionFactory(
        category=category, code="bulbs", label_en="How many bulbs?", kind="number", required=True
    )
    CategoryQuestionFactory(
        category=category,
        code="kind",
        label_en="Which light?",
        kind="singlevaluelist",
        choices=[{"key": "ceiling", "name": "Ceiling"}, {"key": "desk", "name": "Desk"}],
    )
    as_user(client, student)
    questions = client.get(reverse("repairs:create-questions") + f"?category={category.pk}")
    assert "How many bulbs?" in questions.text
    assert 'type="number"' in questions.text
    assert 'value="ceiling"' in questions.text
    bad = client.post(reverse("repairs:create"), report_data(category, room, q_bulbs="many"))
    assert bad.status_code == 400
    assert "Enter a number." in bad.context["form"].errors["q_bulbs"]
    good = client.post(
        reverse("repairs:create"), report_data(category, room, q_bulbs="2", q_kind="desk")
    )
    assert good.status_code == 302
    assert RepairRequest.objects.get().answers == {"bulbs": 2, "kind": "desk"}
    detail = client.get(good["Location"])
    assert "How many bulbs?" in detail.text
    assert "Desk" in detail.text


def test_it_answers_no_questions_for_an_unknown_category(client, student):
    response = as_user(client, student).get(reverse("repairs:create-questions") + "?category=x")
    assert response.status_code == 200
    assert "<fieldset" not in response.text


def test_it_points_to_an_open_request_for_the_same_room_and_category(
    client, student, other_student, room, category
):
    earlier = file_request(other_student, room, category)
    as_user(client, student)
    query = f"?category={category.pk}&building={room.building_id}&room_number={room.number}"
    hint = client.get(reverse("repairs:similar") + query)
    assert "Someone has already reported this:" in hint.text
    assert "message-error" not in hint.text and "message-warning" not in hint.text
    assert reverse("repairs:follow", args=[earlier.pk]) in hint.text
    assert earlier.number in hint.text
    assert f'href="{earlier.get_absolute_url()}"' not in hint.text  # not theirs to open
    other_category = CategoryFactory(code="door")
    other = client.get(
        reverse("repairs:similar")
        + f"?category={other_category.pk}&building={room.building_id}&room_number={room.number}"
    )
    assert "already reported" not in other.text
    # The form opened from the room's QR code shows it too, and still files a new request.
    page = client.get(reverse("repairs:create") + f"?room={room.pk}&category={category.pk}")
    assert "Someone has already reported this:" in page.text
    response = client.post(reverse("repairs:create"), report_data(category, room))
    assert response.status_code == 302
    assert RepairRequest.objects.filter(room=room, category=category).count() == 2


def test_it_files_a_double_tapped_report_once(client, student, room, category):
    as_user(client, student)
    data = report_data(category, room, submission_token=str(uuid.uuid4()))
    first = client.post(reverse("repairs:create"), data)
    second = client.post(reverse("repairs:create"), data)
    assert RepairRequest.objects.filter(requester=student).count() == 1
    assert second.status_code == 302 and second["Location"] == first["Location"]
    assert "already sent" in messages_of(second)[-1]


def test_it_words_the_hint_for_ones_own_earlier_request(client, student, room, category):
    mine = file_request(student, room, category)
    as_user(client, student)
    query = f"?category={category.pk}&building={room.building_id}&room_number={room.number}"
    hint = client.get(reverse("repairs:similar") + query).text
    assert "You reported this already:" in hint
    assert mine.get_absolute_url() in hint
    assert "Someone has already reported" not in hint
    assert reverse("repairs:follow", args=[mine.pk]) not in hint


def test_it_lets_a_student_follow_a_request_and_tells_them_of_its_progress(
    client, student, other_student, room, category, technician, manager
):
    earlier = file_request(other_student, room, category)
    as_user(client, student)
    url = reverse("repairs:follow", args=[earlier.pk])

    answer = client.post(url, HTTP_HX_REQUEST="true")
    again = client.post(url)

    assert f"You follow {earlier.number}" in answer.text
    assert again.status_code == 302
    assert list(earlier.followers.values_list("user", flat=True)) == [student.pk]
    services.repair_request_assign(repair=earlier, technician=technician, by=manager)
    services.repair_request_start(repair=earlier, by=technician)
    followed = Notification.objects.filter(recipient=student).values_list("kind", "url")
    assert ("repairs.started", "") in list(followed)
    assert not Notification.objects.filter(recipient=student, kind="repairs.assigned").exists()
    query = f"?category={category.pk}&building={room.building_id}&room_number={room.number}"
    assert "You follow this request" in client.get(reverse("repairs:similar") + query).text


def test_it_refuses_to_follow_ones_own_or_a_closed_request(client, student, room, category):
    mine = file_request(student, room, category)
    closed = RepairRequestFactory(room=room, category=category, status=Status.CLOSED)
    as_user(client, student)
    client.post(reverse("repairs:follow", args=[mine.pk]))
    assert client.post(reverse("repairs:follow", args=[closed.pk])).status_code == 404
    assert not RepairFollower.objects.exists()


def test_it_does_not_hint_at_closed_requests(client, student, room, category):
    RepairRequestFactory(room=room, category=category, status=Status.CLOSED)
    query = f"?category={category.pk}&building={room.building_id}&room_number={room.number}"
    response = as_user(client, student).get(reverse("repairs:similar") + query)
    assert "Already reported" not in response.text


# --- A request's page and the requester's actions ----------------------------------------------


def test_it_shows_state_place_timeline_and_the_requesters_actions(client, student, room, category):
    repair = file_request(student, room, category)
    html = as_user(client, student).get(repair.get_absolute_url()).text
    assert repair.number in html
    assert str(room) in html
    assert "Reported" in html  # the timeline's first entry
    assert reverse("repairs:cancel", args=[repair.pk]) in html
    assert reverse("repairs:assign", args=[repair.pk]) not in html
    assert reverse("repairs:start", args=[repair.pk]) not in html


def test_it_cancels_my_request_with_a_message(client, student, room, category):
    repair = file_request(student, room, category)
    response = as_user(client, student).post(
        reverse("repairs:cancel", args=[repair.pk]), {"reason": "Fixed it myself"}
    )
    assert response.status_code == 302
    assert messages_of(response) == ["The request was cancelled."]
    repair.refresh_from_db()
    assert repair.status == Status.CANCELLED


def test_it_turns_a_refused_transition_into_a_message_not_an_error(client, student, room, category):
    repair = file_request(student, room, category)
    as_user(client, student)
    client.post(reverse("repairs:cancel", args=[repair.pk]))
    response = client.post(reverse("repairs:cancel", args=[repair.pk]))
    assert response.status_code == 302
    assert response["Location"] == repair.get_absolute_url()
    assert messages_of(response)[-1] == (
        "This request is no longer in a state that allows this action."
    )


def test_it_confirms_with_a_rating_and_offers_the_stars_after_completion(
    client, student, technician, dispatcher, room, category
):
    repair = file_request(student, room, category)
    services.repair_request_assign(repair=repair, technician=technician, by=dispatcher)
    services.repair_request_start(repair=repair, by=technician)
    services.repair_request_complete(repair=repair, by=technician, note="New tube")
    as_user(client, student)
    page = client.get(repair.get_absolute_url()).text
    assert 'id="confirm-star-5"' in page
    assert "Is it repaired?" in page
    response = client.post(
        reverse("repairs:confirm", args=[repair.pk]), {"rating": "4", "comment": "Quick"}
    )
    assert messages_of(response) == ["Thank you for confirming the repair."]
    repair.refresh_from_db()
    assert (repair.status, repair.rating) == (Status.CONFIRMED, 4)


def test_it_refuses_a_rating_outside_one_to_five(
    client, student, technician, dispatcher, room, category
):
    repair = file_request(student, room, category)
    services.repair_request_assign(repair=repair, technician=technician, by=dispatcher)
    services.repair_request_complete(repair=repair, by=technician)
    response = as_user(client, student).post(
        reverse("repairs:confirm", args=[repair.pk]), {"rating": "9"}
    )
    assert response.status_code == 302
    assert "Select a valid choice" in messages_of(response)[0]
    repair.refresh_from_db()
    assert repair.status == Status.COMPLETED


def test_it_reopens_only_with_a_reason(client, student, technician, dispatcher, room, category):
    repair = file_request(student, room, category)
    services.repair_request_assign(repair=repair, technician=technician, by=dispatcher)
    services.repair_request_complete(repair=repair, by=technician)
    as_user(client, student)
    response = client.post(reverse("repairs:reopen", args=[repair.pk]), {"reason": " "})
    assert messages_of(response) == ["Say what is still wrong."]
    repair.refresh_from_db()
    assert repair.status == Status.COMPLETED
    client.post(reverse("repairs:reopen", args=[repair.pk]), {"reason": "Flickers again"})
    repair.refresh_from_db()
    assert repair.status == Status.REOPENED


def test_it_ignores_a_foreign_next_address_after_an_action(client, student, room, category):
    repair = file_request(student, room, category)
    response = as_user(client, student).post(
        reverse("repairs:cancel", args=[repair.pk]), {"next": "https://evil.example/"}
    )
    assert response["Location"] == repair.get_absolute_url()


def test_it_adds_a_comment_with_a_photo_to_the_timeline(client, student, room, category):
    repair = file_request(student, room, category)
    as_user(client, student)
    client.post(
        reverse("repairs:comment", args=[repair.pk]),
        {"note": "It sparks now", "photos": [image_upload("spark.webp", fmt="WEBP")]},
    )
    html = client.get(repair.get_absolute_url()).text
    assert "It sparks now" in html
    photo = repair.photos.get()
    assert photo.get_absolute_url() in html


# --- Dispatch ----------------------------------------------------------------------------------


def test_it_lets_a_dispatcher_accept_reject_and_assign_from_the_request_page(
    client, student, dispatcher, technician, room, category
):
    first, second = file_request(student, room, category), file_request(student, room, category)
    as_user(client, dispatcher)
    html = client.get(first.get_absolute_url()).text
    assert reverse("repairs:assign", args=[first.pk]) in html
    assert technician.get_display_name() in html
    client.post(reverse("repairs:accept", args=[first.pk]))
    response = client.post(
        reverse("repairs:assign", args=[first.pk]), {"technician": technician.pk, "note": "Today"}
    )
    assert messages_of(response)[-1] == "The request was assigned."
    first.refresh_from_db()
    assert (first.status, first.assignee) == (Status.ASSIGNED, technician)
    missing = client.post(reverse("repairs:reject", args=[second.pk]), {"reason": ""})
    assert "Say why the request is rejected." in messages_of(missing)
    client.post(reverse("repairs:reject", args=[second.pk]), {"reason": "Not a repair"})
    second.refresh_from_db()
    assert (second.status, second.rejection_reason) == (Status.REJECTED, "Not a repair")


def test_it_filters_the_queue_by_state_category_building_overdue_and_unassigned(
    client, dispatcher, technician, category
):
    now = timezone.now()
    building = BuildingFactory()
    late = RepairRequestFactory(category=category, completion_due_at=now - timedelta(hours=2))
    elsewhere = RepairRequestFactory(room=RoomFactory(building=building))
    taken = RepairRequestFactory(assigned=True, assignee=technician)
    done = RepairRequestFactory(status=Status.CLOSED)
    as_user(client, dispatcher)

    def shown(query=""):
        page = client.get(reverse("repairs:queue") + query).context["page"]
        return {r.pk for r in page.object_list}

    assert shown() == {late.pk, elsewhere.pk, taken.pk}  # open requests by default
    assert shown("?overdue=true") == {late.pk}
    assert shown(f"?category={category.parent_id}") == {late.pk}  # with its subcategories
    assert shown(f"?building={building.pk}") == {elsewhere.pk}
    assert shown("?unassigned=true&is_open=true") == {late.pk, elsewhere.pk}
    assert shown("?status=closed") == {done.pk}
    assert shown("?filtered=1") == {late.pk, elsewhere.pk, taken.pk, done.pk}  # "open" unticked
    assert shown(f"?q={taken.number}") == {taken.pk}


def test_it_sorts_the_queue_by_due_time(client, dispatcher):
    now = timezone.now()
    later = RepairRequestFactory(completion_due_at=now + timedelta(days=3))
    sooner = RepairRequestFactory(completion_due_at=now + timedelta(hours=1))
    page = as_user(client, dispatcher).get(reverse("repairs:queue")).context["page"]
    assert [r.pk for r in page.object_list] == [sooner.pk, later.pk]


def test_the_queue_s_dropdowns_keep_the_chosen_filters_and_escape_names(
    client, dispatcher, category
):
    building = BuildingFactory(name_en='Hall "A" <east> & co')
    as_user(client, dispatcher)
    url = reverse("repairs:queue")
    html = client.get(
        f"{url}?category={category.pk}&building={building.pk}&status=submitted&status=on_hold"
    ).text

    chosen = re.findall(r'<option value="([^"]*)" selected>', html)
    assert sorted(chosen) == sorted([str(category.pk), str(building.pk), "submitted", "on_hold"])
    assert f'<option value="{building.pk}" selected>' in html
    assert "Hall &quot;A&quot; &lt;east&gt; &amp; co" in html
    assert 'Hall "A" <east>' not in html
    assert ">Submitted</option>" in html  # the states in the page's language


def test_it_reports_filters_it_does_not_understand_and_never_fails(client, dispatcher):
    response = as_user(client, dispatcher).get(
        reverse("repairs:queue") + "?status=bogus&category=abc&created_after=yesterday&page=x"
    )
    assert response.status_code == 200
    assert "Some filters were not understood" in response.text


def test_it_shows_only_the_dispatchers_scope_in_the_queue(client, category):
    building = BuildingFactory()
    scoped = UserFactory(username="d2002", roles=["repair_dispatcher"])
    StaffScope.objects.create(user=scoped, role="repair_dispatcher", building=building)
    inside = RepairRequestFactory(room=RoomFactory(building=building))
    RepairRequestFactory()
    page = as_user(client, scoped).get(reverse("repairs:queue")).context["page"]
    assert [r.pk for r in page.object_list] == [inside.pk]


def test_it_renders_the_queue_in_a_fixed_number_of_queries(
    client, dispatcher, technician, category, django_assert_num_queries
):
    as_user(client, dispatcher)
    # the user with its roles, scopes and unread count, when a request last changed (the body's
    # key), count, rows' keys, technicians, categories, buildings (the session is cached); and
    # the rows not in the cache yet, read whole in one query
    for total in (3, 30):
        RepairRequestFactory.create_batch(total - RepairRequest.objects.count(), category=category)
        RepairRequestFactory(assigned=True)  # with an assignee, a building and a room
        with django_assert_num_queries(QUEUE_QUERIES + 1):
            response = client.get(reverse("repairs:queue"))
        assert len(response.context["page"].object_list) == min(total + 1, 25)
        # another address (an empty search) draws another body from the same cached rows
        with django_assert_num_queries(QUEUE_QUERIES):
            sorted_ = client.get(reverse("repairs:queue") + "?q=")
        assert sorted_.context["rows"] == response.context["rows"]
        # the same address again: the body is the cache's (the user, when a request last changed)
        with django_assert_num_queries(2):
            again = client.get(reverse("repairs:queue"))
        assert _without_token(again) == _without_token(response)


def _without_token(response) -> str:
    """The queue's body without the CSRF token, which differs per response."""
    body = response.context["body"]
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", body)


def test_it_assigns_in_bulk_and_reports_each_failure(
    client, dispatcher, technician, student, room, category
):
    first, second = file_request(student, room, category), file_request(student, room, category)
    cancelled = file_request(student, room, category)
    services.repair_request_cancel(repair=cancelled, by=student)
    ids = [first.pk, second.pk, cancelled.pk, 999999]
    response = as_user(client, dispatcher).post(
        reverse("repairs:assign-bulk"), {"requests": ids, "technician": technician.pk}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("repairs:queue")
    texts = messages_of(response)
    assert f"2 requests assigned to {technician.get_display_name()}." in texts
    assert "Request R999999 was not found." in texts
    assert any(cancelled.number in text for text in texts)
    assert set(RepairRequest.objects.filter(assignee=technician).values_list("pk", flat=True)) == {
        first.pk,
        second.pk,
    }


def test_it_asks_for_a_technician_and_a_tick_before_bulk_assigning(client, dispatcher):
    response = as_user(client, dispatcher).post(reverse("repairs:assign-bulk"), {})
    texts = " ".join(messages_of(response))
    assert "Tick the requests to assign first." in texts
    assert "Choose a technician." in texts


def test_it_counts_open_jobs_per_technician(
    client, dispatcher, technician, django_assert_num_queries
):
    other = UserFactory(username="t1002", roles=["technician"])
    RepairRequestFactory.create_batch(2, assigned=True, assignee=technician)
    RepairRequestFactory(
        assigned=True, assignee=technician, completion_due_at=timezone.now() - timedelta(hours=1)
    )
    RepairRequestFactory(assignee=technician, status=Status.CLOSED)
    as_user(client, dispatcher)
    # the user with its roles, scopes (for the navigation's "Manage") and unread count, and the
    # one aggregate query of the technicians, whatever their number; the session is cached
    with django_assert_num_queries(2):
        response = client.get(reverse("repairs:workload"))
    UserFactory.create_batch(3, roles=["technician"])
    with django_assert_num_queries(2):
        client.get(reverse("repairs:workload"))
    rows = {row.pk: row for row in response.context["rows"]}
    assert (rows[technician.pk].open_jobs, rows[technician.pk].overdue) == (3, 1)
    assert rows[other.pk].open_jobs == 0
    assert list(rows) == [technician.pk, other.pk]  # the busiest first


# --- Workbench ---------------------------------------------------------------------------------


@pytest.fixture
def job(student, technician, dispatcher, room, category):
    repair = file_request(student, room, category, contact_phone="13700001111")
    return services.repair_request_assign(repair=repair, technician=technician, by=dispatcher)


def test_it_lists_my_jobs_by_due_time_with_one_tap_start(client, technician, job):
    later = RepairRequestFactory(
        assigned=True, assignee=technician, completion_due_at=job.completion_due_at + timedelta(1)
    )
    RepairRequestFactory(assigned=True)  # somebody else's job
    response = as_user(client, technician).get(reverse("repairs:workbench"))
    assert [j.pk for j in response.context["jobs"]] == [job.pk, later.pk]
    assert f'hx-post="{reverse("repairs:start", args=[job.pk])}"' in response.text
    assert 'href="tel:13700001111"' in response.text


def test_it_starts_holds_resumes_and_completes_a_job_card_by_card(client, technician, job):
    as_user(client, technician)
    htmx = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": f"job-{job.pk}"}
    started = client.post(reverse("repairs:start", args=[job.pk]), **htmx)
    assert started.status_code == 200
    assert started.text.lstrip().startswith(f'<article class="card job-card" id="job-{job.pk}"')
    assert "Work started." in started.text
    assert 'id="done-today" hx-swap-oob="true"' in started.text
    assert "0 completed today." in started.text
    held = client.post(reverse("repairs:hold", args=[job.pk]), {"reason": "Need a ballast"}, **htmx)
    assert "The job is on hold" in held.text
    assert reverse("repairs:resume", args=[job.pk]) in held.text
    client.post(reverse("repairs:resume", args=[job.pk]), **htmx)
    done = client.post(
        reverse("repairs:complete", args=[job.pk]),
        {
            "note": "Replaced the ballast",
            "labour_minutes": "35",
            "materials": "1 ballast",
            "photos": [image_upload("done.jpg")],
        },
        **htmx,
    )
    assert "The job is marked completed." in done.text
    assert "1 completed today." in done.text  # the workbench's count, swapped out of band
    page = client.get(reverse("repairs:workbench")).text
    assert page.count('id="done-today"') == 1 and "hx-swap-oob" not in page
    job.refresh_from_db()
    assert (job.status, job.labour_minutes, job.materials) == (Status.COMPLETED, 35, "1 ballast")
    assert job.photos.filter(kind=RepairPhoto.Kind.COMPLETION).count() == 1


def test_it_answers_a_card_with_the_error_when_the_job_moved_on(client, technician, job):
    as_user(client, technician)
    htmx = {"HTTP_HX_REQUEST": "true"}
    response = client.post(reverse("repairs:resume", args=[job.pk]), **htmx)
    assert response.status_code == 200
    assert "message-error" in response.text
    assert "no longer in a state" in response.text


def test_it_answers_bad_labour_minutes_beside_the_field(client, technician, job):
    as_user(client, technician)
    services.repair_request_start(repair=job, by=technician)
    response = client.post(
        reverse("repairs:complete", args=[job.pk]), {"labour_minutes": "-5", "note": "Fixed"}
    )
    assert response.status_code == 400
    assert (
        "data-error-summary" in response.text
        and 'href="#id_complete_labour_minutes"' in response.text
    )
    assert "greater than or equal to 0" in response.text
    assert "Fixed</textarea>" in response.text  # what was typed is kept
    job.refresh_from_db()
    assert job.status == Status.IN_PROGRESS


def kept_tokens(response, field="photos") -> list[str]:
    return re.findall(rf'name="{field}_kept" value="([^"]+)"', response.text)


def test_a_completion_that_comes_back_keeps_its_photo(client, technician, job):
    as_user(client, technician)
    services.repair_request_start(repair=job, by=technician)
    url = reverse("repairs:complete", args=[job.pk])
    first = client.post(url, {"labour_minutes": "-5", "photos": [image_upload("done.jpg")]})

    assert first.status_code == 400 and not job.photos.exists()
    [token] = kept_tokens(first)
    assert 'alt="done.jpg"' in first.text and "kept from before" in first.text
    assert reverse("kept-photo", kwargs={"token": token}) in first.text  # the preview
    # the one-tap forms and the language switch lead back to the request's page
    assert f'name="next" value="{job.get_absolute_url()}"' in first.text

    second = client.post(url, {"labour_minutes": "20", "photos_kept": token})
    assert second.status_code == 302
    job.refresh_from_db()
    assert (job.status, job.labour_minutes) == (Status.COMPLETED, 20)
    photo = job.photos.get(kind=RepairPhoto.Kind.COMPLETION)
    assert photo.image.storage.exists(photo.image.name)
    assert not PendingUpload.objects.exists()


def test_a_job_card_that_comes_back_keeps_its_photo(client, technician, job):
    as_user(client, technician)
    htmx = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": f"job-{job.pk}"}
    url = reverse("repairs:complete", args=[job.pk])
    first = client.post(
        url, {"labour_minutes": "99999", "photos": [image_upload("done.jpg")]}, **htmx
    )

    assert first.status_code == 200  # htmx swaps 200s only
    assert first.text.lstrip().startswith(f'<article class="card job-card" id="job-{job.pk}"')
    assert "data-error-summary" in first.text
    assert f'href="#id_complete_{job.pk}_labour_minutes"' in first.text
    assert '<details class="action-details" open>' in first.text
    assert f'id="id_complete_{job.pk}_labour_minutes"' in first.text
    [token] = kept_tokens(first)
    assert 'alt="done.jpg"' in first.text

    second = client.post(url, {"labour_minutes": "30", "photos_kept": token}, **htmx)
    assert "The job is marked completed." in second.text
    job.refresh_from_db()
    assert job.status == Status.COMPLETED
    assert job.photos.filter(kind=RepairPhoto.Kind.COMPLETION).count() == 1


def test_a_comment_that_comes_back_keeps_its_photo(client, student, room, category):
    repair = file_request(student, room, category)
    as_user(client, student)
    url = reverse("repairs:comment", args=[repair.pk])
    first = client.post(url, {"note": "x" * 2001, "photos": [image_upload("spark.png", fmt="PNG")]})

    assert first.status_code == 400 and not repair.photos.exists()
    assert 'href="#id_comment_note"' in first.text
    assert '<details class="action-details" open>' in first.text
    [token] = kept_tokens(first)
    assert 'alt="spark.png"' in first.text

    second = client.post(url, {"note": "It sparks now", "photos_kept": token})
    assert second.status_code == 302
    event = repair.events.get(action="comment")
    assert (event.note, event.photos.count()) == ("It sparks now", 1)


def test_another_persons_kept_photo_is_refused_on_an_action_form(
    client, student, other_student, room, category
):
    repair = file_request(student, room, category)
    url = reverse("repairs:comment", args=[repair.pk])
    as_user(client, other_student)
    theirs = file_request(other_student, room, category)
    first = client.post(
        reverse("repairs:comment", args=[theirs.pk]),
        {"note": "x" * 2001, "photos": [image_upload()]},
    )
    [token] = kept_tokens(first)

    as_user(client, student)
    response = client.post(url, {"note": "Mine", "photos_kept": token})
    assert response.status_code == 400
    assert "could not be kept" in response.text
    assert not repair.events.filter(action="comment").exists()


def test_it_hands_a_job_back_and_it_leaves_the_workbench(client, technician, job):
    as_user(client, technician)
    response = client.post(
        reverse("repairs:hand-back", args=[job.pk]),
        {"reason": "Needs an electrician"},
        HTTP_HX_REQUEST="true",
    )
    assert f'id="job-{job.pk}"' in response.text
    assert "handed back" in response.text
    job.refresh_from_db()
    assert job.assignee is None
    plain = client.post(reverse("repairs:hand-back", args=[job.pk]), {"reason": "again"})
    assert plain.status_code == 404  # no longer theirs to see


# --- Photos ------------------------------------------------------------------------------------


def test_it_streams_a_photo_to_the_assignee_and_not_under_another_request(
    client, technician, job, student, room, category
):
    photo = RepairPhoto.objects.create(
        request=job, kind="report", image=image_upload("x.jpg"), uploaded_by=student
    )
    other = file_request(student, room, category)
    as_user(client, technician)
    assert client.get(reverse("repairs:photo", args=[job.pk, photo.pk])).status_code == 200
    assert client.get(reverse("repairs:photo", args=[other.pk, photo.pk])).status_code == 404


# --- QR sheets ---------------------------------------------------------------------------------


def test_it_prints_a_qr_code_for_every_room_of_a_building(client, dispatcher, settings):
    settings.SITE_URL = "https://portal.example.edu.cn"
    building = BuildingFactory()
    rooms = [RoomFactory(building=building, number=n) for n in ("101", "102", "201")]
    response = as_user(client, dispatcher).get(reverse("repairs:qr-sheet", args=[building.pk]))
    assert response.status_code == 200
    html = response.text
    assert html.count('<svg viewBox="0 0') == len(rooms) + 1  # and one for the building
    for room in rooms:
        assert f"https://portal.example.edu.cn/repairs/new/?room={room.pk}" in html
    assert re.search(r"<svg[^>]*\sstyle=", html) is None  # nothing the CSP would block


def test_it_decodes_to_the_report_form_of_that_room(client, student, room, category):
    # What a phone does with the code: opens the address, which pre-fills the place.
    from repairs.views.qr import report_url

    url = report_url(f"room={room.pk}")
    path = url.removeprefix(settings.SITE_URL)
    form = as_user(client, student).get(path).context["form"]
    assert (form.initial["building"], form.initial["room_number"]) == (room.building, "305")


def test_it_lets_dorm_managers_print_qr_sheets_and_refuses_technicians(client, technician):
    building = BuildingFactory()
    dorm_manager = UserFactory(username="dm1", roles=["dorm_manager"])
    url = reverse("repairs:qr-sheet", args=[building.pk])
    assert as_user(client, dorm_manager).get(url).status_code == 200
    assert as_user(client, technician).get(url).status_code == 403
    assert (
        as_user(client, dorm_manager).get(reverse("repairs:qr-sheet", args=[99999])).status_code
        == 404
    )


# --- Home sections -----------------------------------------------------------------------------


def test_it_shows_my_repairs_on_the_home_page(client, student, room, category):
    repair = file_request(student, room, category)
    html = as_user(client, student).get(reverse("home")).text
    assert "My repairs" in html
    assert repair.get_absolute_url() in html


def test_it_shows_a_technician_todays_jobs_on_the_home_page(client, technician, job):
    html = as_user(client, technician).get(reverse("home")).text
    assert "My jobs today" in html
    assert job.get_absolute_url() in html


def test_it_shows_a_dispatcher_the_queue_card_of_their_scope_on_the_home_page(
    client, dispatcher, django_assert_num_queries
):
    building = BuildingFactory()
    StaffScope.objects.create(user=dispatcher, role="repair_dispatcher", building=building)
    now = timezone.now()
    soon = RepairRequestFactory(
        room=RoomFactory(building=building), completion_due_at=now + timedelta(hours=2)
    )
    late = RepairRequestFactory(
        room=RoomFactory(building=building), completion_due_at=now - timedelta(hours=1)
    )
    RepairRequestFactory(room=RoomFactory(building=building), assigned=True)
    RepairRequestFactory(room=RoomFactory(building=building), completed=True)
    elsewhere = RepairRequestFactory()  # another building: not this dispatcher's
    as_user(client, dispatcher)
    # Warm the cached parts of the other sections (dining's canteens and allergens), which an
    # earlier test may or may not have left in the cache.
    client.get(reverse("home"))
    # The card's counts and first five beside the other sections'; the dispatcher's scopes came
    # with the session's user (User.scope_rows), for the card, the other sections and "Manage".
    with django_assert_num_queries(7):
        html = client.get(reverse("home")).text
    card = html[html.index("Dispatch queue") :]
    assert "2 waiting for a technician" in card
    assert "1 overdue" in card
    assert card.index(late.get_absolute_url()) < card.index(soon.get_absolute_url())
    assert elsewhere.get_absolute_url() not in html
    queue = reverse("repairs:queue")
    assert f'href="{queue}?unassigned=true"' in card
    assert f'href="{queue}?overdue=true"' in card
    RepairRequestFactory.create_batch(6, room=RoomFactory(building=building))
    with django_assert_num_queries(7):
        html = client.get(reverse("home")).text
    assert "8 waiting for a technician" in html


def test_it_shows_the_dispatch_card_to_dispatchers_only(client, student, technician):
    for user in (student, technician):
        assert "Dispatch queue" not in as_user(client, user).get(reverse("home")).text


@pytest.mark.parametrize(
    "reader, dispatches",
    [
        ("student", False),
        ("technician", False),
        ("inactive dispatcher", False),
        ("dispatcher", True),
        ("scoped dispatcher", True),
        ("manager", True),
        ("superuser", True),
    ],
)
def test_the_queue_opens_to_whoever_may_dispatch_some_request(
    client, student, technician, manager, dispatcher, reader, dispatches
):
    """One rule for the dispatch pages and the per-request one: the queue, its link and bulk
    assign are for those `dispatch_scopes` gives scopes to (repairs.permissions.may_dispatch),
    and an inactive dispatcher is refused though they hold the role."""
    from repairs.permissions import dispatch_scopes, may_dispatch

    readers = {"student": student, "technician": technician, "manager": manager}
    readers["dispatcher"] = dispatcher
    readers["superuser"] = UserFactory(username="root1", is_superuser=True, is_staff=True)
    readers["scoped dispatcher"] = UserFactory(username="d3010", roles=["repair_dispatcher"])
    readers["scoped dispatcher"].staff_scopes.create(
        role="repair_dispatcher", building=BuildingFactory()
    )
    readers["inactive dispatcher"] = UserFactory(
        username="d3011", roles=["repair_dispatcher"], is_active=False
    )
    user = readers[reader]
    assert may_dispatch(user) is dispatches
    assert (dispatch_scopes(user) is not None) is dispatches
    queue = reverse("repairs:queue")
    if not user.is_active:  # a session cannot hold them (test_an_inactive_user_is_anonymous)
        client.force_login(UserFactory(username="d3012", roles=["repair_dispatcher"]))
        User.objects.filter(username="d3012").update(is_active=False)
        assert client.get(queue).url.startswith(reverse(settings.LOGIN_URL))
        return
    client.force_login(user)
    assert client.get(queue).status_code == (200 if dispatches else 403)
    assert (f'href="{queue}"' in client.get(reverse("repairs:mine")).text) is dispatches
    assert (client.get(reverse("repairs:index")).get("Location") == queue) is dispatches
    refused = client.post(reverse("repairs:assign-bulk"), {"requests": [], "technician": ""})
    assert (refused.status_code == 403) is not dispatches


def test_a_queue_carries_one_csrf_token_and_a_bulk_assign_with_it_is_saved(
    dispatcher, technician, student, room, category
):
    """The layout (meta tag, header) and the cached body's forms share one masked token
    (logistics.csrf), and Django's CSRF check, enforced here, accepts it."""
    from django.test import Client

    repair = file_request(student, room, category)
    client = as_user(Client(enforce_csrf_checks=True), dispatcher)
    html = client.get(reverse("repairs:queue")).content.decode()
    tokens = re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    tokens += re.findall(r'<meta name="csrf-token" content="([^"]+)"', html)
    assert len(tokens) >= 3  # the meta tag, the header's sign-out form, the bulk form
    assert len(set(tokens)) == 1
    data = {"requests": [repair.pk], "technician": technician.pk}

    refused = client.post(reverse("repairs:assign-bulk"), {**data, "csrfmiddlewaretoken": "x"})
    assert refused.status_code == 403
    accepted = client.post(
        reverse("repairs:assign-bulk"), {**data, "csrfmiddlewaretoken": tokens[0]}
    )
    assert accepted.status_code == 302
    repair.refresh_from_db()
    assert repair.assignee == technician


def test_the_queue_s_filter_form_shows_what_was_asked(client, dispatcher):
    """The search box and the ticks show the filters of the address (a plain dict from the
    view, `typed`): the default queue ticks "Open only"; a filtered one shows its own."""
    as_user(client, dispatcher)

    def ticked(html: str) -> set[str]:
        return set(re.findall(r'name="(\w+)" value="true" checked', html))

    default = client.get(reverse("repairs:queue")).content.decode()
    assert ticked(default) == {"is_open"}
    assert 'name="q" value=""' in default

    asked = client.get(
        reverse("repairs:queue"), {"filtered": "1", "q": "漏水", "overdue": "true"}
    ).content.decode()
    assert ticked(asked) == {"overdue"}
    assert 'name="q" value="漏水"' in asked
    everything = client.get(
        reverse("repairs:queue"), {"filtered": "1", "is_open": "true", "unassigned": "true"}
    ).content.decode()
    assert ticked(everything) == {"is_open", "unassigned"}
