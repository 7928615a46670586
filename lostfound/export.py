"""The lost-and-found downloads: the register (登记簿) of disposals, one row per disposal."""

from django.utils.translation import gettext_lazy as _

from logistics.spreadsheets import DATE, DATETIME, Export, ExportColumn

REGISTER_COLUMNS = [
    ExportColumn("number", _("Item"), lambda d: d.item.number),
    ExportColumn("label", _("Storage label"), lambda d: d.item.label),
    ExportColumn("category", _("Category"), lambda d: str(d.item.category)),
    ExportColumn("description", _("Public description"), lambda d: d.item.description, width=40),
    ExportColumn("desk", _("Desk"), lambda d: d.desk.code),
    ExportColumn("found_at", _("Found at"), lambda d: d.item.found_at, DATETIME),
    ExportColumn(
        "notice_published_at",
        _("Notice published at"),
        lambda d: d.item.notice_published_at,
        DATETIME,
    ),
    ExportColumn(
        "state_property_on", _("State property from"), lambda d: d.item.state_property_on, DATE
    ),
    ExportColumn("method", _("How"), lambda d: d.get_method_display()),
    ExportColumn("recipient", _("Handed to"), lambda d: d.recipient),
    ExportColumn("reason", _("Why"), lambda d: d.reason, width=40),
    ExportColumn("proposed_by", _("Proposed by"), lambda d: _person(d.proposed_by)),
    ExportColumn("proposed_at", _("Proposed at"), lambda d: d.proposed_at, DATETIME),
    ExportColumn("approved_by", _("Approved by"), lambda d: _person(d.approved_by)),
    ExportColumn("approved_at", _("Done at"), lambda d: d.approved_at, DATETIME),
]


def _person(user) -> str:
    return f"{user.get_display_name()} ({user.username})" if user else ""


def register_export(rows) -> Export:
    return Export(
        name="register", columns=REGISTER_COLUMNS, records=lambda: rows.iterator(chunk_size=500)
    )
