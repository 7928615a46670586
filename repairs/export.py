"""CSV and XLSX export of repair requests: one row per request, a header row, documented columns.

The columns are documented in docs/repairs-export.md; keep the two in step. The files are
written by logistics.spreadsheets (streamed CSV, write-only XLSX, typed, formula-safe cells);
the header row holds the labels in the user's language, or the keys with `?headers=keys`.
"""

from collections.abc import Iterator

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from logistics.spreadsheets import DATETIME, INTEGER, Export, ExportColumn

from .models import RepairRequest

CHUNK_SIZE = 2000


def _user(user) -> str:
    return user.username if user else ""


def _overdue(repair: RepairRequest) -> str:
    """Completed after its due time, or overdue now (the request's is_overdue)."""
    due = repair.completion_due_at
    if not due:
        return ""
    done = repair.completed_at
    return "yes" if (done > due if done else repair.is_overdue) else "no"


def _building(request: RepairRequest):
    if request.building_id:
        return request.building
    return request.room.building if request.room_id else None


COLUMNS = [
    ExportColumn("number", _("Number"), lambda r: r.number),
    ExportColumn("status", _("Status code"), lambda r: r.status),
    ExportColumn("status_label", _("Status"), lambda r: r.get_status_display()),
    ExportColumn("category_code", _("Category code"), lambda r: r.category.code),
    ExportColumn("category", _("Category"), lambda r: r.category.localized_name),
    ExportColumn("campus", _("Campus"), lambda r: (b := _building(r)) and b.campus.code or ""),
    ExportColumn(
        "building_code", _("Building code"), lambda r: (b := _building(r)) and b.code or ""
    ),
    ExportColumn("building", _("Building"), lambda r: (b := _building(r)) and str(b) or ""),
    ExportColumn("room", _("Room"), lambda r: r.room.number if r.room_id else ""),
    ExportColumn("place_text", _("Place"), lambda r: r.place_text),
    ExportColumn("urgency", _("Urgency"), lambda r: r.urgency),
    ExportColumn("description", _("Description"), lambda r: r.description, width=40),
    ExportColumn("requester", _("Requester"), lambda r: _user(r.requester)),
    ExportColumn("team", _("Team"), lambda r: r.team.code if r.team_id else ""),
    ExportColumn("assignee", _("Technician"), lambda r: _user(r.assignee)),
    ExportColumn("created_at", _("Submitted at"), lambda r: r.created_at, DATETIME),
    ExportColumn(
        "first_response_at", _("First response at"), lambda r: r.first_response_at, DATETIME
    ),
    ExportColumn("assigned_at", _("Assigned at"), lambda r: r.assigned_at, DATETIME),
    ExportColumn("started_at", _("Started at"), lambda r: r.started_at, DATETIME),
    ExportColumn("completed_at", _("Completed at"), lambda r: r.completed_at, DATETIME),
    ExportColumn("confirmed_at", _("Confirmed at"), lambda r: r.confirmed_at, DATETIME),
    ExportColumn("closed_at", _("Closed at"), lambda r: r.closed_at, DATETIME),
    ExportColumn("response_due_at", _("Response due at"), lambda r: r.response_due_at, DATETIME),
    ExportColumn(
        "completion_due_at", _("Completion due at"), lambda r: r.completion_due_at, DATETIME
    ),
    ExportColumn("overdue", _("Overdue"), _overdue),
    ExportColumn("reopen_count", _("Times reopened"), lambda r: r.reopen_count, INTEGER),
    ExportColumn("labour_minutes", _("Labour (minutes)"), lambda r: r.labour_minutes, INTEGER),
    ExportColumn("materials", _("Materials used"), lambda r: r.materials),
    ExportColumn("rejection_reason", _("Rejection reason"), lambda r: r.rejection_reason),
    ExportColumn("rating", _("Rating"), lambda r: r.rating, INTEGER),
    ExportColumn("rating_comment", _("Rating comment"), lambda r: r.rating_comment),
]


def export_queryset(queryset: QuerySet) -> QuerySet:
    """The rows to export, with everything the columns read joined in (one query)."""
    return (
        queryset.with_related()
        .select_related("building__campus", "room__building__campus")
        .order_by("created_at", "id")
    )


def header_row() -> list[str]:
    """The column keys: stable names for programs (`?headers=keys`)."""
    return [column.key for column in COLUMNS]


def records(queryset: QuerySet) -> Iterator[RepairRequest]:
    return export_queryset(queryset).iterator(chunk_size=CHUNK_SIZE)


def export_for(queryset: QuerySet) -> Export:
    return Export(name="repairs", columns=COLUMNS, records=lambda: records(queryset))
