"""The lost-and-found downloads: the register (登记簿) of disposals, one row per disposal, and
the managers' figures, one row per month and category."""

from django.utils.translation import gettext_lazy as _

from logistics.spreadsheets import DATE, DATETIME, INTEGER, Export, ExportColumn

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


FIGURES_COLUMNS = [
    ExportColumn("month", _("Month"), lambda r: r["month"].strftime("%Y-%m")),
    ExportColumn("category", _("Category code"), lambda r: r["code"]),
    ExportColumn("category_name", _("Category"), lambda r: r["name"]),
    ExportColumn("found", _("Items found"), lambda r: r["counts"][0], INTEGER),
    ExportColumn("returned", _("Items returned"), lambda r: r["counts"][1], INTEGER),
    ExportColumn("disposed", _("Items disposed of"), lambda r: r["counts"][2], INTEGER),
]


def figures_export(data, categories: dict) -> Export:
    """One row per month and category of the period's figures."""

    def records():
        for month in data.months:
            for code, counts in sorted(month.by_category.items()):
                category = categories.get(code)
                name = str(category) if category else code
                yield {"month": month.month, "code": code, "name": name, "counts": counts}

    return Export(name="lostfound", columns=FIGURES_COLUMNS, records=records)
