"""The repairs sections of the home page: a requester's recent requests, a technician's jobs."""

from django.db.models import F
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.timezone import localtime
from django.utils.translation import gettext as _

from repairs.models import RepairRequest

SHOWN = 5


def _item(repair: RepairRequest, meta: str) -> dict:
    return {
        "title": f"{repair.number} {repair.category}",
        "url": repair.get_absolute_url(),
        "status": repair.get_status_display(),
        "meta": " · ".join(part for part in (repair.place, meta) if part),
    }


def my_repairs_context(request) -> dict:
    """The requester's most recent requests (one query)."""
    requests = (
        RepairRequest.objects.for_user(request.user)
        .filter(requester=request.user)
        .select_related("category", "building", "room__building")[:SHOWN]
    )
    items = [_item(r, date_format(localtime(r.created_at), "SHORT_DATE_FORMAT")) for r in requests]
    return {
        "items": items,
        "empty_text": _("No repair requests yet. Something broken? Report it under Repairs."),
        "more_url": reverse("repairs:mine") if items else "",
    }


def my_jobs_context(request) -> dict:
    """The technician's open jobs, earliest due first (one query)."""
    jobs = (
        RepairRequest.objects.for_user(request.user)
        .open()
        .filter(assignee=request.user)
        .select_related("category", "building", "room__building")
        .order_by(F("completion_due_at").asc(nulls_last=True), "created_at", "id")[:SHOWN]
    )
    items = []
    for job in jobs:
        due = ""
        if job.completion_due_at:
            when = date_format(localtime(job.completion_due_at), "SHORT_DATETIME_FORMAT")
            due = _("due %(when)s") % {"when": when}
        items.append(_item(job, due))
    return {
        "items": items,
        "empty_text": _("No open jobs. Well done."),
        "more_url": reverse("repairs:workbench"),
    }
