"""The repairs figures from daily rows (repairs.daily): the same figures the requests give."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from logistics import daily
from logistics.models import DailyFigure, StaffScope
from logistics.roles import Role
from logistics.schedule import BEAT_SCHEDULE
from repairs.daily import daily_repair_figures, figures_scope
from repairs.figures import repair_figures
from repairs.models import RepairRequest
from repairs.views.figures import period_bounds
from tests.logistics.factories import BuildingFactory, DepartmentFactory, RoomFactory, UserFactory
from tests.repairs.factories import CategoryFactory, RepairRequestFactory
from tests.repairs.test_figures import filed

pytestmark = pytest.mark.django_db
Status = RepairRequest.Status
SITE = ("site", 0)


def refresh(days: int = 120) -> None:
    today = timezone.localdate()
    daily.refresh(days=[today - timedelta(days=n) for n in range(days)])


def a_mixed_campus() -> dict:
    """Requests over four months in several states, categories, rooms and buildings."""
    water, door = CategoryFactory(name="水电"), CategoryFactory(name="门窗")
    room, other = RoomFactory(), RoomFactory()
    hall = BuildingFactory()
    for n in range(1, 31):
        filed(
            24 * (n * 3) + n,
            category=water if n % 3 else door,
            room=room if n % 2 else other,
            first_response_at_h=n % 7 + 0.5,
            response_due_at_h=4,
            completed_at_h=n * 2 if n % 4 else None,
            completion_due_at_h=48,
            status=Status.COMPLETED if n % 4 else Status.IN_PROGRESS,
            reopen_count=1 if n % 10 == 0 else 0,
        )
    for days in (1, 5, 20):
        filed(24 * days, category=water, room=room)  # repeat faults
    filed(30, category=door, room=None, building=hall, place_text="大厅", completion_due_at_h=2)
    filed(3, status=Status.REJECTED, response_due_at_h=1, completion_due_at_h=2)
    return {"room": room, "hall": hall}


def assert_same(from_rows, from_requests) -> None:
    for name in (
        "total",
        "open_count",
        "overdue_count",
        "response_sla_count",
        "completion_sla_count",
        "reopened_count",
        "by_status",
        "by_building",
        "by_category",
        "repeat_faults",
    ):
        assert getattr(from_rows, name) == getattr(from_requests, name), name
    for name in ("response_sla", "completion_sla", "reopen_rate"):
        assert getattr(from_rows, name) == pytest.approx(getattr(from_requests, name)), name
    assert [r.id for r in from_rows.overdue] == [r.id for r in from_requests.overdue]
    for timing in ("response", "completion"):
        rows, requests = getattr(from_rows, timing), getattr(from_requests, timing)
        assert rows.count == requests.count
        assert rows.mean_hours == pytest.approx(requests.mean_hours, abs=0.05)
        if requests.p90_hours is None:
            assert rows.p90_hours is None
        else:  # a histogram of 2 % buckets: within 1 %, and the display's rounding to 0.1 h
            tolerance = 0.01 * requests.p90_hours + 0.05
            assert rows.p90_hours == pytest.approx(requests.p90_hours, abs=tolerance)


def test_it_orders_equal_counts_by_the_name_shown_from_both_sources(manager):
    # Made in the reverse of the names' order, so the rows' own order cannot hide a tie; the
    # categories' Chinese names sort the other way round from their English ones.
    door = CategoryFactory(name="甲门窗", name_en="Doors")
    light = CategoryFactory(name="乙灯具", name_en="Lights")
    water = CategoryFactory(name="丙水电", name_en="Water")
    for name, category in [("C楼", water), ("B楼", light), ("A楼", door)]:
        building = BuildingFactory(name=name, name_en="")
        filed(3, room=None, building=building, place_text="大厅", category=category)
    filed(3, room=None, building=None, place_text="校门口", category=water)
    busiest = BuildingFactory(name="Z楼", name_en="")
    filed(3, room=None, building=busiest, place_text="大厅", category=light)
    filed(3, room=None, building=busiest, place_text="二楼", category=door)
    refresh(days=2)
    end = timezone.localdate()
    start = end - timedelta(days=1)
    lower, upper = period_bounds(start, end)

    for language, categories in [
        ("zh-hans", [("丙水电", 2), ("乙灯具", 2), ("甲门窗", 2)]),
        ("en", [("Doors", 2), ("Lights", 2), ("Water", 2)]),
    ]:
        with translation.override(language):
            from_requests = repair_figures(user=manager, start=lower, end=upper)
            from_rows = daily_repair_figures(scope=SITE, start=start, end=end)
        expected = [("Z楼", 2), ("A楼", 1), ("B楼", 1), ("C楼", 1), (None, 1)]
        assert [(row["name"], row["count"]) for row in from_requests.by_building] == expected
        assert from_rows.by_building == from_requests.by_building
        assert [(row["name"], row["count"]) for row in from_requests.by_category] == categories
        assert from_rows.by_category == from_requests.by_category


@pytest.mark.parametrize("days", [7, 30, 90, 120])
def test_it_gives_the_figures_the_requests_give_for_any_period(manager, days):
    a_mixed_campus()
    refresh()
    end = timezone.localdate()
    start = end - timedelta(days=days - 1)
    lower, upper = period_bounds(start, end)

    from_rows = daily_repair_figures(scope=SITE, start=start, end=end)

    assert from_rows.total > 0
    assert_same(from_rows, repair_figures(user=manager, start=lower, end=upper))


def test_it_gives_a_dispatcher_of_one_building_the_figures_of_that_building(db):
    places = a_mixed_campus()
    dispatcher = UserFactory(roles=[Role.REPAIR_DISPATCHER])
    StaffScope.objects.create(user=dispatcher, role=Role.REPAIR_DISPATCHER, building=places["hall"])
    refresh()
    end = timezone.localdate()
    start = end - timedelta(days=29)
    lower, upper = period_bounds(start, end)

    scope = figures_scope(dispatcher)
    from_rows = daily_repair_figures(scope=scope, start=start, end=end)

    assert scope == ("building", places["hall"].pk)
    assert from_rows.total == 1
    assert_same(from_rows, repair_figures(user=dispatcher, start=lower, end=upper))


def test_it_keeps_department_rows_for_a_dispatcher_of_one_department(db):
    unit = DepartmentFactory()
    ours = CategoryFactory(department=unit)
    dispatcher = UserFactory(roles=[Role.REPAIR_DISPATCHER])
    StaffScope.objects.create(user=dispatcher, role=Role.REPAIR_DISPATCHER, department=unit)
    filed(5, category=ours)
    filed(5, category=CategoryFactory(), team=unit)
    filed(5, category=CategoryFactory())
    refresh(days=2)
    day = timezone.localdate(timezone.now() - timedelta(hours=5))  # yesterday before 05:00

    figures = daily_repair_figures(scope=figures_scope(dispatcher), start=day, end=day)

    assert figures.total == 2


def test_it_has_no_rows_for_dispatchers_of_several_units_or_for_students(db, student):
    dispatcher = UserFactory(roles=[Role.REPAIR_DISPATCHER])
    for _ in range(2):
        StaffScope.objects.create(
            user=dispatcher, role=Role.REPAIR_DISPATCHER, building=BuildingFactory()
        )

    assert figures_scope(dispatcher) is None  # the page computes theirs from the requests
    assert figures_scope(student) is None
    assert figures_scope(UserFactory(roles=[Role.REPAIR_DISPATCHER])) == SITE


def test_it_rewrites_the_day_a_request_was_filed_when_it_changes_later(manager):
    repair = filed(24 * 10 + 1)
    refresh(days=12)
    filed_on = timezone.localdate(repair.created_at)
    open_row = DailyFigure.objects.get(key="repairs.open", scope_kind="site", day=filed_on)
    assert open_row.value == 1

    RepairRequest.objects.filter(pk=repair.pk).update(
        status=Status.COMPLETED, completed_at=timezone.now(), updated_at=timezone.now()
    )
    daily.refresh()  # what beat runs: today, yesterday, and the days that changed

    open_row.refresh_from_db()
    assert open_row.value == 0
    completion = DailyFigure.objects.get(key="repairs.completion", scope_kind="site", day=filed_on)
    assert completion.value == 1


def test_it_rewrites_a_day_when_a_deadline_passes_without_a_write(manager):
    repair = filed(24 * 5, response_due_at_h=24 * 5 + 1)  # due an hour from now
    refresh(days=7)
    filed_on = timezone.localdate(repair.created_at)
    row = DailyFigure.objects.get(key="repairs.response_sla", scope_kind="site", day=filed_on)
    assert row.parts["base"] == 0

    daily.refresh(now=timezone.now() + timedelta(hours=2))

    row.refresh_from_db()
    assert (row.value, row.parts["base"]) == (0, 1)  # decided, and late


def test_the_figures_page_reads_only_daily_rows_in_the_same_queries_for_any_period(client, manager):
    a_mixed_campus()
    refresh()
    client.force_login(manager)
    url = reverse("repairs:figures")
    end = timezone.localdate()

    counts = []
    for days in (7, 365):
        start = end - timedelta(days=days - 1)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url, {"start": start, "end": end})
        assert response.status_code == 200
        assert not [q for q in queries if "repairs_repairrequest" in q["sql"]]
        counts.append(len(queries))

    assert counts[0] == counts[1]
    # the user with its roles (the session is cached), the daily rows, category names, building
    # names
    assert counts[0] == 4


def test_it_registers_the_daily_figures_beat_entry_and_the_repairs_source():
    assert BEAT_SCHEDULE["daily-figures"]["task"] == "logistics.tasks.bulk_refresh_daily_figures"
    assert "repairs" in [source.name for source in daily.sources()]


def test_it_writes_zeros_for_a_day_without_requests(db):
    today = timezone.localdate()
    daily.refresh(days=[today])

    figures = daily_repair_figures(scope=SITE, start=today, end=today)

    assert (figures.total, figures.overdue_count, figures.response.count) == (0, 0, 0)
    assert DailyFigure.objects.filter(key="repairs.filed", day=today, value=0).exists()
    assert RepairRequestFactory._meta.model.objects.count() == 0
