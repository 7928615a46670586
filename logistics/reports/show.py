"""What a stored report shows, in the active language: the page, the e-mail and the workbook
read the same rows from the snapshot alone."""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from logistics import spreadsheets
from logistics.indicators import Unit, change_of, format_value, went_better
from logistics.models import WeeklyReport
from logistics.spreadsheets import Export, ExportColumn


def pick(texts: dict[str, str] | None, language: str | None = None) -> str:
    """The text in `language` (the active one) from a snapshot's {language: text}."""
    if not texts:
        return ""
    language = language or translation.get_language() or settings.LANGUAGE_CODE
    return texts.get(language) or texts.get(settings.LANGUAGE_CODE) or next(iter(texts.values()))


@dataclass(frozen=True)
class Line:
    """One indicator of the site in the report, against the week it is compared with."""

    key: str
    label: str
    unit: str
    good: str
    value: float | None
    previous: float | None
    attention: bool
    link: str

    @property
    def change(self) -> float | None:
        return change_of(self.value, self.previous)

    @property
    def better(self) -> bool | None:
        """Whether the change went the good way (None: none, or a volume)."""
        return went_better(self.good, self.change)

    @property
    def shown(self) -> str:
        return format_value(self.unit, self.value)

    @property
    def shown_previous(self) -> str:
        return format_value(self.unit, self.previous)

    @property
    def shown_change(self) -> str:
        change = self.change
        if change is None:
            return "—"
        return ("+" if change > 0 else "") + format_value(self.unit, change)


@dataclass(frozen=True)
class ReportView:
    report: WeeklyReport
    compared: WeeklyReport | None
    groups: list[dict[str, Any]]  # {"label", "lines": [Line]}
    worst: list[dict[str, Any]]  # {"label", "lead", "rows": [{"rank", "name", ...}]}
    sections: list[dict[str, Any]]  # {"title", "note", "columns", "rows"}

    @property
    def attention(self) -> list[Line]:
        return [line for group in self.groups for line in group["lines"] if line.attention]


def report_view(
    report: WeeklyReport, *, compared: WeeklyReport | None = None, url=lambda path: path
) -> ReportView:
    """The report in the active language; the change column against `compared` (another
    stored report) or, by default, against the week before as it stood when this was built.
    `url` turns a section's link (a path) into what the reader follows (e-mail: a full URL)."""
    data = report.snapshot
    meta = data.get("indicators", {})
    earlier = None
    if compared is not None:
        earlier = {row["key"]: row["value"] for row in compared.snapshot.get("site", [])}
    lines = [_line(row, meta[row["key"]], earlier) for row in data.get("site", [])]
    groups = []
    for service in data.get("services", []):
        found = [line for line in lines if meta[line.key]["service"] == service["key"]]
        if found:
            groups.append({"key": service["key"], "label": pick(service["label"]), "lines": found})
    labels = {s["key"]: pick(s["label"]) for s in data.get("services", [])}
    worst = [_worst(entry, meta, labels) for entry in data.get("worst", [])]
    sections = [_section(section, url) for section in data.get("sections", [])]
    return ReportView(report, compared, groups, worst, sections)


def _line(row: dict, meta: dict, earlier: dict | None) -> Line:
    previous = row["previous"] if earlier is None else earlier.get(row["key"])
    return Line(
        key=row["key"],
        label=pick(meta["label"]),
        unit=meta["unit"],
        good=meta["good"],
        value=row["value"],
        previous=previous,
        attention=row["attention"],
        link=meta.get("link", ""),
    )


def _worst(entry: dict, meta: dict, labels: dict) -> dict[str, Any]:
    lead = meta[entry["lead"]]
    rows = []
    for rank, row in enumerate(entry["rows"], start=1):
        flagged = [
            f"{pick(meta[key]['label'])} {format_value(meta[key]['unit'], row['values'][key])}"
            for key in row["attention"]
        ]
        rows.append(
            {
                "rank": rank,
                "name": pick(row["name"]),
                "kind": row["kind"],
                "attention": len(row["attention"]),
                "flagged": "；".join(flagged) if _chinese() else "; ".join(flagged),
                "lead": row["values"].get(entry["lead"]),
                "shown_lead": format_value(lead["unit"], row["values"].get(entry["lead"])),
            }
        )
    return {
        "key": entry["service"],
        "label": labels.get(entry["service"], entry["service"]),
        "lead": pick(lead["label"]),
        "lead_unit": lead["unit"],
        "rows": rows,
    }


def _chinese() -> bool:
    return (translation.get_language() or "").startswith("zh")


def _section(section: dict, url) -> dict[str, Any]:
    columns = [
        {"key": c["key"], "label": pick(c["label"]), "unit": c["unit"]} for c in section["columns"]
    ]
    rows = [
        [_cell(value, column) for value, column in zip(row, columns, strict=True)]
        for row in section["rows"]
    ]
    return {
        "key": section["key"],
        "title": pick(section["title"]),
        "note": pick(section["note"]) if section.get("note") else "",
        "columns": columns,
        "rows": rows,
        "lines": [_text_line(row, columns) for row in rows],
        "link": url(section["link"]) if section.get("link") else "",
        "link_label": pick(section.get("link_label")),
    }


def _text_line(row: list[dict], columns: list[dict]) -> str:
    """A row for a plain-text body: "<first cell>: <label> <value>, …"."""
    colon, comma = ("：", "，") if _chinese() else (": ", ", ")
    rest = comma.join(
        f"{c['label']} {cell['shown']}" for cell, c in zip(row[1:], columns[1:], strict=True)
    )
    return f"{row[0]['shown']}{colon}{rest}"


def _cell(value, column: dict) -> dict[str, Any]:
    """{"value": for the workbook, "shown": for the page and the e-mail, "num": aligned right}."""
    if isinstance(value, dict):
        text = pick(value)
        return {"value": text, "shown": text, "num": False}
    if column["unit"] and (value is None or isinstance(value, int | float)):
        return {"value": value, "shown": format_value(column["unit"], value), "num": True}
    return {"value": value, "shown": "—" if value is None else str(value), "num": False}


# --- the workbook ------------------------------------------------------------------------------


def _number_type(unit: str) -> str:
    if unit == Unit.COUNT:
        return spreadsheets.INTEGER
    if unit == Unit.YUAN:
        return spreadsheets.DECIMAL
    return spreadsheets.RATIO


def _rounded(value):
    return round(value, 2) if isinstance(value, float) else value


def _column(key: str, label, index: int, kind: str = spreadsheets.TEXT) -> ExportColumn:
    if kind == spreadsheets.TEXT:
        return ExportColumn(key, label, lambda record, i=index: record[i], kind)
    return ExportColumn(key, label, lambda record, i=index: _rounded(record[i]), kind)


def _indicator_sheet(shown: ReportView) -> Export:
    compared = _("Compared week") if shown.compared else _("Week before")
    columns = [
        _column("service", _("Service"), 0),
        _column("indicator", _("Indicator"), 1, spreadsheets.TEXT),
        _column("key", _("Key"), 2),
        _column("value", _("This week"), 3, spreadsheets.RATIO),
        _column("previous", compared, 4, spreadsheets.RATIO),
        _column("change", _("Change"), 5, spreadsheets.RATIO),
        _column("unit", pgettext("of measure", "Unit"), 6),
        _column("attention", _("Needs attention"), 7),
    ]
    yes, no = _("yes"), _("no")
    records = [
        [
            g["label"],
            line.label,
            line.key,
            line.value,
            line.previous,
            line.change,
            line.unit,
            yes if line.attention else no,
        ]
        for g in shown.groups
        for line in g["lines"]
    ]
    return Export(_("Indicators"), columns, lambda: records)


def _worst_sheet(shown: ReportView) -> Export:
    columns = [
        _column("service", _("Service"), 0),
        _column("rank", pgettext("place in a ranking", "Rank"), 1, spreadsheets.INTEGER),
        _column("place", _("Building or unit"), 2),
        _column("attention", _("Indicators needing attention"), 3, spreadsheets.INTEGER),
        _column("flagged", _("Needing attention"), 4),
        _column("lead", _("Lead indicator"), 5),
        _column("value", _("Its value"), 6, spreadsheets.RATIO),
    ]
    records = [
        [e["label"], r["rank"], r["name"], r["attention"], r["flagged"], e["lead"], r["lead"]]
        for e in shown.worst
        for r in e["rows"]
    ]
    return Export(_("Five worst"), columns, lambda: records)


def _section_sheet(section: dict) -> Export:
    columns = [
        _column(
            c["key"], c["label"], i, _number_type(c["unit"]) if c["unit"] else spreadsheets.TEXT
        )
        for i, c in enumerate(section["columns"])
    ]
    records = [[cell["value"] for cell in row] for row in section["rows"]]
    # Excel refuses these characters in a sheet's name
    name = "".join(" " if char in "[]:*?/\\" else char for char in section["title"])
    return Export(name, columns, lambda: records)


def workbook(shown: ReportView) -> bytes:
    """The report as XLSX: the indicators, the five worst, then one sheet per section; header
    rows frozen, numbers as numbers."""
    sheets = [_indicator_sheet(shown), _worst_sheet(shown)]
    sheets += [_section_sheet(section) for section in shown.sections]
    buffer = io.BytesIO()
    spreadsheets.write_xlsx(sheets, buffer)
    return buffer.getvalue()
