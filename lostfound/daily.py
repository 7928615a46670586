"""The lost-and-found figures, kept by beat as daily rows (logistics.daily) and read back for a
period: items found (by category and place), returned (by category, with the time from found
to returned as a histogram for the median) and disposed of (by category and how), per day.

Every event is counted on the day it happened (an item on its report's day, a return on its
handover's day, a disposal on its approval's day), so a past day never changes and beat only
keeps today and yesterday current."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime

from django.db.models import Count

from logistics import daily
from logistics.daily import Figure
from lostfound.models import Claim, Disposal, FoundItem

SOURCE = "lostfound"
FOUND, RETURNED, DISPOSED = "lostfound.found", "lostfound.returned", "lostfound.disposed"
KEYS = (FOUND, RETURNED, DISPOSED)
PLACE_TEXT = 40  # a free-text place is counted by its first characters


def register() -> None:
    daily.register_daily_figures(SOURCE, compute)


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
        .values_list("category__code", "handed_over_at", "item__found_at")
    )
    waits = [max((at - found_at).total_seconds(), 0) for _c, at, found_at in returned]
    disposed = list(
        Disposal.objects.filter(
            status=Disposal.Status.APPROVED, approved_at__gte=start, approved_at__lt=end
        )
        .order_by()
        .values_list("item__category__code", "method")
    )
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
                "category": dict(Counter(c for c, _a, _f in returned)),
                "seconds": sum(waits),
                "histogram": daily.histogram(waits),
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
    ]


# --- reading a period ---------------------------------------------------------------------------


@dataclass
class Month:
    month: date
    found: int = 0
    returned: int = 0
    disposed: int = 0
    by_category: dict = field(default_factory=dict)  # code -> [found, returned, disposed]

    @property
    def return_rate(self) -> float | None:
        return self.returned / self.found if self.found else None


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

    @property
    def return_rate(self) -> float | None:
        """Items returned ÷ items found in the period (both counted on their own day)."""
        return self.returned / self.found if self.found else None


def period_figures(start: date, end: date, *, places: int = 10) -> LostFoundFigures:
    """The site's figures from `start` to `end` (both included): one query."""
    rows = daily.read_figures(KEYS, start=start, end=end)
    months: dict[date, Month] = {}
    for index, key in enumerate(KEYS):
        for row in rows[key]:
            month = months.setdefault(row.day.replace(day=1), Month(row.day.replace(day=1)))
            setattr(month, _NAMES[index], getattr(month, _NAMES[index]) + int(row.value))
            for code, n in (row.parts.get("category") or {}).items():
                month.by_category.setdefault(code, [0, 0, 0])[index] += n
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
    )


_NAMES = ("found", "returned", "disposed")
