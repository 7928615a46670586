"""Inspection pages: rounds (plan, figures), the walk room by room on a phone, hazards."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from logistics.keyset import keyset_page, other_params
from logistics.models import Room
from logistics.uploads import private_image_response
from logistics.workflow import DomainError, show_error

from . import services
from .figures import round_figures
from .forms import HazardForm, RecheckForm, RoundForm
from .models import Hazard, InspectionRound, RoomCheck
from .querysets import can_plan_rounds
from .workflow import HAZARD_MACHINE

PAGE_SIZE = 20


def _round(user, pk: int) -> InspectionRound:
    return get_object_or_404(InspectionRound.objects.for_user(user), pk=pk)


def _hazard(user, pk: int) -> Hazard:
    hazards = Hazard.objects.for_user(user).select_related(
        "room__building", "round", "room_check__inspector"
    )
    return get_object_or_404(hazards, pk=pk)


@login_required
@require_GET
def round_list(request):
    rounds = InspectionRound.objects.for_user(request.user).order_by("-starts_on", "-id")
    context = {
        "page": keyset_page(request, rounds, PAGE_SIZE),
        "query": other_params(request),
        "can_plan": can_plan_rounds(request.user),
    }
    return render(request, "dorms/inspections/round_list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def round_create(request):
    if not can_plan_rounds(request.user):
        raise PermissionDenied
    form = RoundForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            planned = services.inspection_round_plan(
                by=request.user,
                **{name: form.cleaned_data[name] for name in ("title", "starts_on", "ends_on")},
                buildings=list(form.cleaned_data["buildings"]),
                inspectors=list(form.cleaned_data["inspectors"]),
                notice_body=form.cleaned_data.get("notice_body") or "",
            )
        except DomainError as error:
            show_error(request, error, form)
        else:
            messages.success(request, _("The round is planned and its notice published."))
            return redirect(planned)
    status = 400 if form.errors else 200
    return render(request, "dorms/inspections/round_form.html", {"form": form}, status=status)


@login_required
@require_GET
def round_detail(request, pk: int):
    inspection_round = _round(request.user, pk)
    context = {
        "round": inspection_round,
        "figures": round_figures(inspection_round),
        "inspectors": list(inspection_round.inspectors.order_by("username")),
    }
    return render(request, "dorms/inspections/round_detail.html", context)


@login_required
@require_GET
def round_walk(request, pk: int, building_pk: int):
    """The rooms of a building (one floor at a time) with what was recorded in each."""
    inspection_round = _round(request.user, pk)
    building = get_object_or_404(inspection_round.buildings.all(), pk=building_pk)
    rooms = Room.objects.filter(building=building, kind=Room.Kind.DORM)
    floors = sorted(set(rooms.values_list("floor", flat=True)))
    floor = _int(request.GET.get("floor"))
    floor = floor if floor in floors else (floors[0] if floors else None)
    checks = RoomCheck.objects.filter(round=inspection_round, building=building)
    recorded = {c.room_id: c for c in checks.filter(room__floor=floor)}
    listed = list(rooms.filter(floor=floor).order_by("number", "pk"))
    context = {
        "round": inspection_round,
        "building": building,
        "floors": floors,
        "floor": floor,
        "rooms": [{"room": r, "check": recorded.get(r.pk)} for r in listed],
    }
    return render(request, "dorms/inspections/round_walk.html", context)


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


@login_required
@require_http_methods(["GET", "POST"])
def room_record(request, pk: int, room_pk: int):
    """One room: passed with one tap, or its hazards one by one, each with a photo."""
    inspection_round = _round(request.user, pk)
    room = get_object_or_404(
        Room.objects.select_related("building").filter(
            building__in=inspection_round.buildings.all()
        ),
        pk=room_pk,
    )
    hazards = Prefetch("hazards", queryset=Hazard.objects.order_by("pk"))
    check = (
        RoomCheck.objects.filter(round=inspection_round, room=room)
        .prefetch_related(hazards)
        .first()
    )
    form = HazardForm()
    if request.method == "POST":
        form, done = _record(request, inspection_round, room, check)
        if done:
            return redirect(request.path)
    context = {"round": inspection_round, "room": room, "check": check, "form": form}
    return render(
        request, "dorms/inspections/room_record.html", context, status=400 if form.errors else 200
    )


def _record(request, inspection_round, room, check):
    if request.POST.get("outcome") == "passed":
        form = HazardForm()
        try:
            services.room_check_record(
                inspection_round=inspection_round, room=room, by=request.user
            )
        except DomainError as error:
            show_error(request, error)
            return form, True
        messages.success(request, _("Room %(number)s passed.") % {"number": room.number})
        return form, True
    form = HazardForm(request.POST, request.FILES, owner=request.user)
    if not form.is_valid():
        return form, False
    try:
        if check is None:
            services.room_check_record(
                inspection_round=inspection_round, room=room, by=request.user, hazards=[form.spec()]
            )
        else:
            services.hazard_add(check=check, spec=form.spec(), by=request.user)
    except DomainError as error:
        show_error(request, error, form)
        return form, False
    messages.success(request, _("The hazard is recorded; the residents are told."))
    return HazardForm(), True


@login_required
@require_GET
def hazard_list(request):
    """Open hazards nearest deadline first (managers, inspectors); ?overdue=1 only overdue,
    ?building=<id> only one building's (what the command centre links to)."""
    hazards = (
        Hazard.objects.for_user(request.user)
        .open()
        .select_related("room__building", "round")
        .order_by("deadline", "id")
    )
    overdue = request.GET.get("overdue") == "1"
    if overdue:
        hazards = hazards.overdue()
    building = request.GET.get("building", "")
    if building.isdigit() and len(building) < 10:
        hazards = hazards.in_buildings([int(building)])
    context = {
        "page": keyset_page(request, hazards, PAGE_SIZE),
        "query": other_params(request),
        "overdue": overdue,
        "now": timezone.now(),
    }
    return render(request, "dorms/inspections/hazard_list.html", context)


@login_required
@require_GET
def hazard_detail(request, pk: int):
    hazard = _hazard(request.user, pk)
    context = {
        "hazard": hazard,
        "actions": HAZARD_MACHINE.allowed_actions(hazard, request.user),
        "now": timezone.now(),
    }
    return render(request, "dorms/inspections/hazard_detail.html", context)


@login_required
@require_POST
def hazard_confirm(request, pk: int):
    hazard = _hazard(request.user, pk)
    try:
        services.hazard_confirm_fix(hazard=hazard, by=request.user)
    except DomainError as error:
        show_error(request, error)
    else:
        messages.success(request, _("Thank you. An inspector will re-check it."))
    return redirect(hazard)


@login_required
@require_POST
def hazard_recheck(request, pk: int):
    hazard = _hazard(request.user, pk)
    form = RecheckForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say whether the hazard is fixed."))
        return redirect(hazard)
    try:
        services.hazard_recheck(hazard=hazard, by=request.user, fixed=form.cleaned_data["fixed"])
    except DomainError as error:
        show_error(request, error)
    else:
        messages.success(request, _("The re-check is recorded."))
    return redirect(hazard)


@login_required
@require_GET
def hazard_photo(request, pk: int):
    hazard = _hazard(request.user, pk)
    if not hazard.photo:
        raise Http404
    return private_image_response(hazard.photo)
