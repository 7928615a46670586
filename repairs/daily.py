"""The repairs figures as daily rows (logistics.daily): computed by beat, read by the figures page.

Each day holds the figures of the requests *filed* that day — how many, in which states,
categories and buildings, how fast they were answered and completed (sum, count and a
histogram for the 90th percentile), on time against their SLA, reopened — for the whole site,
for each campus (the requests of its buildings) and for each unit a repair dispatcher is scoped
to (a building or a department, the same rule as `dispatcher_scope`). A request that changes
later (completed next week) makes beat rewrite the day it was filed (`changed_days`). Each
day's rows also hold states: the open and the overdue requests (today: of the moment; a past
day: as of its end, rebuilt from the requests' times, `_states`) and the repeat faults of the
90 days to its end — for the same scopes, and for every building (the indicators' "per
building", repairs/indicators.py).

`daily_repair_figures` builds the page's `RepairFigures` from these rows alone.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone, translation

from logistics import daily
from logistics.daily import Figure
from logistics.models import Building, Campus, DailyFigure, StaffScope, User
from logistics.roles import Role

from .figures import (
    COMPLETION_SECONDS,
    OVERDUE_LIST_SIZE,
    PERCENTILE,
    REPEAT_FAULT_LIST_SIZE,
    RESPONSE_SECONDS,
    OverdueRow,
    RepairFigures,
    Timing,
    _hours,
    _localized,
    _share,
    building_rows,
    largest_first,
    period_aggregates,
    repeat_fault_rows,
)
from .models import Category, RepairRequest
from .querysets import department_q
from .workflow import OPEN_STATUSES

SOURCE = "repairs"
FILED, OPEN = "repairs.filed", "repairs.open"
RESPONSE, COMPLETION = "repairs.response", "repairs.completion"
RESPONSE_SLA, COMPLETION_SLA = "repairs.response_sla", "repairs.completion_sla"
REOPENED = "repairs.reopened"
OVERDUE, REPEAT_FAULTS = "repairs.overdue", "repairs.repeat_faults"
OPEN_NOW = "repairs.open_now"
PERIOD_KEYS = (FILED, OPEN, RESPONSE, COMPLETION, RESPONSE_SLA, COMPLETION_SLA, REOPENED)
Kind = DailyFigure.ScopeKind


def register() -> None:
    daily.register_daily_figures(SOURCE, compute, changed_days=changed_days)


# --- computing a day ----------------------------------------------------------------------------


def scopes() -> list[tuple[str, int, Q]]:
    """The site, every campus (the requests of its buildings: the command centre's campus
    filter), and every single unit a repair dispatcher is scoped to, with its condition."""
    found = [(Kind.SITE, 0, Q())]
    for campus_id in Campus.objects.order_by("pk").values_list("pk", flat=True):
        found.append((Kind.CAMPUS, campus_id, Q(building__campus_id=campus_id)))
    units = StaffScope.objects.filter(role=Role.REPAIR_DISPATCHER).order_by()
    departments = units.exclude(department=None).values_list("department_id", flat=True)
    for department_id in sorted(set(departments)):
        found.append((Kind.DEPARTMENT, department_id, department_q(department_id)))
    for building_id in sorted(
        set(units.exclude(building=None).values_list("building_id", flat=True))
    ):
        found.append((Kind.BUILDING, building_id, Q(building_id=building_id)))
    return found


def compute(day: date, now: datetime) -> list[Figure]:
    start, end = daily.day_bounds(day)
    is_today = day == timezone.localdate(now)
    figures: list[Figure] = []
    kept = scopes()
    for kind, scope_id, condition in kept:
        scoped = RepairRequest.objects.filter(condition).order_by()
        period = scoped.filter(created_at__gte=start, created_at__lt=end)
        for figure in _period_figures(period, now):
            figures.append(Figure(figure.key, figure.value, figure.parts, kind, scope_id))
        rows = _repeat_fault_parts(scoped, end=min(end, now))
        count = _repeat_fault_count(scoped, rows, end=min(end, now))
        figures.append(Figure(REPEAT_FAULTS, count, {"rows": rows}, kind, scope_id))
        at = min(end, now)
        open_now, overdue = _states(scoped, at=at, is_today=is_today)
        count, rows = _overdue_parts(overdue)
        parts = {"rows": rows, "as_of": at.isoformat()}
        figures.append(Figure(OVERDUE, count, parts, kind, scope_id))
        figures.append(Figure(OPEN_NOW, open_now.count(), {}, kind, scope_id))
    done = {scope_id for kind, scope_id, _ in kept if kind == Kind.BUILDING}
    figures += _building_states(end=min(end, now), is_today=is_today, done=done)
    return figures


def _states(scoped: QuerySet, *, at: datetime, is_today: bool) -> tuple[QuerySet, QuerySet]:
    """The requests open and overdue at `at`: today by their state (a hold stops the clock);
    at the end of a past day rebuilt from their times — filed before it and not completed,
    rejected or cancelled by then, overdue when their completion deadline had passed (whether
    one was on hold then is not kept) — so a backfill draws the history beat would have kept."""
    if is_today:
        return scoped.open(), scoped.overdue(at)
    done_at = Coalesce("completed_at", "closed_at")
    still_open = Q(status__in=OPEN_STATUSES) | Q(done_at__gte=at)
    open_then = scoped.filter(created_at__lt=at).alias(done_at=done_at).filter(still_open)
    return open_then, open_then.filter(completion_due_at__lt=at)


def _building_states(*, end: datetime, is_today: bool, done: set[int]):
    """Every other building's states at `end`: repeat faults, open and overdue requests — zeros
    included, so a building whose last overdue request was done reads 0, not its last non-zero
    day. Three grouped queries, whatever the number of buildings."""
    buildings = [pk for pk in Building.objects.values_list("pk", flat=True) if pk not in done]
    requests = RepairRequest.objects.order_by()
    faults = repeat_fault_rows(requests, end=end, size=None)
    open_now, overdue = _states(requests, at=end, is_today=is_today)
    counts = {
        REPEAT_FAULTS: Counter(faults.values_list("room__building_id", flat=True)),
        OPEN_NOW: _count_by_building(open_now),
        OVERDUE: _count_by_building(overdue),
    }
    return [
        Figure(key, found.get(pk, 0), {}, Kind.BUILDING, pk)
        for key, found in counts.items()
        for pk in buildings
    ]


def _count_by_building(queryset: QuerySet) -> dict[int, int]:
    rows = queryset.exclude(building=None).values_list("building_id").annotate(n=Count("id"))
    return dict(rows.values_list("building_id", "n"))


def _period_figures(period: QuerySet, now: datetime) -> list[Figure]:
    row = period.aggregate(**period_aggregates(now))
    response = period.filter(first_response_at__isnull=False).annotate(s=RESPONSE_SECONDS)
    completion = period.filter(completed_at__isnull=False).annotate(s=COMPLETION_SECONDS)
    by_building = period.annotate(b=Coalesce("building_id", "room__building_id"))
    breakdown = {
        "status": _counts(period, "status"),
        "category": _counts(period, "category_id"),
        "building": _counts(by_building, "b"),
    }
    return [
        Figure(FILED, row["total"], breakdown),
        Figure(OPEN, row["open"]),
        Figure(RESPONSE, row["responded"], _timing_parts(response, row["response_sum"])),
        Figure(COMPLETION, row["completed"], _timing_parts(completion, row["completion_sum"])),
        Figure(RESPONSE_SLA, row["response_on_time"], {"base": row["response_decided"]}),
        Figure(COMPLETION_SLA, row["completion_on_time"], {"base": row["completion_decided"]}),
        Figure(REOPENED, row["reopened"], {"base": row["reopen_base"]}),
    ]


def _counts(queryset: QuerySet, column: str) -> dict[str, int]:
    rows = queryset.values_list(column).annotate(n=Count("id")).values_list(column, "n")
    return {"" if value is None else str(value): n for value, n in rows}


def _timing_parts(queryset: QuerySet, seconds: float | None) -> dict:
    values = queryset.values_list("s", flat=True)
    return {"seconds": seconds or 0.0, "histogram": daily.histogram(max(v, 0) for v in values)}


def _both_languages(render) -> dict[str, str]:
    with translation.override("zh-hans"):
        zh = render()
    with translation.override("en"):
        en = render()
    return {"zh": zh, "en": en}


def _overdue_parts(overdue: QuerySet) -> tuple[int, list[dict]]:
    listed = overdue.select_related("category", "building", "room__building", "assignee")
    rows = []
    for repair in listed.order_by("completion_due_at", "id")[:OVERDUE_LIST_SIZE]:
        rows.append(
            {
                "id": repair.pk,
                "status": repair.status,
                "category": _both_languages(lambda r=repair: str(r.category)),
                "place": _both_languages(lambda r=repair: r.place),
                "due": repair.completion_due_at.isoformat(),
                "assignee": repair.assignee.get_display_name() if repair.assignee else "",
            }
        )
    count = len(rows) if len(rows) < OVERDUE_LIST_SIZE else overdue.count()
    return count, rows


def _repeat_fault_parts(scoped: QuerySet, *, end: datetime) -> list[dict]:
    return [
        {
            "room_id": row["room_id"],
            "room": {
                "zh": f"{row['room__building__name']} {row['room__number']}",
                "en": f"{row['room__building__name_en'] or row['room__building__name']} "
                f"{row['room__number']}",
            },
            "category_id": row["category_id"],
            "category": {"zh": row["category__name"], "en": row["category__name_en"]},
            "count": row["n"],
            "last_at": row["last_at"].isoformat(),
        }
        for row in repeat_fault_rows(scoped, end=end)
    ]


def _repeat_fault_count(scoped: QuerySet, rows: list[dict], *, end: datetime) -> int:
    """How many (room, category) repeat faults there are; the list keeps only the first few."""
    if len(rows) < REPEAT_FAULT_LIST_SIZE:
        return len(rows)
    return repeat_fault_rows(scoped, end=end, size=None).count()


def changed_days(since: datetime, now: datetime) -> list[date]:
    """The filing days of requests that changed since `since`, or whose response or completion
    deadline passed since then (which decides their SLA figures without a write)."""
    changed = (
        Q(updated_at__gte=since)
        | Q(response_due_at__gte=since, response_due_at__lt=now)
        | Q(completion_due_at__gte=since, completion_due_at__lt=now)
    )
    days = (
        RepairRequest.objects.filter(changed)
        .annotate(day=TruncDate("created_at", tzinfo=timezone.get_current_timezone()))
        .order_by()
        .values_list("day", flat=True)
        .distinct()
    )
    return list(days)


# --- reading a period ---------------------------------------------------------------------------


def figures_scope(user: User) -> tuple[str, int] | None:
    """The scope of the rows `user`'s figures read: the site for managers, supervisors and
    unscoped dispatchers, their unit for a dispatcher scoped to one; None for anyone else (a
    dispatcher of several units: their figures are computed from the requests)."""
    if user.is_superuser or user.has_role(Role.LOGISTICS_MANAGER, Role.SUPERVISOR):
        return (Kind.SITE, 0)
    if not user.has_role(Role.REPAIR_DISPATCHER):
        return None
    units = [(s.department_id, s.building_id) for s in user.scopes(Role.REPAIR_DISPATCHER)]
    if not units:
        return (Kind.SITE, 0)
    if len(units) == 1:
        department_id, building_id = units[0]
        if department_id and not building_id:
            return (Kind.DEPARTMENT, department_id)
        if building_id and not department_id:
            return (Kind.BUILDING, building_id)
    return None


def daily_repair_figures(*, scope: tuple[str, int], start: date, end: date) -> RepairFigures:
    """The figures of the requests filed from `start` to `end` (days, both included) in `scope`,
    from the daily rows alone."""
    kind, scope_id = scope
    keys = (*PERIOD_KEYS, OVERDUE, REPEAT_FAULTS)
    rows = daily.read_figures(
        keys,
        start=start,
        end=end,
        scope_kind=kind,
        scope_id=scope_id,
        latest=(OVERDUE, REPEAT_FAULTS),
    )
    lower, upper = daily.day_bounds(start)[0], daily.day_bounds(end)[1]
    figures = RepairFigures(start=lower, end=upper)
    filed = rows[FILED]
    figures.total = int(daily.total(filed))
    figures.open_count = int(daily.total(rows[OPEN]))
    figures.response = _timing(rows[RESPONSE])
    figures.completion = _timing(rows[COMPLETION])
    for name, key in (("response", RESPONSE_SLA), ("completion", COMPLETION_SLA)):
        base = int(daily.total_part(rows[key], "base"))
        setattr(figures, f"{name}_sla_count", base)
        setattr(figures, f"{name}_sla", _share(daily.total(rows[key]), base))
    figures.reopened_count = int(daily.total(rows[REOPENED]))
    figures.reopen_rate = _share(figures.reopened_count, daily.total_part(rows[REOPENED], "base"))
    figures.by_status = _by_status(daily.merged(filed, "status"))
    figures.by_category = _by_category(daily.merged(filed, "category"))
    figures.by_building = building_rows(daily.merged(filed, "building"))
    if overdue := daily.latest(rows[OVERDUE]):
        figures.overdue_count = int(overdue.value)
        figures.overdue = [_overdue_row(row) for row in overdue.parts.get("rows", [])]
        as_of = overdue.parts.get("as_of")
        figures.as_of = datetime.fromisoformat(as_of) if as_of else overdue.computed_at
    if repeat := daily.latest(rows[REPEAT_FAULTS]):
        figures.repeat_faults = [_repeat_fault(row) for row in repeat.parts.get("rows", [])]
    return figures


def _timing(rows: list[daily.Row]) -> Timing:
    count = int(daily.total(rows))
    if not count:
        return Timing()
    mean = daily.total_part(rows, "seconds") / count
    p90 = daily.percentile(daily.merged(rows, "histogram"), PERCENTILE)
    return Timing(count, _hours(mean), _hours(p90))


def _by_status(counts) -> list[dict]:
    return [
        {"status": value, "label": label, "count": counts[value]}
        for value, label in RepairRequest.Status.choices
        if counts.get(value)
    ]


def _by_category(counts) -> list[dict]:
    names = Category.objects.in_bulk([int(pk) for pk in counts])
    rows = [
        {
            "category_id": int(pk),
            "name": _localized(names[int(pk)].name, names[int(pk)].name_en)
            if int(pk) in names
            else "",
            "count": n,
        }
        for pk, n in counts.items()
        if n
    ]
    return largest_first(rows, "category_id")


def _language(names: dict) -> str:
    english = (translation.get_language() or "").startswith("en")
    return (names.get("en") if english else None) or names.get("zh") or ""


def _overdue_row(row: dict) -> OverdueRow:
    return OverdueRow(
        id=row["id"],
        status=row["status"],
        category=_language(row["category"]),
        place=_language(row["place"]),
        due=datetime.fromisoformat(row["due"]),
        assignee=row["assignee"],
    )


def _repeat_fault(row: dict) -> dict:
    return {
        "room_id": row["room_id"],
        "room": _language(row["room"]),
        "category_id": row["category_id"],
        "category": _language(row["category"]),
        "count": row["count"],
        "last_at": datetime.fromisoformat(row["last_at"]),
    }
