"""The managers' peak page: the stations' stock and shelf fill now, arrivals per day with the
forecast of the next week, dwell times, overdue and returned parcels per carrier; and its
CSV/XLSX export."""

from datetime import date, timedelta

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from logistics.charts import Series, line_chart
from logistics.forms import IsoDateInput, PortalForm
from logistics.models import Building, Campus, Department
from logistics.spreadsheets import (
    DATE,
    INTEGER,
    RATIO,
    TEXT,
    Export,
    ExportColumn,
    export_response,
)
from parcels import figures

DEFAULT_DAYS = 30
MAX_DAYS = 731
PRESETS = (7, 30, 90, 365)
WEEKDAYS = (_("Mon"), _("Tue"), _("Wed"), _("Thu"), _("Fri"), _("Sat"), _("Sun"))


class PeriodForm(PortalForm):
    """A period of whole days (both ends included, at most two years), in the site's zone."""

    start = forms.DateField(label=_("From"), required=False, widget=IsoDateInput)
    end = forms.DateField(label=_("To"), required=False, widget=IsoDateInput)
    table = forms.ChoiceField(
        choices=[("days", _("Days")), ("carriers", _("Carriers"))], required=False
    )
    format = forms.ChoiceField(choices=[("csv", "CSV"), ("xlsx", "XLSX")], required=False)
    # The stations of one place (a command centre drill-down): "Stations now" lists only them.
    building = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)
    campus = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)
    department = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end and end < start:
            self.add_error("end", _("The end of the period is before its start."))
        elif start and end and (end - start).days >= MAX_DAYS:
            self.add_error("start", _("Choose a period of at most two years."))
        return cleaned

    def period(self) -> tuple[date, date]:
        """The chosen days; the last DEFAULT_DAYS days when the input is missing or bad."""
        today = timezone.localdate()
        data = self.cleaned_data if self.is_valid() else {}
        end = data.get("end") or today
        start = data.get("start") or end - timedelta(days=DEFAULT_DAYS - 1)
        if (end - start).days >= MAX_DAYS:
            start = end - timedelta(days=DEFAULT_DAYS - 1)
        return start, end

    def place(self) -> tuple[str, object] | None:
        """The place whose stations are listed: ("building"|"campus"|"department", the place;
        None when it does not exist), or None for every station. A query only when given."""
        data = self.cleaned_data if self.is_valid() else {}
        for name, model in PLACES:
            if data.get(name):
                return name, model.objects.filter(pk=data[name]).first()
        return None


PLACES = (("building", Building), ("campus", Campus), ("department", Department))


def _at(stock: figures.StationStock, name: str, place) -> bool:
    return getattr(stock.station, f"{name}_id") == getattr(place, "pk", None)


def _allowed(request) -> None:
    if not figures.can_view_peak(request.user):
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


def _chart(data: figures.PeakFigures, ahead: figures.Forecast):
    last = ahead.days[-1][0] if ahead.days else data.end
    series = [
        Series(str(_("Arrivals")), [(d.day, d.arrived) for d in data.days], emphasis=True),
        Series(str(_("Forecast")), list(ahead.days)),
    ]
    return line_chart(series=series, start=data.start, end=max(last, data.end), low=0)


@login_required
@require_GET
def peak(request):
    _allowed(request)
    return _page(request, PeriodForm(request.GET or None))


def _page(request, form: PeriodForm, status: int = 200):
    start, end = form.period()
    if not form.is_bound:  # show the default period in the date fields
        form = PeriodForm(initial={"start": start, "end": end})
    now = timezone.now()
    data = figures.period_figures(start=start, end=end, now=now)
    ahead = figures.forecast(today=timezone.localdate(now))
    stations = figures.stations_now(now)
    place = form.place() if form.is_bound else None
    listed = [s for s in stations if _at(s, *place)] if place else stations
    context = {
        "form": form,
        "start": start,
        "end": end,
        "presets": _presets(timezone.localdate()),
        "figures": data,
        "forecast": ahead,
        "stations": listed,
        "place": place[1] if place else None,
        "narrowed": place is not None,
        "place_params": {name: form.cleaned_data.get(name) for name, _m in PLACES if place},
        "chart": _chart(data, ahead),
        "peak_days": figures.PEAK_DAYS,
        "weekday_factors": list(zip(WEEKDAYS, ahead.weekday_factors, strict=True)),
        "export_query": f"start={start.isoformat()}&end={end.isoformat()}",
        "overdue_now": sum(s.overdue for s in stations),
        "in_stock_now": sum(s.in_stock for s in stations),
        "to_return_now": sum(s.to_return for s in stations),
    }
    return render(request, "parcels/peak.html", context, status=status)


DAY_COLUMNS = [
    ExportColumn("day", _("Day"), lambda r: r.day, DATE),
    ExportColumn("kind", _("Kind"), lambda r: r.kind, TEXT),
    ExportColumn("arrived", _("Arrivals"), lambda r: r.arrived, INTEGER),
    ExportColumn("forecast", _("Forecast"), lambda r: r.forecast, RATIO),
    ExportColumn("picked_up", _("Picked up"), lambda r: r.picked_up, INTEGER),
    ExportColumn("returned", _("Returned"), lambda r: r.returned, INTEGER),
    ExportColumn("delivered", _("Delivered"), lambda r: r.delivered, INTEGER),
    ExportColumn("dwell_p50_hours", _("Dwell, median (hours)"), lambda r: r.dwell_p50_hours, RATIO),
    ExportColumn(
        "dwell_p90_hours", _("Dwell, 90th percentile (hours)"), lambda r: r.dwell_p90_hours, RATIO
    ),
]
CARRIER_COLUMNS = [
    ExportColumn("carrier", _("Carrier code"), lambda r: r.carrier, TEXT),
    ExportColumn("carrier_name", _("Carrier"), lambda r: r.label, TEXT),
    ExportColumn("arrived", _("Arrivals"), lambda r: r.arrived, INTEGER),
    ExportColumn("picked_up", _("Picked up"), lambda r: r.picked_up, INTEGER),
    ExportColumn("returned", _("Returned"), lambda r: r.returned, INTEGER),
    ExportColumn("delivered", _("Delivered"), lambda r: r.delivered, INTEGER),
    ExportColumn("dwell_p50_hours", _("Dwell, median (hours)"), lambda r: r.dwell_p50_hours, RATIO),
    ExportColumn(
        "dwell_p90_hours", _("Dwell, 90th percentile (hours)"), lambda r: r.dwell_p90_hours, RATIO
    ),
    ExportColumn("waiting_now", _("Waiting now"), lambda r: r.waiting, INTEGER),
    ExportColumn("overdue_now", _("Overdue now"), lambda r: r.overdue, INTEGER),
    ExportColumn("to_return_now", _("To return now"), lambda r: r.to_return, INTEGER),
]


class _ForecastRow(figures.DayRow):
    kind = "forecast"


def _day_records(data: figures.PeakFigures, ahead: figures.Forecast):
    for row in data.days:
        row.kind = "history"
        yield row
    for day, value in ahead.days:
        if day > data.end:
            row = _ForecastRow(day, arrived=None, picked_up=None, returned=None, delivered=None)
            row.forecast = value
            yield row


@login_required
@require_GET
def peak_export(request):
    """The period's days (with the forecast after them) or its carriers, as CSV or XLSX."""
    _allowed(request)
    form = PeriodForm(request.GET or None)
    if request.GET and not form.is_valid():
        return _page(request, form, status=400)  # the page shows what was wrong
    start, end = form.period()
    data = figures.period_figures(start=start, end=end)
    table = form.cleaned_data.get("table") if form.is_bound else ""
    file_format = (form.cleaned_data.get("format") if form.is_bound else "") or "csv"
    if table == "carriers":
        export = Export("carriers", CARRIER_COLUMNS, lambda: data.carriers)
    else:
        ahead = figures.forecast()
        export = Export("days", DAY_COLUMNS, lambda: _day_records(data, ahead))
    filename = f"parcels-{table or 'days'}-{start:%Y%m%d}-{end:%Y%m%d}"
    return export_response(request, export, filename, file_format)
