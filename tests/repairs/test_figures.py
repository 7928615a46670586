"""Manager figures: counts, overdue, response/completion times, SLA, reopen rate, repeat faults."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from logistics import daily
from logistics.models import StaffScope
from logistics.roles import Role
from repairs.figures import repair_figures
from repairs.models import RepairRequest
from repairs.views.figures import live_figures_key
from tests.logistics.factories import BuildingFactory, RoomFactory, UserFactory
from tests.repairs.factories import CategoryFactory, RepairRequestFactory

pytestmark = pytest.mark.django_db
Status = RepairRequest.Status


def filed(hours_ago: float, **fields) -> RepairRequest:
    """A request filed `hours_ago`; timestamps given as hours after filing (time travel)."""
    created = timezone.now() - timedelta(hours=hours_ago)
    offsets = {k: fields.pop(k) for k in list(fields) if k.endswith(("_at_h",))}
    request = RepairRequestFactory(**fields)
    updates = {"created_at": created}
    for key, hours in offsets.items():
        updates[key.removesuffix("_h")] = (
            None if hours is None else created + timedelta(hours=hours)
        )
    RepairRequest.objects.filter(pk=request.pk).update(**updates)
    request.refresh_from_db()
    return request


def last_days(days=30):
    end = timezone.now() + timedelta(minutes=1)
    return {"start": end - timedelta(days=days), "end": end}


def test_it_counts_requests_by_state_category_and_building(manager):
    water = CategoryFactory(name="水电", name_en="")
    door = CategoryFactory(name="门窗", name_en="")
    room_a, room_b = RoomFactory(), RoomFactory()
    for _ in range(3):
        filed(5, category=water, room=room_a)
    filed(5, category=door, room=room_b, status=Status.COMPLETED)
    filed(24 * 40, category=door, room=room_b)  # before the period

    figures = repair_figures(user=manager, **last_days())

    assert figures.total == 4
    assert {row["status"]: row["count"] for row in figures.by_status} == {
        "submitted": 3,
        "completed": 1,
    }
    assert [(row["name"], row["count"]) for row in figures.by_category] == [
        ("水电", 3),
        ("门窗", 1),
    ]
    by_building = {row["building_id"]: row["count"] for row in figures.by_building}
    assert by_building == {room_a.building_id: 3, room_b.building_id: 1}


def test_it_counts_a_request_without_room_under_its_building(manager):
    building = BuildingFactory()
    filed(2, room=None, building=building, place_text="一楼大厅")

    figures = repair_figures(user=manager, **last_days())

    assert figures.by_building == [{"building_id": building.pk, "name": str(building), "count": 1}]


def test_it_computes_mean_and_90th_percentile_of_response_and_completion(manager):
    # Response after 1..10 hours; completion after 10..100 hours.
    for hours in range(1, 11):
        filed(200, first_response_at_h=hours, completed_at_h=hours * 10, status=Status.COMPLETED)
    filed(3)  # no response yet: counts in neither

    figures = repair_figures(user=manager, **last_days())

    assert figures.response.count == 10
    assert figures.response.mean_hours == pytest.approx(5.5, abs=0.05)
    # percentile_cont: rank 0.9 × 9 = 8.1 → 9 h + 0.1 × (10 h − 9 h)
    assert figures.response.p90_hours == pytest.approx(9.1, abs=0.05)
    assert figures.completion.mean_hours == pytest.approx(55.0, abs=0.05)
    assert figures.completion.p90_hours == pytest.approx(91.0, abs=0.05)


def test_it_reports_no_times_when_nothing_was_answered(manager):
    filed(1)

    figures = repair_figures(user=manager, **last_days())

    assert figures.response.count == 0
    assert figures.response.mean_hours is None
    assert figures.response.p90_hours is None
    assert figures.completion_sla is None


def test_it_computes_sla_compliance_from_decided_requests(manager):
    # responded in time / late; completed in time / late; an open one past its due time;
    # an open one not yet due (undecided, not counted); a rejected one (never counted).
    filed(
        100, first_response_at_h=1, response_due_at_h=4, completed_at_h=10, completion_due_at_h=24
    )
    filed(
        100, first_response_at_h=6, response_due_at_h=4, completed_at_h=30, completion_due_at_h=24
    )
    filed(100, first_response_at_h=2, response_due_at_h=4, completion_due_at_h=24)
    filed(1, response_due_at_h=4, completion_due_at_h=24)
    filed(100, status=Status.REJECTED, response_due_at_h=4, completion_due_at_h=24)

    figures = repair_figures(user=manager, **last_days())

    assert figures.response_sla_count == 3
    assert figures.response_sla == pytest.approx(2 / 3)
    assert figures.completion_sla_count == 3
    assert figures.completion_sla == pytest.approx(1 / 3)


def test_it_computes_the_reopen_rate_among_completed_requests(manager):
    filed(50, status=Status.CONFIRMED, completed_at_h=5)
    filed(50, status=Status.CONFIRMED, completed_at_h=5)
    filed(50, status=Status.CLOSED, completed_at_h=5)
    filed(50, status=Status.REOPENED, completed_at_h=5, reopen_count=1)
    filed(50)  # never completed: not in the base

    figures = repair_figures(user=manager, **last_days())

    assert figures.reopened_count == 1
    assert figures.reopen_rate == pytest.approx(1 / 4)


def test_it_lists_overdue_open_requests_soonest_first(manager):
    late = filed(60, completion_due_at_h=10)
    later = filed(60, completion_due_at_h=20)
    filed(60, completion_due_at_h=5, status=Status.COMPLETED, completed_at_h=4)
    filed(60, completion_due_at_h=5, status=Status.ON_HOLD)  # a hold pauses the clock
    filed(1, completion_due_at_h=24)  # not yet due

    figures = repair_figures(user=manager, **last_days())

    assert figures.overdue_count == 2
    assert [r.id for r in figures.overdue] == [late.pk, later.pk]


def test_it_finds_repeat_faults_in_the_same_room_and_category_within_90_days(manager):
    room, other_room = RoomFactory(), RoomFactory()
    water, door = CategoryFactory(), CategoryFactory()
    for days in (2, 30, 80):
        filed(24 * days, room=room, category=water)
    for days in (2, 30):  # only twice
        filed(24 * days, room=other_room, category=water)
    filed(24 * 100, room=other_room, category=water)  # the third is older than 90 days
    for days in (2, 3):
        filed(24 * days, room=room, category=door)

    figures = repair_figures(user=manager, **last_days())

    assert [(f["room_id"], f["category_id"], f["count"]) for f in figures.repeat_faults] == [
        (room.pk, water.pk, 3)
    ]
    assert figures.repeat_faults[0]["room"].endswith(room.number)


def test_it_shows_a_dispatcher_only_the_requests_of_their_building(db):
    mine, theirs = BuildingFactory(), BuildingFactory()
    dispatcher = UserFactory(roles=[Role.REPAIR_DISPATCHER])
    StaffScope.objects.create(user=dispatcher, role=Role.REPAIR_DISPATCHER, building=mine)
    filed(3, room=RoomFactory(building=mine))
    filed(3, room=RoomFactory(building=theirs))
    filed(3, room=RoomFactory(building=theirs), completion_due_at_h=1)

    figures = repair_figures(user=dispatcher, **last_days())

    assert figures.total == 1
    assert figures.overdue_count == 0
    assert [row["building_id"] for row in figures.by_building] == [mine.pk]


def test_it_shows_a_student_only_their_own_requests(student):
    filed(3, requester=student)
    filed(3)

    assert repair_figures(user=student, **last_days()).total == 1


def _queries(manager) -> int:
    with CaptureQueriesContext(connection) as queries:
        repair_figures(user=manager, **last_days())
    return len(queries)


def test_it_uses_a_fixed_number_of_queries_whatever_the_data(manager):
    manager.role_names  # noqa: B018  (the roles are read once per request, not per figure)
    room = RoomFactory()
    filed(10, room=room, first_response_at_h=1, completed_at_h=2, completion_due_at_h=1)
    few = _queries(manager)
    for _ in range(15):
        filed(
            10,
            room=RoomFactory(),
            category=CategoryFactory(),
            first_response_at_h=1,
            completed_at_h=2,
            completion_due_at_h=1,
        )
    for _ in range(3):
        filed(10, room=room)

    assert _queries(manager) == few
    assert few == (8 if connection.vendor == "postgresql" else 10)


# --- the page and the manager overview (read from the daily rows, see test_daily.py) ---------


def refreshed(days: int = 60) -> None:
    """What beat does every five minutes, over the last `days` days (as a backfill would)."""
    today = timezone.localdate()
    daily.refresh(days=[today - timedelta(days=n) for n in range(days)])


def test_it_shows_the_figures_page_to_a_manager(client, manager):
    filed(5, category=CategoryFactory(name="空调"), first_response_at_h=2)
    refreshed()
    client.force_login(manager)

    response = client.get(reverse("repairs:figures"))

    assert response.status_code == 200
    assert "空调" in response.content.decode()
    assert response.context["figures"].total == 1


def test_it_filters_the_figures_page_by_period(client, manager):
    filed(24 * 10)
    filed(24 * 50)
    refreshed()
    client.force_login(manager)
    today = timezone.localdate()
    start = today - timedelta(days=20)

    response = client.get(reverse("repairs:figures"), {"start": start, "end": today})

    assert response.context["figures"].total == 1


def test_it_answers_a_bad_period_with_a_message_not_an_error(client, manager):
    refreshed()
    client.force_login(manager)

    response = client.get(reverse("repairs:figures"), {"start": "2026-13-40", "end": "2026-01-01"})

    assert response.status_code == 200
    assert response.context["form"].errors
    assert response.context["figures"].total == 0


def test_it_refuses_a_period_that_ends_before_it_starts(client, manager):
    refreshed()
    client.force_login(manager)

    response = client.get(reverse("repairs:figures"), {"start": "2026-05-02", "end": "2026-05-01"})

    assert "end" in response.context["form"].errors or response.context["form"].non_field_errors()


def test_it_refuses_the_figures_page_to_students_and_technicians(client, student, technician):
    for user in (student, technician):
        client.force_login(user)
        assert client.get(reverse("repairs:figures")).status_code == 403


def test_it_sends_anonymous_visitors_to_sign_in(client):
    response = client.get(reverse("repairs:figures"))

    assert response.status_code == 302
    assert "login" in response["Location"]


def test_it_adds_repairs_figures_to_the_manager_overview(client, manager):
    filed(5, completion_due_at_h=1)
    refreshed()
    client.force_login(manager)

    response = client.get(reverse("manager-overview"))

    body = response.content.decode()
    assert 'id="overview-repairsfigures"' in body
    assert reverse("repairs:figures") in body


def test_it_keeps_the_figures_of_a_dispatcher_of_several_units_for_five_minutes(client, settings):
    # no daily rows cover two buildings: their figures are computed from the requests, once
    settings.REPAIRS_LIVE_FIGURES_SECONDS = 300
    first, second = BuildingFactory(), BuildingFactory()
    dispatcher = UserFactory(roles=[Role.REPAIR_DISPATCHER])
    for building in (first, second):
        StaffScope.objects.create(user=dispatcher, role=Role.REPAIR_DISPATCHER, building=building)
        filed(3, room=RoomFactory(building=building))
    client.force_login(dispatcher)
    today = timezone.localdate()
    for language, _name in settings.LANGUAGES:  # a previous run's figures of this user's id
        with translation.override(language):
            cache.delete(live_figures_key(dispatcher, today - timedelta(days=29), today))

    with CaptureQueriesContext(connection) as computed:
        response = client.get(reverse("repairs:figures"))
    filed(2, room=RoomFactory(building=first))
    with CaptureQueriesContext(connection) as kept:
        again = client.get(reverse("repairs:figures"))

    assert response.context["figures"].total == again.context["figures"].total == 2
    assert len(kept) < len(computed) - 5
    assert again.context["figures"].as_of is not None  # the page says when it was computed
