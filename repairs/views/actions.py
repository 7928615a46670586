"""The action endpoints of a request (POST only): parse the form, call the service, answer.

A refused action (wrong state, someone else was faster, bad input) becomes a message and a
redirect back, or the updated job card for htmx; PermissionDenied is the 403 page and a request
the user may not see is 404. Never a 500.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from repairs import forms, services
from repairs.errors import RepairError
from repairs.models import RepairRequest
from repairs.views.common import get_visible_request, redirect_next, visible_requests
from repairs.views.workbench import job_queryset


@dataclass(frozen=True)
class Action:
    """One transition as the pages offer it: its form, its service call and its message."""

    form: type
    call: Callable  # (repair, user, cleaned_data) -> result
    done: str


ACTIONS: dict[str, Action] = {
    "cancel": Action(
        forms.CancelForm,
        lambda r, u, d: services.repair_request_cancel(request=r, by=u, reason=d["reason"]),
        _("The request was cancelled."),
    ),
    "confirm": Action(
        forms.RatingForm,
        lambda r, u, d: services.repair_request_confirm(
            request=r, by=u, rating=d["rating"], comment=d["comment"], **_review_input(d)
        ),
        _("Thank you for confirming the repair."),
    ),
    "rate": Action(
        forms.RateForm,
        lambda r, u, d: services.repair_request_rate(
            request=r, by=u, rating=d["rating"], comment=d["comment"], **_review_input(d)
        ),
        _("Thank you for your rating."),
    ),
    "reopen": Action(
        forms.ReasonForm,
        lambda r, u, d: services.repair_request_reopen(request=r, by=u, reason=d["reason"]),
        _("The request was reopened and goes back to the technician."),
    ),
    "accept": Action(
        forms.NoteForm,
        lambda r, u, d: services.repair_request_accept(request=r, by=u, note=d["note"]),
        _("The request was accepted."),
    ),
    "reject": Action(
        forms.ReasonForm,
        lambda r, u, d: services.repair_request_reject(request=r, by=u, reason=d["reason"]),
        _("The request was rejected."),
    ),
    "assign": Action(
        forms.AssignForm,
        lambda r, u, d: services.repair_request_assign(
            request=r, technician=d["technician"], by=u, note=d["note"]
        ),
        _("The request was assigned."),
    ),
    "start": Action(
        forms.NoteForm,
        lambda r, u, d: services.repair_request_start(request=r, by=u, note=d["note"]),
        _("Work started."),
    ),
    "hold": Action(
        forms.ReasonForm,
        lambda r, u, d: services.repair_request_hold(request=r, by=u, reason=d["reason"]),
        _("The job is on hold; its clock is paused."),
    ),
    "resume": Action(
        forms.NoteForm,
        lambda r, u, d: services.repair_request_resume(request=r, by=u, note=d["note"]),
        _("Work resumed."),
    ),
    "hand_back": Action(
        forms.ReasonForm,
        lambda r, u, d: services.repair_request_hand_back(request=r, by=u, reason=d["reason"]),
        _("The job was handed back to the dispatcher."),
    ),
    "complete": Action(
        forms.CompleteForm,
        lambda r, u, d: services.repair_request_complete(
            request=r,
            by=u,
            note=d["note"],
            labour_minutes=d["labour_minutes"],
            materials=d["materials"],
            photos=d["photos"],
        ),
        _("The job is marked completed."),
    ),
    "comment": Action(
        forms.CommentForm,
        lambda r, u, d: services.repair_request_comment(
            request=r, by=u, note=d["note"], photos=d["photos"]
        ),
        _("Your comment was added."),
    ),
}


def _review_input(data: dict) -> dict:
    """Dimension scores and "anonymous to staff" of the rating forms (repairs.reviews)."""
    scores = {k: data[k] for k in ("speed", "quality", "attitude") if data.get(k)}
    return {"scores": scores, "anonymous": bool(data.get("anonymous"))}


def error_text(error: Exception) -> str:
    if isinstance(error, RepairError):
        return str(error.message)
    if isinstance(error, ValidationError):
        return " ".join(str(m) for m in error.messages)
    return str(error)


def form_error_text(form) -> str:
    return " ".join(str(m) for errors in form.errors.values() for m in errors)


@login_required
@require_POST
def act(request, pk: int, action: str):
    """Runs one action on a request the user may see."""
    spec = ACTIONS[action]
    repair = get_visible_request(request.user, pk)
    form = spec.form(request.POST, request.FILES)
    if not form.is_valid():
        return _answer(request, repair, ok=False, text=form_error_text(form))
    try:
        spec.call(repair, request.user, form.cleaned_data)
    except (RepairError, ValidationError) as error:
        return _answer(request, repair, ok=False, text=error_text(error))
    return _answer(request, repair, ok=True, text=str(spec.done))


def _answer(request, repair: RepairRequest, *, ok: bool, text: str):
    """The updated job card for htmx; otherwise a message and a redirect back."""
    if request.htmx:
        job = job_queryset(request.user).filter(pk=repair.pk).first()
        context = {"job": job, "card_message": text, "card_ok": ok, "gone_pk": repair.pk}
        return render(request, "repairs/includes/_job_card.html", context)
    (messages.success if ok else messages.error)(request, text)
    if visible_requests(request.user).filter(pk=repair.pk).exists():
        return redirect_next(request, repair.get_absolute_url())
    # Handed back or otherwise out of the user's sight now: back to their entry page.
    return redirect("repairs:index")
