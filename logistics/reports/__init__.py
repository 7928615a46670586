"""The weekly report (#16 item 3): built every Monday from the stored indicator values, mailed
to the managers with an XLSX attached, and kept as a page with a permanent URL.

- ``build.py``: the weeks (ISO, Monday to Sunday; the report of a week is due on the first
  working day on or after the Monday after it) and the frozen snapshot of a week;
- ``show.py``: what the page, the e-mail and the workbook show of a snapshot, in the active
  language, compared with the week before or with any other stored report;
- ``mail.py``: the beat task's work — build what is due, claim it, notify the managers.

The report reads only `IndicatorValue` rows (logistics.indicators), never an app's tables. An
app adds a table of its own (the reviews app: complaints and the satisfaction ranking) with
one call in its ``AppConfig.ready()``::

    from logistics import reports

    reports.register_report_section(
        "reviews.complaints", title=_("Complaints"), build=complaints_table, order=10
    )

where ``build(start)`` gets the week's Monday and returns a `Table` (or None: nothing this
week). Its texts may be lazy translations: the snapshot keeps them in every portal language.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.utils.functional import Promise

Text = str | Promise


@dataclass(frozen=True)
class Column:
    """One column of a section's table; `unit` (an indicators.Unit) for numbers, "" for text."""

    key: str
    label: Text
    unit: str = ""


@dataclass(frozen=True)
class Table:
    """A section's table. A cell (and the note) is a number, None, or text: a string, a lazy
    translation, {language: text}, or a callable giving the text in the active language (a
    place's localized name) — the snapshot renders it in every language."""

    columns: Sequence[Column]
    rows: Sequence[Sequence[Any]]
    note: Text | Callable[[], str] = ""
    link: str = ""  # a page of the portal with the rows behind the table (a path)
    link_label: Text = ""


@dataclass(frozen=True)
class ReportSection:
    key: str
    title: Text
    build: Callable[[date], Table | None]
    order: int = 100


_SECTIONS: dict[str, ReportSection] = {}


def register_report_section(
    key: str, *, title: Text, build: Callable[[date], Table | None], order: int = 100
) -> None:
    """Adds (or replaces) a table of the weekly report, after the core's, by `order`."""
    _SECTIONS[key] = ReportSection(key, title, build, order)


def unregister_report_section(key: str) -> None:
    _SECTIONS.pop(key, None)


def report_sections() -> list[ReportSection]:
    return sorted(_SECTIONS.values(), key=lambda section: (section.order, section.key))
