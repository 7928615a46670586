"""The clerk's counter: scan-in (htmx, one row per scan), the waiting and unknown-recipient
lists, picking a carrier, resolving a recipient, and the pickup (出库) screen."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from logistics.keyset import keyset_page
from logistics.workflow import DomainError, show_error
from parcels import pickup, services
from parcels.errors import NothingToPickUp, TooManyAttempts
from parcels.filters import ParcelFilterSet
from parcels.forms import CarrierForm, HandOverForm, LookupForm, ResolveForm, ScanForm
from parcels.models import Carrier, Parcel, Station
from parcels.recipients import mask_name
from parcels.views.common import (
    PAGE_SIZE,
    counter_station,
    is_htmx,
    station_parcel,
    works_at_counter,
)

Status = Parcel.Status


@login_required
@require_GET
def stations(request):
    if not works_at_counter(request.user):
        raise PermissionDenied
    mine = Station.objects.for_clerk(request.user).select_related("building")
    return render(request, "parcels/stations.html", {"stations": mine})


def _recent(station):
    return list(
        Parcel.objects.with_related()
        .filter(station=station, status=Status.WAITING)
        .order_by("-arrived_at", "-id")[:10]
    )


@login_required
@require_http_methods(["GET", "POST"])
def scan(request, station_pk: int):
    """The scan-in screen. A POST from the page's script (htmx) answers one result row; a plain
    form POST (no script) redirects back with a message."""
    station = counter_station(request, station_pk)
    if request.method == "GET":
        form = ScanForm(initial={"size": request.GET.get("size", "small")})
        return render(
            request,
            "parcels/scan.html",
            {"station": station, "form": form, "recent": _recent(station), "carriers": Carrier},
        )
    form = ScanForm(request.POST)
    context = {"station": station, "carriers": Carrier}
    if not form.is_valid():
        context["error"] = " ".join(str(e) for errors in form.errors.values() for e in errors)
        context["number"] = request.POST.get("number", "")[:60]
    else:
        try:
            result = services.parcel_scan_in(
                station=station,
                number=form.cleaned_data["number"],
                by=request.user,
                recipient_hint=form.cleaned_data["recipient"],
                size_class=form.cleaned_data["size"],
                carrier=form.cleaned_data["carrier"],
            )
        except DomainError as error:
            context["error"] = str(error.message)
            context["number"] = form.cleaned_data["number"]
        else:
            context["result"] = result
            context["parcel"] = result.parcel
    if is_htmx(request):
        return render(request, "parcels/includes/_scan_result.html", context)
    if "error" in context:
        messages.error(request, context["error"])
    elif not context["result"].created:
        messages.info(request, _("Already in stock: nothing changed."))
    else:
        messages.success(
            request, _("Stored at %(code)s.") % {"code": context["parcel"].pickup_code}
        )
    return redirect("parcels:scan", station.pk)


@login_required
@require_POST
def set_carrier(request, station_pk: int, pk: int):
    station = counter_station(request, station_pk)
    parcel = station_parcel(station, pk)
    form = CarrierForm(request.POST)
    context = {"station": station, "parcel": parcel, "carriers": Carrier}
    context["number"] = parcel.tracking_number
    if not form.is_valid():
        context["error"] = _("Choose a carrier from the list.")
    else:
        try:
            services.parcel_set_carrier(
                parcel=parcel, carrier=form.cleaned_data["carrier"], by=request.user
            )
        except DomainError as error:
            context["error"] = str(error.message)
    if is_htmx(request):
        return render(request, "parcels/includes/_scan_result.html", context)
    if "error" in context:
        messages.error(request, context["error"])
    return redirect("parcels:scan", station.pk)


@login_required
@require_GET
def waiting(request, station_pk: int):
    """The station's waiting parcels, newest first, searchable by number, name or code."""
    station = counter_station(request, station_pk)
    parcels = Parcel.objects.with_related().filter(station=station, status=Status.WAITING)
    filters = ParcelFilterSet(request.GET, queryset=parcels)
    page = keyset_page(request, filters.qs.order_by("-arrived_at", "-id"), PAGE_SIZE)
    return render(
        request,
        "parcels/waiting.html",
        {"station": station, "filters": filters, "page": page},
    )


@login_required
@require_http_methods(["GET", "POST"])
def unknown(request, station_pk: int):
    """Parcels whose recipient the label did not name clearly: the clerk finds the account."""
    station = counter_station(request, station_pk)
    form = None
    if request.method == "POST":
        parcel = station_parcel(station, _int(request.POST.get("parcel")))
        form = ResolveForm(request.POST)
        if form.is_valid():
            try:
                services.parcel_resolve_recipient(
                    parcel=parcel, recipient=form.cleaned_data["campus_id"], by=request.user
                )
            except DomainError as error:
                show_error(request, error)
            else:
                messages.success(
                    request,
                    _("%(code)s now belongs to its recipient.") % {"code": parcel.pickup_code},
                )
                return redirect("parcels:unknown", station.pk)
        else:
            messages.error(request, " ".join(form.errors.get("campus_id", [])))
    parcels = Parcel.objects.with_related().filter(
        station=station, status=Status.WAITING, recipient__isnull=True
    )
    page = keyset_page(request, parcels.order_by("-arrived_at", "-id"), PAGE_SIZE)
    return render(request, "parcels/unknown.html", {"station": station, "page": page})


def _int(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


@login_required
@require_http_methods(["GET", "POST"])
def pickup_counter(request, station_pk: int):
    """出库: look up by what the person shows or says, tick the parcels, confirm all at once."""
    station = counter_station(request, station_pk)
    text = (request.POST.get("q") or request.GET.get("q") or "").strip()
    context = {"station": station, "lookup_form": LookupForm(initial={"q": ""})}
    found = None
    if text:
        try:
            found = pickup.lookup(station=station, text=text, by=request.user)
        except (NothingToPickUp, TooManyAttempts) as error:
            context["error"] = str(error.message)
    if found is not None:
        form = HandOverForm(
            request.POST or None,
            request.FILES or None,
            parcels=found.parcels,
            initial={"q": text, "parcels": [p.pk for p in found.parcels]},
            owner=request.user,
        )
        if request.method == "POST":
            done = _hand_over(request, station, found, form)
            if done:
                return redirect("parcels:pickup", station.pk)
        context.update(found=found, form=form, groups=_groups(found))
    return render(request, "parcels/pickup.html", context)


def _groups(found):
    return [
        {
            "name": mask_name(
                group[0].recipient.get_display_name()
                if group[0].recipient
                else group[0].recipient_name
            ),
            "parcels": group,
        }
        for group in found.recipients
    ]


def _hand_over(request, station, found, form) -> bool:
    if not form.is_valid():
        return False
    chosen = [p for p in found.parcels if p.pk in set(form.cleaned_data["parcels"])]
    try:
        proof = services.parcels_hand_over(
            station=station,
            parcels=chosen,
            by=request.user,
            method=found.method,
            proxy=found.proxy,
            photo=form.cleaned_data.get("photo"),
        )
    except DomainError as error:
        show_error(request, error, form)
        return False
    text = ngettext(
        "Handed over %(count)d parcel to %(name)s.",
        "Handed over %(count)d parcels to %(name)s.",
        len(chosen),
    )
    messages.success(
        request, text % {"count": len(chosen), "name": mask_name(proof.collected_by_name)}
    )
    return True
