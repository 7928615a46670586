"""The reviews figures as daily rows (logistics.daily), for the indicators (reviews/indicators.py).

A day holds, for the whole site and for each department an event or a complaint names:
- the visible reviews written that day, with the sum of their stars — all together and per
  service (the first part of the event type, "repairs.request" → repairs), each event type's
  count and sum kept in the parts;
- the complaints filed that day (suggestions kept apart in the parts);
- the complaints and suggestions closed that day, and of those the ones resolved (or closed)
  by their resolve deadline — the rule of the satisfaction indices (reviews/indices/aggregate.py).

A review hidden or edited later, and a complaint closed or reopened later, make beat rewrite the
days they count on (`changed_days`).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime

from django.db.models import Count, F, Q, Sum
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from logistics import daily
from logistics.daily import Figure
from logistics.models import DailyFigure
from reviews.models import Complaint, Review
from reviews.registry import event_types

SOURCE = "reviews"
RATED = "reviews.rated"
COMPLAINTS = "reviews.complaints"
CLOSED_IN_TIME = "reviews.complaints_closed_in_time"
Kind = DailyFigure.ScopeKind
SITE = (Kind.SITE, 0)


def register() -> None:
    daily.register_daily_figures(SOURCE, compute, changed_days=changed_days)


def service_of(event_type: str) -> str:
    return event_type.split(".", 1)[0]


def services() -> list[str]:
    """The services of the registered event types, in the registry's order."""
    return list(dict.fromkeys(service_of(t.key) for t in event_types()))


def rated_key(service: str) -> str:
    return f"{RATED}.{service}"


def compute(day: date, now: datetime) -> list[Figure]:
    start, end = daily.day_bounds(day)
    scopes = {SITE}
    rated = _rated(start, end)
    complaints = _complaints(start, end)
    scopes.update(rated)
    scopes.update(complaints)
    figures = []
    for kind, scope_id in sorted(scopes):
        figures += _rated_figures(rated, (kind, scope_id))
        filed, suggestions, closed, in_time = complaints.get((kind, scope_id), (0, 0, 0, 0))
        figures.append(Figure(COMPLAINTS, filed, {"suggestions": suggestions}, kind, scope_id))
        figures.append(Figure(CLOSED_IN_TIME, in_time, {"base": closed}, kind, scope_id))
    return figures


def _rated(start: datetime, end: datetime) -> dict[tuple, dict[str, list[int]]]:
    """{(scope, event type): [count, stars]} of the visible reviews written in [start, end)."""
    rows = (
        Review.objects.filter(is_hidden=False, created_at__gte=start, created_at__lt=end)
        .values_list("event__department_id", "event_type")
        .annotate(n=Count("id"), stars=Sum("stars"))
        .order_by()
    )
    found: dict[tuple, dict[str, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0, 0]))
    for department_id, event_type, n, stars in rows:
        scopes = [SITE] + ([(Kind.DEPARTMENT, department_id)] if department_id else [])
        for scope in scopes:
            cell = found[scope][event_type]
            cell[0] += n
            cell[1] += stars
    return found


def _rated_figures(rated: dict, scope: tuple[str, int]) -> list[Figure]:
    by_type = rated.get(scope, {})
    kind, scope_id = scope
    # the site has a row for every service each day; a department for the services it served
    every = services() if scope == SITE else []
    per_service: dict[str, list[int]] = {service: [0, 0] for service in every}
    for event_type, (n, stars) in by_type.items():
        cell = per_service.setdefault(service_of(event_type), [0, 0])
        cell[0] += n
        cell[1] += stars
    total = [sum(n for n, _ in by_type.values()), sum(s for _, s in by_type.values())]
    parts = {"stars": total[1], "by_type": {t: list(cell) for t, cell in sorted(by_type.items())}}
    figures = [Figure(RATED, total[0], parts, kind, scope_id)]
    for service, (n, stars) in per_service.items():
        figures.append(Figure(rated_key(service), n, {"stars": stars}, kind, scope_id))
    return figures


def _complaints(start: datetime, end: datetime) -> dict[tuple, tuple[int, int, int, int]]:
    """{scope: (complaints filed, suggestions filed, closed, closed in time)} of [start, end)."""
    filed = Q(created_at__gte=start, created_at__lt=end)
    closed = Q(status=Complaint.Status.CLOSED, closed_at__gte=start, closed_at__lt=end)
    in_time = closed & Q(done_at__lte=F("resolve_due_at"))
    rows = (
        Complaint.objects.annotate(done_at=Coalesce("resolved_at", "closed_at"))
        .filter(filed | closed)
        .values_list("department_id")
        .annotate(
            complaints=Count("id", filter=filed & Q(kind=Complaint.Kind.COMPLAINT)),
            suggestions=Count("id", filter=filed & Q(kind=Complaint.Kind.SUGGESTION)),
            closed=Count("id", filter=closed),
            in_time=Count("id", filter=in_time),
        )
        .order_by()
    )
    found: dict[tuple, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for department_id, *counts in rows:
        scopes = [SITE] + ([(Kind.DEPARTMENT, department_id)] if department_id else [])
        for scope in scopes:
            found[scope] = [a + b for a, b in zip(found[scope], counts, strict=True)]
    return {scope: tuple(counts) for scope, counts in found.items()}


def changed_days(since: datetime, now: datetime) -> set[date]:
    """The days of reviews hidden, shown or edited since `since`, and the filing and closing
    days of complaints changed since then."""
    zone = timezone.get_current_timezone()
    reviews = (
        Review.objects.filter(Q(updated_at__gte=since) | Q(hidden_at__gte=since))
        .annotate(day=TruncDate("created_at", tzinfo=zone))
        .order_by()
        .values_list("day", flat=True)
        .distinct()
    )
    complaints = Complaint.objects.filter(updated_at__gte=since).order_by()
    days = set(reviews)
    for field in ("created_at", "closed_at"):
        found = complaints.exclude(**{field: None}).annotate(day=TruncDate(field, tzinfo=zone))
        days.update(found.values_list("day", flat=True).distinct())
    return days
