"""The repair workflow through its services: who may act, from which state, timeline, notices."""

import os
import threading
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from logistics.models import Notification, StaffScope, User
from logistics.workcalendar import add_working_hours, add_working_time, working_time_between
from repairs import errors, services
from repairs.models import CategoryQuestion, RepairEvent, RepairPhoto, RepairRequest
from tests.fixtures.celery_worker import wait_until
from tests.logistics.factories import BuildingFactory, DepartmentFactory, RoomFactory, UserFactory
from tests.repairs.factories import (
    CategoryFactory,
    CategoryQuestionFactory,
    DispatchRuleFactory,
    image_upload,
    media_root,  # noqa: F401  (fixture)
)

Status = RepairRequest.Status
pytestmark = pytest.mark.usefixtures("media_root")


@pytest.fixture
def dispatcher(db):
    return UserFactory(username="d1001", roles=["repair_dispatcher"])


@pytest.fixture
def room(db):
    return RoomFactory()


@pytest.fixture
def category(db):
    return CategoryFactory(code="light", name="灯具", response_hours=4, completion_hours=16)


def file(requester, room, category, **kwargs):
    kwargs.setdefault("description", "宿舍灯不亮")
    return services.repair_request_create(
        requester=requester, category=category, room=room, **kwargs
    )


def notified(user, kind) -> int:
    return Notification.objects.filter(recipient=user, kind=kind).count()


@pytest.fixture
def assigned(student, technician, dispatcher, room, category):
    request = file(student, room, category)
    return services.repair_request_assign(repair=request, technician=technician, by=dispatcher)


@pytest.fixture
def completed(assigned, technician):
    services.repair_request_start(repair=assigned, by=technician)
    return services.repair_request_complete(repair=assigned, by=technician, note="换了灯管")


# --- Filing -------------------------------------------------------------------------------------


def test_it_files_a_request_with_due_times_on_the_work_calendar(student, room, category):
    student.phone = "13800000000"
    student.save(update_fields=["phone"])
    before = timezone.now()
    request = file(student, room, category, urgency="normal", preferred_windows="晚上")
    after = timezone.now()
    request.refresh_from_db()
    assert request.status == Status.SUBMITTED
    assert request.building == room.building
    assert add_working_hours(before, 4) <= request.response_due_at <= add_working_hours(after, 4)
    assert (
        add_working_hours(before, 16) <= request.completion_due_at <= add_working_hours(after, 16)
    )
    event = request.events.get()
    assert (event.action, event.from_status, event.to_status) == ("submitted", "", "submitted")
    assert event.actor == student
    assert request.contact_phone == "13800000000"  # the requester's phone when none is given


def test_it_halves_the_targets_of_an_urgent_request(student, room, category):
    before = timezone.now()
    request = file(student, room, category, urgency="urgent")
    after = timezone.now()
    assert add_working_hours(before, 2) <= request.response_due_at <= add_working_hours(after, 2)
    assert add_working_hours(before, 8) <= request.completion_due_at <= add_working_hours(after, 8)


def test_it_notifies_the_requester_and_the_dispatchers_whose_scope_covers_it(
    student, dispatcher, room, category
):
    elsewhere = UserFactory(username="d2002", roles=["repair_dispatcher"])
    StaffScope.objects.create(user=elsewhere, role="repair_dispatcher", building=BuildingFactory())
    here = UserFactory(username="d2003", roles=["repair_dispatcher"])
    StaffScope.objects.create(user=here, role="repair_dispatcher", building=room.building)
    request = file(student, room, category)
    assert notified(student, "repairs.submitted") == 1
    assert notified(dispatcher, "repairs.submitted") == 1  # unscoped: every request
    assert notified(here, "repairs.submitted") == 1
    assert notified(elsewhere, "repairs.submitted") == 0
    note = Notification.objects.get(recipient=here)
    assert request.number in note.title
    assert note.url == request.get_absolute_url() == f"/repairs/{request.pk}/"


def test_it_assigns_by_the_dispatch_rule_of_the_building(student, technician, room, category):
    team = DepartmentFactory()
    DispatchRuleFactory(category=category, building=room.building, technician=technician, team=team)
    request = file(student, room, category)
    assert request.status == Status.ASSIGNED
    assert (request.assignee, request.team) == (technician, team)
    assert request.first_response_at is None  # a rule is no response by a person
    assert notified(technician, "repairs.assigned") == 1
    assert request.events.get().data["assignee"] == technician.pk


def test_it_applies_a_rule_of_a_parent_category_to_its_children(student, technician, room):
    parent = CategoryFactory(code="water")
    child = CategoryFactory(code="tap", parent=parent)
    DispatchRuleFactory(category=parent, building=None, technician=technician)
    assert file(student, room, child).assignee == technician


def test_it_files_unassigned_without_a_matching_rule(student, technician, room, category):
    DispatchRuleFactory(category=category, building=BuildingFactory(), technician=technician)
    request = file(student, room, category)
    assert (request.status, request.assignee) == (Status.SUBMITTED, None)


def test_it_stores_report_photos_linked_to_the_filing_event(student, room, category):
    request = file(student, room, category, photos=[image_upload(), image_upload(fmt="PNG")])
    photos = list(request.photos.all())
    assert [p.kind for p in photos] == [RepairPhoto.Kind.REPORT] * 2
    assert {p.event.action for p in photos} == {"submitted"}
    assert photos[0].image.name.startswith("repairs/") and "photo" not in photos[0].image.name
    assert photos[0].uploaded_by == student


def test_it_refuses_more_photos_than_allowed_and_files_nothing(settings, student, room, category):
    settings.REPAIRS_MAX_PHOTOS = 2
    with pytest.raises(ValidationError) as error:
        file(student, room, category, photos=[image_upload() for _ in range(3)])
    assert "photos" in error.value.message_dict
    assert not RepairRequest.objects.exists()


def test_it_refuses_a_photo_that_is_not_an_image_and_files_nothing(student, room, category):
    from django.core.files.uploadedfile import SimpleUploadedFile

    fake = SimpleUploadedFile("lamp.jpg", b"MZ\x90\x00 not an image")
    with pytest.raises(ValidationError) as error:
        file(student, room, category, photos=[image_upload(), fake])
    assert error.value.message_dict["photos"][0].startswith("lamp.jpg: ")
    assert not RepairRequest.objects.exists()
    assert not Notification.objects.exists()


def test_it_refuses_a_room_outside_the_chosen_building(student, room, category):
    with pytest.raises(ValidationError) as error:
        file(student, room, category, building=BuildingFactory())
    assert "room" in error.value.message_dict


def test_it_needs_a_place_and_a_description(student, category):
    with pytest.raises(ValidationError) as error:
        services.repair_request_create(requester=student, category=category, description="  ")
    assert set(error.value.message_dict) == {"description", "place_text"}


def test_it_accepts_a_building_with_a_described_place(student, category):
    building = BuildingFactory()
    request = services.repair_request_create(
        requester=student,
        category=category,
        description="楼道灯坏了",
        building=building,
        place_text=" 三楼楼道 ",
    )
    assert (request.room, request.building, request.place_text) == (None, building, "三楼楼道")


def test_it_refuses_an_inactive_category_and_a_bad_urgency(student, room):
    with pytest.raises(ValidationError) as error:
        file(student, room, CategoryFactory(is_active=False), urgency="whenever")
    assert set(error.value.message_dict) == {"category", "urgency"}


def test_it_checks_the_answers_to_the_category_questions(student, room, category):
    CategoryQuestionFactory(category=category, code="floor", kind="number", required=True)
    CategoryQuestionFactory(
        category=category,
        code="kind",
        kind=CategoryQuestion.Kind.SINGLE,
        choices=[{"key": "tube", "name": "灯管"}, {"key": "bulb", "name": "灯泡"}],
    )
    with pytest.raises(ValidationError) as error:
        file(student, room, category, answers={"kind": "neon"})
    assert len(error.value.message_dict["answers"]) == 2  # floor missing, kind not a choice
    request = file(student, room, category, answers={"floor": "3", "kind": "tube", "x": 1})
    assert request.answers == {"floor": 3, "kind": "tube"}


# --- Dispatch -----------------------------------------------------------------------------------


def test_it_lets_a_dispatcher_accept_and_counts_the_first_response(
    student, dispatcher, room, category
):
    request = file(student, room, category)
    services.repair_request_accept(repair=request, by=dispatcher, note="已受理")
    request.refresh_from_db()
    assert request.status == Status.ACCEPTED
    assert request.first_response_at is not None
    assert notified(student, "repairs.accepted") == 1
    assert request.events.filter(action="accepted", actor=dispatcher, note="已受理").exists()


@pytest.mark.parametrize("who", ["student", "other_student", "technician"])
def test_it_lets_no_one_but_dispatchers_and_managers_accept(who, request, room, category):
    request_ = file(request.getfixturevalue("student"), room, category)
    with pytest.raises(PermissionDenied):
        services.repair_request_accept(repair=request_, by=request.getfixturevalue(who))
    assert RepairRequest.objects.get().status == Status.SUBMITTED


def test_it_keeps_a_scoped_dispatcher_to_their_buildings(student, room, category):
    scoped = UserFactory(username="d3003", roles=["repair_dispatcher"])
    StaffScope.objects.create(user=scoped, role="repair_dispatcher", building=BuildingFactory())
    request = file(student, room, category)
    with pytest.raises(PermissionDenied):
        services.repair_request_accept(repair=request, by=scoped)
    StaffScope.objects.create(user=scoped, role="repair_dispatcher", building=room.building)
    scoped = User.objects.get(pk=scoped.pk)  # scopes are read once per user object, like roles
    assert services.repair_request_accept(repair=request, by=scoped).status == Status.ACCEPTED


def test_it_lets_a_dispatcher_of_the_categorys_unit_act(student, room):
    unit = DepartmentFactory()
    scoped = UserFactory(username="d3004", roles=["repair_dispatcher"])
    StaffScope.objects.create(user=scoped, role="repair_dispatcher", department=unit)
    request = file(student, room, CategoryFactory(department=unit))
    assert services.repair_request_accept(repair=request, by=scoped).status == Status.ACCEPTED


def test_it_lets_a_manager_do_what_a_dispatcher_does(student, manager, technician, room, category):
    request = file(student, room, category)
    services.repair_request_assign(repair=request, technician=technician, by=manager)
    assert request.status == Status.ASSIGNED


def test_it_rejects_with_a_reason_only(student, dispatcher, room, category):
    request = file(student, room, category)
    with pytest.raises(ValidationError) as error:
        services.repair_request_reject(repair=request, by=dispatcher, reason=" ")
    assert "reason" in error.value.message_dict
    services.repair_request_reject(repair=request, by=dispatcher, reason="不属于后勤维修范围")
    request.refresh_from_db()
    assert (request.status, request.rejection_reason) == (Status.REJECTED, "不属于后勤维修范围")
    assert request.first_response_at is not None
    assert notified(student, "repairs.rejected") == 1


def test_it_refuses_to_reject_work_in_progress(assigned, technician, dispatcher):
    services.repair_request_start(repair=assigned, by=technician)
    with pytest.raises(errors.InvalidTransition):
        services.repair_request_reject(repair=assigned, by=dispatcher, reason="no")


def test_it_assigns_and_tells_the_requester_and_the_technician(assigned, student, technician):
    assigned.refresh_from_db()
    assert (assigned.status, assigned.assignee) == (Status.ASSIGNED, technician)
    assert assigned.assigned_at and assigned.first_response_at
    assert notified(technician, "repairs.assigned") == 1
    assert notified(student, "repairs.assigned") == 1
    title = Notification.objects.get(recipient=student, kind="repairs.assigned").title
    assert technician.get_display_name() in title


def test_it_tells_the_previous_technician_on_reassignment(assigned, technician, dispatcher):
    other = UserFactory(username="t2002", roles=["technician"])
    services.repair_request_assign(repair=assigned, technician=other, by=dispatcher)
    assert assigned.assignee == other
    assert notified(technician, "repairs.assigned") == 2  # assigned, then taken away
    event = assigned.events.filter(action="assigned").last()
    assert event.data == {"assignee": other.pk, "previous_assignee": technician.pk}


def test_it_assigns_only_to_active_technicians(student, dispatcher, room, category):
    request = file(student, room, category)
    with pytest.raises(ValidationError) as error:
        services.repair_request_assign(repair=request, technician=student, by=dispatcher)
    assert "technician" in error.value.message_dict


def test_it_assigns_in_bulk_and_reports_each_failure(
    student, other_student, technician, dispatcher, room, category
):
    first, second = file(student, room, category), file(other_student, room, category)
    rejected = file(student, room, category)
    services.repair_request_reject(repair=rejected, by=dispatcher, reason="重复")
    ids, failures = services.repair_requests_assign_bulk(
        repair_ids=[first.pk, second.pk, rejected.pk, 999999], technician=technician, by=dispatcher
    )
    assert ids == [first.pk, second.pk]
    assert len(failures) == 2
    assert failures[0].startswith(rejected.number)
    assert failures[1].startswith("R999999")
    assert RepairRequest.objects.filter(assignee=technician).count() == 2


def test_it_bulk_assigns_nothing_a_scoped_dispatcher_cannot_see(
    student, technician, room, category
):
    scoped = UserFactory(username="d4004", roles=["repair_dispatcher"])
    StaffScope.objects.create(user=scoped, role="repair_dispatcher", building=BuildingFactory())
    request = file(student, room, category)
    ids, failures = services.repair_requests_assign_bulk(
        repair_ids=[request.pk], technician=technician, by=scoped
    )
    assert (ids, len(failures)) == ([], 1)
    assert RepairRequest.objects.get().assignee is None


def test_it_lets_the_technician_hand_a_job_back(assigned, technician, dispatcher):
    with pytest.raises(ValidationError):
        services.repair_request_hand_back(repair=assigned, by=technician, reason="")
    services.repair_request_hand_back(repair=assigned, by=technician, reason="不是电工活")
    assigned.refresh_from_db()
    assert (assigned.status, assigned.assignee) == (Status.ACCEPTED, None)
    assert notified(dispatcher, "repairs.handed_back") == 1


def test_it_lets_only_the_assignee_hand_back(assigned, dispatcher):
    other = UserFactory(username="t3003", roles=["technician"])
    for who in (other, dispatcher):
        with pytest.raises(PermissionDenied):
            services.repair_request_hand_back(repair=assigned, by=who, reason="x")


# --- Work ---------------------------------------------------------------------------------------


def test_it_lets_only_the_assignee_start(assigned, technician, student):
    other = UserFactory(username="t4004", roles=["technician"])
    for who in (other, student):
        with pytest.raises(PermissionDenied):
            services.repair_request_start(repair=assigned, by=who)
    services.repair_request_start(repair=assigned, by=technician)
    assert assigned.status == Status.IN_PROGRESS and assigned.started_at
    assert notified(assigned.requester, "repairs.started") == 1


def test_it_pauses_the_clock_on_hold_and_pushes_the_due_times_back(assigned, technician):
    services.repair_request_start(repair=assigned, by=technician)
    services.repair_request_hold(repair=assigned, by=technician, reason="等配件")
    assert (assigned.status, assigned.status_before_hold) == (Status.ON_HOLD, Status.IN_PROGRESS)
    # The hold began three days ago: the due time moves by the working time since then.
    since = timezone.now() - timedelta(days=3)
    RepairRequest.objects.filter(pk=assigned.pk).update(on_hold_since=since)
    assigned.refresh_from_db()
    old_due = assigned.completion_due_at
    before = timezone.now()
    services.repair_request_resume(repair=assigned, by=technician)
    after = timezone.now()
    assigned.refresh_from_db()
    assert assigned.status == Status.IN_PROGRESS
    assert (assigned.on_hold_since, assigned.status_before_hold) == (None, "")
    low = add_working_time(old_due, working_time_between(since, before))
    high = add_working_time(old_due, working_time_between(since, after))
    assert low <= assigned.completion_due_at <= high
    assert assigned.completion_due_at > old_due
    assert assigned.events.get(action="resumed").data["paused_working_seconds"] > 0


def test_it_needs_a_reason_for_a_hold(assigned, technician):
    with pytest.raises(ValidationError):
        services.repair_request_hold(repair=assigned, by=technician, reason="")


def test_it_completes_with_note_labour_materials_and_photos(assigned, technician, student):
    services.repair_request_start(repair=assigned, by=technician)
    services.repair_request_complete(
        repair=assigned,
        by=technician,
        note="更换灯管",
        labour_minutes="45",
        materials="T5 灯管 ×1",
        photos=[image_upload()],
    )
    assigned.refresh_from_db()
    assert assigned.status == Status.COMPLETED and assigned.completed_at
    assert (assigned.labour_minutes, assigned.materials) == (45, "T5 灯管 ×1")
    photo = assigned.photos.get()
    assert (photo.kind, photo.event.action, photo.uploaded_by) == (
        "completion",
        "completed",
        technician,
    )
    assert notified(student, "repairs.completed") == 1


def test_it_refuses_nonsense_labour_time(assigned, technician):
    with pytest.raises(ValidationError) as error:
        services.repair_request_complete(repair=assigned, by=technician, labour_minutes="-5")
    assert "labour_minutes" in error.value.message_dict
    assert RepairRequest.objects.get().status == Status.ASSIGNED


def test_it_takes_notes_from_the_people_involved_only(assigned, student, other_student, technician):
    services.repair_request_comment(repair=assigned, by=student, note="下午在宿舍")
    assert notified(technician, "repairs.comment") == 1
    assert notified(student, "repairs.comment") == 0  # not told of their own note
    with pytest.raises(PermissionDenied):
        services.repair_request_comment(repair=assigned, by=other_student, note="hi")
    with pytest.raises(ValidationError):
        services.repair_request_comment(repair=assigned, by=student, note="  ")
    assert assigned.events.filter(action="comment").count() == 1


# --- Requester ----------------------------------------------------------------------------------


def test_it_lets_the_requester_cancel_before_work_starts(assigned, student, technician):
    with pytest.raises(PermissionDenied):
        services.repair_request_cancel(repair=assigned, by=technician)
    services.repair_request_cancel(repair=assigned, by=student, reason="自己修好了")
    assert RepairRequest.objects.get().status == Status.CANCELLED
    assert notified(technician, "repairs.cancelled") == 1


def test_it_refuses_to_cancel_once_work_started(assigned, student, technician):
    services.repair_request_start(repair=assigned, by=technician)
    with pytest.raises(errors.InvalidTransition):
        services.repair_request_cancel(repair=assigned, by=student)


def test_it_lets_the_requester_confirm_with_a_rating(completed, student, technician):
    services.repair_request_confirm(repair=completed, by=student, rating=4, comment="很快")
    completed.refresh_from_db()
    assert completed.status == Status.CONFIRMED and completed.confirmed_at
    assert (completed.rating, completed.rating_comment) == (4, "很快")
    assert notified(technician, "repairs.confirmed") == 1


def test_it_lets_only_the_requester_confirm(completed, other_student, technician):
    for who in (other_student, technician):
        with pytest.raises(PermissionDenied):
            services.repair_request_confirm(repair=completed, by=who)


def test_it_reopens_to_the_same_technician_within_the_window(completed, student, technician):
    services.repair_request_reopen(repair=completed, by=student, reason="灯又不亮了")
    completed.refresh_from_db()
    assert (completed.status, completed.assignee) == (Status.REOPENED, technician)
    assert completed.reopen_count == 1
    assert completed.completion_due_at > timezone.now()
    assert notified(technician, "repairs.reopened") == 1
    services.repair_request_start(repair=completed, by=technician)
    assert completed.status == Status.IN_PROGRESS


def test_it_refuses_to_reopen_after_the_window(settings, completed, student):
    settings.REPAIRS_REOPEN_DAYS = 7
    RepairRequest.objects.filter(pk=completed.pk).update(
        completed_at=timezone.now() - timedelta(days=8)
    )
    completed.refresh_from_db()
    with pytest.raises(errors.InvalidTransition) as error:
        services.repair_request_reopen(repair=completed, by=student, reason="又坏了")
    assert "7" in str(error.value.message)


def test_it_needs_a_reason_to_reopen(completed, student):
    with pytest.raises(ValidationError):
        services.repair_request_reopen(repair=completed, by=student, reason="")


def test_it_takes_one_rating_from_the_requester_after_completion(completed, student, technician):
    with pytest.raises(ValidationError):
        services.repair_request_rate(repair=completed, by=student, rating=6)
    with pytest.raises(PermissionDenied):
        services.repair_request_rate(repair=completed, by=technician, rating=5)
    services.repair_request_rate(repair=completed, by=student, rating=5, comment="满意")
    with pytest.raises(errors.AlreadyRated):
        services.repair_request_rate(repair=completed, by=student, rating=1)
    completed.refresh_from_db()
    assert (completed.rating, completed.rating_comment) == (5, "满意") and completed.rated_at
    assert notified(technician, "repairs.rated") == 1


def test_it_refuses_a_rating_before_completion(assigned, student):
    with pytest.raises(errors.InvalidTransition):
        services.repair_request_rate(repair=assigned, by=student, rating=5)


def test_it_closes_confirmed_requests_only(completed, student, dispatcher):
    with pytest.raises(errors.InvalidTransition):
        services.repair_request_close(repair=completed, by=dispatcher)
    services.repair_request_confirm(repair=completed, by=student)
    with pytest.raises(PermissionDenied):
        services.repair_request_close(repair=completed, by=student)
    services.repair_request_close(repair=completed, by=dispatcher)
    assert RepairRequest.objects.get().status == Status.CLOSED


def test_it_records_every_step_in_the_timeline(completed, student):
    services.repair_request_confirm(repair=completed, by=student)
    steps = list(
        RepairEvent.objects.filter(request=completed).values_list(
            "action", "from_status", "to_status"
        )
    )
    assert steps == [
        ("submitted", "", "submitted"),
        ("assigned", "submitted", "assigned"),
        ("started", "assigned", "in_progress"),
        ("completed", "in_progress", "completed"),
        ("confirmed", "completed", "confirmed"),
    ]


# --- Two people at once -------------------------------------------------------------------------


def test_it_refuses_a_change_made_on_a_stale_copy(student, dispatcher, technician, room, category):
    request = file(student, room, category)
    stale = RepairRequest.objects.get(pk=request.pk)
    services.repair_request_accept(repair=request, by=dispatcher)
    with pytest.raises(errors.ConcurrentUpdate) as error:
        services.repair_request_accept(repair=stale, by=dispatcher)
    assert "Reload" in str(error.value.message)
    assert RepairEvent.objects.filter(action="accepted").count() == 1


def test_it_refuses_a_reassignment_racing_another(assigned, dispatcher):
    stale = RepairRequest.objects.get(pk=assigned.pk)
    first, second = (UserFactory(username=u, roles=["technician"]) for u in ("t5", "t6"))
    services.repair_request_assign(repair=assigned, technician=first, by=dispatcher)
    with pytest.raises(errors.ConcurrentUpdate):
        services.repair_request_assign(repair=stale, technician=second, by=dispatcher)
    assert RepairRequest.objects.get().assignee == first


def _in_thread(target, results, key):
    from django.db import connection

    def run():
        try:
            results[key] = target()
        except Exception as error:  # noqa: BLE001  (the test inspects what each thread got)
            results[key] = error
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def _waiting_for_a_lock() -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0]


@pytest.mark.postgres
@pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgres"), reason="needs PostgreSQL"
)
def test_it_lets_one_of_two_simultaneous_dispatchers_win_on_postgresql(transactional_db, settings):
    """Two dispatchers assign the same request at the same moment, on two connections: the
    second UPDATE waits for the first transaction's row lock, then finds the status changed."""
    from django.db import transaction

    settings.MEDIA_ROOT = "/nonexistent"  # no photos here
    student = UserFactory(username="s9001", roles=["student"])
    dispatcher = UserFactory(username="d9001", roles=["repair_dispatcher"])
    first, second = (UserFactory(username=u, roles=["technician"]) for u in ("t9001", "t9002"))
    request = file(student, RoomFactory(), CategoryFactory(code="race"))
    copy_a, copy_b = (RepairRequest.objects.get(pk=request.pk) for _ in range(2))
    a_updated, release = threading.Event(), threading.Event()
    results = {}

    def assign_a():
        with transaction.atomic():
            services.repair_request_assign(repair=copy_a, technician=first, by=dispatcher)
            a_updated.set()
            release.wait(timeout=30)  # hold the row lock until B is queued behind it
        return "ok"

    thread_a = _in_thread(assign_a, results, "a")
    assert a_updated.wait(timeout=30)
    thread_b = _in_thread(
        lambda: services.repair_request_assign(repair=copy_b, technician=second, by=dispatcher),
        results,
        "b",
    )
    wait_until(lambda: _waiting_for_a_lock() >= 1, what="B waiting for A's row lock")
    release.set()
    thread_a.join(timeout=30)
    thread_b.join(timeout=30)
    assert results["a"] == "ok"
    assert isinstance(results["b"], errors.ConcurrentUpdate), results["b"]
    assert RepairRequest.objects.get(pk=request.pk).assignee == first
    assert RepairEvent.objects.filter(request=request, action="assigned").count() == 1
    assert Notification.objects.filter(recipient=second).count() == 0


def test_it_refuses_bulk_ids_that_are_not_numbers(dispatcher, technician):
    with pytest.raises(ValidationError) as error:
        services.repair_requests_assign_bulk(
            repair_ids=["1", "R000002"], technician=technician, by=dispatcher
        )
    assert "request_ids" in error.value.message_dict


def test_every_step_that_adds_to_a_timeline_moves_the_request_s_updated_at(
    student, technician, dispatcher, manager, room, category
):
    """A request's kept page, its queue row, its API answer (their cache keys) and the API's
    and Open311's "changed since" read every change of a request from its updated_at alone:
    each step that adds to its timeline must move it, the beat's sweeps included."""
    ago = timezone.now

    def due_in(delta):
        return lambda pk: RepairRequest.objects.filter(pk=pk).update(
            completion_due_at=ago() + delta, reminder_sent_at=None
        )

    def sweep():
        services.repair_requests_sla_sweep()

    def completed_long_ago(pk):
        RepairRequest.objects.filter(pk=pk).update(completed_at=ago() - timedelta(days=30))

    by_dispatcher, by_technician = {"by": dispatcher}, {"by": technician}
    steps = [
        ("accept", None, lambda r: services.repair_request_accept(repair=r, **by_dispatcher)),
        (
            "assign",
            None,
            lambda r: services.repair_request_assign(
                repair=r, technician=technician, **by_dispatcher
            ),
        ),
        (
            "hand back",
            None,
            lambda r: services.repair_request_hand_back(repair=r, reason="缺零件", **by_technician),
        ),
        (
            "assign again",
            None,
            lambda r: services.repair_request_assign(
                repair=r, technician=technician, **by_dispatcher
            ),
        ),
        ("start", None, lambda r: services.repair_request_start(repair=r, **by_technician)),
        (
            "hold",
            None,
            lambda r: services.repair_request_hold(repair=r, reason="等配件", **by_technician),
        ),
        ("resume", None, lambda r: services.repair_request_resume(repair=r, **by_technician)),
        (
            "comment",
            None,
            lambda r: services.repair_request_comment(
                repair=r, note="明天上午九点到", **by_technician
            ),
        ),
        ("reminder", due_in(timedelta(hours=1)), lambda r: sweep()),
        ("escalation to dispatchers", due_in(-timedelta(minutes=5)), lambda r: sweep()),
        ("escalation to managers", due_in(-timedelta(days=30)), lambda r: sweep()),
        (
            "complete",
            None,
            lambda r: services.repair_request_complete(repair=r, note="已修好", **by_technician),
        ),
        (
            "reopen",
            None,
            lambda r: services.repair_request_reopen(repair=r, by=student, reason="又坏了"),
        ),
        (
            "complete again",
            None,
            lambda r: services.repair_request_complete(repair=r, note="换了新的", **by_technician),
        ),
        ("auto-confirm", completed_long_ago, lambda r: services.repair_requests_auto_confirm()),
        ("rate", None, lambda r: services.repair_request_rate(repair=r, by=student, rating=4)),
        ("close", None, lambda r: services.repair_request_close(repair=r, by=manager)),
    ]
    repair = file(student, room, category)
    others = [
        (
            file(student, room, category),
            "reject",
            lambda r: services.repair_request_reject(
                repair=r, reason="不属于维修范围", **by_dispatcher
            ),
        ),
        (
            file(student, room, category),
            "cancel",
            lambda r: services.repair_request_cancel(repair=r, by=student, reason="自己修好了"),
        ),
    ]
    runs = [(repair, name, prepare, act) for name, prepare, act in steps]
    runs += [(other, name, None, act) for other, name, act in others]
    for request, name, prepare, act in runs:
        if prepare is not None:
            prepare(request.pk)
        current = RepairRequest.objects.get(pk=request.pk)
        events, before = current.events.count(), current.updated_at
        act(current)  # (the services move `current` itself too)
        after = RepairRequest.objects.get(pk=request.pk)
        assert after.events.count() > events, f"{name}: nothing added to the timeline"
        assert after.updated_at > before, f"{name}: updated_at did not move"
    assert RepairRequest.objects.get(pk=repair.pk).status == Status.CLOSED
    actions = list(repair.events.order_by("id").values_list("action", flat=True))
    assert {"reminder", "escalated", "confirmed", "rated", "comment"} <= set(actions), actions
