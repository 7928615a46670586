"""Matching lost reports with found items, both ways: the same category, a found time that fits
the time the owner lost it, the place (same building, same campus) and how alike the two
descriptions are.

Text likeness uses the search index's own tokens (logistics.search: Chinese as overlapping
two-character pieces, other text as lower-cased words and their parts), so "黑色华为手机" and
"华为手机 黑色的" share 华为, 为手, 手机, 黑色; the score is the share of the shorter text's tokens
found in the other (overlap coefficient), which a short lost report against a long found
description does not punish.

Candidates come from one query (category, open, time window), at most CANDIDATES of them, the
ones found soonest from the start of the owner's window: an owner's item is usually found within
hours, and with thousands of items in the window the newest 200 left it out (bench_lostfound:
recall@5 0.06 with 20,000 distractors, 0.94 this way). A pair is proposed once: declining it
keeps its row, so it is never proposed again."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.db.models import Q

from logistics.search import text_pieces
from lostfound.models import OPEN_ITEM_STATUSES, FoundItem, LostReport, Match

THRESHOLD = 0.35  # a pair scoring at least this is proposed
# A found item may be reported up to this long after the owner's window ends (found later).
FOUND_LATER = timedelta(days=14)
EARLY_SLACK = timedelta(hours=1)  # clocks and memories: found a little "before" it was lost
CANDIDATES = 200

WEIGHT_TEXT, WEIGHT_BUILDING, WEIGHT_CAMPUS, WEIGHT_TIME = 0.55, 0.3, 0.15, 0.15


def text_tokens(*texts: str) -> frozenset[str]:
    found: set[str] = set()
    for text in texts:
        for kind, items in text_pieces(text or ""):
            if kind == "cjk":
                found.update(i for i in items if len(i) == 2 or len(items) == 1)
            else:
                found.add(items[0])
    return frozenset(found)


def text_likeness(a: frozenset[str], b: frozenset[str]) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / min(len(a), len(b))


@dataclass(frozen=True)
class Scored:
    report: LostReport
    item: FoundItem
    score: float


def score(report: LostReport, item: FoundItem) -> float:
    """How likely `item` is what `report` lost, 0–1 (0 when category or time rule it out)."""
    if report.category_id != item.category_id:
        return 0.0
    if item.found_at < report.lost_from - EARLY_SLACK:
        return 0.0
    if item.found_at > report.lost_until + FOUND_LATER:
        return 0.0
    value = WEIGHT_TEXT * text_likeness(
        text_tokens(report.description, report.place_text),
        text_tokens(item.description, item.place_text),
    )
    if report.building_id and report.building_id == item.building_id:
        value += WEIGHT_BUILDING
    elif report.building_id and item.building_id:
        if report.building.campus_id == item.building.campus_id:
            value += WEIGHT_CAMPUS
    elif _same_words(report.place_text, item.place_text):
        value += WEIGHT_CAMPUS
    if item.found_at <= report.lost_until + timedelta(days=1):
        value += WEIGHT_TIME
    return round(min(value, 1.0), 4)


def _same_words(a: str, b: str) -> bool:
    return text_likeness(text_tokens(a), text_tokens(b)) >= 0.5


def matchable_items():
    """Open items an owner may be shown: the board's, and cards nobody is known to own."""
    return FoundItem.objects.filter(status__in=OPEN_ITEM_STATUSES).filter(
        Q(is_public=True) | Q(owner__isnull=True)
    )


def items_for(report: LostReport):
    return (
        matchable_items()
        .filter(
            category_id=report.category_id,
            found_at__gte=report.lost_from - EARLY_SLACK,
            found_at__lte=report.lost_until + FOUND_LATER,
        )
        .select_related("building")
        .order_by("found_at", "id")[:CANDIDATES]
    )


def reports_for(item: FoundItem):
    return (
        LostReport.objects.filter(
            status=LostReport.Status.OPEN,
            category_id=item.category_id,
            lost_from__lte=item.found_at + EARLY_SLACK,
            lost_until__gte=item.found_at - FOUND_LATER,
        )
        .select_related("building", "owner")
        .order_by("-created_at")[:CANDIDATES]
    )


def ranked_for_report(report: LostReport) -> list[Scored]:
    """The candidates of a report, best first (the bench's recall@5 reads this)."""
    scored = [Scored(report, item, score(report, item)) for item in items_for(report)]
    return sorted((s for s in scored if s.score > 0), key=lambda s: (-s.score, -s.item.pk))


def propose(pairs: list[Scored]) -> list[Match]:
    """New Match rows for pairs at or above the threshold that were never proposed."""
    wanted = [p for p in pairs if p.score >= THRESHOLD]
    if not wanted:
        return []
    known = set(
        Match.objects.filter(
            lost_report__in=[p.report.pk for p in wanted],
            found_item__in=[p.item.pk for p in wanted],
        ).values_list("lost_report_id", "found_item_id")
    )
    new = [
        Match(lost_report=p.report, found_item=p.item, score=p.score)
        for p in wanted
        if (p.report.pk, p.item.pk) not in known
    ]
    return Match.objects.bulk_create(new, ignore_conflicts=True) and new


def match_report(report: LostReport) -> list[Match]:
    return propose(ranked_for_report(report)[:5])


def match_item(item: FoundItem) -> list[Match]:
    if not matchable_items().filter(pk=item.pk).exists():
        return []
    return propose([Scored(r, item, score(r, item)) for r in reports_for(item)])
