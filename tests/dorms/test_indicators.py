"""The dorms daily figures and indicators (dorms/daily.py, dorms/indicators.py): on known
notices, acknowledgements and hazards, each indicator's value for a day and for the week equals
what the rows give, per building and campus too, and each links to a page a manager can open."""

from datetime import timedelta

import pytest
from django.utils import timezone

from dorms.inspections.models import Hazard, InspectionRound, RoomCheck
from dorms.models import Notice, NoticeRead
from logistics import daily, indicators
from logistics.indicators import SITE, Period, Scope
from logistics.models import DailyFigure
from tests.dorms.factories import dorm_manager_of, published, resident_of, water_outage
from tests.logistics.factories import BuildingFactory, RoomFactory, UserFactory

pytestmark = pytest.mark.django_db
Kind = DailyFigure.ScopeKind
KEYS = ("dorms.active_outages", "dorms.ack_rate", "dorms.hazards_overdue")
H = timedelta(hours=1)


def ago(hours: float):
    return timezone.now() - hours * H


def hazard(room, *, deadline_in: float, created_hours_ago: float = 200, **fields) -> Hazard:
    planner = UserFactory()
    round_ = InspectionRound.objects.create(
        title="消防检查",
        starts_on=timezone.localdate(ago(created_hours_ago)),
        ends_on=timezone.localdate(),
        planned_by=planner,
    )
    check = RoomCheck.objects.create(
        round=round_, room=room, building=room.building, inspector=planner, passed=False
    )
    return Hazard.objects.create(
        room_check=check,
        round=round_,
        room=room,
        building=room.building,
        kind="high_power",
        deadline=timezone.now() + deadline_in * H,
        created_at=ago(created_hours_ago),
        **fields,
    )


def earlier_today():
    """A moment today (local) and past, whatever the time: halfway from midnight to now."""
    now = timezone.now()
    midnight = daily.day_bounds(timezone.localdate(now))[0]
    return midnight + (now - midnight) / 2


def acknowledgements(notice, residents, *, on_time: int, late: int = 0) -> None:
    after = notice.ack_deadline + (timezone.now() - notice.ack_deadline) / 2  # late, not ahead
    for n, person in enumerate(residents[: on_time + late]):
        at = notice.ack_deadline - H if n < on_time else after
        NoticeRead.objects.create(notice=notice, user=person, acknowledged_at=at)


@pytest.fixture
def campus_data(db):
    east, west = BuildingFactory(code="E1"), BuildingFactory(code="W1")
    east_rooms = [RoomFactory(building=east, number=str(100 + n), floor=1) for n in range(3)]
    west_room = RoomFactory(building=west, number="201", floor=2)
    east_people = [resident_of(east_rooms[n % 3], f"e{n}") for n in range(6)]
    west_people = [resident_of(west_room, f"w{n}") for n in range(4)]
    # outages: one going on in both buildings, one in east only, one over, one withdrawn; each
    # published an hour before it started
    water_outage([east, west], starts_in=-2 * H, published_at=ago(3))
    water_outage([east], starts_in=-1 * H, published_at=ago(2))
    water_outage([west], starts_in=-30 * H, lasts=3 * H, published_at=ago(31))
    water_outage([west], starts_in=-1 * H, withdraws=True, published_at=ago(2))
    # acknowledgements: due earlier today in both buildings, and due two days ago in east
    deadline = earlier_today()
    today_notice = published(buildings=[east, west], requires_ack=True, ack_deadline=deadline)
    acknowledgements(today_notice, east_people, on_time=4, late=1)
    acknowledgements(today_notice, west_people, on_time=1)
    earlier = published(buildings=[east], requires_ack=True, ack_deadline=ago(48))
    acknowledgements(earlier, east_people, on_time=6)
    # hazards: two past their deadline, one reported fixed, one not yet due, one closed late
    hazard(east_rooms[0], deadline_in=-5)
    hazard(west_room, deadline_in=-30)
    hazard(east_rooms[1], deadline_in=-10, status="fix_reported", fixed_at=ago(1))
    hazard(east_rooms[2], deadline_in=20)
    hazard(west_room, deadline_in=-60, status="closed", fixed_at=ago(2), closed_at=ago(2))
    now = timezone.now()
    days = [timezone.localdate(now) - timedelta(days=n) for n in range(10)]
    daily.refresh(days=days, now=now, only="dorms")
    indicators.refresh(days=days, now=now)
    return east, west


def values(period, day, scope=SITE) -> dict:
    readings = indicators.read(period=period, day=day, scopes=[scope], keys=KEYS)
    return {r.indicator.key: r.value for r in readings}


def expected(start, end, *, buildings=None) -> dict:
    """What the notices, reads and hazards themselves give for [start, end) (states: now)."""
    now = timezone.now()
    outages = Notice.objects.active_outages(now)
    hazards = Hazard.objects.overdue(now)
    due = Notice.objects.filter(requires_ack=True, ack_deadline__gte=start, ack_deadline__lt=end)
    people = UserFactory._meta.model.objects.filter(dorm_room__isnull=False)
    if buildings:
        outages = outages.in_buildings(buildings)
        hazards = hazards.in_buildings(buildings)
        people = people.filter(dorm_room__building__in=buildings)
    base = done = 0
    for notice in due:
        reached = people.filter(dorm_room__building__in=notice.targets.values("building"))
        base += reached.count()
        done += NoticeRead.objects.filter(
            notice=notice, user__in=reached, acknowledged_at__lte=notice.ack_deadline
        ).count()
    return {
        "dorms.active_outages": outages.count(),
        "dorms.ack_rate": 100 * done / base if base else None,
        "dorms.hazards_overdue": hazards.count(),
    }


@pytest.mark.parametrize("period", [Period.DAY, Period.WEEK])
def test_each_indicator_equals_what_the_rows_give(campus_data, period):
    today = timezone.localdate()
    start = daily.day_bounds(indicators.period_start(period, today))[0]
    wanted = expected(start, timezone.now())
    assert values(period, today) == pytest.approx(wanted)
    if period == Period.DAY:
        assert wanted == pytest.approx(
            {"dorms.active_outages": 2, "dorms.ack_rate": 50, "dorms.hazards_overdue": 2}
        )


def test_each_building_and_campus_has_its_own_rows(campus_data):
    east, west = campus_data
    today = timezone.localdate()
    start = daily.day_bounds(indicators.period_start(Period.WEEK, today))[0]
    for building in (east, west):
        wanted = expected(start, timezone.now(), buildings=[building.pk])
        assert values(Period.WEEK, today, Scope(Kind.BUILDING, building.pk)) == pytest.approx(
            wanted
        )
    campus = values(Period.DAY, today, Scope(Kind.CAMPUS, east.campus_id))
    assert campus["dorms.active_outages"] == 2  # the outages reaching east (its own campus)


def test_a_past_days_states_are_those_at_its_end(campus_data):
    yesterday = timezone.localdate() - timedelta(days=1)
    midnight = daily.day_bounds(yesterday)[1]
    outages = Notice.objects.filter(
        kind="outage",
        withdraws=False,
        published_at__lte=midnight,
        starts_at__lte=midnight,
        ends_at__gt=midnight,
    )
    hazards = Hazard.objects.filter(deadline__lt=midnight).exclude(fixed_at__lte=midnight)
    found = values(Period.DAY, yesterday)
    assert found["dorms.active_outages"] == outages.count()
    assert found["dorms.hazards_overdue"] == hazards.count()


def test_overdue_hazards_need_attention(campus_data):
    [reading] = indicators.read(
        period=Period.DAY, day=timezone.localdate(), keys=["dorms.hazards_overdue"]
    )
    assert reading.value == 2 and reading.attention


def test_each_drill_down_opens_for_a_manager(client, campus_data, manager):
    east, _west = campus_data
    client.force_login(manager)
    for key in KEYS:
        for scope in (SITE, Scope(Kind.BUILDING, east.pk), Scope(Kind.CAMPUS, east.campus_id)):
            link = indicators.get(key).link(scope)
            assert client.get(link).status_code == 200, (key, scope, link)


def test_the_hazard_list_keeps_to_one_building(client, campus_data, manager):
    east, west = campus_data
    client.force_login(manager)
    page = client.get(indicators.get("dorms.hazards_overdue").link(Scope(Kind.BUILDING, west.pk)))
    assert len(page.context["page"].object_list) == 1
    assert client.get("/dorms/hazards/?building=99999999999999999999").status_code == 200


def test_the_building_filter_never_widens_what_a_dorm_manager_sees(client, campus_data):
    east, west = campus_data
    InspectionRound.objects.get(
        hazards__building=east, hazards__deadline__lt=timezone.now(), hazards__status="open"
    ).buildings.add(east)
    client.force_login(dorm_manager_of(east))
    for building, shown in ((east, 1), (west, 0)):
        page = client.get("/dorms/hazards/", {"overdue": 1, "building": building.pk})
        assert page.status_code == 200
        assert len(page.context["page"].object_list) == shown
