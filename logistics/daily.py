"""Daily figures: apps say how to compute a day, beat keeps the rows current, pages read them.

A manager's figures over a year used to aggregate a year of source rows on every request. Here
each app registers, in its ``AppConfig.ready()``, how to compute one day's figures::

    from logistics.daily import Figure, register_daily_figures

    def compute(day: date, now: datetime) -> list[Figure]:
        ...  # the site-wide rows, always (zeros included), and any building/department rows
        return [Figure("parcels.arrived", value=120, parts={"by_hour": {...}})]

    register_daily_figures("parcels", compute, changed_days=days_with_changes)

and the ``daily-figures`` beat entry (every five minutes) rewrites today's rows, yesterday's
until a run after its close has seen it whole, and the rows of any day `changed_days(since)`
names (rows filed that day that changed since the last run: a request completed today changes
the figures of the day it was filed). Pages then read only `DailyFigure` rows (`read_figures`):
a year is 365 small rows per figure, whatever the size of the source tables.

A figure's `value` must add up over days (a count, a sum); what does not add up is kept in
``parts`` as things that do — a rate as numerator (`value`) and base (``parts["base"]``), a mean
as sum and count, a percentile as a `histogram` (`percentile` reads it back). A figure that is a
state of the moment ("overdue now") is written for today only and read as the latest row of the
period (`latest`).

``manage.py refresh_daily_figures --days 400`` fills the history after an install or a change of
what a source computes. Keys are ``"<source>.<figure>"``; scopes are the site (id 0), a campus,
a building or a department — the shape the command centre reads for every app.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.db.models import Max, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from logistics.models import DailyFigure

SITE = DailyFigure.ScopeKind.SITE
# A day is closed once a run has computed it this long after its midnight (late writes and a
# run that straddled midnight are in by then).
CLOSE_AFTER = timedelta(minutes=15)
# Histogram buckets grow by 2 %: a percentile read back is within 1 % of the exact one, and a
# day of durations from a second to a month needs at most ~750 buckets (usually a few dozen).
HISTOGRAM_RATIO = 1.02
_LOG_RATIO = math.log(HISTOGRAM_RATIO)


@dataclass(frozen=True)
class Figure:
    """One row a source computes for a day."""

    key: str
    value: float = 0
    parts: dict = field(default_factory=dict)
    scope_kind: str = SITE
    scope_id: int = 0


Compute = Callable[[date, datetime], Iterable[Figure]]
ChangedDays = Callable[[datetime, datetime], Iterable[date]]


@dataclass(frozen=True)
class Source:
    name: str
    compute: Compute
    changed_days: ChangedDays | None = None


_SOURCES: dict[str, Source] = {}


def register_daily_figures(
    name: str, compute: Compute, *, changed_days: ChangedDays | None = None
) -> None:
    """Registers a source of daily figures; `compute(day, now)` returns its rows for `day`
    (keys ``"<name>.…"``), `changed_days(since, now)` the past days whose rows are out of date.
    Registering a name again replaces it."""
    _SOURCES[name] = Source(name, compute, changed_days)


def sources() -> list[Source]:
    return list(_SOURCES.values())


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """[start, end) of `day` in the site's time zone."""
    zone = timezone.get_current_timezone()
    return (
        datetime.combine(day, time.min, tzinfo=zone),
        datetime.combine(day + timedelta(days=1), time.min, tzinfo=zone),
    )


# --- writing ------------------------------------------------------------------------------------


def refresh(
    *, days: Iterable[date] | None = None, now: datetime | None = None, only: str | None = None
) -> int:
    """Recomputes the rows of `days` (by default: what beat keeps current, see the module's
    docstring) for every source (or the one named `only`). Returns the number of rows written."""
    now = now or timezone.now()
    written = 0
    for source in sources():
        if only and source.name != only:
            continue
        wanted = sorted(set(days)) if days is not None else _due_days(source, now)
        for day in wanted:
            written += store(source, day, now)
    return written


def _due_days(source: Source, now: datetime) -> list[date]:
    today = timezone.localdate(now)
    yesterday = today - timedelta(days=1)
    prefix = f"{source.name}."
    computed = DailyFigure.objects.filter(key__startswith=prefix, day__in=[today, yesterday])
    last = dict(computed.values_list("day").annotate(at=Max("computed_at")))
    wanted = {today}
    closed_at = day_bounds(today)[0] + CLOSE_AFTER
    if not (last.get(yesterday) and last[yesterday] >= closed_at):
        wanted.add(yesterday)
    since = last.get(today) or last.get(yesterday)
    if since and source.changed_days:
        wanted.update(day for day in source.changed_days(since, now) if day <= today)
    return sorted(wanted)


@transaction.atomic
def store(source: Source, day: date, now: datetime) -> int:
    """Writes the rows `source` computes for `day`; rows of its keys it no longer writes for
    that day (a building with nothing left) are removed. Safe when two runs overlap."""
    figures = list(source.compute(day, now))
    rows = [
        DailyFigure(
            key=f.key,
            scope_kind=f.scope_kind,
            scope_id=f.scope_id,
            day=day,
            value=f.value,
            parts=f.parts,
            computed_at=now,
        )
        for f in figures
    ]
    DailyFigure.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["key", "scope_kind", "scope_id", "day"],
        update_fields=["value", "parts", "computed_at"],
    )
    keys = {f.key for f in figures}
    DailyFigure.objects.filter(day=day, key__in=keys, computed_at__lt=now).delete()
    return len(rows)


# --- reading ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    """One DailyFigure as the pages read it (a tuple from the database, no model instance:
    a year of a dozen figures is thousands of rows)."""

    key: str
    day: date
    value: float
    parts: dict
    computed_at: datetime


def read_figures(
    keys: Iterable[str],
    *,
    start: date,
    end: date,
    scope_kind: str = SITE,
    scope_id: int = 0,
    latest: Iterable[str] = (),
) -> dict[str, list[Row]]:
    """The rows of `keys` for one scope from `start` to `end` (both included), oldest first,
    by key (a key without rows maps to []). For the keys also in `latest` — states of the
    moment, read with `latest()` — only the newest row of the period is read: a year of their
    large `parts` would cost more to decode than all the rest. One query."""
    keys = list(keys)
    rows = figures_queryset(
        keys, start=start, end=end, scope_kind=scope_kind, scope_id=scope_id, latest=latest
    ).values_list("key", "day", "value", "parts", "computed_at")
    found: dict[str, list[Row]] = {key: [] for key in keys}
    for row in rows:
        found[row[0]].append(Row(*row))
    return found


def figures_queryset(
    keys: Iterable[str],
    *,
    start: date,
    end: date,
    scope_kind: str = SITE,
    scope_id: int = 0,
    latest: Iterable[str] = (),
) -> QuerySet[DailyFigure]:
    """The query behind `read_figures`."""
    keys, latest = set(keys), set(latest)
    period = Q(scope_kind=scope_kind, scope_id=scope_id, day__gte=start, day__lte=end)
    wanted = Q(key__in=sorted(keys - latest))
    if latest & keys:
        newest = DailyFigure.objects.filter(period, key=OuterRef("key")).order_by("-day")
        wanted |= Q(key__in=sorted(latest & keys), day=Subquery(newest.values("day")[:1]))
    return DailyFigure.objects.filter(period, wanted).order_by("key", "day")


def total(rows: Iterable[Row]) -> float:
    return sum(row.value for row in rows)


def total_part(rows: Iterable[Row], name: str) -> float:
    return sum(row.parts.get(name, 0) for row in rows)


def merged(rows: Iterable[Row], name: str) -> Counter:
    """The breakdown ``parts[name]`` ({label: count}) added up over the rows."""
    counts: Counter = Counter()
    for row in rows:
        counts.update(row.parts.get(name) or {})
    return counts


def latest(rows: list[Row]) -> Row | None:
    """The newest row: a state-of-the-moment figure as of the end of the period."""
    return rows[-1] if rows else None


# --- percentiles --------------------------------------------------------------------------------


def histogram(values: Iterable[float]) -> dict[str, int]:
    """Non-negative values (durations in seconds, prices) as bucket counts that add up over days.
    Bucket 0 holds values below 1; bucket n ≥ 1 holds [r^(n-1), r^n) with r = HISTOGRAM_RATIO."""
    counts: Counter = Counter()
    for value in values:
        counts[_bucket(value)] += 1
    return {str(bucket): n for bucket, n in sorted(counts.items())}


def _bucket(value: float) -> int:
    if value < 1:
        return 0
    return 1 + math.floor(math.log(value) / _LOG_RATIO)


def _middle(bucket: int) -> float:
    return 0.0 if bucket == 0 else HISTOGRAM_RATIO ** (bucket - 0.5)


def percentile(counts: Mapping[str, int], fraction: float) -> float | None:
    """The `fraction` percentile (0..1) of a histogram, interpolated between ranks like
    PostgreSQL's percentile_cont; within 1 % of the exact value. None for an empty one."""
    buckets = sorted((int(bucket), n) for bucket, n in counts.items() if n)
    size = sum(n for _, n in buckets)
    if not size:
        return None
    rank = fraction * (size - 1)
    low = math.floor(rank)
    low_value = high_value = None
    seen = 0
    for bucket, n in buckets:
        if low_value is None and low < seen + n:
            low_value = _middle(bucket)
        if low + 1 < seen + n:
            high_value = _middle(bucket)
            break
        seen += n
    if high_value is None:
        high_value = low_value
    return low_value + (high_value - low_value) * (rank - low)
