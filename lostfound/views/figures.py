"""The managers' lost-and-found figures: a period's items found, returned and disposed of per
month and category, the return rate, the median time to return and the busiest places, read
from the daily rows beat keeps (lostfound.daily); ?format=csv or xlsx downloads them."""

from datetime import date

from django import forms
from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from logistics.figures import percent
from logistics.forms import IsoDateInput, PortalForm
from logistics.models import Building
from logistics.spreadsheets import export_response
from lostfound import export
from lostfound.daily import LostFoundFigures, period_figures
from lostfound.models import Category
from lostfound.querysets import sees_everything
from lostfound.views.common import nav_links, require

DEFAULT_MONTHS = 12


class PeriodForm(PortalForm):
    """Whole days, both ends included; by default the last twelve months up to today."""

    start = forms.DateField(label=_("From"), required=False, widget=IsoDateInput)
    end = forms.DateField(label=_("To"), required=False, widget=IsoDateInput)

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["end"] < data["start"]:
            self.add_error("end", _("The end of the period is before its start."))
        return data

    def period(self) -> tuple[date, date]:
        data = self.cleaned_data if self.is_valid() else {}
        end = data.get("end") or timezone.localdate()
        # The first day of the month eleven months before the end's: twelve calendar months.
        months = end.year * 12 + end.month - 1 - (DEFAULT_MONTHS - 1)
        default = date(months // 12, months % 12 + 1, 1)
        return data.get("start") or default, end


def place_names(keys: list[str]) -> dict[str, str]:
    """Names for the place keys of lostfound.daily ("b12" a building, "t…" words)."""
    ids = [int(k[1:]) for k in keys if k.startswith("b")]
    buildings = {f"b{b.pk}": str(b) for b in Building.objects.filter(pk__in=ids)} if ids else {}
    return {k: buildings.get(k, k[1:] if k.startswith("t") else k) for k in keys}


@login_required
@require_GET
def figures(request):
    require(sees_everything(request.user))
    form = PeriodForm(request.GET or None)
    start, end = form.period()
    data = period_figures(start, end)
    categories = {c.code: c for c in Category.objects.all()}
    file_format = request.GET.get("format")
    if file_format in ("csv", "xlsx") and form.is_valid():
        filename = f"lostfound-{start:%Y%m%d}-{end:%Y%m%d}"
        return export_response(
            request, export.figures_export(data, categories), filename, file_format
        )
    if not form.is_bound:
        form = PeriodForm(initial={"start": start, "end": end})
    names = place_names([k for k, _n in data.places])
    context = {
        "form": form,
        "figures": data,
        "return_rate": percent(data.return_rate),
        "months": [{"month": m, "rate": percent(m.return_rate)} for m in reversed(data.months)],
        "categories": _category_rows(data, categories),
        "places": [{"name": names[k], "count": n} for k, n in data.places],
        "export_query": f"start={start.isoformat()}&end={end.isoformat()}",
        "links": nav_links(request.user),
    }
    return render(request, "lostfound/figures.html", context, status=400 if form.errors else 200)


def _category_rows(data: LostFoundFigures, categories: dict) -> list[dict]:
    rows = []
    for code, (found, returned, disposed) in data.by_category.items():
        category = categories.get(code)
        rows.append(
            {
                "name": str(category) if category else code,
                "found": found,
                "returned": returned,
                "disposed": disposed,
                "rate": percent(data.category_return_rate(code)),
            }
        )
    return sorted(rows, key=lambda r: (-r["found"], r["name"]))
