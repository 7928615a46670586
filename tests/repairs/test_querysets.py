"""Reads of repair requests: who sees what, the duplicate check, queues, workload, rules."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from logistics.models import StaffScope
from repairs.dispatch import matching_rule
from repairs.models import RepairRequest
from repairs.querysets import (
    dispatchers_for,
    similar_open_requests,
    technician_workload,
    visible_to,
)
from tests.logistics.factories import (
    BuildingFactory,
    CampusFactory,
    DepartmentFactory,
    RoomFactory,
    UserFactory,
)
from tests.repairs.factories import CategoryFactory, DispatchRuleFactory, RepairRequestFactory

Status = RepairRequest.Status
pytestmark = pytest.mark.django_db


def visible(user) -> set[int]:
    return set(RepairRequest.objects.for_user(user).values_list("pk", flat=True))


# --- for_user -----------------------------------------------------------------------------------


def test_it_shows_a_requester_only_their_own(student, other_student):
    mine = RepairRequestFactory(requester=student)
    RepairRequestFactory(requester=other_student)
    assert visible(student) == {mine.pk}


def test_it_shows_a_technician_their_jobs_and_their_own_reports(technician, student):
    job = RepairRequestFactory(assignee=technician, status=Status.ASSIGNED)
    own = RepairRequestFactory(requester=technician)
    RepairRequestFactory(requester=student)
    assert visible(technician) == {job.pk, own.pk}


def test_it_shows_an_unscoped_dispatcher_everything(student):
    dispatcher = UserFactory(roles=["repair_dispatcher"])
    requests = RepairRequestFactory.create_batch(3)
    assert visible(dispatcher) == {r.pk for r in requests}
    # without a condition that is always true: the same query as a manager's
    manager = UserFactory(roles=["logistics_manager"])
    mine = RepairRequest.objects.for_user(dispatcher).query
    assert str(mine) == str(RepairRequest.objects.for_user(manager).query)
    assert "WHERE" not in str(mine)


def test_it_shows_a_scoped_dispatcher_their_buildings_and_units(student):
    dispatcher = UserFactory(roles=["repair_dispatcher"])
    building, unit = BuildingFactory(), DepartmentFactory()
    StaffScope.objects.create(user=dispatcher, role="repair_dispatcher", building=building)
    StaffScope.objects.create(user=dispatcher, role="repair_dispatcher", department=unit)
    in_building = RepairRequestFactory(room=RoomFactory(building=building))
    of_team = RepairRequestFactory(team=unit)
    of_category_unit = RepairRequestFactory(category=CategoryFactory(department=unit))
    RepairRequestFactory()
    assert visible(dispatcher) == {in_building.pk, of_team.pk, of_category_unit.pk}


def test_it_ignores_scopes_of_other_roles_for_dispatchers():
    dispatcher = UserFactory(roles=["repair_dispatcher", "dorm_manager"])
    StaffScope.objects.create(user=dispatcher, role="dorm_manager", building=BuildingFactory())
    requests = RepairRequestFactory.create_batch(2)
    assert visible(dispatcher) == {r.pk for r in requests}  # no dispatcher scope: all


@pytest.mark.parametrize("role", ["logistics_manager", "supervisor"])
def test_it_shows_managers_and_supervisors_everything(role):
    requests = RepairRequestFactory.create_batch(2)
    assert visible(UserFactory(roles=[role])) == {r.pk for r in requests}


def test_it_shows_anonymous_users_and_other_roles_nothing(integrator):
    from django.contrib.auth.models import AnonymousUser

    RepairRequestFactory()
    assert visible(AnonymousUser()) == set()
    assert visible(integrator) == set()


# --- The duplicate check ------------------------------------------------------------------------


def test_it_finds_open_requests_for_the_same_room_and_category():
    room, category = RoomFactory(), CategoryFactory()
    same = RepairRequestFactory(room=room, category=category, status=Status.ASSIGNED)
    RepairRequestFactory(room=room, category=category, status=Status.CLOSED)
    RepairRequestFactory(room=room, category=CategoryFactory())
    RepairRequestFactory(room=RoomFactory(building=room.building), category=category)
    assert list(similar_open_requests(category=category, room=room)) == [same]


def test_it_matches_a_described_place_in_a_building_without_a_room():
    building, category = BuildingFactory(), CategoryFactory()
    same = RepairRequestFactory(
        room=None, building=building, place_text="三楼楼道", category=category
    )
    RepairRequestFactory(room=None, building=building, place_text="一楼大厅", category=category)
    found = similar_open_requests(category=category, building=building, place_text=" 三楼楼道")
    assert list(found) == [same]
    assert not similar_open_requests(category=category, building=building).exists()
    assert not similar_open_requests(category=category).exists()


def test_it_narrows_the_duplicate_check_with_a_queryset(student):
    room, category = RoomFactory(), CategoryFactory()
    RepairRequestFactory(room=room, category=category)
    mine = RepairRequestFactory(room=room, category=category, requester=student)
    found = RepairRequest.objects.for_user(student).similar_open(category=category, room=room)
    assert list(found) == [mine]


# --- Queues and workload ------------------------------------------------------------------------


def test_it_orders_the_queue_by_due_time_with_undated_requests_last():
    now = timezone.now()
    later = RepairRequestFactory(completion_due_at=now + timedelta(hours=5))
    undated = RepairRequestFactory(completion_due_at=None)
    sooner = RepairRequestFactory(completion_due_at=now + timedelta(hours=1))
    assert list(RepairRequest.objects.by_due_time()) == [sooner, later, undated]


def test_it_lists_a_technicians_open_jobs_soonest_first(technician):
    now = timezone.now()
    late = RepairRequestFactory(assignee=technician, status=Status.IN_PROGRESS)
    soon = RepairRequestFactory(
        assignee=technician, status=Status.ASSIGNED, completion_due_at=now + timedelta(hours=1)
    )
    RepairRequestFactory(assignee=technician, status=Status.COMPLETED)
    RepairRequestFactory(status=Status.ASSIGNED, assignee=UserFactory(roles=["technician"]))
    assert list(RepairRequest.objects.for_technician(technician)) == [soon, late]


def test_it_lists_unassigned_open_requests(technician):
    waiting = RepairRequestFactory(status=Status.ACCEPTED)
    RepairRequestFactory(assignee=technician, status=Status.ASSIGNED)
    RepairRequestFactory(status=Status.CANCELLED)
    assert list(RepairRequest.objects.unassigned()) == [waiting]


def test_it_counts_each_technicians_open_overdue_and_held_jobs(django_assert_num_queries):
    busy = UserFactory(username="t1", roles=["technician"])
    idle = UserFactory(username="t2", roles=["technician"])
    past = timezone.now() - timedelta(hours=1)
    RepairRequestFactory(assignee=busy, status=Status.IN_PROGRESS, completion_due_at=past)
    RepairRequestFactory(assignee=busy, status=Status.ON_HOLD, completion_due_at=past)
    RepairRequestFactory(assignee=busy, status=Status.ASSIGNED)
    RepairRequestFactory(assignee=busy, status=Status.CLOSED)
    with django_assert_num_queries(1):
        rows = {
            u.username: (u.open_jobs, u.in_progress_jobs, u.on_hold_jobs, u.overdue_jobs)
            for u in technician_workload()
        }
    assert rows == {busy.username: (3, 1, 1, 1), idle.username: (0, 0, 0, 0)}


def test_it_counts_only_the_jobs_a_dispatcher_may_see():
    tech = UserFactory(username="t3", roles=["technician"])
    building = BuildingFactory()
    dispatcher = UserFactory(roles=["repair_dispatcher"])
    StaffScope.objects.create(user=dispatcher, role="repair_dispatcher", building=building)
    RepairRequestFactory(assignee=tech, status=Status.ASSIGNED, room=RoomFactory(building=building))
    RepairRequestFactory(assignee=tech, status=Status.ASSIGNED)
    scoped = technician_workload(requests=RepairRequest.objects.for_user(dispatcher))
    assert scoped.get(pk=tech.pk).open_jobs == 1


def test_it_finds_the_dispatchers_whose_scope_covers_a_request():
    request = RepairRequestFactory()
    everywhere = UserFactory(roles=["repair_dispatcher"])
    here = UserFactory(roles=["repair_dispatcher"])
    StaffScope.objects.create(user=here, role="repair_dispatcher", building=request.building)
    there = UserFactory(roles=["repair_dispatcher"])
    StaffScope.objects.create(user=there, role="repair_dispatcher", building=BuildingFactory())
    UserFactory(roles=["repair_dispatcher"], is_active=False)
    assert {u.pk for u in dispatchers_for(request)} == {everywhere.pk, here.pk}


def test_visible_to_holds_for_one_request_what_for_user_holds_for_the_table(
    student, other_student, technician, manager
):
    """The request page asks visible_to of the row it read by key; the lists ask for_user of
    the table. Every reader, every request: the same answer."""
    team, unit, building = DepartmentFactory(), DepartmentFactory(), BuildingFactory()
    unit_category = CategoryFactory(department=unit)
    requests = [
        RepairRequestFactory(requester=student),
        RepairRequestFactory(requester=other_student, assignee=technician, status=Status.ASSIGNED),
        RepairRequestFactory(team=team),
        RepairRequestFactory(category=unit_category),
        RepairRequestFactory(room=RoomFactory(building=building)),
        RepairRequestFactory(requester=technician),
    ]
    readers = [student, other_student, technician, manager, AnonymousUser()]
    readers.append(UserFactory(roles=["supervisor"]))
    readers.append(UserFactory(is_superuser=True))
    readers.append(UserFactory(roles=["repair_dispatcher"]))  # unscoped: all
    for scope in ({"department": team}, {"department": unit}, {"building": building}):
        scoped = UserFactory(roles=["repair_dispatcher", "technician"])
        StaffScope.objects.create(user=scoped, role="repair_dispatcher", **scope)
        readers.append(scoped)
    # a scope of another role does not widen what a dispatcher sees
    other_role = UserFactory(roles=["repair_dispatcher"])
    StaffScope.objects.create(user=other_role, role="repair_dispatcher", building=BuildingFactory())
    StaffScope.objects.create(user=other_role, role="dorm_manager", building=building)
    readers.append(other_role)
    readers.append(UserFactory(roles=["technician"]))  # assigned nothing
    seen = 0
    for reader in readers:
        in_table = visible(reader) if reader.is_authenticated else set()
        for repair in RepairRequest.objects.select_related("category"):
            assert visible_to(reader, repair) == (repair.pk in in_table), (reader, repair)
            seen += repair.pk in in_table
    assert 0 < seen < len(readers) * len(requests)


# --- Dispatch rules -----------------------------------------------------------------------------


def test_it_prefers_the_lowest_priority_number():
    category, building = CategoryFactory(), BuildingFactory()
    DispatchRuleFactory(category=category, building=building, priority=50)
    first = DispatchRuleFactory(category=category, building=None, priority=10)
    assert matching_rule(category=category, building=building) == first


def test_it_prefers_the_more_specific_rule_at_equal_priority():
    parent = CategoryFactory()
    child = CategoryFactory(parent=parent)
    building = BuildingFactory()
    DispatchRuleFactory(category=None, building=None)
    DispatchRuleFactory(category=parent, building=building)
    nearest = DispatchRuleFactory(category=child, building=building)
    assert matching_rule(category=child, building=building) == nearest


def test_it_matches_rules_by_campus_and_skips_inactive_ones():
    campus = CampusFactory()
    building = BuildingFactory(campus=campus)
    category = CategoryFactory()
    DispatchRuleFactory(category=category, building=None, campus=campus, is_active=False)
    by_campus = DispatchRuleFactory(category=category, building=None, campus=campus, priority=200)
    DispatchRuleFactory(category=category, building=None, campus=CampusFactory(), priority=1)
    assert matching_rule(category=category, building=building) == by_campus
    assert matching_rule(category=category, building=None) is None


def test_it_matches_a_team_only_rule():
    category, team = CategoryFactory(), DepartmentFactory()
    rule = DispatchRuleFactory(category=category, building=None, technician=None, team=team)
    assert matching_rule(category=category) == rule
