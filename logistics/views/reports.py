"""The weekly reports: the list, one report (permanent URL, printable, compared with another
week), its workbook. For logistics managers, supervisors and superusers."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from logistics.context_processors import can_view_manager_overview
from logistics.keyset import keyset_page
from logistics.models import WeeklyReport
from logistics.reports.show import report_view, workbook
from logistics.spreadsheets import XLSX_TYPE

PER_PAGE = 20
COMPARE_CHOICES = 26  # the half year of reports before this one
OVERVIEW_SHOWN = 3


def _check(user) -> None:
    if not can_view_manager_overview(user):
        raise PermissionDenied


def _report(week: str) -> WeeklyReport:
    report = WeeklyReport.objects.filter(week=week).first()
    if report is None:
        raise Http404
    return report


@login_required
def report_list(request):
    _check(request.user)
    reports = WeeklyReport.objects.defer("snapshot").order_by("-start")
    page = keyset_page(request, reports, PER_PAGE)
    return render(request, "logistics/reports/list.html", {"page": page})


def _compared(request, report: WeeklyReport) -> WeeklyReport | None:
    """The report named by ?compare= (None: the week before as it stood when built)."""
    week = request.GET.get("compare", "").strip()
    if not week or week == report.week:
        return None
    compared = WeeklyReport.objects.filter(week=week).first()
    if compared is None:
        messages.warning(
            request,
            _("There is no report of week %(week)s; the change is against the week before.")
            % {"week": week[:20]},
        )
    return compared


@login_required
def report_detail(request, week: str):
    _check(request.user)
    report = _report(week)
    compared = _compared(request, report)
    choices = (
        WeeklyReport.objects.exclude(pk=report.pk)
        .filter(start__lt=report.start)
        .order_by("-start")
        .values_list("week", flat=True)[:COMPARE_CHOICES]
    )
    context = {
        "report": report,
        "shown": report_view(report, compared=compared),
        "compare_choices": list(choices),
    }
    return render(request, "logistics/reports/detail.html", context)


@login_required
def report_xlsx(request, week: str):
    _check(request.user)
    report = _report(week)
    content = workbook(report_view(report, compared=_compared(request, report)))
    response = HttpResponse(content, content_type=XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="weekly-report-{report.week}.xlsx"'
    return response


def overview_context(request) -> dict:
    """The manager overview's section: the latest reports (one query)."""
    latest = WeeklyReport.objects.defer("snapshot").order_by("-start")[:OVERVIEW_SHOWN]
    items = [
        {
            "title": _("Weekly report %(week)s") % {"week": report.week},
            "url": report.get_absolute_url(),
            "meta": f"{report.start:%Y-%m-%d} – {report.end:%Y-%m-%d}",
            "status": ngettext(
                "%(count)d needs attention", "%(count)d need attention", report.attention
            )
            % {"count": report.attention}
            if report.attention
            else "",
        }
        for report in latest
    ]
    return {
        "items": items,
        "empty_text": _("The first report comes on the Monday after a week of indicators."),
        "more_url": reverse("reports:list"),
    }
