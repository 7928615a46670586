"""The repairs figures page, its manager overview section, and the CSV/XLSX export of a period."""

from datetime import date, datetime, time, timedelta

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy

from logistics.cache import database_name
from logistics.forms import IsoDateInput, PortalForm
from logistics.spreadsheets import export_response
from repairs import export
from repairs.daily import daily_repair_figures, figures_scope
from repairs.figures import RepairFigures, can_view_figures, repair_figures
from repairs.models import RepairRequest

DEFAULT_DAYS = 30
PRESETS = (7, 30, 90, 365)


class PeriodForm(PortalForm):
    """A period of whole days (both ends included), in the site's time zone."""

    start = forms.DateField(label=gettext_lazy("From"), required=False, widget=IsoDateInput)
    end = forms.DateField(label=gettext_lazy("To"), required=False, widget=IsoDateInput)

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end and end < start:
            self.add_error("end", gettext_lazy("The end of the period is before its start."))
        return cleaned

    def period(self) -> tuple[date, date]:
        """The chosen days; the last DEFAULT_DAYS days when the input is missing or bad."""
        today = timezone.localdate()
        data = self.cleaned_data if self.is_valid() else {}
        end = data.get("end") or today
        start = data.get("start") or end - timedelta(days=DEFAULT_DAYS - 1)
        return start, end


def period_bounds(start: date, end: date) -> tuple[datetime, datetime]:
    zone = timezone.get_current_timezone()
    return (
        datetime.combine(start, time.min, tzinfo=zone),
        datetime.combine(end + timedelta(days=1), time.min, tzinfo=zone),
    )


def period_figures(user, start: date, end: date) -> RepairFigures:
    """The figures of the requests filed from `start` to `end` that `user` may see: from the
    daily rows beat keeps (logistics.daily), or from the requests for a user whose scope has
    no rows of its own (a dispatcher of several units)."""
    scope = figures_scope(user)
    if scope is not None:
        return daily_repair_figures(scope=scope, start=start, end=end)
    # Computed from the requests: kept as long as the daily rows are (beat rewrites them every
    # five minutes), so a dispatcher of several units pays for it once per period and refresh.
    seconds = settings.REPAIRS_LIVE_FIGURES_SECONDS
    key = live_figures_key(user, start, end)
    figures = cache.get(key) if seconds > 0 else None
    if figures is None:
        lower, upper = period_bounds(start, end)
        figures = repair_figures(user=user, start=lower, end=upper)
        if seconds > 0:
            figures.as_of = timezone.now()
            cache.set(key, figures, seconds)
    return figures


def live_figures_key(user, start: date, end: date) -> str:
    return ":".join(
        (
            "repairs:live-figures",
            database_name(),  # test databases share one cache
            str(user.pk),
            start.isoformat(),
            end.isoformat(),
            get_language() or "-",
            timezone.get_current_timezone_name(),
        )
    )


def _allowed(request) -> None:
    if not can_view_figures(request.user):
        raise PermissionDenied


def _presets(today: date) -> list[dict]:
    return [
        {
            "days": days,
            "start": (today - timedelta(days=days - 1)).isoformat(),
            "end": today.isoformat(),
        }
        for days in PRESETS
    ]


@login_required
def figures(request):
    _allowed(request)
    return _page(request, PeriodForm(request.GET or None))


def _page(request, form: PeriodForm, status: int = 200):
    start, end = form.period()
    if not form.is_bound:  # show the default period in the date fields
        form = PeriodForm(initial={"start": start, "end": end})
    lower, upper = period_bounds(start, end)
    context = {
        "form": form,
        "start": start,
        "end": end,
        "presets": _presets(timezone.localdate()),
        "figures": period_figures(request.user, start, end),
        "export_query": f"start={start.isoformat()}&end={end.isoformat()}",
    }
    return render(request, "repairs/figures.html", context, status=status)


@login_required
def export_requests(request):
    """The requests filed in the period that the user may see, as CSV (streamed) or XLSX."""
    _allowed(request)
    form = PeriodForm(request.GET or None)
    if request.GET and not form.is_valid():
        # Shown on the figures page, whose form sent the period.
        return _page(request, form, status=400)
    start, end = form.period()
    lower, upper = period_bounds(start, end)
    queryset = RepairRequest.objects.for_user(request.user).filter(
        created_at__gte=lower, created_at__lt=upper
    )
    filename = f"repairs-{start:%Y%m%d}-{end:%Y%m%d}"
    file_format = "xlsx" if request.GET.get("format") == "xlsx" else "csv"
    return export_response(request, export.export_for(queryset), filename, file_format)
