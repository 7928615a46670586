"""Monthly CSV/XLSX export of the satisfaction indices for assessment (考核评价).

One row per subject with data in the month, a header row of labels in the user's language
(`?headers=keys` gives the stable column keys documented in docs/reviews.md, "Satisfaction
indices"); read from IndexRow only, through logistics.spreadsheets.
"""

from collections.abc import Iterator

from django.db.models import F
from django.utils.translation import gettext_lazy as _

from logistics.spreadsheets import DATETIME, INTEGER, RATIO, Export, ExportColumn
from reviews.models import IndexRow
from reviews.registry import event_type_label

__all__ = ["month_export"]

CHUNK_SIZE = 2000


def _number(value, digits=3):
    return None if value is None else round(value, digits)


def _share(part, whole):
    return None if not whole else round(part / whole, 4)


COLUMNS = [
    ExportColumn("month", _("Month"), lambda r: r.period_start.strftime("%Y-%m")),
    ExportColumn("kind", _("Kind"), lambda r: r.kind),
    ExportColumn("subject_id", _("Subject ID"), lambda r: r.subject_id, INTEGER),
    ExportColumn("subject_ref", _("Subject reference"), lambda r: r.subject.ref),
    ExportColumn("subject", _("Subject"), lambda r: r.subject.name, width=24),
    ExportColumn(
        "department",
        _("Department code"),
        lambda r: r.subject.department.code if r.subject.department_id else "",
    ),
    ExportColumn("event_type", _("Event type"), lambda r: r.event_type),
    ExportColumn(
        "service",
        _("Service"),
        lambda r: event_type_label(r.event_type) if r.event_type else "",
    ),
    ExportColumn("reviews", _("Reviews"), lambda r: r.reviews, INTEGER),
    ExportColumn("mean", _("Mean score"), lambda r: _number(r.mean), RATIO),
    ExportColumn("adjusted_mean", _("Adjusted mean"), lambda r: _number(r.adjusted_mean), RATIO),
    ExportColumn("satisfied", _("Satisfied (4–5 stars)"), lambda r: r.satisfied, INTEGER),
    ExportColumn(
        "satisfied_share", _("Share satisfied"), lambda r: _number(r.satisfied_share, 4), RATIO
    ),
    ExportColumn("invitations", _("Invitations"), lambda r: r.invitations, INTEGER),
    ExportColumn("responses", _("Answered invitations"), lambda r: r.responses, INTEGER),
    ExportColumn("response_rate", _("Response rate"), lambda r: _number(r.response_rate, 4), RATIO),
    ExportColumn("complaints", _("Complaints"), lambda r: r.complaints, INTEGER),
    ExportColumn(
        "complaints_closed", _("Complaints closed"), lambda r: r.complaints_closed, INTEGER
    ),
    ExportColumn(
        "complaints_in_time",
        _("Closed within deadline"),
        lambda r: r.complaints_in_time,
        INTEGER,
    ),
    ExportColumn(
        "in_time_share",
        _("Share closed within deadline"),
        lambda r: _share(r.complaints_in_time, r.complaints_closed),
        RATIO,
    ),
    ExportColumn("computed_at", _("Computed at"), lambda r: r.computed_at, DATETIME),
]


def month_export(*, rows, month, event_type: str = "") -> Export:
    """The month rows of `rows` (already scoped), by kind, then best adjusted mean first."""
    queryset = (
        rows.filter(period=IndexRow.Period.MONTH, period_start=month, event_type=event_type)
        .select_related("subject__department")
        .order_by("kind", F("adjusted_mean").desc(nulls_last=True), "subject__name", "pk")
    )

    def records() -> Iterator[IndexRow]:
        return queryset.iterator(chunk_size=CHUNK_SIZE)

    return Export(name=month.strftime("%Y-%m"), columns=COLUMNS, records=records)
