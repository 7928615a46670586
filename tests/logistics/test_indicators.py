"""Indicators (logistics.indicators): registered per app, computed by period and scope from the
daily figures, read back with the period before, in one query."""

from datetime import date, datetime, timedelta

import pytest
from django.core.management import call_command
from django.test.utils import override_settings
from django.urls import reverse
from django.utils import timezone

from logistics import daily, indicators
from logistics.daily import Figure
from logistics.indicators import DOWN, SITE, UP, Indicator, Period, Scope, ScopeKind, Unit
from logistics.models import DailyFigure, IndicatorValue

pytestmark = pytest.mark.django_db

MONDAY = date(2026, 3, 2)  # a Monday; March 2026 starts on a Sunday


@pytest.fixture
def registry(monkeypatch):
    """An empty indicator registry and one daily source whose rows the test sets per day."""
    monkeypatch.setattr(indicators, "_INDICATORS", {})
    monkeypatch.setattr(indicators, "_SERVICES", {})
    monkeypatch.setattr(daily, "_SOURCES", {})
    values: dict[date, list[Figure]] = {}
    daily.register_daily_figures("test", lambda day, now: values.get(day, []))
    indicators.register_indicators(
        "test",
        [
            Indicator(
                "test.done",
                "Done",
                unit=Unit.COUNT,
                good=UP,
                value=indicators.total("test.done"),
                threshold=5,
            ),
            Indicator(
                "test.late",
                "Late",
                unit=Unit.PERCENT,
                good=DOWN,
                value=indicators.rate("test.on_time", complement=True),
                threshold=20,
                drill_down=lambda scope: f"/test/late/?{scope.kind}={scope.id}",
            ),
            Indicator(
                "test.open",
                "Open now",
                unit=Unit.COUNT,
                good=DOWN,
                value=indicators.latest("test.open"),
                state=True,
                threshold=3,
            ),
            Indicator(
                "test.p90",
                "Time, 90th percentile",
                unit=Unit.HOURS,
                good=DOWN,
                value=indicators.percentile("test.time", 0.9, scale=1 / 3600),
            ),
        ],
    )
    return values


def fill(values, day, *, done, on_time, base, open_now, hours, scope=("site", 0)):
    kind, scope_id = scope
    values.setdefault(day, []).extend(
        [
            Figure("test.done", done, {}, kind, scope_id),
            Figure("test.on_time", on_time, {"base": base}, kind, scope_id),
            Figure("test.open", open_now, {}, kind, scope_id),
            Figure(
                "test.time",
                len(hours),
                {"histogram": daily.histogram(h * 3600 for h in hours)},
                kind,
                scope_id,
            ),
        ]
    )


def compute(days, now):
    daily.refresh(days=days, now=now)
    return indicators.refresh(days=days, now=now)


def at(day: date, hour=12) -> datetime:
    return timezone.make_aware(datetime.combine(day, datetime.min.time()).replace(hour=hour))


def test_registration_names_the_figures_read_and_the_service():
    found = {i.key: i for i in indicators.all_indicators()}
    # the six services' registrations load with the apps; each names its figures
    for indicator in found.values():
        assert indicator.figures and indicator.service
    with pytest.raises(ValueError, match="no daily figures"):
        indicators.register_indicators("x", [Indicator("x.y", "Y", Unit.COUNT, UP, lambda r: 1)])


def test_periods_are_the_day_the_iso_week_and_the_month():
    wednesday = MONDAY + timedelta(days=2)
    assert indicators.period_start(Period.WEEK, wednesday) == MONDAY
    assert indicators.period_end(Period.WEEK, MONDAY) == MONDAY + timedelta(days=6)
    assert indicators.period_start(Period.MONTH, wednesday) == date(2026, 3, 1)
    assert indicators.period_end(Period.MONTH, date(2026, 2, 1)) == date(2026, 2, 28)
    assert indicators.previous_start(Period.MONTH, date(2026, 3, 1)) == date(2026, 2, 1)
    assert indicators.previous_start(Period.WEEK, MONDAY) == MONDAY - timedelta(days=7)
    assert indicators.previous_start(Period.DAY, MONDAY) == MONDAY - timedelta(days=1)


def test_values_of_a_week_add_counts_rates_states_and_percentiles(registry):
    fill(registry, MONDAY, done=4, on_time=3, base=4, open_now=7, hours=[1, 2, 3])
    tuesday = MONDAY + timedelta(days=1)
    fill(registry, tuesday, done=6, on_time=5, base=6, open_now=2, hours=[10] * 10)

    compute([MONDAY, tuesday], at(tuesday))

    week = {r.indicator.key: r for r in indicators.read(period=Period.WEEK, day=tuesday)}
    assert week["test.done"].value == 10
    assert week["test.late"].value == pytest.approx(20.0)  # 8 of 10 on time
    assert week["test.open"].value == 2  # the newest day's state, not a sum
    assert week["test.p90"].value == pytest.approx(10, rel=0.02)
    assert week["test.done"].start == MONDAY and week["test.done"].end == MONDAY + timedelta(6)
    stored = IndicatorValue.objects.get(key="test.done", period=Period.WEEK, start=MONDAY)
    assert stored.end == tuesday  # the current week is computed up to today

    day = {r.indicator.key: r for r in indicators.read(period=Period.DAY, day=tuesday)}
    assert (day["test.done"].value, day["test.done"].previous) == (6, 4)
    assert day["test.done"].change == 2 and day["test.done"].better is True
    assert day["test.open"].change == -5 and day["test.open"].better is True
    assert day["test.late"].value == pytest.approx(100 / 6)
    assert day["test.late"].previous == pytest.approx(25.0)
    assert day["test.late"].better is True


def test_attention_follows_the_direction_and_the_settings_override(registry):
    fill(registry, MONDAY, done=4, on_time=1, base=4, open_now=7, hours=[1])
    compute([MONDAY], at(MONDAY))

    day = {r.indicator.key: r for r in indicators.read(period=Period.DAY, day=MONDAY)}
    assert day["test.done"].attention  # 4 done is below 5, and more is better
    assert day["test.late"].attention  # 75 % late is above 20 %, and less is better
    assert day["test.open"].attention  # 7 open is above 3
    assert not day["test.p90"].attention  # no threshold

    with override_settings(INDICATOR_THRESHOLDS={"test.open": 10, "test.done": 4}):
        compute([MONDAY], at(MONDAY, 13))
    day = {r.indicator.key: r for r in indicators.read(period=Period.DAY, day=MONDAY)}
    assert not day["test.open"].attention and not day["test.done"].attention
    assert day["test.late"].attention


def test_every_scope_with_rows_gets_its_values_and_nothing_measured_is_none(registry):
    fill(registry, MONDAY, done=1, on_time=0, base=0, open_now=0, hours=[], scope=("building", 7))
    fill(registry, MONDAY, done=3, on_time=1, base=1, open_now=1, hours=[2])
    compute([MONDAY], at(MONDAY))

    building = Scope(DailyFigure.ScopeKind.BUILDING, 7)
    readings = indicators.read(period=Period.DAY, day=MONDAY, scopes=[SITE, building])
    values = {(r.scope, r.indicator.key): r.value for r in readings}
    assert values[(SITE, "test.done")] == 3
    assert values[(building, "test.done")] == 1
    assert values[(building, "test.late")] is None  # nothing was due: no rate
    late = next(r for r in readings if r.scope == building and r.indicator.key == "test.late")
    assert late.link == "/test/late/?building=7"
    assert indicators.formatted(late.indicator, None) == "—"
    assert indicators.formatted(late.indicator, 12.345) == "12.3%"


def test_reading_is_one_query_whatever_the_number_of_indicators_and_scopes(
    registry, django_assert_num_queries
):
    fill(registry, MONDAY, done=5, on_time=1, base=2, open_now=1, hours=[1])
    for building in range(1, 6):
        fill(
            registry, MONDAY, done=1, on_time=1, base=1, open_now=1, hours=[1],
            scope=("building", building),
        )  # fmt: skip
    compute([MONDAY], at(MONDAY))
    scopes = [SITE] + [Scope("building", b) for b in range(1, 6)]

    with django_assert_num_queries(1):
        readings = indicators.read(period=Period.MONTH, day=MONDAY, scopes=scopes)
    assert len(readings) == 6 * 4


def test_a_refresh_recomputes_only_the_periods_of_changed_days(registry):
    earlier = MONDAY - timedelta(days=14)
    fill(registry, earlier, done=2, on_time=1, base=1, open_now=0, hours=[1])
    fill(registry, MONDAY, done=1, on_time=1, base=1, open_now=0, hours=[1])
    compute([earlier, MONDAY], at(MONDAY))
    first = IndicatorValue.objects.get(key="test.done", period=Period.DAY, start=earlier)

    # a later change of the earlier day's rows (a request completed late) is picked up
    registry[earlier] = []
    fill(registry, earlier, done=5, on_time=1, base=1, open_now=0, hours=[1])
    later = at(MONDAY, 15)
    daily.refresh(days=[earlier], now=later)
    indicators.refresh(now=later)

    again = IndicatorValue.objects.get(key="test.done", period=Period.DAY, start=earlier)
    assert (first.value, again.value) == (2, 5)
    week = IndicatorValue.objects.get(key="test.done", period=Period.WEEK, start=earlier)
    assert week.value == 5
    month = IndicatorValue.objects.get(
        key="test.done", period=Period.MONTH, start=earlier.replace(day=1)
    )
    assert month.value == 5  # February's month holds only the earlier day


def test_series_gives_the_days_for_a_sparkline(registry):
    days = [MONDAY + timedelta(days=n) for n in range(4)]
    for n, day in enumerate(days):
        fill(registry, day, done=n, on_time=0, base=0, open_now=0, hours=[])
    compute(days, at(days[-1]))

    points = indicators.series("test.done", start=days[0], end=days[-1])
    assert points == [(day, float(n)) for n, day in enumerate(days)]


def test_the_backfill_command_computes_the_indicators_of_its_days(registry):
    fill(registry, MONDAY, done=3, on_time=0, base=0, open_now=0, hours=[])
    call_command(
        "refresh_daily_figures", "--start", MONDAY.isoformat(), "--end", MONDAY.isoformat()
    )
    assert IndicatorValue.objects.get(key="test.done", period=Period.DAY, start=MONDAY).value == 3


def test_link_to_narrows_by_the_page_filter_of_the_scopes_kind():
    link = indicators.link_to(
        "reviews:complaint-list",
        {ScopeKind.DEPARTMENT: "department", ScopeKind.CAMPUS: "campus_id"},
        overdue="true",
    )
    page = reverse("reviews:complaint-list")

    assert link(Scope(ScopeKind.DEPARTMENT, 4)) == f"{page}?overdue=true&department=4"
    assert link(Scope(ScopeKind.CAMPUS, 2)) == f"{page}?overdue=true&campus_id=2"
    # a kind the page cannot filter by, and the site: the page with the fixed filters alone
    assert link(Scope(ScopeKind.BUILDING, 9)) == f"{page}?overdue=true"
    assert link(SITE) == f"{page}?overdue=true"
    assert indicators.link_to("reviews:complaint-list")(SITE) == page
