"""The technician's workbench on a phone: my jobs by due time, one-tap start / hold / resume /
complete / hand back (htmx swaps the job card in place)."""

from django.contrib.auth.decorators import login_required
from django.db.models import F, Prefetch
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from repairs.forms import CompleteForm
from repairs.models import RepairPhoto, RepairRequest
from repairs.views.common import is_technician, require, role_links


def job_queryset(user):
    """The requests assigned to `user` (within what they may see), ready for the job card."""
    report_photos = RepairPhoto.objects.filter(kind=RepairPhoto.Kind.REPORT)
    return (
        RepairRequest.objects.for_user(user)
        .filter(assignee=user)
        .with_related()
        .prefetch_related(Prefetch("photos", queryset=report_photos, to_attr="report_photos"))
    )


def done_today(user) -> int:
    """How many jobs `user` completed since midnight (local time), not reopened since."""
    start_of_day = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    return (
        RepairRequest.objects.filter(assignee=user, completed_at__gte=start_of_day)
        .exclude(status=RepairRequest.Status.REOPENED)
        .count()
    )


def with_complete_form(job: RepairRequest, form: CompleteForm | None = None) -> RepairRequest:
    """Gives the job card its "complete" form (`form`: one that came back with errors), with
    ids of its own on a page of many cards."""
    job.complete_form = form or CompleteForm()
    job.complete_form.auto_id = f"id_complete_{job.pk}_%s"
    return job


@login_required
@require_GET
def workbench(request):
    require(is_technician(request.user))
    jobs = [
        with_complete_form(job)
        for job in job_queryset(request.user)
        .open()
        .order_by(F("completion_due_at").asc(nulls_last=True), "created_at", "id")
    ]
    context = {
        "jobs": jobs,
        "done_today": done_today(request.user),
        "now": timezone.now(),
        "links": role_links(request.user),
    }
    return render(request, "repairs/workbench.html", context)
