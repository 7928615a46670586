"""The parcels peak figures: daily rows (logistics.daily) for the periods, the state of the
stations now, and the forecast of the next days' arrivals.

Each day holds, for the whole site, the parcels that *arrived* that day (by carrier and by
station), the parcels *closed* that day (picked up, returned, delivered; by carrier) and the
dwell time of the parcels picked up that day (arrival to pickup, as a histogram, by carrier, for
the 50th and 90th percentiles). A parcel's arrival never moves and it is closed "now", so only
today's and yesterday's rows change; a parcel written later with an earlier arrival (a late
manifest) makes beat rewrite its day (`changed_days`).

Two states are kept as of the end of each day (today: now) — the parcels *in stock* and those
*overdue* (waiting past their free storage) — for the indicators (parcels/indicators.py). Today's
are read from the statuses; a past day's are rebuilt from the times (arrived before its end, not
closed by then; overdue: past free storage and not yet due for return), so a backfill draws the
same history. Arrivals, dwell times and the two states are also kept per building, campus and
unit of the stations.

What a station holds now (stock, shelf fill, overdue and to-return parcels) is read from the
waiting parcels themselves: a few grouped queries over the in-stock parcels, whatever the size
of the history.

The forecast (`forecast`) is written out on the page; see `Forecast.method`.
"""

from __future__ import annotations

import logging
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from statistics import fmean

from django.conf import settings
from django.db.models import Count, F, Q
from django.db.models.functions import TruncDate
from django.utils import timezone

from logistics import daily
from logistics.daily import Figure
from logistics.models import DailyFigure
from logistics.roles import Role
from parcels.models import Carrier, Parcel, Shelf, Station
from parcels.workflow import AT_STATION, CLOSED, IN_STOCK, overdue_q

logger = logging.getLogger(__name__)

SOURCE = "parcels"
ARRIVED, CLOSED_KEY, DWELL = "parcels.arrived", "parcels.closed", "parcels.dwell"
IN_STOCK_KEY, OVERDUE_KEY = "parcels.in_stock", "parcels.overdue"
PERIOD_KEYS = (ARRIVED, CLOSED_KEY, DWELL)
Kind = DailyFigure.ScopeKind
Status = Parcel.Status

FORECAST_DAYS = 7
BASELINE_DAYS = 56  # eight weeks: the level and the weekday pattern
PEAK_DAYS = 14  # a semester's start peak lasts this many days from the start date
BEFORE_PEAK_DAYS = 28  # the ordinary weeks a past peak is compared with
HISTORY_DAYS = 400  # how far back past peaks are looked for


def register() -> None:
    daily.register_daily_figures(SOURCE, compute, changed_days=changed_days)


def can_view_peak(user) -> bool:
    """Logistics managers, supervisors and superusers."""
    return bool(user and user.is_authenticated) and (
        user.is_superuser or user.has_role(Role.LOGISTICS_MANAGER, Role.SUPERVISOR)
    )


# --- computing a day ----------------------------------------------------------------------------


def compute(day: date, now: datetime) -> list[Figure]:
    start, end = daily.day_bounds(day)
    parcels = Parcel.objects.order_by()
    arrived = parcels.filter(arrived_at__gte=start, arrived_at__lt=end)
    closed = parcels.filter(closed_at__gte=start, closed_at__lt=end, status__in=CLOSED)
    by_carrier = _counts(arrived, "carrier")
    by_station = _counts(arrived, "station_id")
    status_counts: Counter = Counter()
    carrier_status: Counter = Counter()
    for carrier, status, n in closed.values_list("carrier", "status").annotate(n=Count("id")):
        status_counts[status] += n
        carrier_status[f"{carrier or Carrier.OTHER}:{status}"] += n
    dwell: dict[str, list[float]] = defaultdict(list)
    station_dwell: dict[int, list[float]] = defaultdict(list)
    picked = closed.filter(status=Status.PICKED_UP).annotate(s=F("closed_at") - F("arrived_at"))
    for carrier, station_id, spent in picked.values_list("carrier", "station_id", "s"):
        seconds = max(spent.total_seconds(), 0.0)
        dwell[carrier or Carrier.OTHER].append(seconds)
        station_dwell[station_id].append(seconds)
    every = [value for values in dwell.values() for value in values]
    stock = _stock_at(min(end, now), exact=end > now)
    figures = [
        Figure(ARRIVED, sum(by_carrier.values()), {"carrier": by_carrier, "station": by_station}),
        Figure(
            CLOSED_KEY,
            sum(status_counts.values()),
            {"status": dict(status_counts), "carrier_status": dict(carrier_status)},
        ),
        Figure(
            DWELL,
            len(every),
            {
                "seconds": sum(every),
                "histogram": daily.histogram(every),
                "carrier": {c: daily.histogram(values) for c, values in sorted(dwell.items())},
            },
        ),
        Figure(IN_STOCK_KEY, sum(n for n, _o in stock.values())),
        Figure(OVERDUE_KEY, sum(o for _n, o in stock.values())),
    ]
    arrived_at = {int(k): n for k, n in by_station.items() if k.isdigit()}
    return figures + _scoped(arrived_at, station_dwell, stock)


def _stock_at(moment: datetime, *, exact: bool) -> dict[int, tuple[int, int]]:
    """Per station: (in stock, overdue) at `moment` — from the statuses when `exact` (now),
    rebuilt from the times for a past moment. One query."""
    parcels = Parcel.objects.order_by()
    if exact:
        held = parcels.filter(status__in=IN_STOCK)
        late = overdue_q(moment)
    else:
        held = parcels.filter(
            Q(status__in=AT_STATION) | Q(closed_at__gte=moment), arrived_at__lt=moment
        )
        late = Q(free_until__lt=moment) & (
            Q(return_due_at__isnull=True) | Q(return_due_at__gt=moment)
        )
    rows = held.values_list("station_id").annotate(n=Count("id"), late=Count("id", filter=late))
    return {station_id: (n, overdue) for station_id, n, overdue in rows}


def station_scopes() -> dict[int, list[tuple[str, int]]]:
    """Each station's scopes: its building, the building's campus and the station's unit."""
    rows = Station.objects.order_by().values_list(
        "pk", "building_id", "building__campus_id", "department_id"
    )
    scopes = {}
    for pk, building_id, campus_id, department_id in rows:
        found = [(Kind.BUILDING, building_id), (Kind.CAMPUS, campus_id)]
        if department_id:
            found.append((Kind.DEPARTMENT, department_id))
        scopes[pk] = found
    return scopes


def _scoped(arrived: dict, dwell: dict, stock: dict) -> list[Figure]:
    """The arrivals, dwell times and states of every building, campus and unit with a station
    (zeros included, so a quiet day still has its row)."""
    totals: dict[tuple[str, int], list] = defaultdict(lambda: [0, [], 0, 0])
    for station_id, scopes in station_scopes().items():
        held, late = stock.get(station_id, (0, 0))
        for scope in scopes:
            total = totals[scope]
            total[0] += arrived.get(station_id, 0)
            total[1].extend(dwell.get(station_id, ()))
            total[2] += held
            total[3] += late
    figures = []
    for (kind, scope_id), (count, seconds, held, late) in sorted(totals.items()):
        dwell_parts = {"seconds": sum(seconds), "histogram": daily.histogram(seconds)}
        figures += [
            Figure(ARRIVED, count, {}, kind, scope_id),
            Figure(DWELL, len(seconds), dwell_parts, kind, scope_id),
            Figure(IN_STOCK_KEY, held, {}, kind, scope_id),
            Figure(OVERDUE_KEY, late, {}, kind, scope_id),
        ]
    return figures


def _counts(queryset, column: str) -> dict[str, int]:
    rows = queryset.values_list(column).annotate(n=Count("id")).values_list(column, "n")
    return {str(value or Carrier.OTHER): n for value, n in rows}


def changed_days(since: datetime, now: datetime) -> list[date]:
    """Days before yesterday of parcels written since `since` (a late manifest with an earlier
    arrival time); beat rewrites today and yesterday anyway."""
    zone = timezone.get_current_timezone()
    before = daily.day_bounds(timezone.localdate(now) - timedelta(days=1))[0]
    written = Parcel.objects.filter(updated_at__gte=since).order_by()
    days = set(
        written.filter(arrived_at__lt=before)
        .annotate(day=TruncDate("arrived_at", tzinfo=zone))
        .values_list("day", flat=True)
        .distinct()
    )
    days.update(
        written.filter(closed_at__lt=before)
        .annotate(day=TruncDate("closed_at", tzinfo=zone))
        .values_list("day", flat=True)
        .distinct()
    )
    return sorted(days)


# --- the stations now ---------------------------------------------------------------------------


@dataclass
class ShelfFill:
    number: int
    size_class: str
    size_label: str
    parcels: int
    capacity: int

    @property
    def share(self) -> float:
        return self.parcels / self.capacity if self.capacity else 0.0

    @property
    def percent(self) -> int:
        return round(self.share * 100)

    @property
    def level(self) -> str:
        """A word for the bar's colour: ok, busy (≥ 75 %), full (≥ 95 %)."""
        return "full" if self.share >= 0.95 else "busy" if self.share >= 0.75 else "ok"


@dataclass
class StationStock:
    station: Station
    waiting: int = 0
    to_return: int = 0
    overdue: int = 0
    capacity: int = 0
    shelves: list[ShelfFill] = field(default_factory=list)

    @property
    def in_stock(self) -> int:
        return self.waiting + self.to_return

    @property
    def percent(self) -> int:
        return round(self.in_stock * 100 / self.capacity) if self.capacity else 0


def stations_now(now: datetime) -> list[StationStock]:
    """Every active station's stock and the fill of each shelf (each station with its
    building's `campus_id`). Three queries."""
    active = Station.objects.filter(is_active=True).annotate(campus_id=F("building__campus_id"))
    stations = {s.pk: StationStock(s) for s in active}
    shelves = Shelf.objects.filter(station__in=list(stations)).order_by("station_id", "number")
    in_stock = Parcel.objects.filter(status__in=IN_STOCK, station__in=list(stations)).order_by()
    fill = {
        (row["station_id"], row["shelf_id"]): row
        for row in in_stock.values("station_id", "shelf_id").annotate(
            n=Count("id"),
            waiting=Count("id", filter=Q(status=Status.WAITING)),
            overdue=Count("id", filter=Q(status=Status.WAITING, free_until__lt=now)),
        )
    }
    sizes = dict(Shelf._meta.get_field("size_class").choices)
    for shelf in shelves:
        row = fill.get((shelf.station_id, shelf.pk), {})
        capacity = shelf.layers * shelf.capacity_per_layer
        stock = stations[shelf.station_id]
        stock.capacity += capacity
        stock.shelves.append(
            ShelfFill(
                shelf.number, shelf.size_class, sizes[shelf.size_class], row.get("n", 0), capacity
            )
        )
    for (station_id, _shelf_id), row in fill.items():
        stock = stations[station_id]
        stock.waiting += row["waiting"]
        stock.to_return += row["n"] - row["waiting"]
        stock.overdue += row["overdue"]
    return list(stations.values())


def stock_now(now: datetime) -> dict[str, int]:
    """In stock, overdue and to-return parcels at all stations now. One query."""
    return Parcel.objects.filter(status__in=IN_STOCK).aggregate(
        in_stock=Count("id"),
        overdue=Count("id", filter=Q(status=Status.WAITING, free_until__lt=now)),
        to_return=Count("id", filter=Q(status=Status.TO_RETURN)),
    )


def carriers_now(now: datetime) -> dict[str, dict[str, int]]:
    """Per carrier: waiting, overdue (past the free storage) and to-return parcels now."""
    rows = (
        Parcel.objects.filter(status__in=IN_STOCK)
        .order_by()
        .values("carrier")
        .annotate(
            waiting=Count("id", filter=Q(status=Status.WAITING)),
            overdue=Count("id", filter=Q(status=Status.WAITING, free_until__lt=now)),
            to_return=Count("id", filter=Q(status=Status.TO_RETURN)),
        )
    )
    return {
        row["carrier"] or Carrier.OTHER: {k: row[k] for k in ("waiting", "overdue", "to_return")}
        for row in rows
    }


# --- a period -----------------------------------------------------------------------------------


@dataclass
class DayRow:
    day: date
    arrived: int = 0
    picked_up: int = 0
    returned: int = 0
    delivered: int = 0
    dwell_histogram: dict | None = None
    forecast: float | None = None

    # Read only by the export: a year's page would compute 730 percentiles it never shows.
    @property
    def dwell_p50_hours(self) -> float | None:
        return _hours(daily.percentile(self.dwell_histogram or {}, 0.5))

    @property
    def dwell_p90_hours(self) -> float | None:
        return _hours(daily.percentile(self.dwell_histogram or {}, 0.9))


@dataclass
class CarrierRow:
    carrier: str
    label: str
    arrived: int = 0
    picked_up: int = 0
    returned: int = 0
    delivered: int = 0
    dwell_p50_hours: float | None = None
    dwell_p90_hours: float | None = None
    waiting: int = 0
    overdue: int = 0
    to_return: int = 0


@dataclass
class PeakFigures:
    start: date
    end: date
    days: list[DayRow]
    carriers: list[CarrierRow]
    arrived: int = 0
    picked_up: int = 0
    returned: int = 0
    delivered: int = 0
    dwell_p50_hours: float | None = None
    dwell_p90_hours: float | None = None
    as_of: datetime | None = None
    by_station: dict[int, int] = field(default_factory=dict)


def _hours(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds / 3600, 1)


def _merge_histograms(histograms) -> Counter:
    merged: Counter = Counter()
    for histogram in histograms:
        merged.update(histogram or {})
    return merged


def _closed(counts: Counter, status: str) -> int:
    return counts.get(status, 0)


def period_figures(
    *, start: date, end: date, now: datetime | None = None, carriers: bool = True
) -> PeakFigures:
    """The period's arrivals, closings and dwell times from the daily rows (one query), with
    the carriers' state now (one query, left out with `carriers=False`)."""
    now = now or timezone.now()
    rows = daily.read_figures(PERIOD_KEYS, start=start, end=end)
    arrived = {row.day: row for row in rows[ARRIVED]}
    closed = {row.day: row for row in rows[CLOSED_KEY]}
    dwell = {row.day: row for row in rows[DWELL]}
    days = []
    for offset in range((end - start).days + 1):
        day = start + timedelta(days=offset)
        statuses = Counter((closed[day].parts.get("status") or {}) if day in closed else {})
        histogram = dwell[day].parts.get("histogram") if day in dwell else {}
        days.append(
            DayRow(
                day,
                arrived=int(arrived[day].value) if day in arrived else 0,
                picked_up=_closed(statuses, Status.PICKED_UP),
                returned=_closed(statuses, Status.RETURNED),
                delivered=_closed(statuses, Status.DELIVERED),
                dwell_histogram=histogram,
            )
        )
    carrier_rows = _carrier_rows(rows, carriers_now(now)) if carriers else []
    figures = PeakFigures(start, end, days, carrier_rows)
    figures.arrived = sum(d.arrived for d in days)
    figures.picked_up = sum(d.picked_up for d in days)
    figures.returned = sum(d.returned for d in days)
    figures.delivered = sum(d.delivered for d in days)
    every = _merge_histograms(row.parts.get("histogram") for row in rows[DWELL])
    figures.dwell_p50_hours = _hours(daily.percentile(every, 0.5))
    figures.dwell_p90_hours = _hours(daily.percentile(every, 0.9))
    figures.by_station = {
        int(k): n for k, n in daily.merged(rows[ARRIVED], "station").items() if k.isdigit()
    }
    computed = [row.computed_at for key in PERIOD_KEYS for row in rows[key]]
    figures.as_of = max(computed) if computed else None
    return figures


def _carrier_rows(rows: dict[str, list[daily.Row]], now_counts: dict) -> list[CarrierRow]:
    arrived = daily.merged(rows[ARRIVED], "carrier")
    closed = daily.merged(rows[CLOSED_KEY], "carrier_status")
    histograms: dict[str, Counter] = defaultdict(Counter)
    for row in rows[DWELL]:
        for carrier, histogram in (row.parts.get("carrier") or {}).items():
            histograms[carrier].update(histogram)
    result = []
    for carrier, label in Carrier.choices:
        item = CarrierRow(carrier, str(label), arrived=arrived.get(carrier, 0))
        item.picked_up = closed.get(f"{carrier}:{Status.PICKED_UP}", 0)
        item.returned = closed.get(f"{carrier}:{Status.RETURNED}", 0)
        item.delivered = closed.get(f"{carrier}:{Status.DELIVERED}", 0)
        item.dwell_p50_hours = _hours(daily.percentile(histograms[carrier], 0.5))
        item.dwell_p90_hours = _hours(daily.percentile(histograms[carrier], 0.9))
        for name, value in now_counts.get(carrier, {}).items():
            setattr(item, name, value)
        if item.arrived or item.picked_up or item.returned or item.waiting or item.to_return:
            result.append(item)
    return sorted(result, key=lambda r: (-r.arrived, -r.waiting, r.carrier))


# --- the forecast -------------------------------------------------------------------------------


def semester_starts() -> list[date]:
    """PARCELS_SEMESTER_STARTS as dates; a malformed entry is left out with a log line."""
    starts = []
    for text in settings.PARCELS_SEMESTER_STARTS:
        try:
            starts.append(date.fromisoformat(str(text).strip()))
        except ValueError:
            logger.warning("PARCELS_SEMESTER_STARTS: %r is not an ISO date", text)
    return sorted(starts)


@dataclass
class Forecast:
    """The next days' expected arrivals and what they were made of."""

    days: list[tuple[date, float]]
    level: float | None  # mean arrivals a day, ordinary days of the last eight weeks
    weekday_factors: list[float]  # Monday first
    peak_factor: float | None  # arrivals in a past start peak / the weeks before it
    peak_days: list[date]  # forecast days inside a semester's start peak
    starts: list[date]
    history_days: int  # days with figures that the level was taken from

    @property
    def total(self) -> int:
        return round(sum(value for _day, value in self.days))


def _in_peak(day: date, starts: list[date]) -> bool:
    return any(0 <= (day - start).days < PEAK_DAYS for start in starts)


def forecast(*, today: date | None = None, days: int = FORECAST_DAYS) -> Forecast:
    """The arrivals of the next `days` days from today's (site-wide) arrival rows: the mean of
    the ordinary days of the last eight weeks, times the weekday's factor (that weekday's mean
    over the same weeks / the mean), times the semester-start factor for a day within
    PEAK_DAYS of a start in PARCELS_SEMESTER_STARTS (how many more arrived in the last past
    start's peak than in the four weeks before it; none without such a peak in the history).
    One query for the eight weeks, and one for the last past peak (when a start is set)."""
    today = today or timezone.localdate()
    starts = semester_starts()
    series = _arrivals(today - timedelta(days=BASELINE_DAYS), today - timedelta(days=1))
    recent = [(day, value) for day, value in series.items() if not _in_peak(day, starts)]
    level = fmean(v for _d, v in recent) if recent else None
    weekday = [1.0] * 7
    if level:
        for number in range(7):
            values = [v for d, v in recent if d.weekday() == number]
            if values:
                weekday[number] = fmean(values) / level
    peak = _peak_factor(starts, today)
    ahead = [today + timedelta(days=n) for n in range(days)]
    peak_days = [day for day in ahead if _in_peak(day, starts)]
    values = []
    for day in ahead:
        value = (level or 0.0) * weekday[day.weekday()]
        if day in peak_days and peak:
            value *= peak
        values.append((day, round(value, 1)))
    return Forecast(values, level, weekday, peak, peak_days, starts, history_days=len(recent))


def _arrivals(start: date, end: date) -> dict[date, float]:
    rows = daily.read_figures([ARRIVED], start=start, end=end)[ARRIVED]
    return {row.day: row.value for row in rows}


def _peak_factor(starts: list[date], today: date) -> float | None:
    """The factor of the latest past start (within HISTORY_DAYS) whose peak and the four weeks
    before it have figures."""
    for start in reversed(starts):
        peak_end = start + timedelta(days=PEAK_DAYS)
        if peak_end > today:
            continue
        if start < today - timedelta(days=HISTORY_DAYS):
            break
        series = _arrivals(start - timedelta(days=BEFORE_PEAK_DAYS), peak_end)
        inside = [series[d] for d in _days(start, peak_end) if d in series]
        before = [
            series[d]
            for d in _days(start - timedelta(days=BEFORE_PEAK_DAYS), start)
            if d in series and not _in_peak(d, starts)
        ]
        if len(inside) >= PEAK_DAYS // 2 and len(before) >= 7 and fmean(before) > 0:
            return round(fmean(inside) / fmean(before), 2)
    return None


def _days(start: date, end: date) -> list[date]:
    return [start + timedelta(days=n) for n in range((end - start).days)]
