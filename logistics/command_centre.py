"""The command centre's reads (/manage/): what needs attention today and how each indicator is
doing, for the places a person may see. Everything comes from the stored indicator values
(logistics.indicators, IndicatorValue) and the places for the filter's choices; the number of
queries does not depend on the number of indicators, places or days."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import reduce
from operator import or_

from django.apps import apps
from django.db.models import OuterRef, Q, Subquery, prefetch_related_objects
from django.utils.translation import gettext_lazy as _

from logistics import indicators
from logistics.charts import Sparkline, sparkline
from logistics.context_processors import SERVICES
from logistics.indicators import NEUTRAL, SITE, Indicator, Period, Reading, Scope, ScopeKind
from logistics.models import Building, Campus, Department, IndicatorValue, StaffScope
from logistics.roles import UNIT_HEAD_ROLES, Role

SPARK_DAYS = 30  # the sparkline's days, today included
SINCE_DAYS = 366  # how far back "over its threshold since" looks

SITE_NAME = _("Whole university")


@dataclass
class Access:
    """What a person may see: everything (managers, supervisors, superusers) or their units (a
    unit head's buildings and departments), with the places the filter offers."""

    everything: bool
    campuses: list[Campus] = field(default_factory=list)
    buildings: list[Building] = field(default_factory=list)
    departments: list[Department] = field(default_factory=list)

    @property
    def units(self) -> list[Scope]:
        return [Scope(ScopeKind.BUILDING, b.pk) for b in self.buildings] + [
            Scope(ScopeKind.DEPARTMENT, d.pk) for d in self.departments
        ]

    @property
    def default_scope(self) -> Scope:
        return SITE if self.everything else self.units[0]

    def __post_init__(self):
        self._names = {
            Scope(kind, place.pk): place
            for kind, places in (
                (ScopeKind.CAMPUS, self.campuses),
                (ScopeKind.BUILDING, self.buildings),
                (ScopeKind.DEPARTMENT, self.departments),
            )
            for place in places
        }

    def name(self, scope: Scope) -> str:
        if scope.kind == ScopeKind.SITE:
            return str(SITE_NAME)
        place = self._names.get(scope)
        if place is None:
            return f"{ScopeKind(scope.kind).label} {scope.id}"  # a place removed since
        return str(place)

    def attention_scopes(self, chosen: Scope | None) -> list[Scope] | None:
        """The scopes "needs me today" looks at: a chosen campus with its buildings and
        departments, a chosen unit alone, a unit head's units; None: every scope."""
        if chosen is None:
            return None if self.everything else self.units
        if chosen.kind != ScopeKind.CAMPUS:
            return [chosen]
        inside = [
            Scope(ScopeKind.BUILDING, b.pk) for b in self.buildings if b.campus_id == chosen.id
        ]
        inside += [
            Scope(ScopeKind.DEPARTMENT, d.pk) for d in self.departments if d.campus_id == chosen.id
        ]
        return [chosen, *inside]


def sees_everything(user) -> bool:
    return user.is_superuser or user.has_role(Role.LOGISTICS_MANAGER, Role.SUPERVISOR)


def unit_head_scopes(user) -> list[StaffScope]:
    """The user's StaffScope rows of the unit-head roles they hold (User.scope_rows: one query
    per request, shared with the pages that narrow by scope)."""
    held = {role for role in UNIT_HEAD_ROLES if user.has_role(role)}
    return user.scopes(*held) if held else []


def may_open(user) -> bool:
    """Who may open the command centre — the one rule the navigation's "Manage" and the page
    follow: logistics managers, supervisors and superusers; a unit head (a repair dispatcher,
    a dorm manager) with a building or department assigned. A unit head without one has no
    unit to see: no link, and the page answers 403. No query but for unit heads (one)."""
    if not user.is_authenticated:
        return False
    return sees_everything(user) or bool(unit_head_scopes(user))


def access(user) -> Access | None:
    """What `user` may see in the command centre; None for whoever may not open it."""
    if not may_open(user):
        return None
    if sees_everything(user):
        return Access(
            everything=True,
            campuses=list(Campus.objects.only("name", "name_en", "code")),
            buildings=list(Building.objects.only("name", "name_en", "code", "campus_id")),
            departments=list(
                Department.objects.only("name", "name_en", "code", "campus_id").order_by("code")
            ),
        )
    buildings, departments = {}, {}
    scopes = unit_head_scopes(user)
    # the session's user brings its scopes without their units (logistics.backends)
    prefetch_related_objects(scopes, "building", "department")
    for scope in scopes:
        if scope.building_id:
            buildings[scope.building_id] = scope.building
        if scope.department_id:
            departments[scope.department_id] = scope.department
    return Access(
        everything=False, buildings=list(buildings.values()), departments=list(departments.values())
    )


def service_label(service: str) -> str:
    for known in SERVICES:
        if known.key == service:
            return str(known.label)
    if apps.is_installed(service):
        return str(apps.get_app_config(service).verbose_name)
    return service


def _scope_q(scopes: list[Scope]) -> Q:
    by_kind: dict[str, list[int]] = {}
    for scope in scopes:
        by_kind.setdefault(scope.kind, []).append(scope.id)
    return reduce(
        or_, (Q(scope_kind=k, scope_id__in=ids) for k, ids in by_kind.items()), Q(pk__in=[])
    )


# --- needs me today ----------------------------------------------------------------------------


@dataclass
class Alert:
    """An indicator over its threshold today in one scope, and since when (the first day of the
    run of days over it that reaches today)."""

    indicator: Indicator
    scope: Scope
    place: str
    value: str
    limit: str
    since: date
    days: int  # days over, today included
    link: str | None

    @property
    def service(self) -> str:
        return service_label(self.indicator.service)


def needs_attention(day: date, scopes: list[Scope] | None, place_name) -> list[Alert]:
    """Every registered indicator whose value of `day` needs attention in `scopes` (None: all),
    newest first. One query: the day's rows, each with the last day before it that was not over
    its threshold and the first day kept (two index lookups per row, however long the history)."""
    registered = {i.key: i for i in indicators.all_indicators()}
    if scopes == []:
        return []
    rows = IndicatorValue.objects.filter(
        period=Period.DAY, start=day, attention=True, key__in=list(registered)
    )
    if scopes is not None:
        rows = rows.filter(_scope_q(scopes))
    before = IndicatorValue.objects.filter(
        key=OuterRef("key"),
        scope_kind=OuterRef("scope_kind"),
        scope_id=OuterRef("scope_id"),
        period=Period.DAY,
        start__lt=day,
        start__gt=day - timedelta(days=SINCE_DAYS),
    ).values("start")
    rows = rows.annotate(
        last_fine=Subquery(before.filter(attention=False).order_by("-start")[:1]),
        first=Subquery(before.order_by("start")[:1]),
    )
    found = rows.values_list("key", "scope_kind", "scope_id", "value", "last_fine", "first")
    order = {key: n for n, key in enumerate(registered)}
    alerts = []
    for key, kind, scope_id, value, last_fine, first in found:
        indicator, scope = registered[key], Scope(kind, scope_id)
        # the run of days over the threshold began the day after the last good one
        since = last_fine + timedelta(days=1) if last_fine else (first or day)
        alerts.append(
            Alert(
                indicator=indicator,
                scope=scope,
                place=place_name(scope),
                value=indicators.formatted(indicator, value),
                limit=indicators.formatted(indicator, indicator.limit()),
                since=since,
                days=(day - since).days + 1,
                link=indicator.link(scope),
            )
        )
    kinds = {kind: n for n, kind in enumerate(ScopeKind.values)}  # the site, campuses, …
    alerts.sort(key=lambda a: (kinds[a.scope.kind], a.place, order[a.indicator.key]))
    alerts.sort(key=lambda a: a.since, reverse=True)  # stable: newest first, then as above
    return alerts


# --- how are we doing ----------------------------------------------------------------------------


PERIODS = (
    (Period.DAY, _("Today"), _("yesterday")),
    (Period.WEEK, _("This week"), _("last week")),
    (Period.MONTH, _("This month"), _("last month")),
)


@dataclass
class PeriodValue:
    """One indicator over one period, against the period before, as shown."""

    label: str
    value: str
    previous_label: str
    previous: str
    change: str  # the change as shown, without sign ("" when none)
    direction: str  # "up", "down" or "" (no change, nothing to compare)
    judgement: str  # "better", "worse" or "" (neutral, unchanged)
    attention: bool


@dataclass
class Trend:
    indicator: Indicator
    periods: list[PeriodValue]
    spark: Sparkline
    limit: str | None

    @property
    def attention(self) -> bool:
        return self.periods[0].attention


@dataclass
class ServiceTrends:
    service: str
    label: str
    trends: list[Trend]


def how_we_are_doing(day: date, scope: Scope) -> tuple[list[ServiceTrends], object]:
    """Each indicator kept for `scope` for the day, the ISO week and the month of `day` against
    the period before, with a sparkline of its last SPARK_DAYS days, grouped by service; and
    when the newest value was computed. Four queries whatever the number of indicators."""
    read = {
        period: {
            r.indicator.key: r for r in indicators.read(period=period, day=day, scopes=[scope])
        }
        for period, _label, _before in PERIODS
    }
    labels = [(period, str(label), str(before)) for period, label, before in PERIODS]  # once
    shown = [i for i in indicators.all_indicators() if any(i.key in r for r in read.values())]
    first = day - timedelta(days=SPARK_DAYS - 1)
    series = indicators.series_of([i.key for i in shown], scope=scope, start=first, end=day)
    groups: dict[str, ServiceTrends] = {}
    for indicator in shown:
        fmt = lambda v, i=indicator: indicators.formatted(i, v)  # noqa: E731
        limit = indicator.limit()
        trend = Trend(
            indicator=indicator,
            periods=[
                _period_value(indicator, read[period].get(indicator.key), label, before)
                for period, label, before in labels
            ],
            spark=sparkline(series[indicator.key], start=first, end=day, limit=limit, fmt=fmt),
            limit=None if limit is None or indicator.good == NEUTRAL else fmt(limit),
        )
        service = indicator.service
        if service not in groups:
            groups[service] = ServiceTrends(service, service_label(service), [])
        groups[service].trends.append(trend)
    stamps = [r.computed_at for r in read[Period.DAY].values() if r.computed_at]
    return list(groups.values()), max(stamps, default=None)


def _period_value(indicator: Indicator, reading: Reading | None, label, before) -> PeriodValue:
    show = lambda v: indicators.formatted(indicator, v)  # noqa: E731
    if reading is None:
        return PeriodValue(label, "—", before, "—", "", "", "", False)
    change = reading.change
    direction = "" if not change else ("up" if change > 0 else "down")
    judgement = {True: "better", False: "worse", None: ""}[reading.better]
    return PeriodValue(
        label=label,
        value=show(reading.value),
        previous_label=before,
        previous=show(reading.previous),
        change=show(abs(change)) if change else "",
        direction=direction,
        judgement=judgement,
        attention=reading.attention,
    )
