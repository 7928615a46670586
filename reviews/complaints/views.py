"""The complaint pages: my complaints / the department inbox, filing, the detail with its
timeline and action forms, the action endpoints, and the public "you said, we did" board.

Thin: parse, call a service or a scoped queryset, render. A complaint the user may not see is
404; a refused action (wrong state, someone was faster, bad input) is a message and a redirect.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Prefetch, QuerySet
from django.http import HttpRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django.views.decorators.http import require_http_methods

from logistics import idempotency
from logistics.keyset import keyset_page, other_params
from logistics.privacy import mask
from logistics.views.actions import Action, ObjectActionView
from reviews.models import Complaint, ComplaintEntry, Subject
from reviews.querysets import events_for

from . import forms, services
from .filters import ComplaintFilterSet
from .querysets import board, complaints_for, handles_any, inbox_for
from .routing import is_id, subject_from_param
from .workflow import OPEN_STATUSES, TRANSITIONS, acknowledge_overdue, resolve_overdue

PAGE_SIZE = 25
BOARD_PAGE_SIZE = 20
# Filters that show more of the inbox than what still waits for the department.
WIDENING_FILTERS = ("is_open", "status")

ACTION_LABELS = {
    "filed": _("Filed"),
    "acknowledged": pgettext_lazy("complaint", "Acknowledged"),
    "reply": _("Reply"),
    "resolved": _("Resolved"),
    "confirmed": _("Confirmed resolved"),
    "reopened": _("Reopened"),
    "withdrawn": _("Withdrawn"),
    "reassigned": _("Passed to another department"),
    "escalated": _("Escalated to the managers"),
}


ACTIONS: dict[str, Action] = {
    "acknowledge": Action(
        forms.NoteForm,
        lambda c, u, d: services.complaint_acknowledge(complaint=c, by=u, note=d["note"]),
        _("Acknowledged: the author has been told you are on it."),
    ),
    "reply": Action(
        forms.ReplyForm,
        lambda c, u, d: services.complaint_reply(
            complaint=c, by=u, body=d["body"], public=d["public"]
        ),
        _("Your reply was sent."),
    ),
    "resolve": Action(
        forms.ResolveForm,
        lambda c, u, d: services.complaint_resolve(
            complaint=c, by=u, note=d["note"], public=d["public"]
        ),
        _("Marked resolved: the author is asked to confirm."),
    ),
    "confirm": Action(
        forms.ConfirmForm,
        lambda c, u, d: services.complaint_confirm(
            complaint=c, by=u, satisfaction=d["satisfaction"], comment=d["comment"]
        ),
        _("Thank you. The case is closed."),
    ),
    "reopen": Action(
        forms.ReasonForm,
        lambda c, u, d: services.complaint_reopen(complaint=c, by=u, reason=d["reason"]),
        _("Reopened: the department has been told."),
    ),
    "withdraw": Action(
        forms.WithdrawForm,
        lambda c, u, d: services.complaint_withdraw(complaint=c, by=u, reason=d["reason"]),
        _("Withdrawn."),
    ),
    "reassign": Action(
        forms.ReassignForm,
        lambda c, u, d: services.complaint_reassign(
            complaint=c, by=u, department=d["department"], note=d["note"]
        ),
        _("Passed to the other department."),
    ),
}


@login_required
def complaint_list(request):
    """The department inbox for those who handle complaints (?box=mine: their own), else mine."""
    user = request.user
    inbox = handles_any(user) and request.GET.get("box") != "mine"
    complaints = inbox_for(user) if inbox else complaints_for(user).filter(author=user)
    filters = ComplaintFilterSet(request.GET or None, queryset=complaints)
    rows = filters.qs if not filters.is_bound or filters.is_valid() else complaints.none()
    if inbox and not any(request.GET.get(name) for name in WIDENING_FILTERS):
        # What still needs the department, the nearest deadline first (an index answers it);
        # choosing an "Open" or a status in the filter widens the inbox, newest first.
        rows = rows.filter(status__in=OPEN_STATUSES).order_by("resolve_due_at", "id")
    page = keyset_page(request, rows, PAGE_SIZE)
    context = {
        "page": page,
        "filters": filters,
        "inbox": inbox,
        "can_have_inbox": handles_any(user),
        "now": timezone.now(),
        "query": other_params(request),
    }
    return render(request, "reviews/complaints/complaint_list.html", context)


def _prefill(request, form_data, *, create: bool = False) -> tuple[dict, dict]:
    """The event and subject named by the link (?event=<id>, ?subject=<kind>:<ref>); a new
    dining subject row is only written when the complaint is filed (`create`)."""
    found, errors = {}, {}
    event_id = str(form_data.get("event") or "")
    if is_id(event_id):
        found["event"] = (
            events_for(request.user).prefetch_related("subjects").filter(pk=event_id).first()
        )
        if found["event"] is None:
            errors["event"] = _("This service is not one of yours.")
    subject = form_data.get("subject")
    if subject:
        found["subject"] = subject_from_param(subject, create=create)
        if found["subject"] is None:
            errors["subject"] = _("We do not know what this link is about; choose the unit.")
    return found, errors


def _service_of(request, data) -> str:
    """The service ("repairs", "dining" …) the link is about, so that only its categories are
    offered; "" when the complaint is not about one service."""
    found, _errors = _prefill(request, data)
    if event := found.get("event"):
        return event.event_type.partition(".")[0]
    subject = found.get("subject")
    if subject is None:
        return ""
    if subject.kind == Subject.Kind.CATEGORY:
        return subject.ref.partition(":")[0]
    return subject.department.kind if subject.department else ""


@login_required
@require_http_methods(["GET", "POST"])
def complaint_new(request):
    """Files a complaint or suggestion; links from other pages prefill what it is about."""
    if request.method == "POST":
        if previous := idempotency.claim(request, "complaints.create"):
            return idempotency.repeat_answer(request, previous, reverse("reviews:complaint-list"))
        form = forms.ComplaintForm(request.POST, service=_service_of(request, request.POST))
        if form.is_valid():
            found, errors = _prefill(request, form.cleaned_data, create=True)
            for field, message in errors.items():
                form.add_error(field if field in form.fields else None, message)
            if not errors:
                complaint = _create(request, form, found)
                if complaint is not None:
                    messages.success(
                        request,
                        _("Thank you. Your case number is %(number)s.")
                        % {"number": complaint.number},
                    )
                    url = complaint.get_absolute_url()
                    idempotency.done(request, "complaints.create", url)
                    return redirect(url)
        idempotency.release(request, "complaints.create")
    else:
        initial = {
            "event": request.GET.get("event") if is_id(request.GET.get("event")) else None,
            "subject": (request.GET.get("subject") or "")[:80],
            "kind": request.GET.get("kind")
            if request.GET.get("kind") in Complaint.Kind.values
            else "complaint",
        }
        form = forms.ComplaintForm(initial=initial, service=_service_of(request, request.GET))
    about, _errors = _prefill(request, {k: form[k].value() for k in ("event", "subject")})
    context = {
        "form": form,
        "about_event": about.get("event"),
        "about_subject": about.get("subject"),
    }
    return render(request, "reviews/complaints/complaint_form.html", context)


def _create(request, form, found):
    data = form.cleaned_data
    subject = found.get("subject") or data["category"]
    try:
        return services.complaint_create(
            author=request.user,
            kind=data["kind"],
            title=data["title"],
            body=data["body"],
            subject=subject,
            event=found.get("event"),
            department=data["department"],
            public_ok=data["public_ok"],
        )
    except ValidationError as error:
        for field, problems in error.message_dict.items():
            for problem in problems:
                form.add_error(field if field in form.fields else None, problem)
    return None


def _visible(user, pk: int) -> Complaint:
    return get_object_or_404(complaints_for(user), pk=pk)


@login_required
def complaint_detail(request, pk: int):
    complaint = _visible(request.user, pk)
    entries = complaint.entries.select_related("actor").order_by("created_at", "id")
    actions = complaint.allowed_actions(request.user)
    context = {
        "complaint": complaint,
        "entries": [(entry, ACTION_LABELS.get(entry.action, entry.action)) for entry in entries],
        "actions": actions,
        "forms": {name: ACTIONS[name].form(prefix=name) for name in actions},
        "is_author": complaint.author_id == request.user.pk,
        "acknowledge_overdue": acknowledge_overdue(complaint),
        "resolve_overdue": resolve_overdue(complaint),
    }
    return render(request, "reviews/complaints/complaint_detail.html", context)


class ComplaintActionView(ObjectActionView):
    """POST complaints/<pk>/<action>/: one step of the rule table (logistics.views.actions)."""

    machine = TRANSITIONS
    actions = ACTIONS
    form_prefix = True

    def get_queryset(self, request: HttpRequest) -> QuerySet[Complaint]:
        return complaints_for(request.user)

    def gone_url(self, request: HttpRequest, obj: Complaint) -> str:
        return reverse("reviews:complaint-list")  # passed to another department: out of sight


complaint_action = ComplaintActionView.as_view()


def complaint_board(request):
    """Resolved suggestions whose authors opted in: no names, no numbers, the public replies."""
    public_entries = Prefetch(
        "entries",
        queryset=ComplaintEntry.objects.filter(is_public=True).order_by("created_at", "id"),
        to_attr="public_entries",
    )
    page = keyset_page(request, board().prefetch_related(public_entries), BOARD_PAGE_SIZE)
    items = [
        {
            "title": mask(c.title),
            "body": mask(c.body),
            "department": c.department,
            "month": timezone.localtime(c.resolved_at or c.created_at),
            "replies": [mask(e.note) for e in c.public_entries],
            "closed": c.status == Complaint.Status.CLOSED,
        }
        for c in page.object_list
    ]
    context = {"page": page, "items": items, "query": ""}
    return render(request, "reviews/complaints/board.html", context)
