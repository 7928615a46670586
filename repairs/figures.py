"""Manager figures of the repairs service: counts, overdue, response/completion times, SLA.

`repair_figures(user=..., start=..., end=...)` reads the requests filed in [start, end) that
`user` may see (RepairRequest.objects.for_user) in a fixed, small number of queries, whatever
the amount of data: the sums, means and 90th percentiles are computed by the database. On
PostgreSQL the percentiles are one `percentile_cont` aggregate; elsewhere (SQLite in
development) each is read as the one or two rows around its rank, never the whole list.
"""

import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import connection
from django.db.models import Avg, Count, F, FloatField, Func, Max, Q, QuerySet, Sum
from django.db.models.aggregates import Aggregate
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language

from logistics.models import Building, User
from logistics.roles import Role

from .models import RepairRequest
from .workflow import OPEN_STATUSES

OVERDUE_LIST_SIZE = 20
REPEAT_FAULT_DAYS = 90
REPEAT_FAULT_MIN = 3
REPEAT_FAULT_LIST_SIZE = 20
PERCENTILE = 0.9
# Requests that never needed the work done do not count towards the SLA or the reopen rate.
NOT_WORKED = (RepairRequest.Status.REJECTED, RepairRequest.Status.CANCELLED)


def can_view_figures(user: User) -> bool:
    """Managers, supervisors and dispatchers (the latter within their scope) see the figures."""
    if not (user and user.is_authenticated):
        return False
    return user.is_superuser or user.has_role(
        Role.LOGISTICS_MANAGER, Role.SUPERVISOR, Role.REPAIR_DISPATCHER
    )


class SecondsBetween(Func):
    """end − start in seconds, as a float, on PostgreSQL and SQLite."""

    arity = 2
    output_field = FloatField()

    def as_sql(self, compiler, connection, **extra):
        return super().as_sql(
            compiler, connection, template="EXTRACT(EPOCH FROM (%(expressions)s))", arg_joiner=" - "
        )

    def as_sqlite(self, compiler, connection, **extra):
        return super().as_sql(
            compiler,
            connection,
            template="((julianday(%(expressions)s)) * 86400.0)",
            arg_joiner=") - julianday(",
        )


class PercentileCont(Aggregate):
    """PostgreSQL's ordered-set aggregate percentile_cont(fraction) WITHIN GROUP (ORDER BY x)."""

    function = "percentile_cont"
    output_field = FloatField()

    def __init__(self, expression, fraction: float, **extra):
        # A number we made (not user input), so it can sit in the SQL text.
        self.template = f"%(function)s({float(fraction)!r}) WITHIN GROUP (ORDER BY %(expressions)s)"
        super().__init__(expression, **extra)


RESPONSE_SECONDS = SecondsBetween(F("first_response_at"), F("created_at"))
COMPLETION_SECONDS = SecondsBetween(F("completed_at"), F("created_at"))


@dataclass
class Timing:
    """Mean and 90th percentile of a duration, in hours, over `count` requests."""

    count: int = 0
    mean_hours: float | None = None
    p90_hours: float | None = None


@dataclass
class OverdueRow:
    """A line of the overdue list: what the page shows of an overdue request."""

    id: int
    status: str
    category: str
    place: str
    due: datetime
    assignee: str  # display name, or "" when unassigned

    @property
    def number(self) -> str:
        return f"R{self.id:06d}"

    @property
    def status_label(self) -> str:
        return RepairRequest.Status(self.status).label

    def get_absolute_url(self) -> str:
        return reverse("repairs:detail", args=[self.id])

    @classmethod
    def of(cls, repair: RepairRequest) -> "OverdueRow":
        assignee = repair.assignee.get_display_name() if repair.assignee else ""
        return cls(
            repair.pk,
            repair.status,
            str(repair.category),
            repair.place,
            repair.completion_due_at,
            assignee,
        )


@dataclass
class RepairFigures:
    """Everything the figures page and the manager overview show, for one period and user."""

    start: datetime
    end: datetime
    total: int = 0
    by_status: list[dict] = field(default_factory=list)  # {status, label, count}
    by_category: list[dict] = field(default_factory=list)  # {category_id, name, count}
    by_building: list[dict] = field(default_factory=list)  # {building_id, name, count}
    open_count: int = 0
    overdue_count: int = 0
    overdue: list[OverdueRow] = field(default_factory=list)
    as_of: datetime | None = None  # when "overdue now" was computed (daily rows), None: live
    response: Timing = field(default_factory=Timing)
    completion: Timing = field(default_factory=Timing)
    response_sla: float | None = None  # share responded by response_due_at, 0..1
    response_sla_count: int = 0
    completion_sla: float | None = None  # share completed by completion_due_at, 0..1
    completion_sla_count: int = 0
    reopen_rate: float | None = None
    reopened_count: int = 0
    repeat_faults: list[dict] = field(default_factory=list)  # {room, category, count, last_at}


def repair_figures(
    *, user: User, start: datetime, end: datetime, now: datetime | None = None
) -> RepairFigures:
    """The figures of the requests filed in [start, end) that `user` may see."""
    now = now or timezone.now()
    scoped = RepairRequest.objects.for_user(user).order_by()
    period = scoped.filter(created_at__gte=start, created_at__lt=end)
    figures = RepairFigures(start=start, end=end)
    _add_totals(figures, period, now)
    figures.by_status = _by_status(period)
    figures.by_category = _by_category(period)
    figures.by_building = _by_building(period)
    # Overdue is about now, not about when the requests were filed.
    overdue = scoped.overdue(now)
    figures.overdue_count = overdue.count()
    # Only what the list shows: each join more multiplies PostgreSQL's planning time.
    listed = overdue.select_related("category", "building", "room__building", "assignee")
    shown = listed.order_by("completion_due_at", "id")[:OVERDUE_LIST_SIZE]
    figures.overdue = [OverdueRow.of(repair) for repair in shown]
    figures.repeat_faults = _repeat_faults(scoped, end=min(end, now))
    return figures


def period_aggregates(now: datetime) -> dict:
    """The sums and counts of a period's requests (one aggregate query; no percentiles)."""
    worked = ~Q(status__in=NOT_WORKED)
    response_decided = (
        worked
        & Q(response_due_at__isnull=False)
        & (Q(first_response_at__isnull=False) | Q(response_due_at__lt=now))
    )
    completion_decided = (
        worked
        & Q(completion_due_at__isnull=False)
        & (Q(completed_at__isnull=False) | Q(completion_due_at__lt=now))
    )
    return {
        "total": Count("id"),
        "open": Count("id", filter=Q(status__in=OPEN_STATUSES)),
        "responded": Count("id", filter=Q(first_response_at__isnull=False)),
        "completed": Count("id", filter=Q(completed_at__isnull=False)),
        "response_mean": Avg(RESPONSE_SECONDS, filter=Q(first_response_at__isnull=False)),
        "completion_mean": Avg(COMPLETION_SECONDS, filter=Q(completed_at__isnull=False)),
        "response_decided": Count("id", filter=response_decided),
        "response_on_time": Count(
            "id", filter=response_decided & Q(first_response_at__lte=F("response_due_at"))
        ),
        "completion_decided": Count("id", filter=completion_decided),
        "completion_on_time": Count(
            "id", filter=completion_decided & Q(completed_at__lte=F("completion_due_at"))
        ),
        "reopen_base": Count(
            "id", filter=worked & (Q(completed_at__isnull=False) | Q(reopen_count__gt=0))
        ),
        "reopened": Count("id", filter=Q(reopen_count__gt=0)),
        "response_sum": Sum(RESPONSE_SECONDS, filter=Q(first_response_at__isnull=False)),
        "completion_sum": Sum(COMPLETION_SECONDS, filter=Q(completed_at__isnull=False)),
    }


def _add_totals(figures: RepairFigures, period: QuerySet, now: datetime) -> None:
    aggregates = period_aggregates(now)
    if connection.vendor == "postgresql":
        aggregates["response_p90"] = PercentileCont(
            RESPONSE_SECONDS, PERCENTILE, filter=Q(first_response_at__isnull=False)
        )
        aggregates["completion_p90"] = PercentileCont(
            COMPLETION_SECONDS, PERCENTILE, filter=Q(completed_at__isnull=False)
        )
    row = period.aggregate(**aggregates)
    if connection.vendor != "postgresql":
        row["response_p90"] = _percentile_by_rank(
            period.filter(first_response_at__isnull=False), RESPONSE_SECONDS, row["responded"]
        )
        row["completion_p90"] = _percentile_by_rank(
            period.filter(completed_at__isnull=False), COMPLETION_SECONDS, row["completed"]
        )
    figures.total = row["total"]
    figures.open_count = row["open"]
    figures.response = Timing(
        row["responded"], _hours(row["response_mean"]), _hours(row["response_p90"])
    )
    figures.completion = Timing(
        row["completed"], _hours(row["completion_mean"]), _hours(row["completion_p90"])
    )
    figures.response_sla_count = row["response_decided"]
    figures.response_sla = _share(row["response_on_time"], row["response_decided"])
    figures.completion_sla_count = row["completion_decided"]
    figures.completion_sla = _share(row["completion_on_time"], row["completion_decided"])
    figures.reopened_count = row["reopened"]
    figures.reopen_rate = _share(row["reopened"], row["reopen_base"])


def _percentile_by_rank(queryset: QuerySet, seconds: Func, count: int) -> float | None:
    """percentile_cont without the aggregate: the one or two values around the rank, linearly
    interpolated (the same definition as PostgreSQL's), read with LIMIT/OFFSET."""
    if not count:
        return None
    rank = PERCENTILE * (count - 1)
    low = math.floor(rank)
    values = list(
        queryset.annotate(seconds=seconds)
        .order_by("seconds")
        .values_list("seconds", flat=True)[low : low + 2]
    )
    if len(values) == 1:
        return values[0]
    return values[0] + (values[1] - values[0]) * (rank - low)


def _by_status(period: QuerySet) -> list[dict]:
    counts = dict(period.values_list("status").annotate(n=Count("id")).values_list("status", "n"))
    return [
        {"status": value, "label": label, "count": counts[value]}
        for value, label in RepairRequest.Status.choices
        if counts.get(value)
    ]


def _by_category(period: QuerySet) -> list[dict]:
    rows = (
        period.values("category_id", "category__name", "category__name_en")
        .annotate(n=Count("id"))
        .order_by()
    )
    rows = [
        {
            "category_id": row["category_id"],
            "name": _localized(row["category__name"], row["category__name_en"]),
            "count": row["n"],
        }
        for row in rows
    ]
    return largest_first(rows, "category_id")


def _by_building(period: QuerySet) -> list[dict]:
    # A request names its building directly, or through its room.
    rows = (
        period.annotate(place_building=Coalesce("building_id", "room__building_id"))
        .values("place_building")
        .annotate(n=Count("id"))
        .order_by()
    )
    return building_rows({row["place_building"]: row["n"] for row in rows})


def building_rows(counts: dict) -> list[dict]:
    """``{building_id, name, count}`` for each building with requests (`largest_first`), from
    counts by building id, counted from the requests or read from the daily rows (whose keys
    may be text)."""
    ids = [int(pk) for pk in counts if pk]
    buildings = Building.objects.in_bulk(ids) if ids else {}
    rows = []
    for pk, n in counts.items():
        if not n:
            continue
        building = buildings.get(int(pk)) if pk else None
        rows.append(
            {
                "building_id": int(pk) if pk else None,
                "name": str(building) if building else None,
                "count": n,
            }
        )
    return largest_first(rows, "building_id")


def largest_first(rows: list[dict], id_field: str) -> list[dict]:
    """The order of the figures' breakdowns, counted from the requests or read from the daily
    rows alike: the largest count first, equal counts by the name shown (in the reader's
    language; rows without one last), then by id."""
    return sorted(
        rows,
        key=lambda row: (-row["count"], row["name"] is None, row["name"] or "", row[id_field] or 0),
    )


def repeat_fault_rows(
    scoped: QuerySet, *, end: datetime, size: int | None = REPEAT_FAULT_LIST_SIZE
) -> QuerySet:
    """Rooms where the same category was reported three or more times in the 90 days to `end`,
    the most reported first (the first `size`; None: all)."""
    rows = (
        scoped.filter(
            room__isnull=False,
            created_at__gte=end - timedelta(days=REPEAT_FAULT_DAYS),
            created_at__lt=end,
        )
        .values(
            "room_id",
            "room__number",
            "room__building__name",
            "room__building__name_en",
            "category_id",
            "category__name",
            "category__name_en",
        )
        .annotate(n=Count("id"), last_at=Max("created_at"))
        .filter(n__gte=REPEAT_FAULT_MIN)
        .order_by("-n", "-last_at")
    )
    return rows if size is None else rows[:size]


def _repeat_faults(scoped: QuerySet, *, end: datetime) -> list[dict]:
    return [
        {
            "room_id": row["room_id"],
            "room": " ".join(
                (
                    _localized(row["room__building__name"], row["room__building__name_en"]),
                    row["room__number"],
                )
            ),
            "category_id": row["category_id"],
            "category": _localized(row["category__name"], row["category__name_en"]),
            "count": row["n"],
            "last_at": row["last_at"],
        }
        for row in repeat_fault_rows(scoped, end=end)
    ]


def _localized(name: str, name_en: str) -> str:
    if name_en and (get_language() or "").startswith("en"):
        return name_en
    return name


def _hours(seconds: float | None) -> float | None:
    return None if seconds is None else round(float(seconds) / 3600, 1)


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None
