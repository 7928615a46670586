"""The reviews tables of the weekly report (logistics.reports): complaints closed within their
deadline by unit, and the satisfaction rankings of the services and of the units — from the
stored indicator values and the week's index rows, never from the reviews themselves."""

from __future__ import annotations

from datetime import date

from django.utils.translation import gettext_lazy as _

from logistics import indicators as ind
from logistics import reports
from logistics.indicators import SITE, Period, Scope, ScopeKind, Unit
from logistics.models import Department, IndicatorValue
from reviews.indices.forms import DEFAULT_MIN_REVIEWS
from reviews.indices.querysets import ranking
from reviews.models import IndexRow, Subject

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
        "reviews.services",
        title=_("Satisfaction ranking of the services"),
        build=services_table,
        order=20,
    )
    reports.register_report_section(
        "reviews.units", title=_("Satisfaction ranking of the units"), build=units_table, order=30
    )
