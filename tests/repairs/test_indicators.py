"""The repairs indicators (repairs/indicators.py): on known requests, each value of a day and a
week is what the requests themselves give; the buildings keep their states; links answer."""

import math
from collections import Counter
from datetime import timedelta

import pytest
from django.utils import timezone

from logistics import daily, indicators
from logistics.indicators import SITE, Period, Scope, ScopeKind
from repairs.models import RepairRequest
from repairs.workflow import OPEN_STATUSES
from tests.logistics.factories import (
    BuildingFactory,
    CampusFactory,
    DepartmentFactory,
    RoomFactory,
)
from tests.repairs.factories import CategoryFactory
from tests.repairs.test_figures import filed

pytestmark = pytest.mark.django_db
Status = RepairRequest.Status
KEYS = (
    "repairs.filed",
    "repairs.open",
    "repairs.overdue",
    "repairs.completion_p90",
    "repairs.completion_on_time",
    "repairs.first_time_fix",
    "repairs.repeat_faults",
)


def compute(now):
    today = timezone.localdate(now)
    days = [today - timedelta(days=n) for n in range(10)]
    daily.refresh(days=days, now=now)
    indicators.refresh(days=days, now=now)


def values(period, day, scope=SITE):
    readings = indicators.read(period=period, day=day, scopes=[scope], keys=KEYS)
    return {r.indicator.key: r.value for r in readings}


def exact_percentile(values, fraction):
    ordered = sorted(values)
    rank = fraction * (len(ordered) - 1)
    low = math.floor(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def expected(requests, now):
    """The indicators of a period's requests, from the requests themselves."""
    worked = [r for r in requests if r.status not in (Status.REJECTED, Status.CANCELLED)]
    decided = [
        r for r in worked if r.completion_due_at and (r.completed_at or r.completion_due_at < now)
    ]
    on_time = [r for r in decided if r.completed_at and r.completed_at <= r.completion_due_at]
    fix_base = [r for r in worked if r.completed_at or r.reopen_count]
    hours = [
        (r.completed_at - r.created_at).total_seconds() / 3600 for r in requests if r.completed_at
    ]
    return {
        "repairs.filed": len(requests),
        "repairs.completion_p90": exact_percentile(hours, 0.9) if hours else None,
        "repairs.completion_on_time": 100 * len(on_time) / len(decided) if decided else None,
        "repairs.first_time_fix": (
            100 - 100 * sum(1 for r in fix_base if r.reopen_count) / len(fix_base)
            if fix_base
            else None
        ),
    }


def repeat_faults(requests, building=None):
    """(room, category) pairs reported three times or more (all within the 90 days here)."""
    pairs = Counter(
        (r.room_id, r.category_id)
        for r in requests
        if r.room_id and (building is None or r.room.building_id == building.pk)
    )
    return sum(1 for n in pairs.values() if n >= 3)


@pytest.fixture
def campus():
    """Requests of this week and before it, completed early and late, reopened, overdue, and
    a room with the same fault three times."""
    water, door = CategoryFactory(name="水电"), CategoryFactory(name="门窗")
    east, west = BuildingFactory(), BuildingFactory()
    leaky, other = RoomFactory(building=east), RoomFactory(building=west)
    for n in range(12):
        filed(
            n * 13 + 0.5,
            category=water if n % 2 else door,
            room=leaky if n % 4 == 0 else other,
            completed_at_h=n + 1 if n % 3 else None,
            completion_due_at_h=6,
            status=Status.COMPLETED if n % 3 else Status.IN_PROGRESS,
            reopen_count=1 if n == 4 else 0,
        )
    filed(3, category=water, room=other, status=Status.REJECTED, completion_due_at_h=1)
    return {"east": east, "west": west, "empty": BuildingFactory()}


def test_a_day_and_a_week_are_what_the_requests_give(campus):
    now = timezone.now()
    compute(now)
    today = timezone.localdate(now)
    monday = today - timedelta(days=today.weekday())
    requests = list(RepairRequest.objects.all())

    for period, first in ((Period.DAY, today), (Period.WEEK, monday)):
        found = values(period, today)
        start = daily.day_bounds(first)[0]
        want = expected([r for r in requests if r.created_at >= start], now)
        assert found["repairs.filed"] == want["repairs.filed"], period
        for key in ("repairs.completion_on_time", "repairs.first_time_fix"):
            assert found[key] == pytest.approx(want[key]), (period, key)
        if want["repairs.completion_p90"] is None:
            assert found["repairs.completion_p90"] is None
        else:  # a histogram of 2 % buckets: within 1 %
            p90 = want["repairs.completion_p90"]
            assert found["repairs.completion_p90"] == pytest.approx(p90, rel=0.011), period
        # the states are those of the moment, whatever the period
        assert found["repairs.open"] == sum(r.status in OPEN_STATUSES for r in requests)
        assert found["repairs.overdue"] == RepairRequest.objects.overdue(now).count() > 0
        assert found["repairs.repeat_faults"] == repeat_faults(requests) == 3


def test_each_building_keeps_its_open_overdue_and_repeat_faults(campus):
    now = timezone.now()
    compute(now)
    today = timezone.localdate(now)

    for building in campus.values():
        scope = Scope(ScopeKind.BUILDING, building.pk)
        found = values(Period.DAY, today, scope)
        mine = RepairRequest.objects.filter(building=building)
        assert found["repairs.open"] == mine.open().count()
        assert found["repairs.overdue"] == mine.overdue(now).count()
        assert "repairs.filed" not in found  # volumes are kept for the dispatchers' units only
    requests = list(RepairRequest.objects.select_related("room"))
    for name, want in (("east", 1), ("west", 2)):
        found = values(Period.WEEK, today, Scope(ScopeKind.BUILDING, campus[name].pk))
        assert found["repairs.repeat_faults"] == repeat_faults(requests, campus[name]) == want
    empty = values(Period.DAY, today, Scope(ScopeKind.BUILDING, campus["empty"].pk))
    assert empty == {"repairs.open": 0, "repairs.overdue": 0, "repairs.repeat_faults": 0}


def test_overdue_needs_attention_and_an_empty_building_does_not(campus):
    now = timezone.now()
    compute(now)
    today = timezone.localdate(now)
    scopes = [SITE, Scope(ScopeKind.BUILDING, campus["empty"].pk)]

    readings = indicators.read(
        period=Period.DAY, day=today, scopes=scopes, keys=["repairs.overdue"]
    )

    assert [(r.scope, r.attention) for r in readings] == [(SITE, True), (scopes[1], False)]


def test_the_repeat_fault_count_is_not_capped_by_the_list(db):
    category = CategoryFactory()
    for _ in range(22):
        room = RoomFactory()
        for hours in (5, 6, 7):
            filed(hours, category=category, room=room)
    now = timezone.now()
    compute(now)

    found = values(Period.DAY, timezone.localdate(now))

    assert found["repairs.repeat_faults"] == 22


def test_every_drill_down_answers_a_manager(client, manager, campus):
    now = timezone.now()
    compute(now)
    client.force_login(manager)
    building = Scope(ScopeKind.BUILDING, campus["east"].pk)
    readings = indicators.read(
        period=Period.WEEK, day=timezone.localdate(now), scopes=[SITE, building], keys=KEYS
    )

    assert {r.indicator.key for r in readings} == set(KEYS)
    for reading in readings:
        assert reading.link, reading.indicator.key
        assert client.get(reading.link).status_code == 200, reading.link
    overdue = next(
        r for r in readings if r.scope == building and r.indicator.key == "repairs.overdue"
    )
    assert f"building={campus['east'].pk}" in overdue.link and "overdue=true" in overdue.link


def test_a_past_days_states_are_rebuilt_from_the_times(db):
    """A backfill draws the open and overdue requests each past day ended with."""
    hall = BuildingFactory()
    first = timezone.localdate() - timedelta(days=4)
    start = daily.day_bounds(first)[0]

    def at(days, hours):
        return start + timedelta(days=days, hours=hours)

    late = filed(1, room=RoomFactory(building=hall), status=Status.COMPLETED)
    cancelled = filed(1, room=RoomFactory(building=hall), status=Status.CANCELLED)
    RepairRequest.objects.filter(pk=late.pk).update(
        created_at=at(0, 10), completion_due_at=at(1, 10), completed_at=at(2, 10)
    )
    RepairRequest.objects.filter(pk=cancelled.pk).update(
        created_at=at(0, 9), completion_due_at=at(0, 11), closed_at=at(1, 12)
    )
    compute(timezone.now())

    building = Scope(ScopeKind.BUILDING, hall.pk)
    for days, want in ((0, (2, 1)), (1, (1, 1)), (2, (0, 0)), (4, (0, 0))):
        day = first + timedelta(days=days)
        for scope in (SITE, building):
            found = values(Period.DAY, day, scope)
            assert (found["repairs.open"], found["repairs.overdue"]) == want, (days, scope)
    week_before = indicators.read(period=Period.DAY, day=first, keys=["repairs.overdue"])
    assert week_before[0].attention


def test_a_buildings_overdue_link_opens_the_queue_with_the_requests_behind_it(
    client, manager, campus
):
    for hours in (30, 40):
        filed(hours, room=RoomFactory(building=campus["east"]), completion_due_at_h=6)
    filed(30, room=RoomFactory(building=campus["west"]), completion_due_at_h=6)
    now = timezone.now()
    compute(now)
    east = Scope(ScopeKind.BUILDING, campus["east"].pk)
    [reading] = indicators.read(
        period=Period.DAY, day=timezone.localdate(now), scopes=[east], keys=["repairs.overdue"]
    )
    client.force_login(manager)

    page = client.get(reading.link).context["page"]

    behind = RepairRequest.objects.filter(building=campus["east"]).overdue(now)
    listed = {repair.pk for repair in page.object_list}
    assert listed == set(behind.values_list("pk", flat=True))
    assert len(listed) == reading.value == 2


def test_a_units_link_narrows_the_queue_to_the_units_requests(client, manager):
    """A department scope (a dispatcher's unit): its team's and its categories' requests."""
    unit = DepartmentFactory()
    mine = filed(3, category=CategoryFactory(department=unit))
    theirs = filed(3)
    client.force_login(manager)
    link = indicators.get("repairs.open").link(Scope(ScopeKind.DEPARTMENT, unit.pk))

    response = client.get(link)

    assert {repair.pk for repair in response.context["page"].object_list} == {mine.pk}
    assert theirs.pk not in {repair.pk for repair in response.context["page"].object_list}
    assert str(unit) in response.content.decode()  # the page says what it is narrowed to


def test_the_command_centre_filtered_by_campus_shows_that_campus_repairs_only(client, manager):
    north, south = CampusFactory(), CampusFactory()
    for _ in range(3):
        filed(0.1, room=RoomFactory(building=BuildingFactory(campus=north)))
    filed(0.1, room=RoomFactory(building=BuildingFactory(campus=south)))
    filed(0.1, room=None, building=None, place_text="操场")  # on no campus: the site's only
    compute(timezone.now())
    client.force_login(manager)

    def shown(query):
        response = client.get("/manage/", query, HTTP_ACCEPT_LANGUAGE="en")
        assert response.status_code == 200
        groups = response.context["services"]
        trends = {t.indicator.key: t for g in groups if g.service == "repairs" for t in g.trends}
        return {key: trend.periods[0].value for key, trend in trends.items()}

    assert shown({"campus": north.pk})["repairs.open"] == "3"
    assert shown({"campus": north.pk})["repairs.filed"] == "3"
    assert shown({"campus": south.pk})["repairs.open"] == "1"
    assert shown({})["repairs.open"] == "5"
    link = indicators.get("repairs.open").link(Scope(ScopeKind.CAMPUS, south.pk))
    listed = client.get(link).context["page"].object_list
    assert [repair.building.campus_id for repair in listed] == [south.pk]
