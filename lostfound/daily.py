"""The lost-and-found figures, kept by beat as daily rows (logistics.daily) and read back for a
period: items found (by category and place), returned (by category, with the time from found
to returned as a histogram for the median) and disposed of (by category and how), per day.

Every event is counted on the day it happened (an item on its report's day, a return on its
handover's day, a disposal on its approval's day).

The **return rate** is a cohort rate (`return_rate`, the one rule the figures page, the overview
and the indicator read): of the items found in a period, the share returned to their owners so
far. Each day keeps its found items returned so far (`FOUND_RETURNED`, with the day's found items
as its base), so a return rewrites the day the item was found (`changed_days`): the rate never
passes 100 %, and an old period's rate grows as its items go home. (Returns ÷ finds of the same
period reached 300 % on a day when old items were handed over.)

For the indicators (lostfound/indicators.py) a day also holds the items still open *past their
holding period* as of its end (today: now; a past day's rebuilt from the handover and disposal
times); items found, returned, found-and-returned and past holding are also kept per desk — its
unit, and its building and campus when it has one."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime

from django.db.models import Count, Exists, OuterRef, Q
from django.db.models.functions import TruncDate
from django.utils import timezone

from logistics import daily
from logistics.daily import Figure
from logistics.models import DailyFigure
from lostfound.models import OPEN_ITEM_STATUSES, Claim, Desk, Disposal, FoundItem

SOURCE = "lostfound"
FOUND, RETURNED, DISPOSED = "lostfound.found", "lostfound.returned", "lostfound.disposed"
PAST_HOLDING = "lostfound.past_holding"
FOUND_RETURNED = "lostfound.found_returned"  # the day's found items returned so far
KEYS = (FOUND, RETURNED, DISPOSED)
Kind = DailyFigure.ScopeKind
Status = FoundItem.Status
PLACE_TEXT = 40  # a free-text place is counted by its first characters


def register() -> None:
    daily.register_daily_figures(SOURCE, compute, changed_days=changed_days)


def return_rate(returned: float, found: float) -> float | None:
    """The return rate (0–1): of `found` items, the `returned` ones — a part of the same items,
    never more than all of them. None when nothing was found."""
    return returned / found if found else None


def period_return_rate(rows: list[daily.Row]) -> float | None:
    """The return rate of a period from its days' `FOUND_RETURNED` rows."""
    return return_rate(daily.total(rows), daily.total_part(rows, "base"))


def changed_days(since: datetime, now: datetime) -> list[date]:
    """The days items handed over since `since` were found on: their cohort changed."""
    zone = timezone.get_current_timezone()
    returned = Claim.objects.filter(
        status=Claim.Status.HANDED_OVER, handed_over_at__gte=since, handed_over_at__lt=now
    )
    days = (
        returned.annotate(day=TruncDate("item__created_at", tzinfo=zone))
        .order_by()
        .values_list("day", flat=True)
        .distinct()
    )
    return list(days)


def place_key(building_id: int | None, place_text: str) -> str:
    """A building as "b<id>"; a place off the list by its words ("t…")."""
    if building_id:
        return f"b{building_id}"
    return "t" + " ".join(place_text.split())[:PLACE_TEXT]


def compute(day: date, now: datetime) -> list[Figure]:
    start, end = daily.day_bounds(day)
    found = FoundItem.objects.filter(created_at__gte=start, created_at__lt=end).order_by()
    places = Counter(place_key(b, t) for b, t in found.values_list("building_id", "place_text"))
    by_category = dict(found.values_list("category__code").annotate(n=Count("id")))
    returned = list(
        Claim.objects.filter(
            status=Claim.Status.HANDED_OVER, handed_over_at__gte=start, handed_over_at__lt=end
        )
        .order_by()
        .values_list("category__code", "handed_over_at", "item__found_at", "item__desk_id")
    )
    waits = [max((at - found_at).total_seconds(), 0) for _c, at, found_at, _d in returned]
    disposed = list(
        Disposal.objects.filter(
            status=Disposal.Status.APPROVED, approved_at__gte=start, approved_at__lt=end
        )
        .order_by()
        .values_list("item__category__code", "method")
    )
    found_at_desk = dict(found.values_list("desk_id").annotate(n=Count("id")))
    returned_at_desk = Counter(desk_id for _c, _a, _f, desk_id in returned)
    went_home = found.filter(status=Status.RETURNED)
    home_by_category = dict(went_home.values_list("category__code").annotate(n=Count("id")))
    home_at_desk = dict(went_home.values_list("desk_id").annotate(n=Count("id")))
    past_holding = past_holding_at(min(end, now), exact=end > now)
    return [
        Figure(
            FOUND,
            sum(by_category.values()),
            {"category": by_category, "place": {k: n for k, n in places.items() if k != "t"}},
        ),
        Figure(
            RETURNED,
            len(returned),
            {
                "category": dict(Counter(c for c, _a, _f, _d in returned)),
                "seconds": sum(waits),
                "histogram": daily.histogram(waits),
            },
        ),
        Figure(
            FOUND_RETURNED,
            sum(home_by_category.values()),
            {
                "base": sum(by_category.values()),
                "category": home_by_category,
                "category_base": by_category,
            },
        ),
        Figure(
            DISPOSED,
            len(disposed),
            {
                "category": dict(Counter(c for c, _m in disposed)),
                "method": dict(Counter(m for _c, m in disposed)),
            },
        ),
        Figure(PAST_HOLDING, sum(past_holding.values())),
        *_scoped(found_at_desk, returned_at_desk, home_at_desk, past_holding),
    ]


def past_holding_at(moment: datetime, *, exact: bool) -> dict[int, int]:
    """Per desk: the items still open past their holding period at `moment` — from the
    statuses when `exact` (now), rebuilt for a past moment from when each item was returned
    or disposed of. One query."""
    items = FoundItem.objects.filter(holding_until__lte=moment).order_by()
    if exact:
        items = items.filter(status__in=OPEN_ITEM_STATUSES)
    else:
        later_return = Claim.objects.filter(
            item=OuterRef("pk"), status=Claim.Status.HANDED_OVER, handed_over_at__gt=moment
        )
        later_disposal = Disposal.objects.filter(
            item=OuterRef("pk"), status=Disposal.Status.APPROVED, approved_at__gt=moment
        )
        items = items.filter(created_at__lte=moment).filter(
            Q(status__in=OPEN_ITEM_STATUSES)
            | Q(Exists(later_return), status=Status.RETURNED)
            | Q(Exists(later_disposal), status=Status.DISPOSED)
        )
    return dict(items.values_list("desk_id").annotate(n=Count("id")))


def desk_scopes() -> dict[int, list[tuple[str, int]]]:
    """Each desk's scopes: its unit, and its building and that building's campus if set."""
    scopes = {}
    rows = Desk.objects.order_by().values_list(
        "pk", "department_id", "building_id", "building__campus_id"
    )
    for pk, department_id, building_id, campus_id in rows:
        scopes[pk] = [(Kind.DEPARTMENT, department_id)]
        if building_id:
            scopes[pk] += [(Kind.BUILDING, building_id), (Kind.CAMPUS, campus_id)]
    return scopes


def _scoped(found: dict, returned: Counter, home: dict, past_holding: dict) -> list[Figure]:
    """Items found, returned, found and returned since, and past holding for each desk's
    scopes (zeros included)."""
    totals: dict[tuple[str, int], list[int]] = {}
    for desk_id, scopes in desk_scopes().items():
        for scope in scopes:
            total = totals.setdefault(scope, [0, 0, 0, 0])
            total[0] += found.get(desk_id, 0)
            total[1] += returned.get(desk_id, 0)
            total[2] += home.get(desk_id, 0)
            total[3] += past_holding.get(desk_id, 0)
    figures = []
    for (kind, scope_id), (n_found, n_returned, n_home, n_past) in sorted(totals.items()):
        figures += [
            Figure(FOUND, n_found, {}, kind, scope_id),
            Figure(RETURNED, n_returned, {}, kind, scope_id),
            Figure(FOUND_RETURNED, n_home, {"base": n_found}, kind, scope_id),
            Figure(PAST_HOLDING, n_past, {}, kind, scope_id),
        ]
    return figures


# --- reading a period ---------------------------------------------------------------------------


@dataclass
class Month:
    month: date
    found: int = 0
    returned: int = 0
    disposed: int = 0
    by_category: dict = field(default_factory=dict)  # code -> [found, returned, disposed]
    cohort: list = field(default_factory=list)  # its days' FOUND_RETURNED rows

    @property
    def return_rate(self) -> float | None:
        """Of the items found in the month, the share returned so far."""
        return period_return_rate(self.cohort)


@dataclass
class LostFoundFigures:
    """A period's figures, as the page, the overview and the export read them."""

    start: date
    end: date
    months: list[Month]
    found: int
    returned: int
    disposed: int
    by_category: dict  # code -> [found, returned, disposed]
    places: list[tuple[str, int]]  # place keys, busiest first
    median_return_hours: float | None
    as_of: datetime | None
    past_holding: int | None = None  # items past their holding period at the period's end
    cohort: list = field(default_factory=list)  # the period's FOUND_RETURNED rows

    @property
    def found_returned(self) -> int:
        """Of the items found in the period, those returned so far."""
        return int(daily.total(self.cohort))

    @property
    def return_rate(self) -> float | None:
        """Of the items found in the period, the share returned so far (the cohort rate)."""
        return period_return_rate(self.cohort)

    def category_return_rate(self, code: str) -> float | None:
        returned = daily.merged(self.cohort, "category")[code]
        return return_rate(returned, daily.merged(self.cohort, "category_base")[code])


def period_figures(start: date, end: date, *, places: int = 10) -> LostFoundFigures:
    """The site's figures from `start` to `end` (both included): one query."""
    keys = (*KEYS, FOUND_RETURNED, PAST_HOLDING)
    rows = daily.read_figures(keys, start=start, end=end, latest=[PAST_HOLDING])
    past_holding = daily.latest(rows[PAST_HOLDING])
    months: dict[date, Month] = {}
    for index, key in enumerate(KEYS):
        for row in rows[key]:
            month = months.setdefault(row.day.replace(day=1), Month(row.day.replace(day=1)))
            setattr(month, _NAMES[index], getattr(month, _NAMES[index]) + int(row.value))
            for code, n in (row.parts.get("category") or {}).items():
                month.by_category.setdefault(code, [0, 0, 0])[index] += n
    for row in rows[FOUND_RETURNED]:
        month = months.setdefault(row.day.replace(day=1), Month(row.day.replace(day=1)))
        month.cohort.append(row)
    by_category: dict[str, list[int]] = {}
    for month in months.values():
        for code, counts in month.by_category.items():
            total = by_category.setdefault(code, [0, 0, 0])
            for i in range(3):
                total[i] += counts[i]
    median = daily.percentile(daily.merged(rows[RETURNED], "histogram"), 0.5)
    stamps = [r.computed_at for key in KEYS for r in rows[key]]
    return LostFoundFigures(
        start=start,
        end=end,
        months=[months[m] for m in sorted(months)],
        found=int(daily.total(rows[FOUND])),
        returned=int(daily.total(rows[RETURNED])),
        disposed=int(daily.total(rows[DISPOSED])),
        by_category=by_category,
        places=daily.merged(rows[FOUND], "place").most_common(places),
        median_return_hours=None if median is None else round(median / 3600, 1),
        as_of=max(stamps) if stamps else None,
        past_holding=int(past_holding.value) if past_holding else None,
        cohort=rows[FOUND_RETURNED],
    )


_NAMES = ("found", "returned", "disposed")
