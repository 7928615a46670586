"""The city supervision export (市级监管): one versioned JSON document per day, and its XLSX.

The city's systems (服务质量测评, 食堂运行监测) collect the campus's aggregated figures. The
document is built from what beat already stored — the day's `IndicatorValue` rows for the site
and each campus (logistics.indicators) — plus the sections apps register in ``ready()``::

    from logistics.supervision import register_supervision_section

    register_supervision_section("dining", build=supervision.dining_section,
                                 rows=supervision.dining_rows)

`build(day)` returns the section's JSON object (counts, rates and prices only: no names of
people, usernames, phones, e-mails or rooms); `rows(section)` flattens it into the XLSX's rows.
The document's shape is docs/schemas/supervision-daily.v1.json (docs/supervision.md); raise
SCHEMA_VERSION when a field changes meaning or goes away (adding one does not).

The document is served at /api/v1/supervision/daily/?date= and, when SUPERVISION_PUSH_URL is
set, pushed for yesterday after midnight through the outbox (signed, retried until accepted).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.db.models.fields.json import KeyTextTransform
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from logistics import daily, indicators, outbox, spreadsheets
from logistics.models import Campus, DailyFigure, IndicatorValue, OutboxMessage

SCHEMA_VERSION = 1
SCHEMA_ID = f"urn:campus-logistics-portal:supervision-daily/{SCHEMA_VERSION}"
# The document's own fields: a section may not take one of these keys.
RESERVED = frozenset({"schema", "campus_code", "date", "generated_at", "as_of", "indicators"})
GOOD = {indicators.UP: "up", indicators.DOWN: "down", indicators.NEUTRAL: "neutral"}

Section = dict[str, Any]


@dataclass(frozen=True)
class Row:
    """One line of the XLSX: a figure of a section, for the site or one campus/canteen."""

    section: str
    key: str
    label: str
    scope: str = ""
    unit: str = ""
    value: float | None = None
    previous: float | None = None
    attention: bool | None = None


@dataclass(frozen=True)
class SupervisionSection:
    key: str
    build: Callable[[date], Section]
    rows: Callable[[Section], Iterable[Row]] | None = None


_SECTIONS: dict[str, SupervisionSection] = {}


def register_supervision_section(
    key: str,
    build: Callable[[date], Section],
    *,
    rows: Callable[[Section], Iterable[Row]] | None = None,
) -> None:
    """Adds a section (the document's `key` field) built by `build(day)`; registering a key
    again replaces it. `rows` gives the section's lines in the XLSX (none without it)."""
    if key in RESERVED:
        raise ValueError(f"supervision section {key!r} would replace a field of the document")
    _SECTIONS[key] = SupervisionSection(key, build, rows)


def unregister_section(key: str) -> None:
    _SECTIONS.pop(key, None)


def sections() -> list[SupervisionSection]:
    return [_SECTIONS[key] for key in sorted(_SECTIONS)]


def exported(key: str) -> bool:
    """Whether SUPERVISION_INDICATORS names the indicator: its key, a prefix ending in "." or
    "*" for all."""
    return any(
        wanted == "*" or key == wanted or (wanted.endswith(".") and key.startswith(wanted))
        for wanted in settings.SUPERVISION_INDICATORS
    )


def build_document(day: date) -> dict[str, Any]:
    """The day's document (the shape of docs/schemas/supervision-daily.v1.json). Labels are in
    the site's language (LANGUAGE_CODE), whoever asks."""
    with translation.override(settings.LANGUAGE_CODE):
        entries, as_of = _indicator_entries(day)
        document = {
            "schema": SCHEMA_ID,
            "campus_code": settings.SUPERVISION_CAMPUS_CODE,
            "date": day.isoformat(),
            "generated_at": timezone.localtime().isoformat(timespec="seconds"),
            "as_of": timezone.localtime(as_of).isoformat(timespec="seconds") if as_of else None,
            "indicators": entries,
        }
        for section in sections():
            document[section.key] = section.build(day)
    return document


def _indicator_entries(day: date) -> tuple[list[dict], Any]:
    """The exported indicators' values of `day` for the site, then each campus (by code), with
    the day before; and the newest time beat computed one of them."""
    campuses = dict(Campus.objects.order_by("code").values_list("pk", "code"))
    scopes = [indicators.SITE] + [
        indicators.Scope(DailyFigure.ScopeKind.CAMPUS, pk) for pk in campuses
    ]
    keys = [i.key for i in indicators.all_indicators() if exported(i.key)]
    readings = indicators.read(period=indicators.Period.DAY, day=day, scopes=scopes, keys=keys)
    entries = [_entry(reading, campuses.get(reading.scope.id)) for reading in readings]
    times = [reading.computed_at for reading in readings if reading.computed_at]
    return entries, max(times, default=None)


def _entry(reading: indicators.Reading, campus_code: str | None) -> dict[str, Any]:
    indicator = reading.indicator
    return {
        "key": indicator.key,
        "service": indicator.service,
        "label": str(indicator.label),
        "unit": indicator.unit,
        "good": GOOD[indicator.good],
        "campus": campus_code if reading.scope.kind == DailyFigure.ScopeKind.CAMPUS else None,
        "value": _number(reading.value),
        "previous": _number(reading.previous),
        "threshold": _number(indicator.limit()),
        "attention": reading.attention,
    }


def _number(value: float | None) -> float | None:
    return None if value is None else round(float(value), 4)


# --- XLSX ---------------------------------------------------------------------------------------


def document_rows(document: dict[str, Any]) -> list[Row]:
    """The document as the XLSX's lines: each indicator, then each section's rows."""
    lines = [
        Row(
            section="indicators",
            key=entry["key"],
            label=entry["label"],
            scope=entry["campus"] or "",
            unit=entry["unit"],
            value=entry["value"],
            previous=entry["previous"],
            attention=entry["attention"],
        )
        for entry in document["indicators"]
    ]
    for section in sections():
        if section.rows and section.key in document:
            lines.extend(section.rows(document[section.key]))
    return lines


COLUMNS = [
    spreadsheets.ExportColumn("section", _("Section"), lambda row: row.section),
    spreadsheets.ExportColumn("key", _("Key"), lambda row: row.key),
    spreadsheets.ExportColumn("label", _("Figure"), lambda row: row.label, width=30),
    spreadsheets.ExportColumn("scope", _("Campus or canteen"), lambda row: row.scope),
    spreadsheets.ExportColumn("unit", _("Unit"), lambda row: row.unit),
    spreadsheets.ExportColumn("value", _("Value"), lambda row: row.value, type=spreadsheets.RATIO),
    spreadsheets.ExportColumn(
        "previous", _("Day before"), lambda row: row.previous, type=spreadsheets.RATIO
    ),
    spreadsheets.ExportColumn(
        "attention",
        _("Needs attention"),
        lambda row: None if row.attention is None else str(_("yes") if row.attention else _("no")),
    ),
]


def xlsx_response(document: dict[str, Any], *, keys: bool = False):
    """The document as one XLSX sheet (a header row, one row per figure)."""
    export = spreadsheets.Export(
        name=document["date"], columns=COLUMNS, records=lambda: document_rows(document)
    )
    filename = f"supervision-{document['campus_code'] or 'campus'}-{document['date']}"
    with translation.override(settings.LANGUAGE_CODE):
        return spreadsheets.xlsx_response(export, filename, keys=keys)


# --- The push -----------------------------------------------------------------------------------

# How many days back the push catches up on days it missed (beat or workers were down).
CATCH_UP_DAYS = 7
# Yesterday is pushed once the daily figures have computed it after its close, or this long
# after midnight whatever they did (a stuck figures run must not hold the city's day back).
PUSH_AT_THE_LATEST = timedelta(hours=2)


def push_due(*, now: datetime | None = None) -> list[date]:
    """Writes one outbox row per day to push — yesterday once it is closed, and the days since
    the last push that were missed (a week at most) — each holding the day's document; the
    outbox sends it to SUPERVISION_PUSH_URL, signed, and retries until accepted. Nothing without
    a URL. Safe to run any number of times: a day is pushed once (a unique constraint).
    Returns the days pushed."""
    if not settings.SUPERVISION_PUSH_URL:
        return []
    now = now or timezone.now()
    yesterday = timezone.localdate(now) - timedelta(days=1)
    last = OutboxMessage.objects.filter(channel=OutboxMessage.Channel.SUPERVISION).aggregate(
        day=Max(KeyTextTransform("date", "payload"))
    )["day"]
    # the first push is of yesterday; later ones catch up from the day after the last
    first = yesterday
    if last:
        week = yesterday - timedelta(days=CATCH_UP_DAYS - 1)
        first = max(week, date.fromisoformat(last) + timedelta(days=1))
    until = yesterday if _closed(yesterday, now) else yesterday - timedelta(days=1)
    days = [first + timedelta(days=n) for n in range((until - first).days + 1)]
    return [day for day in days if push(day)]


def push(day: date) -> bool:
    """Writes the outbox row that pushes `day`'s document; False when it was pushed already."""
    try:
        with transaction.atomic():
            message = OutboxMessage.objects.create(
                channel=OutboxMessage.Channel.SUPERVISION, payload=build_document(day)
            )
            outbox.publish_on_commit([message.id])
    except IntegrityError:  # pushed by a run at the same time
        return False
    return True


def _closed(day: date, now: datetime) -> bool:
    midnight = daily.day_bounds(day)[1]
    if now >= midnight + PUSH_AT_THE_LATEST:
        return True
    computed = IndicatorValue.objects.filter(
        period=IndicatorValue.Period.DAY, start=day, computed_at__gte=midnight + daily.CLOSE_AFTER
    )
    return computed.exists()
