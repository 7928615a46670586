"""The lost-and-found indicators (lostfound/indicators.py): on known items, each indicator's
value for a day and for the week equals what the items give, per desk scope too, and each links
to a page a manager can open."""

from datetime import timedelta

import pytest
from django.utils import timezone

from logistics import daily, indicators
from logistics.indicators import SITE, Period, Scope
from logistics.models import DailyFigure
from lostfound.models import OPEN_ITEM_STATUSES, Claim, Disposal, FoundItem
from tests.logistics.factories import UserFactory
from tests.lostfound.factories import DeskFactory, FoundItemFactory

pytestmark = pytest.mark.django_db
Kind = DailyFigure.ScopeKind
Status = FoundItem.Status
KEYS = ("lostfound.found", "lostfound.return_rate", "lostfound.past_holding")


def item(desk, *, hours_ago: float, holding_days: float = 30, status=Status.STORED):
    created = timezone.now() - timedelta(hours=hours_ago)
    found = FoundItemFactory(desk=desk, status=status, found_at=created - timedelta(hours=1))
    FoundItem.objects.filter(pk=found.pk).update(
        created_at=created, holding_until=created + timedelta(days=holding_days)
    )
    found.refresh_from_db()
    return found


def returned(found: FoundItem, *, hours_ago: float) -> None:
    FoundItem.objects.filter(pk=found.pk).update(status=Status.RETURNED)
    Claim.objects.create(
        item=found,
        claimant=UserFactory(),
        category=found.category,
        answers="x",
        status=Claim.Status.HANDED_OVER,
        handed_over_at=timezone.now() - timedelta(hours=hours_ago),
    )


def disposed(found: FoundItem, *, hours_ago: float) -> None:
    FoundItem.objects.filter(pk=found.pk).update(status=Status.DISPOSED)
    Disposal.objects.create(
        item=found,
        desk=found.desk,
        method="donate",
        reason="无人认领",
        status=Disposal.Status.APPROVED,
        approved_at=timezone.now() - timedelta(hours=hours_ago),
    )


def earlier_today() -> float:
    """Hours ago of a moment today (local) and past, whatever the time: halfway from midnight."""
    now = timezone.now()
    midnight = daily.day_bounds(timezone.localdate(now))[0]
    return (now - midnight).total_seconds() / 3600 / 2


@pytest.fixture
def desks(db):
    library = DeskFactory(code="LIB")
    canteen = DeskFactory(code="CAN", building=None)
    for hours_ago in (1, 3, 30, 60, 150):
        item(library, hours_ago=hours_ago)
    returned(item(library, hours_ago=5), hours_ago=2)
    returned(item(library, hours_ago=200), hours_ago=28)
    returned(item(canteen, hours_ago=40), hours_ago=4)
    item(canteen, hours_ago=2)
    # past their holding period: two still open, one returned late today (at yesterday's end
    # still open)
    item(library, hours_ago=300, holding_days=5)
    item(canteen, hours_ago=400, holding_days=7)
    returned(item(library, hours_ago=500, holding_days=7), hours_ago=earlier_today())
    disposed(item(canteen, hours_ago=600, holding_days=7), hours_ago=100)
    now = timezone.now()
    days = [timezone.localdate(now) - timedelta(days=n) for n in range(20)]
    daily.refresh(days=days, now=now, only="lostfound")
    indicators.refresh(days=days, now=now)
    return library, canteen


def values(period: str, day, scope=SITE) -> dict:
    readings = indicators.read(period=period, day=day, scopes=[scope], keys=KEYS)
    return {r.indicator.key: r.value for r in readings}


def expected(items, start, end, *, now) -> dict:
    cohort = items.filter(created_at__gte=start, created_at__lt=end)
    found = cohort.count()
    back = cohort.filter(status=Status.RETURNED).count()  # of those found, returned so far
    past = items.filter(status__in=OPEN_ITEM_STATUSES, holding_until__lte=now).count()
    return {
        "lostfound.found": found,
        "lostfound.return_rate": 100 * back / found if found else None,
        "lostfound.past_holding": past,
    }


@pytest.mark.parametrize("period", [Period.DAY, Period.WEEK])
def test_each_indicator_equals_what_the_items_give(desks, period):
    now = timezone.now()
    today = timezone.localdate(now)
    start = daily.day_bounds(indicators.period_start(period, today))[0]
    wanted = expected(FoundItem.objects.all(), start, now, now=now)
    found = values(period, today)
    assert found.keys() == wanted.keys()
    for key, value in wanted.items():
        assert found[key] == (value if value is None else pytest.approx(value)), key
    assert found["lostfound.past_holding"] == 2


def test_each_desk_scope_has_its_own_rows(desks):
    library, canteen = desks
    now = timezone.now()
    today = timezone.localdate(now)
    start = daily.day_bounds(indicators.period_start(Period.WEEK, today))[0]
    for desk, scope in (
        (library, Scope(Kind.DEPARTMENT, library.department_id)),
        (library, Scope(Kind.BUILDING, library.building_id)),
        (library, Scope(Kind.CAMPUS, library.building.campus_id)),
        (canteen, Scope(Kind.DEPARTMENT, canteen.department_id)),
    ):
        wanted = expected(FoundItem.objects.filter(desk=desk), start, now, now=now)
        assert values(Period.WEEK, today, scope) == pytest.approx(wanted), scope
    # the canteen desk has no building: no building rows of its own
    assert not DailyFigure.objects.filter(scope_kind=Kind.BUILDING).exclude(
        scope_id=library.building_id
    )


def test_a_past_day_counts_the_items_past_holding_at_its_end(desks):
    yesterday = timezone.localdate() - timedelta(days=1)
    # the item returned today was still at the desk at midnight; the disposed one was not
    assert values(Period.DAY, yesterday)["lostfound.past_holding"] == 3
    # 15 days ago only the item disposed of four days ago had come to the end of its holding
    long_ago = timezone.localdate() - timedelta(days=15)
    assert values(Period.DAY, long_ago)["lostfound.past_holding"] == 1


def test_a_low_return_rate_needs_attention(desks, settings):
    """On a day of known items (not today: just after midnight today has found nothing yet)."""
    library, _canteen = desks
    settings.INDICATOR_THRESHOLDS = {"lostfound.return_rate": 90}
    day = timezone.localdate() - timedelta(days=18)  # no item of the fixture that day
    noon = daily.day_bounds(day)[0] + timedelta(hours=12)
    hours = (timezone.now() - noon).total_seconds() / 3600
    item(library, hours_ago=hours)
    returned(item(library, hours_ago=hours + 1), hours_ago=hours - 1)
    now = timezone.now()
    daily.refresh(days=[day], now=now, only="lostfound")
    indicators.refresh(days=[day], now=now)
    [reading] = indicators.read(period=Period.DAY, day=day, keys=["lostfound.return_rate"])
    assert reading.value == pytest.approx(50) and reading.attention


def test_each_drill_down_opens_for_a_manager(client, desks, manager):
    library, _canteen = desks
    client.force_login(manager)
    for key in KEYS:
        for scope in (SITE, Scope(Kind.DEPARTMENT, library.department_id)):
            link = indicators.get(key).link(scope)
            assert client.get(link).status_code == 200, (key, scope, link)


def test_the_figures_page_shows_the_items_past_holding_at_the_periods_end(client, desks, manager):
    client.force_login(manager)
    link = indicators.get("lostfound.past_holding").link(SITE)
    assert link.endswith("#past-holding")
    response = client.get(link)
    assert response.context["figures"].past_holding == 2
    assert 'id="past-holding"' in response.content.decode()


def test_the_return_rate_is_that_of_the_items_found_and_never_passes_100(desks):
    """Old items handed over on a day when few were found made returns ÷ finds 300 %; of the
    items found that day, the share returned so far is at most all of them."""
    library, _canteen = desks
    day = timezone.localdate() - timedelta(days=18)  # no item of the fixture that day
    noon = daily.day_bounds(day)[0] + timedelta(hours=12)
    hours = (timezone.now() - noon).total_seconds() / 3600
    kept = item(library, hours_ago=hours)
    for _ in range(3):  # three old items go home that day
        returned(item(library, hours_ago=hours + 400), hours_ago=hours - 1)
    returned(item(library, hours_ago=hours + 1), hours_ago=2)  # found that day, home today
    now = timezone.now()
    daily.refresh(days=[day], now=now, only="lostfound")
    indicators.refresh(days=[day], now=now)

    rate = values(Period.DAY, day)["lostfound.return_rate"]

    assert rate == pytest.approx(50)  # two found that day, one returned since
    assert kept.status == Status.STORED


def test_a_return_rewrites_the_day_the_item_was_found(desks):
    """Beat's own run (no days given): the handover changes the cohort of its found day."""
    library, _canteen = desks
    day = timezone.localdate() - timedelta(days=19)  # no item of the fixture that day
    hours = (timezone.now() - daily.day_bounds(day)[0]).total_seconds() / 3600 - 10
    waiting = item(library, hours_ago=hours)
    daily.refresh(days=[day], now=timezone.now(), only="lostfound")
    indicators.refresh(days=[day])
    assert values(Period.DAY, day)["lostfound.return_rate"] == 0

    returned(waiting, hours_ago=0)
    daily.refresh(now=timezone.now() + timedelta(seconds=1), only="lostfound")
    indicators.refresh(now=timezone.now() + timedelta(seconds=2))

    assert values(Period.DAY, day)["lostfound.return_rate"] == 100


def test_the_figures_page_and_the_indicator_give_one_rate(client, desks, manager):
    today = timezone.localdate()
    monday = indicators.period_start(Period.WEEK, today)
    client.force_login(manager)

    page = client.get(
        "/lostfound/figures/", {"start": monday.isoformat(), "end": today.isoformat()}
    )

    figures = page.context["figures"]
    week = values(Period.WEEK, today)["lostfound.return_rate"]
    assert figures.return_rate is not None
    assert 100 * figures.return_rate == pytest.approx(week)
    cohort = FoundItem.objects.filter(created_at__gte=daily.day_bounds(monday)[0])
    assert figures.found_returned == cohort.filter(status=Status.RETURNED).count()
