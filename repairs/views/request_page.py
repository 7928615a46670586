"""A request's page: its facts, timeline and the actions the user may take, each with its form
(the action view draws it again, with a form that came back with errors)."""

from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from logistics.i18n import join_list
from repairs.models import RepairRequest
from repairs.querysets import photo_lists
from repairs.reviews import existing_repair_event, repair_review
from repairs.views.common import action_label, role_links


def detail_queryset(user):
    return RepairRequest.objects.for_user(user).for_detail()


def request_page(request, repair: RepairRequest, forms: dict, *, status: int = 200) -> HttpResponse:
    """The page of `repair` with the forms of its allowed actions (name -> form)."""
    events = list(repair.events.select_related("actor").prefetch_related(photo_lists()))
    for event in events:
        event.label = action_label(event)
    actions = list(forms)
    context = {
        "repair": repair,
        "events": events,
        "report_photos": [p for e in events for p in e.photos_in_order if p.kind == "report"],
        "answers": _answers(repair),
        "links": role_links(request.user),
        "my_review": _my_review(repair, request.user),
        "complaint_url": _complaint_url(repair, request.user),
        # The one-tap forms come back here, also from a page drawn at an action's address.
        "page_path": repair.get_absolute_url(),
        "actions": actions,
        "forms": forms,
        "one_tap": _one_tap(actions),
        "reason_actions": _reason_actions(actions, forms),
    }
    return render(request, "repairs/request_detail.html", context, status=status)


def _my_review(repair, user):
    """The requester's review in the reviews system (its page: edit within the time allowed)."""
    if repair.rating is None or repair.requester_id != user.pk:
        return None
    return repair_review(repair)


def _complaint_url(repair, user) -> str:
    """For the requester of a finished repair: a complaint about it, linked to its event."""
    if repair.requester_id != user.pk or repair.completed_at is None:
        return ""
    event = existing_repair_event(repair)
    if event is None:
        return ""
    return f"{reverse('reviews:complaint-new')}?event={event.pk}"


def _answers(repair) -> list[dict]:
    """The answers to the category's questions, labelled (one query, only when there are any)."""
    if not repair.answers:
        return []
    questions = {q.code: q for q in repair.category.questions.all()}
    rows = []
    for code, value in repair.answers.items():
        question = questions.get(code)
        if question is not None and question.choices:
            names = {str(c.get("key")): c.get("name", c.get("key")) for c in question.choices}
            values = value if isinstance(value, list) else [value]
            value = join_list(names.get(str(v), v) for v in values)
        elif isinstance(value, list):
            value = join_list(value)
        rows.append({"label": question.localized_label if question else code, "value": value})
    return rows


def _one_tap(actions: list[str]) -> list[tuple[str, str]]:
    """Actions without input: (URL name, button)."""
    buttons = [
        ("accept", _("Accept")),
        ("start", _("Start work")),
        ("resume", _("Resume work")),
        ("close", _("Close the request")),
    ]
    return [(f"repairs:{name}", label) for name, label in buttons if name in actions]


def _reason_actions(actions: list[str], forms: dict) -> list[dict]:
    """Actions that ask for a reason, each folded under its summary."""
    specs = [
        ("cancel", "repairs:cancel", _("Cancel this request"), _("Cancel the request")),
        ("reopen", "repairs:reopen", _("Not fixed? Reopen it"), _("Reopen")),
        ("reject", "repairs:reject", _("Reject"), _("Reject the request")),
        ("hold", "repairs:hold", _("Put on hold (waiting for parts)"), _("Put on hold")),
        ("hand_back", "repairs:hand-back", _("Hand back to the dispatcher"), _("Hand back")),
    ]
    return [
        {"url_name": url, "summary": summary, "button": button, "form": forms[name]}
        for name, url, summary, button in specs
        if name in actions
    ]
