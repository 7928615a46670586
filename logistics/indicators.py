"""Indicators: what the command centre, the weekly report and the city export read, for every app.

An app registers its indicators in its ``AppConfig.ready()``, each computed from the daily rows
its source keeps (logistics.daily), never from the source tables::

    from logistics import indicators as ind

    ind.register_indicators("repairs", [
        ind.Indicator(
            "repairs.overdue", _("Overdue requests"), unit=ind.Unit.COUNT, good=ind.DOWN,
            value=ind.latest("repairs.overdue"), threshold=10,
            drill_down=ind.link_to("repairs:queue", {ind.ScopeKind.BUILDING: "building"},
                                   overdue="true"),
        ),
        ind.Indicator(
            "repairs.completion_p90", _("Time to complete, 90th percentile"), unit=ind.Unit.HOURS,
            good=ind.DOWN, value=ind.percentile("repairs.completion", 0.9, scale=1 / 3600),
        ),
    ])

The ``indicators`` beat entry (after the daily figures, every five minutes) computes each
indicator for each scope its figures are kept for (the site, campuses, buildings, departments)
and each period — the day, the ISO week and the month — and stores one `IndicatorValue` row per
(indicator, scope, period, start). Pages read only these rows: the command centre is one query
whatever the number of indicators and scopes.

A value of None means "nothing to measure" (no repairs completed, so no percentile); it is
stored as NULL and shown as "—". An indicator "needs attention" when its value is past its
threshold in the bad direction (above it when lower is better, below it when higher is better);
``INDICATOR_THRESHOLDS`` in the settings replaces a registered threshold by key.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from urllib.parse import urlencode

from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from logistics import daily
from logistics.daily import Row
from logistics.models import DailyFigure, IndicatorValue

UP, DOWN, NEUTRAL = "up", "down", ""  # which way is good (NEUTRAL: a volume)
Period = IndicatorValue.Period
ScopeKind = DailyFigure.ScopeKind


class Unit:
    """How a value is shown (the number itself is always a float)."""

    COUNT = "count"
    PERCENT = "percent"  # 0–100
    HOURS = "hours"
    DAYS = "days"
    YUAN = "yuan"
    SCORE = "score"  # a mean of 1–5 stars
    INDEX = "index"  # 100 = the base period


UNIT_SUFFIX = {
    Unit.COUNT: "",
    Unit.PERCENT: "%",
    Unit.HOURS: _(" h"),
    Unit.DAYS: _(" d"),
    Unit.YUAN: _(" yuan"),
    Unit.SCORE: "",
    Unit.INDEX: "",
}

Rows = Mapping[str, list[Row]]
ValueFn = Callable[[Rows], float | None]


@dataclass(frozen=True)
class Scope:
    kind: str  # DailyFigure.ScopeKind
    id: int = 0


SITE = Scope(ScopeKind.SITE, 0)


@dataclass(frozen=True)
class Indicator:
    """One registered indicator.

    `value(rows)` gets the period's daily rows of `figures` for one scope (by key, oldest
    first; every key present) and returns the period's value or None. `state` marks a state of
    the moment (overdue now, in stock): only its newest row counts, and it has no week or month
    of its own beyond "as of the last day". `drill_down(scope)` gives the page with the rows
    behind the value (None: no link)."""

    key: str
    label: str | Promise
    unit: str
    good: str
    value: ValueFn
    figures: tuple[str, ...] = ()
    service: str = ""
    threshold: float | None = None
    state: bool = False
    drill_down: Callable[[Scope], str | None] | None = None
    help_text: str | Promise = ""

    def limit(self) -> float | None:
        overrides = settings.INDICATOR_THRESHOLDS
        return overrides.get(self.key, self.threshold)

    def needs_attention(self, value: float | None) -> bool:
        limit = self.limit()
        if value is None or limit is None or self.good == NEUTRAL:
            return False
        return value > limit if self.good == DOWN else value < limit

    def link(self, scope: Scope) -> str | None:
        return self.drill_down(scope) if self.drill_down else None


_INDICATORS: dict[str, Indicator] = {}
_SERVICES: dict[str, list[str]] = {}


def register_indicators(service: str, indicators: Iterable[Indicator]) -> None:
    """Registers a service's indicators (replacing any of the same key), in the order given.
    `figures` defaults to the keys the value function names (see `total`, `rate`, …)."""
    keys = _SERVICES.setdefault(service, [])
    for indicator in indicators:
        figures = indicator.figures or getattr(indicator.value, "figures", ())
        if not figures:
            raise ValueError(f"indicator {indicator.key}: no daily figures to read")
        registered = Indicator(
            **{**indicator.__dict__, "service": service, "figures": tuple(figures)}
        )
        _INDICATORS[indicator.key] = registered
        if indicator.key not in keys:
            keys.append(indicator.key)


def unregister(key: str) -> None:
    indicator = _INDICATORS.pop(key, None)
    if indicator:
        _SERVICES[indicator.service].remove(key)


def all_indicators() -> list[Indicator]:
    return [_INDICATORS[key] for keys in _SERVICES.values() for key in keys]


def get(key: str) -> Indicator:
    return _INDICATORS[key]


def services() -> list[str]:
    return [service for service, keys in _SERVICES.items() if keys]


# --- drill-down links -------------------------------------------------------------------------


def link_to(
    url_name: str, scope_params: Mapping[str, str] | None = None, **filters: str
) -> Callable[[Scope], str]:
    """A `drill_down`: the page `url_name` with `filters`, narrowed to the scope's place by the
    page's own filter — `scope_params` maps a scope kind to the query parameter that takes that
    place's id (``{ScopeKind.BUILDING: "building"}``). A kind the page cannot filter by (and
    the site) opens it unnarrowed, so the link still shows the rows, among others."""
    scope_params = dict(scope_params or {})

    def link(scope: Scope) -> str:
        params = dict(filters)
        if name := scope_params.get(scope.kind):
            params[name] = str(scope.id)
        query = urlencode(params)
        return reverse(url_name) + (f"?{query}" if query else "")

    return link


# --- value functions ---------------------------------------------------------------------------
# Each returns a function of the period's rows and names the figures it reads (`.figures`).


def _reads(*keys: str):
    def mark(fn):
        fn.figures = keys
        return fn

    return mark


def total(key: str) -> ValueFn:
    """The sum of the days' values (a count)."""

    @_reads(key)
    def value(rows: Rows) -> float | None:
        return daily.total(rows[key])

    return value


def latest(key: str) -> ValueFn:
    """The newest day's value: a state of the moment (as of the end of the period)."""

    @_reads(key)
    def value(rows: Rows) -> float | None:
        row = daily.latest(rows[key])
        return row.value if row else None

    return value


def rate(key: str, base: str = "base", *, complement: bool = False) -> ValueFn:
    """value / parts[base] × 100 over the period (None when the base is 0); `complement` gives
    100 − that (a "not on time" share from an "on time" figure)."""

    @_reads(key)
    def value(rows: Rows) -> float | None:
        denominator = daily.total_part(rows[key], base)
        if not denominator:
            return None
        share = 100 * daily.total(rows[key]) / denominator
        return 100 - share if complement else share

    return value


def mean(key: str, part: str, *, scale: float = 1) -> ValueFn:
    """parts[part] summed over the period / the values summed (a mean of a sum and a count)."""

    @_reads(key)
    def value(rows: Rows) -> float | None:
        count = daily.total(rows[key])
        return daily.total_part(rows[key], part) / count * scale if count else None

    return value


def percentile(key: str, fraction: float, *, part: str = "histogram", scale: float = 1):
    """The `fraction` percentile of the histogram kept in parts[part], times `scale`."""

    @_reads(key)
    def value(rows: Rows) -> float | None:
        found = daily.percentile(daily.merged(rows[key], part), fraction)
        return None if found is None else found * scale

    return value


# --- periods -----------------------------------------------------------------------------------


def period_start(kind: str, day: date) -> date:
    if kind == Period.WEEK:
        return day - timedelta(days=day.weekday())
    if kind == Period.MONTH:
        return day.replace(day=1)
    return day


def period_end(kind: str, start: date) -> date:
    """The last day of the period that starts on `start`."""
    if kind == Period.WEEK:
        return start + timedelta(days=6)
    if kind == Period.MONTH:
        following = (start.replace(day=28) + timedelta(days=4)).replace(day=1)
        return following - timedelta(days=1)
    return start


def previous_start(kind: str, start: date) -> date:
    if kind == Period.WEEK:
        return start - timedelta(days=7)
    if kind == Period.MONTH:
        return (start - timedelta(days=1)).replace(day=1)
    return start - timedelta(days=1)


# --- computing ---------------------------------------------------------------------------------


def refresh(*, days: Iterable[date] | None = None, now: datetime | None = None) -> int:
    """Recomputes the values of every period that contains one of `days` — by default the days
    whose daily rows changed since the last run, and today. Returns the rows written."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    if days is None:
        days = _changed_days(today)
    wanted: set[tuple[str, date]] = set()
    for day in days:
        for kind in Period.values:
            wanted.add((kind, period_start(kind, day)))
    written = 0
    for kind, start in sorted(wanted, key=lambda item: (item[1], item[0])):
        end = min(period_end(kind, start), today)
        if end < start:
            continue
        written += store_period(kind, start, end, now)
    return written


def _changed_days(today: date) -> list[date]:
    since = IndicatorValue.objects.aggregate(at=Max("computed_at"))["at"]  # the last run
    changed = {today}
    if since is None:
        changed.add(today - timedelta(days=1))
    else:
        rows = DailyFigure.objects.filter(computed_at__gte=since, day__lte=today).order_by()
        changed.update(rows.values_list("day", flat=True).distinct())
    return sorted(changed)


@transaction.atomic
def store_period(kind: str, start: date, end: date, now: datetime) -> int:
    """Computes and stores every indicator's value for the period [start, end] and every scope
    its figures have rows for. One query reads the period's daily rows."""
    registered = all_indicators()
    keys = sorted({key for indicator in registered for key in indicator.figures})
    if not keys:
        return 0
    states = {key for i in registered if i.state for key in i.figures}
    by_scope = _read_period(keys, start, end, latest=states)
    rows = []
    for (scope_kind, scope_id), found in by_scope.items():
        for indicator in registered:
            present = {key: found.get(key, []) for key in indicator.figures}
            if not any(present.values()):
                continue
            value = indicator.value(present)
            rows.append(
                IndicatorValue(
                    key=indicator.key,
                    scope_kind=scope_kind,
                    scope_id=scope_id,
                    period=kind,
                    start=start,
                    end=end,
                    value=value,
                    attention=indicator.needs_attention(value),
                    computed_at=now,
                )
            )
    IndicatorValue.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["key", "scope_kind", "scope_id", "period", "start"],
        update_fields=["end", "value", "attention", "computed_at"],
    )
    # what is no longer computed for this period (an indicator unregistered, a scope gone)
    IndicatorValue.objects.filter(period=kind, start=start, computed_at__lt=now).delete()
    return len(rows)


def _read_period(
    keys: list[str], start: date, end: date, *, latest: set[str]
) -> dict[tuple[str, int], dict[str, list[Row]]]:
    """The period's daily rows of `keys` for every scope, by scope and key (oldest first); for
    the `latest` keys only the newest day that has a row."""
    found: dict[tuple[str, int], dict[str, list[Row]]] = defaultdict(lambda: defaultdict(list))
    rows = (
        DailyFigure.objects.filter(key__in=keys, day__gte=start, day__lte=end)
        .order_by("key", "scope_kind", "scope_id", "day")
        .values_list("scope_kind", "scope_id", "key", "day", "value", "parts", "computed_at")
    )
    for scope_kind, scope_id, key, day, value, parts, computed_at in rows.iterator(2000):
        bucket = found[(scope_kind, scope_id)][key]
        if key in latest and bucket:
            bucket[0] = Row(key, day, value, parts, computed_at)  # keep only the newest
        else:
            bucket.append(Row(key, day, value, parts, computed_at))
    return found


# --- reading -----------------------------------------------------------------------------------


def change_of(value: float | None, previous: float | None) -> float | None:
    """value − previous, or None when either is missing."""
    if value is None or previous is None:
        return None
    return value - previous


def went_better(good: str, change: float | None) -> bool | None:
    """Whether `change` went the `good` way (None: no change, nothing to compare, a volume)."""
    if not change or good == NEUTRAL:
        return None
    return (change < 0) if good == DOWN else (change > 0)


@dataclass(frozen=True)
class Reading:
    """One indicator for one scope and period, with the period before it, as pages show it."""

    indicator: Indicator
    scope: Scope
    period: str
    start: date
    end: date
    value: float | None
    previous: float | None
    attention: bool
    computed_at: datetime | None

    @property
    def change(self) -> float | None:
        return change_of(self.value, self.previous)

    @property
    def better(self) -> bool | None:
        """Whether the change went the good way (None: no change or nothing to compare)."""
        return went_better(self.indicator.good, self.change)

    @property
    def link(self) -> str | None:
        return self.indicator.link(self.scope)


def read(
    *,
    period: str,
    day: date,
    scopes: Iterable[Scope] = (SITE,),
    keys: Iterable[str] | None = None,
) -> list[Reading]:
    """The values of the period containing `day` and of the one before, for `scopes` and the
    registered indicators (or `keys`), in registration order. One query."""
    wanted = [i for i in all_indicators() if keys is None or i.key in set(keys)]
    scopes = list(scopes)
    start = period_start(period, day)
    before = previous_start(period, start)
    rows = IndicatorValue.objects.filter(
        period=period,
        start__in=[start, before],
        key__in=[i.key for i in wanted],
        scope_kind__in={s.kind for s in scopes},
        scope_id__in={s.id for s in scopes},
    ).values_list("key", "scope_kind", "scope_id", "start", "value", "attention", "computed_at")
    found = {(k, sk, si, st): (v, a, c) for k, sk, si, st, v, a, c in rows}
    readings = []
    for scope in scopes:
        for indicator in wanted:
            now = found.get((indicator.key, scope.kind, scope.id, start))
            then = found.get((indicator.key, scope.kind, scope.id, before))
            if now is None and then is None:
                continue
            value, attention, computed_at = now or (None, False, None)
            readings.append(
                Reading(
                    indicator=indicator,
                    scope=scope,
                    period=period,
                    start=start,
                    end=period_end(period, start),
                    value=value,
                    previous=then[0] if then else None,
                    attention=attention,
                    computed_at=computed_at,
                )
            )
    return readings


def series(
    key: str, *, scope: Scope = SITE, start: date, end: date, period: str = Period.DAY
) -> list[tuple[date, float]]:
    """The stored values of one indicator over [start, end], oldest first (for sparklines)."""
    return series_of([key], scope=scope, start=start, end=end, period=period)[key]


def series_of(
    keys: Iterable[str],
    *,
    scope: Scope = SITE,
    start: date,
    end: date,
    period: str = Period.DAY,
) -> dict[str, list[tuple[date, float]]]:
    """`series` of several indicators in one query, by key (every key present)."""
    found: dict[str, list[tuple[date, float]]] = {key: [] for key in keys}
    rows = IndicatorValue.objects.filter(
        key__in=list(found),
        scope_kind=scope.kind,
        scope_id=scope.id,
        period=period,
        start__gte=start,
        start__lte=end,
        value__isnull=False,
    ).order_by("key", "start")
    for key, day, value in rows.values_list("key", "start", "value"):
        found[key].append((day, value))
    return found


def formatted(indicator: Indicator, value: float | None) -> str:
    """A value as shown: "—" for none, whole counts, one decimal otherwise, with its unit."""
    return format_value(indicator.unit, value)


def format_value(unit: str, value: float | None) -> str:
    """`formatted` for a value of `unit` (a stored report keeps the unit, not the indicator)."""
    if value is None:
        return "—"
    if unit == Unit.COUNT:
        text = f"{value:,.0f}"
    elif unit == Unit.YUAN:
        text = f"{value:,.2f}"
    else:
        text = f"{value:,.1f}"
    return f"{text}{UNIT_SUFFIX.get(unit, '')}"
