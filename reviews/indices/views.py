"""Pages of the satisfaction indices: rankings, a subject's trend, my scores, the export.

They read only IndexRow (written by beat), never reviews. Rankings and exports are for
logistics managers, supervisors and superusers; staff see their own scores and their
departments'; students and teachers get 403. A subject outside the viewer's scope is 404.
"""

import datetime

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from logistics.charts import Series, line_chart
from logistics.figures import percent
from logistics.spreadsheets import export_response
from reviews.models import IndexRow
from reviews.registry import event_type_label

from . import export
from .aggregate import month_start, period_end, week_start
from .forms import ExportForm, RankingForm, TrendForm
from .querysets import (
    RANKED_KINDS,
    can_rank,
    can_view_indices,
    in_time_share,
    own_subjects,
    ranking,
    rows_for,
    subjects_for,
    trend,
)

RANKING_PAGE = 100
TREND_MONTHS = 12
TREND_WEEKS = 26


def _status(form) -> int:
    return 400 if form.is_bound and form.errors else 200


def _previous(period: str, start: datetime.date) -> datetime.date:
    if period == IndexRow.Period.MONTH:
        return month_start(start - datetime.timedelta(days=1))
    return start - datetime.timedelta(days=7 if period == IndexRow.Period.WEEK else 1)


def _figure(value, digits=2) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


def _with_shares(rows) -> list:
    """The rows with their figures formatted for the table's cells (in Python: a ranking of
    300 dishes renders in a third of the time template filters take)."""
    rows = list(rows)
    for row in rows:
        share = in_time_share(row)
        counts = f"{row.complaints_in_time}/{row.complaints_closed}"
        closed = "—" if share is None else f"{percent(share)} ({counts})"
        row.cells = [
            row.reviews,
            _figure(row.mean),
            _figure(row.adjusted_mean),
            percent(row.satisfied_share),
            percent(row.response_rate),
            row.complaints,
            closed,
        ]
    return rows


@login_required
def index_overview(request):
    """Rankings of one kind of subject in one period, best adjusted mean first."""
    if not can_rank(request.user):
        raise PermissionDenied
    form = RankingForm(request.GET or None)
    choice = form.choice()
    page = Paginator(ranking(**choice), RANKING_PAGE).get_page(request.GET.get("page"))
    rows = _with_shares(page.object_list)
    base = {k: v for k, v in choice.items() if k != "start"}

    def link(**changes) -> str:
        query = {**base, "start": choice["start"].isoformat(), **changes}
        return "?" + urlencode(query)

    following = period_end(choice["period"], choice["start"])
    context = {
        "form": form,
        "choice": choice,
        "rows": rows,
        "page": page,
        "query": link()[1:],
        "kinds": [(k, k.label, link(kind=k.value)) for k in RANKED_KINDS],
        "previous_url": link(start=_previous(choice["period"], choice["start"]).isoformat()),
        "next_url": link(start=following.isoformat()) if following <= timezone.localdate() else "",
        "period_last": following - datetime.timedelta(days=1),
        "service": event_type_label(choice["event_type"]) if choice["event_type"] else "",
        "export_month": month_start(choice["start"]).strftime("%Y-%m"),
        "can_rank": True,
    }
    return render(request, "reviews/indices/overview.html", context, status=_status(form))


def _trend_charts(rows, period: str, since: datetime.date, today: datetime.date):
    starts, start = [], since
    while start <= today:
        starts.append(start)
        start = period_end(period, start)
    by_start = {row.period_start: row for row in rows}

    def line(label, name, scale=1) -> Series:
        points = [(s, getattr(r, name)) for s, r in sorted(by_start.items())]
        return Series(label, [(s, value * scale) for s, value in points if value is not None])

    every = max(len(starts) // 6, 1)
    axis = {
        "start": starts[0],
        "end": starts[-1],
        "x_ticks": starts[::every],
        "date_format": "%Y-%m" if period == IndexRow.Period.MONTH else "%m-%d",
    }
    stars = line_chart(
        series=[line(_("Mean"), "mean"), line(_("Adjusted mean"), "adjusted_mean")],
        low=1,
        high=5,
        fmt=lambda v: f"{v:.2f}",
        **axis,
    )
    rates = line_chart(
        series=[
            line(_("Response rate"), "response_rate", 100),
            line(_("Share satisfied"), "satisfied_share", 100),
        ],
        low=0,
        high=100,
        fmt=lambda v: f"{v:.0f}%",
        **axis,
    )
    return stars, rates


@login_required
def index_subject(request, subject_pk: int):
    """One subject's trend by week or month: mean, adjusted mean, response rate."""
    if not can_view_indices(request.user):
        raise PermissionDenied
    subject = get_object_or_404(
        subjects_for(request.user).select_related("department"), pk=subject_pk
    )
    form = TrendForm(request.GET or None)
    choice = form.choice()
    today = timezone.localdate()
    if choice["period"] == IndexRow.Period.WEEK:
        since = week_start(today) - datetime.timedelta(weeks=TREND_WEEKS - 1)
    else:
        since = month_start(today)
        for _step in range(TREND_MONTHS - 1):
            since = month_start(since - datetime.timedelta(days=1))
    rows = _with_shares(trend(subject=subject, since=since, **choice))
    stars, rates = _trend_charts(rows, choice["period"], since, today)
    context = {
        "form": form,
        "subject": subject,
        "choice": choice,
        "rows": list(reversed(rows)),
        "stars_chart": stars,
        "rates_chart": rates,
        "can_rank": can_rank(request.user),
    }
    return render(request, "reviews/indices/subject.html", context, status=_status(form))


@login_required
def index_mine(request):
    """A staff member's own scores and their departments' subjects, this and last month."""
    if not can_view_indices(request.user):
        raise PermissionDenied
    this_month = month_start(timezone.localdate())
    last_month = month_start(this_month - datetime.timedelta(days=1))
    subjects = list(own_subjects(request.user).order_by("kind", "name"))
    rows = IndexRow.objects.filter(
        subject__in=[s.pk for s in subjects],
        event_type="",
        period=IndexRow.Period.MONTH,
        period_start__in=[this_month, last_month],
    )
    by_subject = {(r.subject_id, r.period_start): r for r in rows}
    entries = [
        {
            "subject": s,
            "now": by_subject.get((s.pk, this_month)),
            "before": by_subject.get((s.pk, last_month)),
        }
        for s in subjects
    ]
    context = {
        "entries": entries,
        "this_month": this_month,
        "last_month": last_month,
        "can_rank": can_rank(request.user),
    }
    return render(request, "reviews/indices/mine.html", context)


@login_required
def index_export(request):
    """The month's index rows of every subject as CSV or XLSX (考核评价)."""
    if not can_rank(request.user):
        raise PermissionDenied
    form = ExportForm(request.GET)
    if not form.is_valid():
        context = {"form": form, "can_rank": True}
        return render(request, "reviews/indices/export.html", context, status=400)
    choice = form.choice()
    data = export.month_export(
        rows=rows_for(request.user), month=choice["month"], event_type=choice["event_type"]
    )
    filename = f"satisfaction-{choice['month']:%Y-%m}"
    if choice["event_type"]:
        filename += "-" + choice["event_type"].replace(".", "-")
    return export_response(request, data, filename, choice["format"])
