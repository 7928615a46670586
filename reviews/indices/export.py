"""Monthly CSV/XLSX export of the satisfaction indices for assessment (考核评价).

One row per subject with data in the month, a header row of stable column keys (documented in
docs/reviews.md, "Satisfaction indices"); read from IndexRow only, through logistics.spreadsheets.
"""

from collections.abc import Iterator

from django.db.models import F

from logistics.spreadsheets import Export, csv_response, local_time, xlsx_response
from reviews.models import IndexRow
from reviews.registry import event_type_label

__all__ = ["csv_response", "month_export", "xlsx_response"]

CHUNK_SIZE = 2000


def _number(value, digits=3):
    return "" if value is None else round(value, digits)


def _share(part, whole):
    return "" if not whole else round(part / whole, 4)


COLUMNS = [
    ("month", lambda r: r.period_start.strftime("%Y-%m")),
    ("kind", lambda r: r.kind),
    ("subject_id", lambda r: r.subject_id),
    ("subject_ref", lambda r: r.subject.ref),
    ("subject", lambda r: r.subject.name),
    ("department", lambda r: r.subject.department.code if r.subject.department_id else ""),
    ("event_type", lambda r: r.event_type),
    ("service", lambda r: event_type_label(r.event_type) if r.event_type else ""),
    ("reviews", lambda r: r.reviews),
    ("mean", lambda r: _number(r.mean)),
    ("adjusted_mean", lambda r: _number(r.adjusted_mean)),
    ("satisfied", lambda r: r.satisfied),
    ("satisfied_share", lambda r: _number(r.satisfied_share, 4)),
    ("invitations", lambda r: r.invitations),
    ("responses", lambda r: r.responses),
    ("response_rate", lambda r: _number(r.response_rate, 4)),
    ("complaints", lambda r: r.complaints),
    ("complaints_closed", lambda r: r.complaints_closed),
    ("complaints_in_time", lambda r: r.complaints_in_time),
    ("in_time_share", lambda r: _share(r.complaints_in_time, r.complaints_closed)),
    ("computed_at", lambda r: local_time(r.computed_at)),
]


def month_export(*, rows, month, event_type: str = "") -> Export:
    """The month rows of `rows` (already scoped), by kind, then best adjusted mean first."""
    queryset = (
        rows.filter(period=IndexRow.Period.MONTH, period_start=month, event_type=event_type)
        .select_related("subject__department")
        .order_by("kind", F("adjusted_mean").desc(nulls_last=True), "subject__name", "pk")
    )

    def records() -> Iterator[list]:
        for record in queryset.iterator(chunk_size=CHUNK_SIZE):
            yield [value(record) for _key, value in COLUMNS]

    return Export(name=month.strftime("%Y-%m"), header=[k for k, _v in COLUMNS], rows=records)
