"""Campus place pages: the managers' CSV/XLSX import of buildings and rooms."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from logistics.forms import PortalForm
from logistics.places import IMPORT_KINDS, place_import
from logistics.tabular import MAX_BYTES


class PlaceImportForm(PortalForm):
    kind = forms.ChoiceField(
        label=gettext_lazy("What the file holds"),
        choices=[("buildings", gettext_lazy("Buildings")), ("rooms", gettext_lazy("Rooms"))],
        widget=forms.RadioSelect,
        initial="buildings",
    )
    file = forms.FileField(
        label=gettext_lazy("CSV or XLSX file"),
        help_text=gettext_lazy("The first row names the columns, as in the template."),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx,text/csv"}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_BYTES:
            raise forms.ValidationError(
                _("The file is larger than %(mb)d MB; split it.") % {"mb": MAX_BYTES // 2**20}
            )
        return upload


def _require_manager(user) -> None:
    if not user.is_manager:
        raise PermissionDenied


@login_required
def place_import_page(request):
    """Upload form; on upload, imports all rows or lists every bad one (nothing imported)."""
    _require_manager(request.user)
    form = PlaceImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        kind = form.cleaned_data["kind"]
        report = place_import(kind=kind, upload=form.cleaned_data["file"], by=request.user)
        if report.ok:
            messages.success(request, _success_message(kind, report))
            return redirect("places:import")
        return render(
            request, "logistics/places/import_result.html", {"report": report, "kind": kind}
        )
    return render(request, "logistics/places/import.html", {"form": form, "kinds": _kind_columns()})


@login_required
def place_import_template(request, kind: str):
    """A CSV with the columns of a buildings or rooms file and one example row."""
    _require_manager(request.user)
    if kind not in IMPORT_KINDS:
        raise Http404
    response = HttpResponse(IMPORT_KINDS[kind]().template_csv(), content_type="text/csv")
    response["Content-Disposition"] = f'attachment; filename="{kind}-template.csv"'
    return response


def _kind_columns() -> list[tuple[str, str, list]]:
    labels = {"buildings": _("Buildings"), "rooms": _("Rooms")}
    return [(kind, labels[kind], spec().columns) for kind, spec in IMPORT_KINDS.items()]


def _success_message(kind: str, report) -> str:
    values = {"created": report.created, "updated": report.updated}
    if kind == "rooms":
        return _("Rooms imported: %(created)d new, %(updated)d updated.") % values
    return _("Buildings imported: %(created)d new, %(updated)d updated.") % values
