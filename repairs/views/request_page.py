"""A request's page: its facts, timeline and the actions the user may take, each with its form
(the action view draws it again, with a form that came back with errors)."""

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from logistics.cache import get_or_build_many, state_key
from logistics.forms import unbound_state
from logistics.i18n import join_list
from logistics.models.compiled import CompiledGet
from logistics.templatetags.portal_layout import CSRF
from repairs.choices import technician_choices
from repairs.models import RepairRequest
from repairs.permissions import may_dispatch
from repairs.querysets import photo_lists, request_state, visible_to, with_details
from repairs.reviews import existing_repair_event, repair_review
from repairs.views.common import action_label, role_links, with_token
from repairs.workflow import TRANSITIONS

# The page's row and its category (for_page) by key, in SQL compiled once per thread (the ORM
# compiling it was three quarters of the lookup); who may see it is asked of the row after
# (visible_to), and what its facts show besides only when they are drawn (`_kept_parts`).
PAGE_ROW = CompiledGet(lambda: RepairRequest.objects.for_page())


def page_request(user, pk: int) -> RepairRequest:
    """The request `pk` as its page reads it, if `user` may see it; 404 otherwise (never 403:
    its existence stays private)."""
    repair = PAGE_ROW.get(pk)
    if repair is None or not visible_to(user, repair):
        raise Http404
    return repair


def page_version(user, pk: int):
    """The version of a request's kept page (`cached_body`): the request's own updated_at,
    which every step, comment and sweep moves (tests/repairs/test_services.py), so a change to
    another request leaves the page kept — and where the page may offer its reader the assign
    form, the technicians it lists with their open jobs (the queue's cached dropdown, which
    the form shows), so the page is drawn again when those change, not at every change. None
    when there is no such request (the page draws its 404)."""
    state = request_state(pk)
    if state is None:
        return None
    updated_at, status = state
    if status in TRANSITIONS["assign"].sources and may_dispatch(user):
        return updated_at, state_key("repairs:technicians", technician_choices())
    return updated_at


def request_page(request, repair: RepairRequest, forms: dict, *, status: int = 200) -> HttpResponse:
    """The page of `repair` with the forms of its allowed actions (name -> form)."""
    return show_request_page(request, draw_request_page(request, repair, forms), status=status)


def draw_request_page(request, repair: RepairRequest, forms: dict) -> tuple[str, str, str]:
    """The page's title, its address and its body, with the CSRF slot for the forms' tokens."""
    # The one-tap forms come back here, also from a page drawn at an action's address.
    page_path = repair.get_absolute_url()
    about, actions_html = _kept_parts(repair, request.user, forms, page_path)
    context = {
        "repair": repair,
        "about": about,
        "page_path": page_path,
        "actions": list(forms),  # what actions_html offers (tests read it)
        "actions_html": actions_html,
    }
    body = render_to_string("repairs/includes/_request_body.html", context)
    return f"{repair.number} {repair.category}", page_path, body


def _kept_parts(repair: RepairRequest, user, forms: dict, page_path: str) -> tuple[dict, str]:
    """The request's facts and timeline (`_about_key`) and the actions with their forms
    (`_actions_key`), both read from the cache in one round trip; a part missing there is
    drawn and stored. Actions whose forms cannot be kept are drawn each time."""
    keys = {"about": _about_key(repair, user)}
    draw = {
        "about": lambda: _draw_about(with_details(repair), user),
        "actions": lambda: _draw_actions(repair, forms, page_path),
    }
    actions_key = _actions_key(repair, forms, page_path) if forms else None
    if actions_key is not None:
        keys["actions"] = actions_key
    found = get_or_build_many(keys, lambda missing: {p: draw[p]() for p in missing}, ABOUT_SECONDS)
    if not forms:
        return found["about"], ""
    return found["about"], found["actions"] if actions_key is not None else draw["actions"]()


def _actions_key(repair: RepairRequest, forms: dict, page_path: str) -> str | None:
    """The cache key of the actions the reader may take with their new forms: the request, its
    status, whether it has a technician (assign or reassign), the actions, the language and
    everything the forms draw (`unbound_state`). Readers who may do the same share it, and a
    comment or another reader's first view does not draw Django's field templates again —
    they were a third of a drawn page. None for forms that came back with errors: drawn each
    time."""
    state = unbound_state(forms)
    if state is None:
        return None
    return state_key(
        "repairs:actions",
        repair.pk,
        repair.status,
        repair.assignee_id is None,
        page_path,
        get_language(),
        timezone.get_current_timezone_name(),
        state,
    )


def _draw_actions(repair: RepairRequest, forms: dict, page_path: str) -> str:
    """The actions the reader may take with their forms, as HTML with the CSRF slot."""
    actions = list(forms)
    context = {
        "repair": repair,
        "page_path": page_path,
        "actions": actions,
        "forms": forms,
        "one_tap": _one_tap(actions),
        "reason_actions": _reason_actions(actions, forms),
        "csrf_token": CSRF,
    }
    return mark_safe(  # noqa: S308 (rendered)
        render_to_string("repairs/includes/_actions.html", context)
    )


def show_request_page(request, drawn: tuple[str, str, str], *, status: int = 200) -> HttpResponse:
    """The page around a drawn title and body, the body with this request's CSRF token."""
    title, page_path, body = drawn
    context = {
        "title": title,
        "body": with_token(request, body),
        "links": role_links(request.user),
        "page_path": page_path,  # the language switch leads back here, also from an action's
    }
    return render(request, "repairs/request_detail.html", context, status=status)


# A renamed category, place or person shows on a request's page within these seconds; what
# the request and its timeline are is in the key (_about_key).
ABOUT_SECONDS = 300


def _about_key(repair: RepairRequest, user) -> str:
    """The cache key of the request's facts and its timeline as HTML: the request's state (its
    updated_at, which every step that adds to its timeline moves, comments and the beat's
    sweeps included: tests/repairs/test_services.py), the language, the time zone and whether
    the reader filed it (their review and complaint links). What the reader may do is apart
    (`_actions_key`)."""
    return state_key(
        "repairs:about",
        repair.pk,
        repair.updated_at.isoformat(),
        repair.requester_id == user.pk,
        get_language(),
        timezone.get_current_timezone_name(),
    )


def _draw_about(repair: RepairRequest, user) -> dict[str, str]:
    events = list(repair.events.select_related("actor").prefetch_related(photo_lists()))
    for event in events:
        event.label = action_label(event)
    facts = {
        "repair": repair,
        "user": user,
        "report_photos": [p for e in events for p in e.photos_in_order if p.kind == "report"],
        "answers": _answers(repair),
        "my_review": _my_review(repair, user),
        "complaint_url": _complaint_url(repair, user),
    }
    return {
        "facts": mark_safe(render_to_string("repairs/includes/_facts.html", facts)),  # noqa: S308
        "timeline": mark_safe(  # noqa: S308 (rendered)
            render_to_string("repairs/includes/_timeline.html", {"events": events})
        ),
    }


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
