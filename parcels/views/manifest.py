"""The clerk's manifest import: a carrier's CSV/XLSX file taken in at the station, all or
nothing (parcels.manifest), and the template to fill in."""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_http_methods

from parcels import manifest
from parcels.forms import ManifestForm
from parcels.views.common import counter_station, is_htmx


@login_required
@require_http_methods(["GET", "POST"])
def manifest_import(request, station_pk: int):
    """The upload form; a POST answers the report (every bad row, or every stored parcel) —
    the whole page, or with htmx the report alone."""
    station = counter_station(request, station_pk)
    form = ManifestForm(request.POST or None, request.FILES or None)
    context = {"station": station, "form": form, "columns": manifest.COLUMNS}
    if request.method == "POST" and form.is_valid():
        done = manifest.manifest_import(
            station=station, upload=form.cleaned_data["file"], by=request.user
        )
        context.update(done=done, rows=_rows(done), problems=_problems(done))
        context["form"] = ManifestForm()
    if request.method == "POST" and is_htmx(request):
        return render(request, "parcels/includes/_manifest_report.html", context)
    return render(request, "parcels/manifest.html", context)


def _rows(done):
    """The stored parcels in file order, with whether each is new."""
    return [(result.created, result.parcel) for result in done.results]


def _problems(done):
    """(line, column label, message) for every bad cell or row."""
    return [
        (row.line, str(manifest.LABELS.get(column, column)), message)
        for row in done.report.errors
        for column, message in row.items()
    ]


@login_required
@require_GET
def manifest_template(request, station_pk: int, file_format: str):
    counter_station(request, station_pk)
    if file_format not in ("csv", "xlsx"):
        raise Http404
    return manifest.template_response(request, file_format)
