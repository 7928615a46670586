"""Weeks and snapshots: which week's report is due, and the frozen record of a week."""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import date, datetime, timedelta
from typing import Any

from django.apps import apps
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone, translation
from django.utils.functional import Promise

from logistics import i18n, indicators
from logistics.indicators import DOWN, NEUTRAL, SITE, Period, Reading, Scope, ScopeKind
from logistics.models import Building, Department, IndicatorValue, WeeklyReport
from logistics.workcalendar import MAX_DAYS, WorkCalendar

from . import report_sections

SNAPSHOT_VERSION = 1
WORST_LIMIT = 5
# Scopes ranked in "the five worst": buildings and the units (departments) that serve them.
WORST_KINDS = (ScopeKind.BUILDING, ScopeKind.DEPARTMENT)
# How far back a late run still builds a missed week (beat stopped, a long holiday).
LOOKBACK_WEEKS = 3
WEEK_PATTERN = re.compile(r"^(\d{4})-W(\d{2})$")


# --- weeks -------------------------------------------------------------------------------------


def week_label(start: date) -> str:
    """The ISO week of `start`: "2026-W49" (the permanent URL's part)."""
    year, week, _day = start.isocalendar()
    return f"{year}-W{week:02d}"


def week_start(label: str) -> date | None:
    """The Monday of an ISO week label, or None when `label` is not one."""
    found = WEEK_PATTERN.match(label or "")
    if not found:
        return None
    try:
        return date.fromisocalendar(int(found[1]), int(found[2]), 1)
    except ValueError:
        return None


def due_day(start: date, *, calendar: WorkCalendar | None = None) -> date:
    """The day the report of the week starting `start` is built and mailed: the Monday after
    the week, or the next working day when that Monday is not one (a holiday)."""
    calendar = calendar or WorkCalendar()
    day = start + timedelta(days=7)
    for _ in range(MAX_DAYS):
        if calendar.is_workday(day):
            return day
        day += timedelta(days=1)
    return day


def weeks_due(today: date) -> list[date]:
    """The Mondays of the weeks whose report is due by `today` and not mailed yet, oldest
    first: normally last week on its due day; more after a holiday that covered a whole due
    week, or when beat was stopped (up to LOOKBACK_WEEKS, never before the newest report). A
    portal without any report starts with last week's."""
    calendar = WorkCalendar()
    latest = indicators.period_start(Period.WEEK, today) - timedelta(days=7)
    candidates = [latest - timedelta(weeks=back) for back in range(LOOKBACK_WEEKS)]
    known = dict(
        WeeklyReport.objects.filter(start__in=candidates).values_list("start", "mailed_at")
    )
    newest = WeeklyReport.objects.aggregate(newest=Max("start"))["newest"]

    def wanted(start: date) -> bool:
        if due_day(start, calendar=calendar) > today:
            return False
        if start in known:
            return known[start] is None  # built, not mailed: a run stopped in between
        return start > newest if newest else start == latest

    return sorted(start for start in candidates if wanted(start))


# --- building ----------------------------------------------------------------------------------


def report_build(*, start: date, now: datetime | None = None) -> WeeklyReport:
    """The report of the week containing `start`, built from its indicator values if it does
    not exist yet; an existing report is returned unchanged (built once, never rebuilt).
    Raises ValueError for a week that is not over."""
    start = indicators.period_start(Period.WEEK, start)
    now = now or timezone.now()
    if start + timedelta(days=7) > timezone.localdate(now):
        raise ValueError(f"the week of {start} is not over")
    found = WeeklyReport.objects.filter(start=start).first()
    if found is not None:
        return found
    data = snapshot(start)
    try:
        with transaction.atomic():
            return WeeklyReport.objects.create(
                week=week_label(start),
                start=start,
                built_at=now,
                attention=sum(1 for row in data["site"] if row["attention"]),
                snapshot=data,
            )
    except IntegrityError:  # another run built it meanwhile: theirs stands
        return WeeklyReport.objects.get(start=start)


def snapshot(start: date) -> dict[str, Any]:
    """Everything the report shows for the week starting `start`, as JSON, texts in every
    portal language. Three queries for the indicators (scopes, values, scope names) plus what
    the registered sections read."""
    scopes = [SITE, *_ranked_scopes(start)]
    readings = indicators.read(period=Period.WEEK, day=start, scopes=scopes)
    used = {reading.indicator.key: reading.indicator for reading in readings}
    names = _scope_names(scopes)
    services = [service for service in indicators.services() if _has(used, service)]
    return {
        "version": SNAPSHOT_VERSION,
        "week": week_label(start),
        "start": start.isoformat(),
        "end": (start + timedelta(days=6)).isoformat(),
        "services": [{"key": s, "label": texts(service_label(s))} for s in services],
        "indicators": {key: _meta(indicator) for key, indicator in used.items()},
        "site": [_value(r) for r in readings if r.scope == SITE],
        "worst": _worst(readings, names, services),
        "sections": _sections(start),
    }


def _has(used, service: str) -> bool:
    return any(indicator.service == service for indicator in used.values())


def _ranked_scopes(start: date) -> list[Scope]:
    rows = (
        IndicatorValue.objects.filter(
            period=Period.WEEK, start=start, scope_kind__in=WORST_KINDS, value__isnull=False
        )
        .order_by("scope_kind", "scope_id")
        .values_list("scope_kind", "scope_id")
        .distinct()
    )
    return [Scope(kind, scope_id) for kind, scope_id in rows]


def _scope_names(scopes: list[Scope]) -> dict[tuple[str, int], dict[str, str]]:
    models = {ScopeKind.BUILDING: Building, ScopeKind.DEPARTMENT: Department}
    names = {}
    for kind, model in models.items():
        ids = [scope.id for scope in scopes if scope.kind == kind]
        for place in model.objects.filter(id__in=ids) if ids else ():
            names[(kind, place.id)] = texts(lambda place=place: place.localized_name)
    return names


def service_label(service: str):
    """An app's name (its verbose_name) for a service key; the key itself when unknown."""
    try:
        return apps.get_app_config(service).verbose_name
    except LookupError:
        return service


def texts(value) -> dict[str, str]:
    """`value` in every portal language: a lazy translation or a callable rendered in each, a
    {language: text} dict completed from the default language, a plain string as it is."""
    codes = i18n.language_codes()
    if isinstance(value, dict):
        default = value.get(codes[0]) or next(iter(value.values()), "")
        return {code: str(value.get(code) or default) for code in codes}
    result = {}
    for code in codes:
        with translation.override(code):
            result[code] = str(value() if _callable(value) else value)
    return result


def _number(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def _meta(indicator: indicators.Indicator) -> dict[str, Any]:
    return {
        "service": indicator.service,
        "label": texts(indicator.label),
        "unit": indicator.unit,
        "good": indicator.good,
        "threshold": indicator.limit(),
        "link": indicator.link(SITE) or "",
    }


def _value(reading: Reading) -> dict[str, Any]:
    return {
        "key": reading.indicator.key,
        "value": _number(reading.value),
        "previous": _number(reading.previous),
        "attention": reading.attention,
    }


# --- the five worst ----------------------------------------------------------------------------


def _worst(readings: list[Reading], names, services: list[str]) -> list[dict[str, Any]]:
    """Per service, its five worst buildings and units of the week.

    The rule: a scope is worse the more of the service's indicators need attention there; on a
    tie, the worse its value of the service's lead indicator (the first registered one that is
    not a volume and has a value somewhere), in that indicator's bad direction; then by name.
    Volumes (NEUTRAL) are never ranked."""
    by_service: dict[str, dict[Scope, list[Reading]]] = defaultdict(lambda: defaultdict(list))
    for reading in readings:
        ranked = reading.scope.kind in WORST_KINDS and reading.indicator.good != NEUTRAL
        if ranked and reading.value is not None:
            by_service[reading.indicator.service][reading.scope].append(reading)
    result = []
    for service in services:
        scopes = by_service.get(service)
        if not scopes:
            continue
        lead = _lead(service, scopes)
        ranked = sorted(scopes.items(), key=lambda item: _rank(item, lead, names))
        rows = [_worst_row(scope, found, names) for scope, found in ranked[:WORST_LIMIT]]
        result.append({"service": service, "lead": lead.key, "rows": rows})
    return result


def _lead(service: str, scopes: dict[Scope, list[Reading]]) -> indicators.Indicator:
    present = {r.indicator.key for found in scopes.values() for r in found}
    return next(
        indicator
        for indicator in indicators.all_indicators()
        if indicator.service == service and indicator.key in present
    )


def _rank(item, lead: indicators.Indicator, names) -> tuple:
    scope, found = item
    flagged = sum(1 for reading in found if reading.attention)
    value = next((r.value for r in found if r.indicator.key == lead.key), None)
    # no value of the lead indicator: after those with one
    badness = (1, 0.0) if value is None else (0, -value if lead.good == DOWN else value)
    name = names.get((scope.kind, scope.id), {}).get(i18n.language_codes()[0], "")
    return (-flagged, *badness, name, scope.kind, scope.id)


def _worst_row(scope: Scope, found: list[Reading], names) -> dict[str, Any]:
    fallback = f"{scope.kind} {scope.id}"  # a place deleted since: still listed
    return {
        "kind": scope.kind,
        "id": scope.id,
        "name": names.get((scope.kind, scope.id)) or texts(fallback),
        "values": {r.indicator.key: _number(r.value) for r in found},
        "attention": [r.indicator.key for r in found if r.attention],
    }


# --- sections ----------------------------------------------------------------------------------


def _sections(start: date) -> list[dict[str, Any]]:
    result = []
    for section in report_sections():
        table = section.build(start)
        if table is None:
            continue
        result.append(
            {
                "key": section.key,
                "title": texts(section.title),
                "note": texts(table.note) if table.note else None,
                "columns": [
                    {"key": c.key, "label": texts(c.label), "unit": c.unit} for c in table.columns
                ],
                "rows": [[_cell(value) for value in row] for row in table.rows],
                "link": table.link,
                "link_label": texts(table.link_label) if table.link else None,
            }
        )
    return result


def _cell(value):
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return _number(float(value)) if isinstance(value, float) else value
    return texts(value)


def _callable(value) -> bool:
    return callable(value) and not isinstance(value, Promise)
