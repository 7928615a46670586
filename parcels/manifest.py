"""A carrier's manifest (CSV or XLSX) taken in at a station, all or nothing: each row is checked
as a row of the REST bulk arrival (api ArrivalRowSerializer) and the rows are stored together by
arrivals.arrivals_scan_in, so the page and the API keep one set of rules. Any bad row stores
nothing and the report names its line and column; a file sent again answers "already in care"."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, BinaryIO

from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from logistics import spreadsheets, tabular
from logistics.workflow import DomainError, InvalidInput
from parcels.api.serializers import ArrivalRowSerializer
from parcels.arrivals import MAX_ROWS, RowResult, arrivals_scan_in
from parcels.models import Carrier, SizeClass

if TYPE_CHECKING:
    from parcels.models import Station

MAX_BYTES = 2 * 1024 * 1024
# Files that are surely not a table, named so the clerk knows what they sent.
KNOWN_KINDS = (
    (b"%PDF", gettext_lazy("a PDF document")),
    (b"\x89PNG", gettext_lazy("an image")),
    (b"\xff\xd8\xff", gettext_lazy("an image")),
    (b"GIF8", gettext_lazy("an image")),
    (b"RIFF", gettext_lazy("an image")),
)


class ManifestColumn(tabular.Column):
    """A column whose header may be its key or its label in Chinese or English: a template
    downloaded in one language is read in the other."""

    def names(self) -> set[str]:
        names = {self.key.lower()}
        for language in ("zh-hans", "en"):
            with translation.override(language):
                names.add(str(self.label).strip().lower())
        return names


COLUMNS = [
    ManifestColumn(
        "tracking_number", gettext_lazy("Tracking number"), required=True, example="SF1234567890123"
    ),
    ManifestColumn(
        "recipient",
        gettext_lazy("Recipient"),
        help_text=gettext_lazy("A campus ID, a name and the last four phone digits, or a room."),
        example="2024001234",
    ),
    ManifestColumn("recipient_name", gettext_lazy("Recipient name"), example="张伟"),
    ManifestColumn("recipient_phone", gettext_lazy("Phone"), example="13800001234"),
    ManifestColumn(
        "size_class",
        gettext_lazy("Size"),
        help_text=gettext_lazy("small, medium, large or oversized (or their names); empty: small."),
        example="small",
    ),
    ManifestColumn(
        "carrier",
        gettext_lazy("Carrier"),
        help_text=gettext_lazy("Empty: guessed from the number."),
        example="sf",
    ),
]
LABELS = {column.key: column.label for column in COLUMNS}


def _choice(text: str, choices) -> str:
    """A choice's value from its value or its label in Chinese or English, else the text."""
    wanted = text.strip().lower()
    for value, label in choices:
        if wanted == value:
            return value
        for language in ("zh-hans", "en"):
            with translation.override(language):
                name = str(label).lower()
            # "超大件（地堆区）" is also "超大件"
            if wanted in (name, name.split("（")[0], name.split(" (")[0]):
                return value
    return text.strip()


class ManifestRowSerializer(ArrivalRowSerializer):
    """A manifest row: the API's row, with sizes and carriers also by their names, and an empty
    size as the default."""

    def to_internal_value(self, data):
        data = dict(data)
        if data.get("size_class", "").strip():
            data["size_class"] = _choice(data["size_class"], SizeClass.choices)
        else:
            data.pop("size_class", None)
        if data.get("carrier", "").strip():
            data["carrier"] = _choice(data["carrier"], Carrier.choices)
        return super().to_internal_value(data)


@dataclass
class ManifestReport:
    """The tabular report and, when stored, each row's result in file order."""

    report: tabular.ImportReport
    results: list[RowResult] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.report.ok


def manifest_import(*, station: Station, upload: BinaryIO, by) -> ManifestReport:
    """Checks every row of `upload` and stores them all at `station`, or none. Never raises
    for bad input: the report holds the file's or the rows' errors."""
    results: list[RowResult] = []

    def save(cleaned: list[dict], present: set[str]) -> tuple[int, int]:
        rows = [ArrivalRowSerializer().to_service(row) for row in cleaned]
        try:
            results.extend(arrivals_scan_in(station=station, rows=rows, by=by))
        except InvalidInput as error:
            raise tabular.RowErrors(_by_row(error.fields)) from None
        created = sum(result.created for result in results)
        return created, len(results) - created

    spec = tabular.TabularImport(
        columns=COLUMNS, form_class=ManifestRowSerializer, save=save, max_rows=MAX_ROWS
    )
    refusal = _not_a_table(upload)
    if refusal:
        return ManifestReport(tabular.ImportReport(file_error=refusal))
    try:
        report = tabular.run_import(spec, upload)
    except DomainError as error:  # no shelf space; the same number stored elsewhere just now
        return ManifestReport(tabular.ImportReport(file_error=str(error.message)))
    return ManifestReport(report, results if report.ok else [])


def _by_row(fields: dict[str, list[str]]) -> dict[int, dict[str, list[str]]]:
    """arrivals' `parcels.<index>.<column>` errors by row index."""
    rows: dict[int, dict[str, list[str]]] = {}
    for name, messages in fields.items():
        _prefix, index, column = name.split(".", 2)
        rows.setdefault(int(index), {})[column] = list(messages)
    return rows


def _not_a_table(upload: BinaryIO) -> str:
    """A message when the content is neither XLSX nor text (the name is not trusted)."""
    head = upload.read(4096)
    upload.seek(0)
    if head.startswith((tabular.XLSX_MAGIC, tabular.OLE_MAGIC)):
        return ""  # tabular reads the workbook, or names the old .xls format
    for magic, kind in KNOWN_KINDS:
        if head.startswith(magic):
            return _("This file is %(kind)s, not a manifest: upload a CSV or XLSX file.") % {
                "kind": kind
            }
    if b"\x00" in head:
        return _("This file is not a CSV or XLSX file: upload a CSV or XLSX manifest.")
    return ""


def template_response(request, file_format: str):
    """The manifest template: the headers in the user's language and one example row."""
    export = spreadsheets.Export(
        name=_("Manifest"),
        columns=[
            spreadsheets.ExportColumn(column.key, column.label, _example(column))
            for column in COLUMNS
        ],
        records=lambda: [None],
    )
    return spreadsheets.export_response(request, export, "parcel-manifest", file_format)


def _example(column: tabular.Column):
    return lambda _record: column.example
