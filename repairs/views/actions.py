"""The action endpoints of a request (POST only): logistics.views.actions.ObjectActionView with
the repairs' rule table, forms and service calls.

A refused action (wrong state, someone else was faster, bad input) becomes a message and a
redirect back, or the updated job card for htmx; an action the user may not take at all is the
403 page and a request the user may not see is 404. Never a 500. A comment or a completion with
photos that comes back with an error is the request's page (or the job card) with the form
filled in and the photos kept.
"""

from django import forms as django_forms
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from logistics.views.actions import Action, ObjectActionView
from repairs import forms, services
from repairs.models import RepairRequest
from repairs.views.common import safe_next, visible_requests
from repairs.views.request_page import page_request, request_page
from repairs.views.workbench import done_today, job_queryset, with_complete_form
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


def action_forms(actions: list[str], bound: dict | None = None) -> dict:
    """The forms of `actions` as the request's page shows them, `bound` ones (name -> form)
    instead of new ones; every field id is id_<action>_<field>."""
    forms = {}
    for name in actions:
        form = (bound or {}).get(name) or ACTIONS[name].form()
        form.auto_id = f"id_{name}_%s"
        forms[name] = form
    return forms


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
        return self._card(request, obj, ok=ok, text=text)

    def form_page(
        self, request: HttpRequest, obj: RepairRequest, *, action: str, form: django_forms.Form
    ) -> HttpResponse:
        """The job card (htmx: 200, which htmx swaps in) or the request's page (400) with `form`
        filled in."""
        if request.htmx:  # the form's error summary says it
            return self._card(request, obj, ok=False, text="", form=form)
        repair = page_request(request.user, obj.pk)  # as its page reads it
        forms = action_forms(repair.allowed_actions(request.user), bound={action: form})
        return request_page(request, repair, forms, status=400)

    def _card(
        self, request: HttpRequest, obj: RepairRequest, *, ok: bool, text: str, form=None
    ) -> HttpResponse:
        job = job_queryset(request.user).filter(pk=obj.pk).first()
        if job is not None:
            with_complete_form(job, form)
        context = {
            "job": job,
            "card_message": text,
            "card_ok": ok,
            "gone_pk": obj.pk,
            "oob_done_today": done_today(request.user),
        }
        return render(request, "repairs/includes/_job_card.html", context)


act = RepairActionView.as_view()
