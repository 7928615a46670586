"""The reviews tables of the weekly report (logistics.reports): complaints closed within their
deadline by unit, and the satisfaction rankings of the services and of the units — from the
stored indicator values and the week's index rows, never from the reviews themselves — and the
complaints open and overdue when the report is built (two small grouped queries)."""

from __future__ import annotations

from datetime import date
from urllib.parse import urlencode

from django.db.models import Count
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from logistics import indicators as ind
from logistics import reports
from logistics.indicators import SITE, Period, Scope, ScopeKind, Unit
from logistics.models import Department, IndicatorValue
from reviews.complaints.workflow import OPEN_STATUSES, overdue_q
from reviews.indices.forms import DEFAULT_MIN_REVIEWS
from reviews.indices.querysets import ranking
from reviews.models import Complaint, IndexRow, Subject

COMPLAINTS = "reviews.complaints"
ON_TIME = "reviews.complaints_on_time"
SATISFACTION = "reviews.satisfaction."
UNITS_RANKED = 30


def _name(place):
    """A place's name, rendered by the report in each language."""
    return lambda: place.localized_name


def _registered(*keys: str) -> list[str]:
    known = {indicator.key for indicator in ind.all_indicators()}
    return [key for key in keys if key in known]


def complaints_table(start: date) -> reports.Table | None:
    """The site and each unit: complaints filed, and the share closed within the deadline with
    its change; the units with the lowest share first (those closed late are the rest)."""
    keys = _registered(COMPLAINTS, ON_TIME)
    if not keys:
        return None
    ids = (
        IndicatorValue.objects.filter(
            key__in=keys, period=Period.WEEK, start=start, scope_kind=ScopeKind.DEPARTMENT
        )
        .order_by()
        .values_list("scope_id", flat=True)
        .distinct()
    )
    units = {unit.id: unit for unit in Department.objects.filter(id__in=list(ids))}
    scopes = [SITE, *(Scope(ScopeKind.DEPARTMENT, unit_id) for unit_id in sorted(units))]
    found = {
        (r.scope, r.indicator.key): r
        for r in ind.read(period=Period.WEEK, day=start, scopes=scopes, keys=keys)
    }
    rows = []
    for scope in scopes:
        filed, on_time = found.get((scope, COMPLAINTS)), found.get((scope, ON_TIME))
        if filed is None and on_time is None:
            continue
        name = _("Whole site") if scope == SITE else _name(units[scope.id])
        rows.append(
            [
                name,
                filed.value if filed else None,
                on_time.value if on_time else None,
                on_time.change if on_time else None,
            ]
        )
    site, by_unit = rows[:1], rows[1:]
    by_unit.sort(key=lambda row: (row[2] is None, row[2] if row[2] is not None else 0))
    return reports.Table(
        columns=[
            reports.Column("unit", _("Service unit")),
            reports.Column("complaints", _("Complaints filed"), Unit.COUNT),
            reports.Column("on_time", _("Closed within deadline"), Unit.PERCENT),
            reports.Column("change", _("Change"), Unit.PERCENT),
        ],
        rows=site + by_unit,
        note=_(
            "Complaints and suggestions closed this week: the share resolved by their deadline; "
            "the others were overdue. Units with the lowest share first."
        ),
    )


def open_complaints_table(start: date) -> reports.Table:
    """The complaints open now and overdue now (reviews.complaints.workflow's rule, as the
    inbox's "Overdue" filter), the site and each unit with any open, the most overdue first;
    linked to the inbox's overdue complaints. "Now" is when the report is built: the Monday
    after the week, not its end (a state, not the week's)."""
    now = timezone.now()
    counts = (
        Complaint.objects.filter(status__in=OPEN_STATUSES)
        .order_by()
        .values_list("department_id")
        .annotate(open=Count("pk"), overdue=Count("pk", filter=overdue_q(now)))
    )
    by_unit = {unit_id: (n_open, n_overdue) for unit_id, n_open, n_overdue in counts}
    units = Department.objects.in_bulk(list(by_unit)) if by_unit else {}
    rows = [
        [_name(units[unit_id]), n_open, n_overdue]
        for unit_id, (n_open, n_overdue) in sorted(
            by_unit.items(), key=lambda item: (-item[1][1], -item[1][0], item[0])
        )
        if unit_id in units
    ]
    site = [
        _("Whole site"),
        sum(n for n, _late in by_unit.values()),
        sum(late for _n, late in by_unit.values()),
    ]
    return reports.Table(
        columns=[
            reports.Column("unit", _("Service unit")),
            reports.Column("open", _("Open now"), Unit.COUNT),
            reports.Column("overdue", _("Overdue now"), Unit.COUNT),
        ],
        rows=[site, *rows],
        note=_(
            "Complaints and suggestions waiting for their unit when this report was built; "
            "overdue: past the deadline to acknowledge or to resolve. The most overdue first."
        ),
        link=f"{reverse('reviews:complaint-list')}?{urlencode({'overdue': 'true'})}",
        link_label=_("The overdue complaints"),
    )


def services_table(start: date) -> reports.Table | None:
    """The services by their satisfaction this week (mean stars), best first."""
    keys = [i.key for i in ind.all_indicators() if i.key.startswith(SATISFACTION)]
    if not keys:
        return None
    readings = ind.read(period=Period.WEEK, day=start, keys=keys)
    readings.sort(key=lambda r: (r.value is None, -(r.value or 0)))
    return reports.Table(
        columns=[
            reports.Column("service", _("Service")),
            reports.Column("mean", _("Mean stars"), Unit.SCORE),
            reports.Column("previous", _("Week before"), Unit.SCORE),
            reports.Column("change", _("Change"), Unit.SCORE),
        ],
        rows=[[r.indicator.label, r.value, r.previous, r.change] for r in readings],
    )


def units_table(start: date) -> reports.Table | None:
    """The service units by their adjusted mean this week (reviews.indices' ranking), best
    first, those with enough reviews to rank."""
    rows = ranking(
        kind=Subject.Kind.UNIT,
        period=IndexRow.Period.WEEK,
        start=start,
        min_reviews=DEFAULT_MIN_REVIEWS,
    )[:UNITS_RANKED]
    return reports.Table(
        columns=[
            reports.Column("unit", _("Service unit")),
            reports.Column("adjusted", _("Adjusted mean"), Unit.SCORE),
            reports.Column("reviews", _("Reviews"), Unit.COUNT),
            reports.Column("satisfied", _("Share satisfied (4–5 stars)"), Unit.PERCENT),
        ],
        rows=[
            [
                _name(row.subject),
                row.adjusted_mean,
                row.reviews,
                None if row.satisfied_share is None else 100 * row.satisfied_share,
            ]
            for row in rows
        ],
        note=lambda: (
            _("Units with at least %(count)d reviews this week.") % {"count": DEFAULT_MIN_REVIEWS}
        ),
    )


def register() -> None:
    """Called from ReviewsConfig.ready()."""
    reports.register_report_section(
        "reviews.complaints", title=_("Complaints"), build=complaints_table, order=10
    )
    reports.register_report_section(
        "reviews.complaints_open",
        title=_("Complaints open and overdue now"),
        build=open_complaints_table,
        order=15,
    )
    reports.register_report_section(
        "reviews.services",
        title=_("Satisfaction ranking of the services"),
        build=services_table,
        order=20,
    )
    reports.register_report_section(
        "reviews.units", title=_("Satisfaction ranking of the units"), build=units_table, order=30
    )
