"""The complaint services: routing, numbers, each transition, races, escalation, the sweep."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from logistics.models import CalendarDay, Notification, StaffScope
from logistics.roles import Role
from reviews.complaints import deadlines
from reviews.complaints.querysets import complaints_for
from reviews.complaints.services import (
    complaint_acknowledge,
    complaint_confirm,
    complaint_create,
    complaint_reassign,
    complaint_reopen,
    complaint_reply,
    complaint_resolve,
    complaint_withdraw,
    complaints_sweep,
)
from reviews.errors import ConcurrentUpdate, InvalidTransition
from reviews.models import Complaint, ComplaintPolicy, Subject
from tests.dining.factories import DishFactory, canteen_staff_for
from tests.logistics.factories import DepartmentFactory, UserFactory
from tests.reviews.complaints.conftest import staff_of
from tests.reviews.factories import ServiceEventFactory, SubjectFactory

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(*args) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI)


def _file(author, **kwargs):
    values = {"kind": "complaint", "title": "Cold rice", "body": "The rice was cold."}
    return complaint_create(author=author, **(values | kwargs))


def _resolved(complaint, staff):
    complaint_resolve(complaint=complaint, by=staff, note="Fixed the tap.")
    return complaint


# --- filing -------------------------------------------------------------------------------------


def test_it_files_a_complaint_with_a_number_deadlines_and_a_timeline(complaint, staff, student):
    year = timezone.localtime(complaint.created_at).year
    assert complaint.number == f"TS-{year}-{complaint.pk:06d}"
    assert complaint.status == Complaint.Status.SUBMITTED
    ack, resolve = deadlines.due_times(complaint.department, complaint.created_at)
    assert (complaint.acknowledge_due_at, complaint.resolve_due_at) == (ack, resolve)
    assert list(complaint.entries.values_list("action", flat=True)) == ["filed"]
    assert Notification.objects.filter(recipient=staff, kind="reviews.complaint_filed").exists()
    assert Notification.objects.filter(recipient=student, kind="reviews.complaint_filed").exists()


def test_it_routes_to_the_subjects_then_the_events_department(student):
    subject = SubjectFactory()
    assert _file(student, subject=subject).department == subject.department
    event = ServiceEventFactory(served=student)
    assert _file(student, event=event).department == event.department
    explicit = DepartmentFactory()
    assert _file(student, subject=subject, department=explicit).department == explicit


def test_it_asks_for_a_department_when_none_can_be_found(student):
    with pytest.raises(ValidationError) as error:
        _file(student, subject=SubjectFactory(department=None))
    assert "department" in error.value.message_dict
    assert not Complaint.objects.exists()


def test_it_refuses_empty_text_an_unknown_kind_and_another_persons_event(student, department):
    with pytest.raises(ValidationError) as error:
        _file(
            student,
            kind="praise",
            title=" ",
            body="",
            department=department,
            event=ServiceEventFactory(),
        )
    assert set(error.value.message_dict) == {"kind", "title", "body", "event"}


def test_it_gives_each_complaint_its_own_number(student, department):
    numbers = {_file(student, department=department).number for _ in range(3)}
    assert len(numbers) == 3


def test_it_routes_a_dish_complaint_to_the_canteens_staff(student):
    dish = DishFactory()
    canteen = dish.canteen
    canteen.department = DepartmentFactory(code="dining", kind="dining")
    canteen.save(update_fields=["department"])
    cook = canteen_staff_for(canteen)  # scoped to the canteen's building
    manager_of_canteen = staff_of(canteen.department, "cs2002", Role.CANTEEN_STAFF)
    other_cook = canteen_staff_for(DishFactory().canteen, username="cs3003")
    subject = SubjectFactory(kind=Subject.Kind.DISH, ref=str(dish.pk), department=None)

    complaint = _file(student, subject=subject, title="Price went up")

    assert complaint.department == canteen.department
    notified = set(
        Notification.objects.filter(kind="reviews.complaint_filed").values_list(
            "recipient__username", flat=True
        )
    )
    assert {"cs1001", "cs2002"} <= notified
    assert "cs3003" not in notified
    assert complaints_for(cook).filter(pk=complaint.pk).exists()
    assert complaints_for(manager_of_canteen).filter(pk=complaint.pk).exists()
    assert not complaints_for(other_cook).filter(pk=complaint.pk).exists()
    complaint_reply(complaint=complaint, by=cook, body="Price is back to 10 yuan.")


# --- deadlines ----------------------------------------------------------------------------------


def test_it_counts_clock_hours_within_working_time():
    assert deadlines.due_after(at(2026, 3, 2, 10), 24) == at(2026, 3, 3, 10)  # Mon → Tue


def test_it_moves_a_deadline_out_of_the_weekend_and_gives_a_working_day():
    # Friday 18:00 + 24 h = Saturday 18:00 → Monday, with one whole working day.
    assert deadlines.due_after(at(2026, 3, 6, 18), 24) == at(2026, 3, 9, 17, 30)
    # Tuesday 06:00 + 24 h = Wednesday 06:00 → the opening at 08:30.
    assert deadlines.due_after(at(2026, 3, 3, 6), 24) == at(2026, 3, 4, 8, 30)


def test_it_skips_a_holiday_from_the_work_calendar(department):
    for day in (3, 4, 5):  # a Tuesday-to-Thursday holiday
        CalendarDay.objects.create(date=at(2026, 3, day).date(), is_workday=False)
    ComplaintPolicy.objects.create(department=department, acknowledge_hours=24, resolve_hours=48)
    ack, resolve = deadlines.due_times(department, at(2026, 3, 2, 10))
    # Tue 10:00 is a holiday → Friday; the unit still gets one working day (7.5 h on Monday,
    # 1.5 h on Friday), so both deadlines are Friday 10:00.
    assert ack == at(2026, 3, 6, 10)
    assert resolve == at(2026, 3, 6, 10)
    assert deadlines.due_after(at(2026, 3, 2, 10), 96) == at(2026, 3, 6, 10)


def test_it_uses_the_settings_without_a_policy(settings, department):
    settings.REVIEWS_COMPLAINT_ACKNOWLEDGE_HOURS = 2
    settings.REVIEWS_COMPLAINT_RESOLVE_HOURS = 4
    assert deadlines.hours_for(department) == (2, 4)
    assert deadlines.due_after(at(2026, 3, 2, 17), 2) == at(2026, 3, 3, 10)


# --- handling -----------------------------------------------------------------------------------


def test_it_walks_a_complaint_from_filing_to_closed(complaint, staff, student):
    complaint_acknowledge(complaint=complaint, by=staff)
    assert complaint.status == "acknowledged" and complaint.acknowledged_at
    complaint_reply(complaint=complaint, by=staff, body="A plumber comes today.", public=True)
    complaint_resolve(complaint=complaint, by=staff, note="New washer fitted.")
    assert complaint.status == "resolved" and complaint.resolved_at
    complaint_confirm(complaint=complaint, by=student, satisfaction=4, comment="Thanks")
    complaint.refresh_from_db()
    assert complaint.status == "closed" and complaint.satisfaction == 4
    assert complaint.satisfaction_comment == "Thanks" and complaint.closed_at
    actions = list(complaint.entries.values_list("action", flat=True))
    assert actions == ["filed", "acknowledged", "reply", "resolved", "confirmed"]
    kinds = set(Notification.objects.filter(recipient=student).values_list("kind", flat=True))
    assert {"reviews.complaint_reply", "reviews.complaint_resolved"} <= kinds
    assert Notification.objects.filter(recipient=staff, kind="reviews.complaint_confirmed")


def test_it_acknowledges_with_the_first_reply(complaint, staff):
    complaint_reply(complaint=complaint, by=staff, body="We are on it.")
    assert complaint.status == "acknowledged" and complaint.acknowledged_at


def test_it_lets_only_the_department_and_managers_handle(complaint, outsider, student, manager):
    for user in (outsider, student):
        with pytest.raises(PermissionDenied):
            complaint_acknowledge(complaint=complaint, by=user)
    complaint_acknowledge(complaint=complaint, by=manager)


def test_it_lets_only_the_author_confirm_reopen_and_withdraw(complaint, staff, other_student):
    _resolved(complaint, staff)
    for call, extra in (
        (complaint_confirm, {"satisfaction": 5}),
        (complaint_reopen, {"reason": "no"}),
        (complaint_withdraw, {}),
    ):
        for user in (staff, other_student):
            with pytest.raises(PermissionDenied):
                call(complaint=complaint, by=user, **extra)


def test_it_asks_for_a_satisfaction_score_from_1_to_5(complaint, staff, student):
    _resolved(complaint, staff)
    for bad in (None, "", 0, 6, "4.5", "x"):
        with pytest.raises(ValidationError) as error:
            complaint_confirm(complaint=complaint, by=student, satisfaction=bad)
        assert "satisfaction" in error.value.message_dict
    assert Complaint.objects.get(pk=complaint.pk).status == "resolved"


def test_it_refuses_steps_from_the_wrong_state(complaint, staff, student):
    with pytest.raises(InvalidTransition):
        complaint_confirm(complaint=complaint, by=student, satisfaction=5)
    complaint_withdraw(complaint=complaint, by=student, reason="Sorted it myself")
    assert complaint.status == "withdrawn"
    with pytest.raises(InvalidTransition):
        complaint_resolve(complaint=complaint, by=staff, note="done")
    with pytest.raises(InvalidTransition):
        complaint_reply(complaint=complaint, by=staff, body="hello?")


def test_it_loses_no_update_when_two_act_at_once(complaint, staff, manager, student):
    mine, theirs = (Complaint.objects.get(pk=complaint.pk) for _ in range(2))
    complaint_resolve(complaint=mine, by=staff, note="Fixed.")
    with pytest.raises(ConcurrentUpdate):
        complaint_acknowledge(complaint=theirs, by=manager)
    # The author withdrawing a copy read before the resolution does not undo it either.
    with pytest.raises(ConcurrentUpdate):
        complaint_withdraw(complaint=theirs, by=student)
    fresh = Complaint.objects.get(pk=complaint.pk)
    assert fresh.status == "resolved"
    assert list(fresh.entries.values_list("action", flat=True)) == ["filed", "resolved"]


def test_it_reopens_with_a_new_deadline_and_escalates_the_second_time(
    complaint, staff, student, manager
):
    _resolved(complaint, staff)
    old_due = complaint.resolve_due_at
    complaint_reopen(complaint=complaint, by=student, reason="Still leaks.")
    assert complaint.status == "acknowledged" and complaint.reopen_count == 1
    assert complaint.resolve_due_at >= old_due and complaint.resolved_at is None
    assert complaint.escalation_level == 0
    assert Notification.objects.filter(recipient=staff, kind="reviews.complaint_reopened")

    _resolved(complaint, staff)
    complaint_reopen(complaint=complaint, by=student, reason="Leaks again.")
    assert complaint.reopen_count == 2 and complaint.escalation_level == 2
    assert Notification.objects.filter(recipient=manager, kind="reviews.complaint_escalated")
    assert complaint.entries.filter(action="escalated", data__level=2).count() == 1


def test_it_reassigns_to_another_department_with_new_clocks(complaint, staff, manager, student):
    complaint_acknowledge(complaint=complaint, by=staff)
    with pytest.raises(PermissionDenied):
        complaint_reassign(complaint=complaint, by=staff, department=DepartmentFactory())
    dining = DepartmentFactory(code="dining-centre")
    cook = staff_of(dining, "cook1", Role.CANTEEN_STAFF)
    complaint_reassign(complaint=complaint, by=manager, department=dining)
    assert complaint.department == dining and complaint.status == "submitted"
    assert complaints_for(cook).filter(pk=complaint.pk).exists()
    assert not complaints_for(staff).filter(pk=complaint.pk).exists()
    assert Notification.objects.filter(recipient=cook, kind="reviews.complaint_reassigned")
    with pytest.raises(ValidationError):
        complaint_reassign(complaint=complaint, by=manager, department=dining)


# --- the sweep ----------------------------------------------------------------------------------


def test_it_escalates_overdue_complaints_once(complaint, manager):
    later = complaint.acknowledge_due_at + timedelta(minutes=1)
    assert complaints_sweep(now=later) == {"escalated_acknowledge": 1, "escalated_resolve": 0}
    assert complaints_sweep(now=later + timedelta(days=9)) == {
        "escalated_acknowledge": 0,
        "escalated_resolve": 0,
    }
    complaint.refresh_from_db()
    assert complaint.escalation_level == 1
    assert (
        Notification.objects.filter(recipient=manager, kind="reviews.complaint_escalated").count()
        == 1
    )


def test_it_escalates_an_acknowledged_complaint_past_its_resolve_deadline(complaint, staff):
    complaint_acknowledge(complaint=complaint, by=staff)
    assert (
        complaints_sweep(now=complaint.acknowledge_due_at + timedelta(hours=1))[
            "escalated_acknowledge"
        ]
        == 0
    )
    result = complaints_sweep(now=complaint.resolve_due_at + timedelta(minutes=1))
    assert result["escalated_resolve"] == 1


def test_it_never_closes_a_resolved_complaint_by_silence(complaint, staff):
    _resolved(complaint, staff)
    complaints_sweep(now=timezone.now() + timedelta(days=365))
    complaint.refresh_from_db()
    assert complaint.status == "resolved" and complaint.satisfaction is None
    assert complaint.escalation_level == 0


def test_it_scopes_reads(complaint, staff, outsider, other_student, manager, student):
    for user, sees in (
        (student, True),
        (staff, True),
        (manager, True),
        (outsider, False),
        (other_student, False),
    ):
        assert complaints_for(user).filter(pk=complaint.pk).exists() is sees
    StaffScope.objects.create(user=outsider, role=Role.TECHNICIAN, department=complaint.department)
    assert complaints_for(UserFactory(username="staff9")).filter(pk=complaint.pk).exists()
