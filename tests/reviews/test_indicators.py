"""The reviews indicators (reviews/indicators.py): on known reviews and complaints, each value of a
day and a week is what the rows themselves give, for the site and each department; a review
hidden later rewrites its day; the links answer a manager."""

import datetime
from datetime import timedelta

import pytest
from django.utils import timezone

from dining.reviews import EVENT_TYPE as DISH
from logistics import daily, indicators
from logistics.indicators import SITE, Period, Scope, ScopeKind
from reviews.models import Complaint, Review
from tests.logistics.factories import DepartmentFactory
from tests.reviews.factories import ComplaintFactory, ReviewFactory, ServiceEventFactory

pytestmark = pytest.mark.django_db
REPAIR = "repairs.request"
MONDAY = datetime.date(2026, 3, 9)
WEDNESDAY = MONDAY + timedelta(days=2)
WEEK = [MONDAY + timedelta(days=n) for n in range(3)]
KEYS = (
    "reviews.satisfaction.repairs",
    "reviews.satisfaction.dining",
    "reviews.reviews",
    "reviews.complaints",
    "reviews.complaints_on_time",
)


def at(day, hour=10):
    return daily.day_bounds(day)[0] + timedelta(hours=hour)


def review(day, stars, event_type, department, *, hidden=False):
    event = ServiceEventFactory(
        event_type=event_type, department=department, occurred_at=at(day, 8)
    )
    return ReviewFactory(event=event, stars=stars, created_at=at(day), is_hidden=hidden)


def complaint(day, department, *, kind=Complaint.Kind.COMPLAINT, closed=None, late=False):
    """Filed on `day`; closed `closed` days later, by its deadline unless `late`."""
    filed = at(day, 9)
    fields = {}
    if closed is not None:
        done = filed + timedelta(days=closed)
        fields = {"status": Complaint.Status.CLOSED, "resolved_at": done, "closed_at": done}
    return ComplaintFactory(
        kind=kind,
        department=department,
        created_at=filed,
        resolve_due_at=filed + timedelta(hours=1 if late else 72),
        **fields,
    )


@pytest.fixture
def week():
    canteen, repairs = DepartmentFactory(), DepartmentFactory()
    review(MONDAY, 5, REPAIR, repairs)
    review(MONDAY, 4, REPAIR, repairs)
    review(MONDAY + timedelta(days=1), 2, REPAIR, repairs)
    review(MONDAY + timedelta(days=1), 4, DISH, canteen)
    review(WEDNESDAY, 5, DISH, canteen)
    review(WEDNESDAY, 1, REPAIR, repairs, hidden=True)  # hidden: counts nowhere
    complaint(MONDAY, canteen, closed=2)  # closed on Wednesday, in time
    complaint(MONDAY, repairs, closed=2, late=True)  # closed on Wednesday, late
    complaint(MONDAY + timedelta(days=1), canteen, kind=Complaint.Kind.SUGGESTION)
    complaint(WEDNESDAY, repairs)
    return {"canteen": canteen, "repairs": repairs}


def compute(now=None):
    now = now or at(WEDNESDAY, 20)
    daily.refresh(days=WEEK, now=now)
    indicators.refresh(days=WEEK, now=now)


def values(period, day, scope=SITE):
    readings = indicators.read(period=period, day=day, scopes=[scope], keys=KEYS)
    return {r.indicator.key: r.value for r in readings}


def expected(days, department=None):
    """The indicators of `days`, from the reviews and complaints themselves."""
    bounds = [daily.day_bounds(day) for day in days]

    def within(moment):
        return moment is not None and any(lo <= moment < hi for lo, hi in bounds)

    reviews = [
        r
        for r in Review.objects.select_related("event")
        if within(r.created_at) and not r.is_hidden
        and department in (None, r.event.department_id)
    ]  # fmt: skip
    found = {"reviews.reviews": len(reviews)}
    for service, event_type in (("repairs", REPAIR), ("dining", DISH)):
        stars = [r.stars for r in reviews if r.event_type == event_type]
        found[f"reviews.satisfaction.{service}"] = sum(stars) / len(stars) if stars else None
    complaints = [c for c in Complaint.objects.all() if department in (None, c.department_id)]
    found["reviews.complaints"] = sum(
        within(c.created_at) and c.kind == Complaint.Kind.COMPLAINT for c in complaints
    )
    closed = [c for c in complaints if c.status == Complaint.Status.CLOSED and within(c.closed_at)]
    in_time = [c for c in closed if (c.resolved_at or c.closed_at) <= c.resolve_due_at]
    found["reviews.complaints_on_time"] = 100 * len(in_time) / len(closed) if closed else None
    return found


def test_a_day_and_a_week_are_what_the_rows_give(week):
    compute()

    for day in WEEK:
        assert values(Period.DAY, day) == pytest.approx(expected([day])), day
    assert values(Period.WEEK, WEDNESDAY) == pytest.approx(expected(WEEK))
    wednesday = values(Period.DAY, WEDNESDAY)
    assert wednesday["reviews.complaints_on_time"] == 50  # one of the two closed was late
    assert wednesday["reviews.satisfaction.repairs"] is None  # only a hidden review


def test_each_department_gets_its_own_rows(week):
    compute()

    for department in week.values():
        scope = Scope(ScopeKind.DEPARTMENT, department.pk)
        found = values(Period.WEEK, WEDNESDAY, scope)
        want = {k: v for k, v in expected(WEEK, department.pk).items() if k in found}
        assert found == pytest.approx(want)
        assert found["reviews.reviews"] > 0
    canteen = values(Period.WEEK, WEDNESDAY, Scope(ScopeKind.DEPARTMENT, week["canteen"].pk))
    assert "reviews.satisfaction.repairs" not in canteen  # the canteen served no repairs
    assert canteen["reviews.satisfaction.dining"] == 4.5


def test_a_review_hidden_later_rewrites_its_day(week):
    first = at(WEDNESDAY, 20)
    compute(first)
    daily.refresh(days=[timezone.localdate(first)], now=first)
    later = first + timedelta(hours=1)
    monday = Review.objects.get(created_at=at(MONDAY), stars=5)
    Review.objects.filter(pk=monday.pk).update(is_hidden=True, hidden_at=later, updated_at=later)

    daily.refresh(now=later + timedelta(minutes=1))  # what beat runs
    indicators.refresh(now=later + timedelta(minutes=1))

    assert values(Period.DAY, MONDAY)["reviews.satisfaction.repairs"] == 4
    assert values(Period.WEEK, MONDAY)["reviews.reviews"] == 4  # of five


def test_few_stars_and_late_complaints_need_attention(week):
    compute()

    readings = indicators.read(period=Period.DAY, day=WEDNESDAY + timedelta(days=0), keys=KEYS)
    attention = {r.indicator.key for r in readings if r.attention}

    assert attention == {"reviews.complaints_on_time"}  # 50 % < 90 %
    tuesday = indicators.read(period=Period.DAY, day=MONDAY + timedelta(days=1), keys=KEYS)
    assert {r.indicator.key for r in tuesday if r.attention} == {"reviews.satisfaction.repairs"}


def test_every_drill_down_answers_a_manager(client, manager, week):
    compute()
    client.force_login(manager)
    department = Scope(ScopeKind.DEPARTMENT, week["repairs"].pk)

    readings = indicators.read(period=Period.WEEK, day=WEDNESDAY, scopes=[SITE, department])

    found = {r.indicator.key for r in readings if r.indicator.service == "reviews"}
    assert set(KEYS) <= found
    for reading in readings:
        if reading.indicator.service != "reviews":
            continue
        assert client.get(reading.link).status_code == 200, reading.link
        if reading.scope == department and reading.indicator.key == "reviews.complaints":
            assert f"department={week['repairs'].pk}" in reading.link
