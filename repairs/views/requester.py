"""Requester pages: my repairs, reporting a fault (with the duplicate hint), a request's page."""

from functools import partial

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from logistics import idempotency
from logistics.keyset import keyset_page
from logistics.models import Building, Room
from logistics.workflow import DomainError, show_error
from repairs import services
from repairs.forms import RepairRequestForm, category_groups, leaf_categories
from repairs.models import RepairFollower, RepairRequest
from repairs.permissions import may_dispatch
from repairs.public import known_outages
from repairs.querysets import similar_open_requests
from repairs.views.actions import action_forms
from repairs.views.common import (
    PAGE_SIZE,
    cached_body,
    is_technician,
    role_links,
    safe_next,
)
from repairs.views.request_page import (
    draw_request_page,
    page_request,
    page_version,
    show_request_page,
)
from repairs.workflow import OPEN_STATUSES

Status = RepairRequest.Status
SIMILAR_SHOWN = 3


@login_required
@require_GET
def index(request):
    """The entry: a dispatcher lands on the queue, a technician on the workbench, others on
    their own requests."""
    if may_dispatch(request.user):
        return redirect("repairs:queue")
    if is_technician(request.user):
        return redirect("repairs:workbench")
    return my_requests(request)


@login_required
@require_GET
def my_requests(request):
    show_all = request.GET.get("show") == "all"
    requests = RepairRequest.objects.for_user(request.user).filter(requester=request.user)
    if not show_all:
        requests = requests.filter(status__in=(*OPEN_STATUSES, Status.COMPLETED))
    context = {
        "page": keyset_page(request, requests.for_list(), PAGE_SIZE),
        "show_all": show_all,
        "query": "show=all" if show_all else "",
        "links": role_links(request.user),
    }
    return render(request, "repairs/request_list.html", context)


# --- Reporting --------------------------------------------------------------------------------


def _int(value) -> int | None:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if 0 < number < 2**31 else None


def _initial(request) -> dict:
    """Pre-filled values: a QR code's room or building, else the requester's dorm room."""
    user, initial = request.user, {"contact_phone": request.user.phone}
    room = None
    if room_id := _int(request.GET.get("room")):
        room = Room.objects.select_related("building").filter(pk=room_id).first()
    if room is None and (building_id := _int(request.GET.get("building"))):
        initial["building"] = Building.objects.filter(pk=building_id).first()
    elif room is None and user.dorm_room_id:
        room = Room.objects.select_related("building").filter(pk=user.dorm_room_id).first()
    if room is not None:
        initial.update(building=room.building, room_number=room.number)
    if category_id := _int(request.GET.get("category")):
        initial["category"] = category_id
    return initial


def _apply_service_errors(form, error: ValidationError) -> None:
    """Puts a service's ValidationError on the form's fields (or on the form as a whole)."""
    field_of = {"room": "room_number", "answers": None}
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, messages_ in error.message_dict.items():
        name = field_of.get(field, field)
        form.add_error(name if name in form.fields else None, messages_)


@login_required
@require_http_methods(["GET", "POST"])
def create(request):
    """Report a fault: one page, phone first; bad input re-renders with everything kept."""
    if request.method == "POST":
        if previous := idempotency.claim(request, "repairs.create"):
            return idempotency.repeat_answer(request, previous, reverse("repairs:mine"))
        form = RepairRequestForm(request.POST, request.FILES, owner=request.user)
        if form.is_valid():
            try:
                repair = services.repair_request_create(
                    requester=request.user, **form.service_kwargs()
                )
            except ValidationError as error:
                _apply_service_errors(form, error)
            except DomainError as error:
                show_error(request, error, form)
            else:
                messages.success(
                    request,
                    _("Thank you. Your request %(number)s was sent.") % {"number": repair.number},
                )
                idempotency.done(request, "repairs.create", repair.get_absolute_url())
                return redirect(repair)
        idempotency.release(request, "repairs.create")
    else:
        form = RepairRequestForm(initial=_initial(request))
    return _create_page(request, form)


def _create_page(request, form):
    selected = form.selected_category_id()
    groups = [
        {"parent": parent, "leaves": leaves, "open": any(c.pk == selected for c in leaves)}
        for parent, leaves in category_groups(leaf_categories())
    ]
    context = {
        "form": form,
        "category_groups": groups,
        "selected_category": selected,
        **_similar_context(form, request.user),
        "outages": known_outages(_form_room(form)),
    }
    return render(request, "repairs/request_form.html", context, status=400 if form.errors else 200)


def _similar_for(form) -> list:
    """Open requests for the same room and category as the form names (for the hint)."""
    values = form.data if form.is_bound else form.initial
    category_id = form.selected_category_id()
    building = values.get("building")
    building_id = getattr(building, "pk", None) or _int(building)
    number = (values.get("room_number") or "").strip()
    if not (category_id and building_id and number):
        return []
    room = Room.objects.filter(building_id=building_id, number__iexact=number).first()
    if room is None:
        return []
    similar = similar_open_requests(category=category_id, room=room)
    return list(similar.select_related("category", "room__building")[:SIMILAR_SHOWN])


def _form_room(form) -> Room | None:
    """The room the form names (for the outages known there)."""
    values = form.data if form.is_bound else form.initial
    building = values.get("building")
    building_id = getattr(building, "pk", None) or _int(building)
    number = (values.get("room_number") or "").strip()
    if not (building_id and number):
        return None
    return Room.objects.filter(building_id=building_id, number__iexact=number).first()


@login_required
@require_GET
def create_questions(request):
    """The category's extra questions as fields (htmx swaps them in when the category changes)."""
    form = RepairRequestForm(initial={"category": request.GET.get("category")})
    return render(request, "repairs/includes/_questions.html", {"form": form})


@login_required
@require_GET
def similar(request):
    """The "already reported — follow it instead?" hint for the chosen category and room."""
    form = RepairRequestForm(data=request.GET)
    context = _similar_context(form, request.user)
    return render(request, "repairs/includes/_similar.html", context)


def _similar_context(form, user) -> dict:
    similar = _similar_for(form)
    followed = set(
        RepairFollower.objects.filter(user=user, repair__in=similar).values_list(
            "repair_id", flat=True
        )
    )
    return {"similar": similar, "followed": followed}


@login_required
@require_POST
def follow(request, pk: int):
    """Follow an open request someone else filed (from the "already reported" hint) instead of
    reporting the same fault again. Only its number, category, place and status are shown."""
    repair = get_object_or_404(RepairRequest.objects.open(), pk=pk)
    try:
        services.repair_request_follow(repair=repair, user=request.user)
    except DomainError as error:
        text, ok = str(error.message), False
    else:
        text, ok = (
            _("You follow %(number)s: you will be told of its progress.")
            % {"number": repair.number},
            True,
        )
    if request.htmx:
        context = {"similar": [repair], "followed": {repair.pk} if ok else set(), "note": text}
        return render(request, "repairs/includes/_similar.html", context)
    (messages.success if ok else messages.info)(request, text)
    return redirect(safe_next(request, reverse("repairs:mine")))


# --- A request's page -------------------------------------------------------------------------


@login_required
@require_GET
def detail(request, pk: int):
    """A request's page as it is first shown (no form filled in), kept whole per reader
    (`cached_body`); 404 when the reader may not see the request."""

    def draw() -> tuple[str, str, str]:
        repair = page_request(request.user, pk)
        forms = action_forms(repair.allowed_actions(request.user))
        return draw_request_page(request, repair, forms)

    version = partial(page_version, request.user, pk)
    return show_request_page(request, cached_body(request, "page", (pk,), draw, version=version))
