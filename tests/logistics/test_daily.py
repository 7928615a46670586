"""Daily figures (logistics.daily): storing a source's days, reading periods, percentiles."""

import random
from datetime import date, datetime, timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from logistics import daily
from logistics.daily import Figure
from logistics.models import DailyFigure

pytestmark = pytest.mark.django_db


@pytest.fixture
def source():
    """A registered source whose figures the test sets per day; removed afterwards."""
    values: dict[date, list[Figure]] = {}
    calls: list[date] = []

    def compute(day, now):
        calls.append(day)
        return values.get(day, [Figure("test.things", 0)])

    daily.register_daily_figures("test", compute)
    yield values, calls
    daily._SOURCES.pop("test")


def exact_percentile(values, fraction):
    ordered = sorted(values)
    rank = fraction * (len(ordered) - 1)
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def test_it_reads_a_percentile_back_from_histograms_within_one_percent():
    rng = random.Random(7)
    days = [[rng.uniform(60, 86400 * 5) for _ in range(300)] for _ in range(30)]
    merged = daily.merged(
        [DailyFigure(parts={"h": daily.histogram(values)}) for values in days], "h"
    )

    for fraction in (0.5, 0.9, 0.99):
        exact = exact_percentile([v for values in days for v in values], fraction)
        assert daily.percentile(merged, fraction) == pytest.approx(exact, rel=0.01)
    assert daily.percentile({}, 0.9) is None
    assert daily.percentile(daily.histogram([0.2]), 0.9) == 0


def test_it_stores_a_day_and_replaces_it_and_drops_scopes_no_longer_written(source):
    values, _ = source
    day = date(2026, 3, 2)
    values[day] = [Figure("test.things", 3), Figure("test.things", 2, {}, "building", 7)]
    daily.refresh(days=[day])
    values[day] = [Figure("test.things", 4, {"base": 9})]
    daily.refresh(days=[day])

    rows = DailyFigure.objects.filter(key="test.things", day=day)
    assert [(r.scope_kind, r.value, r.parts) for r in rows] == [("site", 4, {"base": 9})]


def test_it_reads_a_period_of_one_scope_oldest_first(source):
    values, _ = source
    days = [date(2026, 3, 1) + timedelta(days=n) for n in range(5)]
    for n, day in enumerate(days):
        values[day] = [Figure("test.things", n, {"by": {"a": 1}}), Figure("test.other", 1)]
    daily.refresh(days=days)

    rows = daily.read_figures(["test.things", "test.none"], start=days[1], end=days[3])

    assert [r.value for r in rows["test.things"]] == [1, 2, 3]
    assert daily.total(rows["test.things"]) == 6
    assert daily.merged(rows["test.things"], "by") == {"a": 3}
    assert daily.latest(rows["test.things"]).day == days[3]
    assert rows["test.none"] == []


def test_it_reads_only_the_newest_row_of_a_state_of_the_moment(source):
    values, _ = source
    days = [date(2026, 3, 1) + timedelta(days=n) for n in range(5)]
    for n, day in enumerate(days):
        values[day] = [Figure("test.things", n), Figure("test.now", 10 + n, {"rows": [n]})]
    daily.refresh(days=days)

    rows = daily.read_figures(
        ["test.things", "test.now"], start=days[0], end=days[3], latest=["test.now"]
    )

    assert [r.value for r in rows["test.things"]] == [0, 1, 2, 3]
    assert [(r.day, r.value, r.parts) for r in rows["test.now"]] == [(days[3], 13, {"rows": [3]})]
    assert daily.latest(rows["test.now"]).value == 13


def test_beat_recomputes_today_and_yesterday_until_yesterday_closes(source):
    _, calls = source
    zone = timezone.get_current_timezone()
    just_after_midnight = datetime(2026, 3, 2, 0, 5, tzinfo=zone)

    daily.refresh(now=just_after_midnight, only="test")
    daily.refresh(now=just_after_midnight + timedelta(minutes=15), only="test")
    calls.clear()
    daily.refresh(now=just_after_midnight + timedelta(minutes=20), only="test")

    assert calls == [date(2026, 3, 2)]  # yesterday was seen whole after its close


def test_the_command_backfills_a_range_of_days_and_refuses_bad_input(source):
    _, calls = source

    call_command(
        "refresh_daily_figures", "--start", "2026-01-30", "--end", "2026-02-02", "--source", "test"
    )

    assert calls == [date(2026, 1, 30), date(2026, 1, 31), date(2026, 2, 1), date(2026, 2, 2)]
    with pytest.raises(CommandError):
        call_command("refresh_daily_figures", "--source", "nothing")
    with pytest.raises(CommandError):
        call_command("refresh_daily_figures", "--start", "2026-02-02", "--end", "2026-01-01")
