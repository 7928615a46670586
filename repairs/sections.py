"""The repairs sections of the home page (a requester's recent requests, a technician's jobs,
a dispatcher's queue) and of the manager overview (the last 30 days in a few figures);
registered in apps.py."""

from datetime import timedelta

from django.db.models import Count, Q
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.timezone import localtime
from django.utils.translation import gettext as _

from logistics.figures import percent
from repairs.figures import RepairFigures
from repairs.models import RepairRequest
from repairs.views.figures import period_figures

SHOWN = 5
OVERVIEW_DAYS = 30


def _item(repair: RepairRequest, meta: str) -> dict:
    return {
        "title": f"{repair.number} {repair.category}",
        "url": repair.get_absolute_url(),
        "status": repair.get_status_display(),
        "meta": " · ".join(part for part in (repair.place, meta) if part),
    }


def my_repairs_context(request: HttpRequest) -> dict:
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


def my_jobs_context(request: HttpRequest) -> dict:
    """The technician's open jobs, earliest due first (one query)."""
    jobs = (
        RepairRequest.objects.for_user(request.user)
        .for_technician(request.user)
        .select_related("category", "building", "room__building")[:SHOWN]
    )
    items = [_item(job, _due(job)) for job in jobs]
    return {
        "items": items,
        "empty_text": _("No open jobs. Well done."),
        "more_url": reverse("repairs:workbench"),
    }


def dispatch_queue_context(request: HttpRequest) -> dict:
    """The dispatcher's queue card: how many open requests of their scope wait for a
    technician and how many are overdue, and the first to assign, earliest due first
    (two queries)."""
    from repairs.workflow import overdue_q

    open_requests = RepairRequest.objects.for_user(request.user).open()
    counts = open_requests.aggregate(
        unassigned=Count("pk", filter=Q(assignee__isnull=True)),
        overdue=Count("pk", filter=overdue_q()),
    )
    waiting = (
        open_requests.filter(assignee__isnull=True)
        .by_due_time()
        .select_related("category", "building", "room__building")[:SHOWN]
    )
    items = [_item(repair, _due(repair)) for repair in waiting]
    queue = reverse("repairs:queue")
    return {
        "unassigned": counts["unassigned"],
        "overdue": counts["overdue"],
        "unassigned_url": f"{queue}?unassigned=true",
        "overdue_url": f"{queue}?overdue=true",
        "items": items,
        "empty_text": _("Nothing waits for a technician."),
        "more_url": queue,
    }


def _due(repair: RepairRequest) -> str:
    if not repair.completion_due_at:
        return ""
    when = date_format(localtime(repair.completion_due_at), "SHORT_DATETIME_FORMAT")
    return _("due %(when)s") % {"when": when}


def overview_context(request: HttpRequest) -> dict:
    """The repairs section of the manager overview: the last 30 days in a few figures."""
    end = timezone.localdate()
    data = period_figures(request.user, end - timedelta(days=OVERVIEW_DAYS - 1), end)
    return {"figures": overview_figures(data), "figures_url": reverse("repairs:figures")}


def overview_figures(data: RepairFigures) -> list[dict]:
    url = reverse("repairs:figures")
    return [
        {"label": _("Requests, last 30 days"), "value": data.total, "url": url},
        {"label": _("Open"), "value": data.open_count, "url": url},
        {"label": _("Overdue now"), "value": data.overdue_count, "url": url + "#overdue"},
        {"label": _("Completed on time"), "value": percent(data.completion_sla), "url": ""},
        {"label": _("Mean completion (hours)"), "value": _number(data.completion.mean_hours)},
        {"label": _("Completion, 90th percentile"), "value": _number(data.completion.p90_hours)},
        {"label": _("Reopen rate"), "value": percent(data.reopen_rate), "url": ""},
        {"label": _("Repeat faults"), "value": len(data.repeat_faults), "url": url + "#repeat"},
    ]


def _number(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}"
