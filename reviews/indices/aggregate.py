"""Aggregation of reviews, invitations and complaints into IndexRow, run by beat.

One local day (Asia/Shanghai) at a time: per subject × event type ("" = all types together)
the reviews, stars and dimension scores are summed in the database (GROUP BY), complaints and
invitations are counted, and the day's rows are upserted; then the week (ISO, from Monday) and
the month holding the day are rolled up from the day rows. Rows of a period that no longer
have data are deleted, so a rerun gives the same rows.

Definitions (docs/reviews.md, "Satisfaction indices"):
- reviews: visible reviews (not hidden) by the local day they were written;
- adjusted mean: (C·m + stars_sum) / (C + n), C = REVIEWS_PRIOR_WEIGHT, m the mean of all
  reviews of the same subject kind and event type in the same period;
- satisfied: 4–5 stars; silence never counts: an unanswered invitation only lowers the
  response rate;
- invitations: invitations sent that day; responses: those of them answered, at any time
  (the cohort of a day is final once its invitations expire, see aggregate_recent);
- complaints: complaints and suggestions filed that day about the subject (directly or through
  their event's subjects; every one counts for the campus); closed: closed that day; in time:
  of those, resolved (or closed) no later than their resolve deadline.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, Q, Sum
from django.utils import timezone

from reviews.models import Complaint, IndexRow, Invitation, Review, ServiceEvent, Subject

ALL = ""  # event_type of the rows over every event type
SUMS = (
    "reviews",
    "stars_sum",
    "satisfied",
    "invitations",
    "responses",
    "complaints",
    "complaints_closed",
    "complaints_in_time",
)
UPDATE_FIELDS = [
    "kind",
    *SUMS,
    "mean",
    "adjusted_mean",
    "satisfied_share",
    "response_rate",
    "dimension_means",
    "computed_at",
]
BATCH = 2000


@dataclass
class Cell:
    """Sums of one subject × event type over one period."""

    kind: str
    sums: dict = field(default_factory=lambda: dict.fromkeys(SUMS, 0))
    dimensions: dict = field(default_factory=dict)  # key → [sum, count]

    def add(self, other: "Cell") -> None:
        for name in SUMS:
            self.sums[name] += other.sums[name]
        for key, (total, count) in other.dimensions.items():
            mine = self.dimensions.setdefault(key, [0, 0])
            mine[0] += total
            mine[1] += count


def day_bounds(day: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    zone = timezone.get_default_timezone()
    start = datetime.datetime.combine(day, datetime.time.min, tzinfo=zone)
    return start, datetime.datetime.combine(
        day + datetime.timedelta(days=1), datetime.time.min, tzinfo=zone
    )


def week_start(day: datetime.date) -> datetime.date:
    return day - datetime.timedelta(days=day.weekday())


def month_start(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def period_end(period: str, start: datetime.date) -> datetime.date:
    """The first day after the period that starts on `start`."""
    if period == IndexRow.Period.DAY:
        return start + datetime.timedelta(days=1)
    if period == IndexRow.Period.WEEK:
        return start + datetime.timedelta(days=7)
    return (start.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)


# --- One day from the source tables ------------------------------------------------------------


def _review_sums(cells: dict, lower, upper) -> None:
    rows = (
        Review.objects.filter(is_hidden=False, created_at__gte=lower, created_at__lt=upper)
        .values("event__subjects", "event__subjects__kind", "event_type")
        .annotate(n=Count("id"), total=Sum("stars"), happy=Count("id", filter=Q(stars__gte=4)))
        .order_by()
    )
    for row in rows:
        subject = row["event__subjects"]
        if subject is None:  # an event without subjects (not recorded by service_event_record)
            continue
        cell = _cell(cells, subject, row["event__subjects__kind"], row["event_type"])
        cell.sums["reviews"] += row["n"]
        cell.sums["stars_sum"] += row["total"]
        cell.sums["satisfied"] += row["happy"]


def _dimension_sql() -> str:
    review = Review._meta.db_table
    through = ServiceEvent.subjects.through._meta.db_table
    if connection.vendor == "postgresql":
        each, value = "CROSS JOIN LATERAL jsonb_each_text(r.scores) d", "d.value::numeric"
    else:
        each, value = "CROSS JOIN json_each(r.scores) d", "CAST(d.value AS INTEGER)"
    # Set-based: one row per subject × event type × dimension, summed in the database.
    return (
        f"SELECT s.subject_id, r.event_type, d.key, SUM({value}), COUNT(*) "  # noqa: S608
        f"FROM {review} r JOIN {through} s ON s.serviceevent_id = r.event_id {each} "
        "WHERE r.is_hidden = %s AND r.created_at >= %s AND r.created_at < %s "
        "GROUP BY s.subject_id, r.event_type, d.key"
    )


def _dimension_sums(cells: dict, lower, upper) -> None:
    with connection.cursor() as cursor:
        cursor.execute(_dimension_sql(), [False, lower, upper])
        for subject, event_type, key, total, count in cursor.fetchall():
            cell = cells.get((subject, event_type))
            if cell is not None:
                cell.dimensions[key] = [float(total), count]


def _invitation_sums(cells: dict, lower, upper) -> None:
    rows = (
        Invitation.objects.filter(sent_at__gte=lower, sent_at__lt=upper)
        .values("event__subjects", "event__subjects__kind", "event__event_type")
        .annotate(n=Count("id"), answered=Count("id", filter=Q(answered_at__isnull=False)))
        .order_by()
    )
    for row in rows:
        if row["event__subjects"] is None:
            continue
        key = (row["event__subjects"], row["event__subjects__kind"], row["event__event_type"])
        cell = _cell(cells, *key)
        cell.sums["invitations"] += row["n"]
        cell.sums["responses"] += row["answered"]


def _complaint_sums(cells: dict, lower, upper) -> None:
    """Complaints are few: their subjects are collected per complaint, so a complaint about a
    subject that is also one of its event's subjects counts once."""
    filed = Q(created_at__gte=lower, created_at__lt=upper)
    closed = Q(closed_at__gte=lower, closed_at__lt=upper, status=Complaint.Status.CLOSED)
    complaints = Complaint.objects.filter(filed | closed).values(
        "id",
        "subject_id",
        "subject__kind",
        "event__event_type",
        "created_at",
        "closed_at",
        "resolved_at",
        "resolve_due_at",
        "status",
    )
    complaints = {c["id"]: c for c in complaints}
    if not complaints:
        return
    subjects = defaultdict(dict)  # complaint id → {subject id: kind}
    for c in complaints.values():
        if c["subject_id"]:
            subjects[c["id"]][c["subject_id"]] = c["subject__kind"]
    via_events = ServiceEvent.subjects.through.objects.filter(
        serviceevent__complaints__in=list(complaints)
    ).values_list("serviceevent__complaints", "subject_id", "subject__kind")
    for complaint, subject, kind in via_events:
        subjects[complaint][subject] = kind
    campus = Subject.objects.filter(kind=Subject.Kind.CAMPUS).values_list("pk", flat=True).first()
    for c in complaints.values():
        about = subjects[c["id"]]
        if campus:
            about[campus] = Subject.Kind.CAMPUS
        _count_complaint(cells, c, about, lower, upper)


def _count_complaint(cells: dict, c: dict, about: dict, lower, upper) -> None:
    was_filed = lower <= c["created_at"] < upper
    was_closed = c["status"] == Complaint.Status.CLOSED and c["closed_at"] is not None
    was_closed = was_closed and lower <= c["closed_at"] < upper
    done_at = c["resolved_at"] or c["closed_at"]
    in_time = was_closed and done_at <= c["resolve_due_at"]
    # A complaint without an event counts in the rows of all event types only.
    event_types = {ALL, c["event__event_type"]} if c["event__event_type"] else {ALL}
    for subject, kind in about.items():
        for event_type in event_types:
            cell = _cell(cells, subject, kind, event_type)
            cell.sums["complaints"] += was_filed
            cell.sums["complaints_closed"] += was_closed
            cell.sums["complaints_in_time"] += in_time


def _cell(cells: dict, subject: int, kind: str, event_type: str) -> Cell:
    key = (subject, event_type)
    if key not in cells:
        cells[key] = Cell(kind=kind)
    return cells[key]


def _with_totals(cells: dict) -> dict:
    """Adds the "" rows (all event types) as sums of the typed rows; complaints are counted
    straight into the "" rows, since a complaint without an event has no type."""
    totals = {key: cell for key, cell in cells.items() if key[1] == ALL}
    for (subject, event_type), cell in cells.items():
        if event_type == ALL:
            continue
        total = totals.setdefault((subject, ALL), Cell(kind=cell.kind))
        complaints = {k: total.sums[k] for k in SUMS if k.startswith("complaints")}
        total.add(cell)
        total.sums.update(complaints)  # already counted once in the "" row
    return {**cells, **totals}


def day_cells(day: datetime.date) -> dict:
    """{(subject id, event type): Cell} of one local day, from the source tables."""
    lower, upper = day_bounds(day)
    cells: dict = {}
    _review_sums(cells, lower, upper)
    _dimension_sums(cells, lower, upper)
    _invitation_sums(cells, lower, upper)
    _complaint_sums(cells, lower, upper)
    return _with_totals(cells)


# --- Rollups and writing ----------------------------------------------------------------------


def rollup_cells(period: str, start: datetime.date) -> dict:
    """{(subject id, event type): Cell} of a week or month, summed from its day rows."""
    rows = IndexRow.objects.filter(
        period=IndexRow.Period.DAY,
        period_start__gte=start,
        period_start__lt=period_end(period, start),
    ).values_list("subject_id", "event_type", "kind", *SUMS, "dimension_means")
    cells: dict = {}
    for subject, event_type, kind, *sums, dimensions in rows.iterator(chunk_size=BATCH):
        cell = cells.setdefault((subject, event_type), Cell(kind=kind))
        for name, value in zip(SUMS, sums, strict=True):
            cell.sums[name] += value
        for key, value in (dimensions or {}).items():
            mine = cell.dimensions.setdefault(key, [0, 0])
            mine[0] += value["mean"] * value["n"]
            mine[1] += value["n"]
    return cells


def _ratio(part, whole, digits=4):
    return round(part / whole, digits) if whole else None


def _rows(cells: dict, period: str, start: datetime.date, now) -> list[IndexRow]:
    prior = settings.REVIEWS_PRIOR_WEIGHT
    # m: the mean of every review of the same kind and event type in the period.
    totals = defaultdict(lambda: [0, 0])
    for (_subject, event_type), cell in cells.items():
        total = totals[(cell.kind, event_type)]
        total[0] += cell.sums["stars_sum"]
        total[1] += cell.sums["reviews"]
    rows = []
    for (subject, event_type), cell in cells.items():
        s = cell.sums
        stars, count = totals[(cell.kind, event_type)]
        m = stars / count if count else 0
        rows.append(
            IndexRow(
                subject_id=subject,
                kind=cell.kind,
                event_type=event_type,
                period=period,
                period_start=start,
                **s,
                mean=_ratio(s["stars_sum"], s["reviews"]),
                adjusted_mean=(
                    round((prior * m + s["stars_sum"]) / (prior + s["reviews"]), 4)
                    if s["reviews"]
                    else None
                ),
                satisfied_share=_ratio(s["satisfied"], s["reviews"]),
                response_rate=_ratio(s["responses"], s["invitations"]),
                dimension_means={
                    key: {"mean": round(total / n, 4), "n": n}
                    for key, (total, n) in sorted(cell.dimensions.items())
                    if n
                },
                computed_at=now,
            )
        )
    return rows


def write_period(cells: dict, period: str, start: datetime.date) -> int:
    """Upserts the rows of one period and deletes those of subjects without data any more."""
    now = timezone.now()
    rows = _rows(cells, period, start, now)
    with transaction.atomic():
        IndexRow.objects.bulk_create(
            rows,
            batch_size=BATCH,
            update_conflicts=True,
            unique_fields=["subject", "event_type", "period", "period_start"],
            update_fields=UPDATE_FIELDS,
        )
        IndexRow.objects.filter(period=period, period_start=start, computed_at__lt=now).delete()
    return len(rows)


def rollup(period: str, start: datetime.date) -> int:
    return write_period(rollup_cells(period, start), period, start)


def aggregate_day(*, day: datetime.date, rollups: bool = True) -> int:
    """Aggregates one local day into day rows and (unless told not to, for backfills that roll
    up once at the end) the week and month holding it. Returns the rows written."""
    written = write_period(day_cells(day), IndexRow.Period.DAY, day)
    if rollups:
        written += rollup(IndexRow.Period.WEEK, week_start(day))
        written += rollup(IndexRow.Period.MONTH, month_start(day))
    return written


def aggregate_range(*, first: datetime.date, last: datetime.date) -> int:
    """Backfill: every day from first to last, then each week and month touched, once."""
    written, weeks, months = 0, set(), set()
    day = first
    while day <= last:
        written += aggregate_day(day=day, rollups=False)
        weeks.add(week_start(day))
        months.add(month_start(day))
        day += datetime.timedelta(days=1)
    for start in sorted(weeks):
        written += rollup(IndexRow.Period.WEEK, start)
    for start in sorted(months):
        written += rollup(IndexRow.Period.MONTH, start)
    return written


def aggregate_recent(days_back: int = 0) -> int:
    """Today's rows (every quarter hour); with days_back, also that day (yesterday after
    midnight) and the day whose invitations have just all expired, so its response rate is
    final: invitations sent on day D expire by D + REVIEWS_INVITATION_DAYS."""
    today = timezone.localdate()
    days = {today}
    if days_back:
        days.add(today - datetime.timedelta(days=days_back))
        days.add(today - datetime.timedelta(days=settings.REVIEWS_INVITATION_DAYS + days_back))
    return sum(aggregate_day(day=day) for day in sorted(days))
