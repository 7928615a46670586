"""The action endpoints of a request (POST only): logistics.views.actions.ObjectActionView with
the repairs' rule table, forms and service calls.

A refused action (wrong state, someone else was faster, bad input) becomes a message and a
redirect back, or the updated job card for htmx; an action the user may not take at all is the
403 page and a request the user may not see is 404. Never a 500.
"""

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from logistics.views.actions import Action, ObjectActionView
from repairs import forms, services
from repairs.models import RepairRequest
from repairs.views.common import safe_next, visible_requests
from repairs.views.workbench import done_today, job_queryset
from repairs.workflow import TRANSITIONS

ACTIONS: dict[str, Action] = {
    "cancel": Action(
        forms.CancelForm,
        lambda r, u, d: services.repair_request_cancel(repair=r, by=u, reason=d["reason"]),
        _("The request was cancelled."),
    ),
    "confirm": Action(
        forms.RatingForm,
        lambda r, u, d: services.repair_request_confirm(
            repair=r, by=u, rating=d["rating"], comment=d["comment"], **_review_input(d)
        ),
        _("Thank you for confirming the repair."),
    ),
    "rate": Action(
        forms.RateForm,
        lambda r, u, d: services.repair_request_rate(
            repair=r, by=u, rating=d["rating"], comment=d["comment"], **_review_input(d)
        ),
        _("Thank you for your rating."),
    ),
    "reopen": Action(
        forms.ReasonForm,
        lambda r, u, d: services.repair_request_reopen(repair=r, by=u, reason=d["reason"]),
        _("The request was reopened and goes back to the technician."),
    ),
    "accept": Action(
        forms.NoteForm,
        lambda r, u, d: services.repair_request_accept(repair=r, by=u, note=d["note"]),
        _("The request was accepted."),
    ),
    "reject": Action(
        forms.ReasonForm,
        lambda r, u, d: services.repair_request_reject(repair=r, by=u, reason=d["reason"]),
        _("The request was rejected."),
    ),
    "assign": Action(
        forms.AssignForm,
        lambda r, u, d: services.repair_request_assign(
            repair=r, technician=d["technician"], by=u, note=d["note"]
        ),
        _("The request was assigned."),
    ),
    "start": Action(
        forms.NoteForm,
        lambda r, u, d: services.repair_request_start(repair=r, by=u, note=d["note"]),
        _("Work started."),
    ),
    "hold": Action(
        forms.ReasonForm,
        lambda r, u, d: services.repair_request_hold(repair=r, by=u, reason=d["reason"]),
        _("The job is on hold; its clock is paused."),
    ),
    "resume": Action(
        forms.NoteForm,
        lambda r, u, d: services.repair_request_resume(repair=r, by=u, note=d["note"]),
        _("Work resumed."),
    ),
    "hand_back": Action(
        forms.ReasonForm,
        lambda r, u, d: services.repair_request_hand_back(repair=r, by=u, reason=d["reason"]),
        _("The job was handed back to the dispatcher."),
    ),
    "complete": Action(
        forms.CompleteForm,
        lambda r, u, d: services.repair_request_complete(
            repair=r,
            by=u,
            note=d["note"],
            labour_minutes=d["labour_minutes"],
            materials=d["materials"],
            photos=d["photos"],
        ),
        _("The job is marked completed."),
    ),
    "close": Action(
        forms.NoteForm,
        lambda r, u, d: services.repair_request_close(repair=r, by=u),
        _("The request was closed."),
    ),
    "comment": Action(
        forms.CommentForm,
        lambda r, u, d: services.repair_request_comment(
            repair=r, by=u, note=d["note"], photos=d["photos"]
        ),
        _("Your comment was added."),
    ),
}


def _review_input(data: dict) -> dict:
    """Dimension scores and "anonymous to staff" of the rating forms (repairs.reviews)."""
    scores = {k: data[k] for k in ("speed", "quality", "attitude") if data.get(k)}
    return {"scores": scores, "anonymous": bool(data.get("anonymous"))}


class RepairActionView(ObjectActionView):
    machine = TRANSITIONS
    actions = ACTIONS

    def get_queryset(self, request: HttpRequest) -> QuerySet[RepairRequest]:
        return visible_requests(request.user)

    def success_url(self, request: HttpRequest, obj: RepairRequest) -> str:
        return safe_next(request, obj.get_absolute_url())

    def gone_url(self, request: HttpRequest, obj: RepairRequest) -> str:
        # Handed back or otherwise out of the user's sight now: back to their entry page.
        return reverse("repairs:index")

    def answer(
        self, request: HttpRequest, obj: RepairRequest, *, ok: bool, text: str
    ) -> HttpResponse:
        """The updated job card for htmx, with the workbench's "completed today" count swapped
        out of band; otherwise a redirect back."""
        if not request.htmx:
            return super().answer(request, obj, ok=ok, text=text)
        job = job_queryset(request.user).filter(pk=obj.pk).first()
        context = {
            "job": job,
            "card_message": text,
            "card_ok": ok,
            "gone_pk": obj.pk,
            "oob_done_today": done_today(request.user),
        }
        return render(request, "repairs/includes/_job_card.html", context)


act = RepairActionView.as_view()
