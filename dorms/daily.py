"""The dorms daily figures (logistics.daily), for the indicators (dorms/indicators.py): outages
going on and hazards past their fix deadline as of the end of each day, and the
acknowledgements due that day and made by their deadline — for the site, each building and each
campus.

A day's states are read as of its end (today: now). Today's come from the statuses; a past
day's are rebuilt from the times (an outage published by then and not yet corrected, a hazard
recorded by then whose fix was neither reported nor closed by then), so a backfill draws the same
history. Acknowledgements are counted on their notice's deadline day: the audience reached (the
base) and those who acknowledged by the deadline, per building of the residents' rooms. A past
day does not change once its deadlines have passed, so beat keeps only today and yesterday."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime

from django.db.models import Exists, OuterRef, Q
from django.db.models.functions import Coalesce

from logistics import daily
from logistics.daily import Figure
from logistics.models import Building, DailyFigure

from .acks import acknowledgement_counts
from .inspections.models import Hazard
from .inspections.workflow import overdue_q
from .models import Notice, NoticeTarget

SOURCE = "dorms"
OUTAGES, ACKS, HAZARDS = "dorms.active_outages", "dorms.acks", "dorms.hazards_overdue"
Kind = DailyFigure.ScopeKind
Status = Notice.Status


def register() -> None:
    daily.register_daily_figures(SOURCE, compute)


def compute(day: date, now: datetime) -> list[Figure]:
    start, end = daily.day_bounds(day)
    moment, exact = min(end, now), end > now
    campus_of = dict(Building.objects.order_by().values_list("pk", "campus_id"))
    dorms = Building.objects.filter(kind=Building.Kind.DORMITORY).values_list("pk", flat=True)
    scopes = {(Kind.BUILDING, pk) for pk in dorms} | {
        (Kind.CAMPUS, pk) for pk in set(campus_of.values())
    }
    outages = _outages_at(moment, exact=exact, campus_of=campus_of)
    hazards = _hazards_at(moment, exact=exact, campus_of=campus_of)
    acks, due = _acknowledgements(start, end, campus_of=campus_of)
    scopes |= set(outages) | set(hazards) | set(due)
    figures = [
        Figure(OUTAGES, outages.pop((Kind.SITE, 0), 0)),
        Figure(HAZARDS, hazards.pop((Kind.SITE, 0), 0)),
        Figure(ACKS, acks.pop((Kind.SITE, 0), 0), {"base": due.pop((Kind.SITE, 0), 0)}),
    ]
    for kind, scope_id in sorted(scopes - {(Kind.SITE, 0)}):
        scope = (kind, scope_id)
        figures += [
            Figure(OUTAGES, outages.get(scope, 0), {}, kind, scope_id),
            Figure(HAZARDS, hazards.get(scope, 0), {}, kind, scope_id),
            Figure(ACKS, acks.get(scope, 0), {"base": due.get(scope, 0)}, kind, scope_id),
        ]
    return figures


def _outages_at(moment: datetime, *, exact: bool, campus_of: dict) -> Counter:
    """Outage notices going on at `moment`, for the site and per building and campus they
    reach (a notice to a whole campus counts for the campus). Two queries."""
    if exact:
        notices = Notice.objects.active_outages(moment)
    else:
        corrected_later = Notice.objects.filter(corrects=OuterRef("pk"), published_at__gt=moment)
        notices = Notice.objects.filter(
            Q(status=Status.PUBLISHED) | Q(Exists(corrected_later), status=Status.SUPERSEDED),
            kind="outage",
            withdraws=False,
            published_at__lte=moment,
            starts_at__lte=moment,
            ends_at__gt=moment,
        )
    reached: dict[int, set] = {pk: set() for pk in notices.order_by().values_list("pk", flat=True)}
    targets = NoticeTarget.objects.filter(notice__in=list(reached)).order_by()
    for notice_id, building_id, campus_id in targets.values_list(
        "notice_id", Coalesce("building_id", "room__building_id"), "notice__campus_id"
    ):
        if building_id:
            reached[notice_id] |= {
                (Kind.BUILDING, building_id),
                (Kind.CAMPUS, campus_of[building_id]),
            }
        elif campus_id:
            reached[notice_id].add((Kind.CAMPUS, campus_id))
    counts: Counter = Counter({(Kind.SITE, 0): len(reached)})
    for scopes in reached.values():
        counts.update(scopes)
    return counts


def _hazards_at(moment: datetime, *, exact: bool, campus_of: dict) -> Counter:
    """Hazards still open past their fix deadline at `moment`, per building. One query."""
    if exact:
        hazards = Hazard.objects.filter(overdue_q(moment))
    else:
        hazards = Hazard.objects.filter(
            Q(fixed_at__isnull=True) | Q(fixed_at__gt=moment),
            Q(closed_at__isnull=True) | Q(closed_at__gt=moment),
            created_at__lte=moment,
            deadline__lt=moment,
        )
    counts: Counter = Counter()
    for building_id in hazards.order_by().values_list("building_id", flat=True):
        counts.update(
            [(Kind.SITE, 0), (Kind.BUILDING, building_id), (Kind.CAMPUS, campus_of[building_id])]
        )
    return counts


def _acknowledgements(start: datetime, end: datetime, *, campus_of: dict):
    """(acknowledged by the deadline, audience) of the notices whose acknowledgement deadline
    falls in [start, end), per building of the residents and its campus. Two queries a notice."""
    done: Counter = Counter()
    due: Counter = Counter()
    notices = Notice.objects.filter(
        status=Status.PUBLISHED, requires_ack=True, ack_deadline__gte=start, ack_deadline__lt=end
    ).order_by("pk")
    for notice in notices:
        counts = acknowledgement_counts(notice, until=notice.ack_deadline)
        for building_id, (residents, acknowledged) in counts.items():
            scopes = [(Kind.SITE, 0)]
            if building_id:
                scopes += [(Kind.BUILDING, building_id), (Kind.CAMPUS, campus_of[building_id])]
            for scope in scopes:
                due[scope] += residents
                done[scope] += acknowledged
    return done, due
