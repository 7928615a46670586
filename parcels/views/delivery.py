"""Delivery preference (the recipient's consent) and the clerk's delivery run per building."""

from itertools import groupby

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from logistics.workflow import DomainError, show_error
from parcels import delivery
from parcels.forms import DeliverForm, PreferenceForm
from parcels.views.common import counter_station, station_parcel

RUN_LIMIT = 500


@login_required
@require_http_methods(["GET", "POST"])
def preference(request):
    """The recipient chooses: collect at a station, or (staff) delivery to their office."""
    current = delivery.preference_of(request.user)
    office_ok = delivery.may_choose_office(request.user)
    initial = {"mode": current.mode if current else "station"}
    if current is not None:
        initial |= {"building": current.building_id, "office": current.office}
    form = PreferenceForm(request.POST or None, initial=initial, may_choose_office=office_ok)
    if request.method == "POST" and form.is_valid():
        try:
            delivery.preference_set(
                user=request.user,
                mode=form.cleaned_data["mode"],
                building=form.cleaned_data.get("building"),
                office=form.cleaned_data.get("office") or "",
            )
        except DomainError as error:
            show_error(request, error, form)
        else:
            messages.success(
                request, _("Saved: it applies to the parcels that arrive from now on.")
            )
            return redirect("parcels:preference")
    return render(
        request,
        "parcels/preference.html",
        {"form": form, "current": current, "office_ok": office_ok},
    )


@login_required
@require_http_methods(["GET", "POST"])
def run(request, station_pk: int):
    """The delivery run: parcels for offices by building; the clerk records who signed."""
    station = counter_station(request, station_pk)
    parcels = list(delivery.delivery_run(station)[:RUN_LIMIT])
    building = _int(request.POST.get("building"))
    stop = [p for p in parcels if p.delivery_building_id == building]
    form = DeliverForm(request.POST or None, parcels=stop) if request.method == "POST" else None
    if form is not None and form.is_valid():
        chosen = [p for p in stop if p.pk in set(form.cleaned_data["parcels"])]
        try:
            proof = delivery.parcels_deliver(
                station=station,
                parcels=chosen,
                signed_by_name=form.cleaned_data["signed_by_name"],
                by=request.user,
            )
        except DomainError as error:
            show_error(request, error)
        else:
            text = ngettext(
                "%(count)d parcel delivered, signed by %(name)s.",
                "%(count)d parcels delivered, signed by %(name)s.",
                len(chosen),
            )
            messages.success(request, text % {"count": len(chosen), "name": proof.signed_by_name})
            return redirect("parcels:delivery-run", station.pk)
    elif form is not None:
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
    stops = [
        {"building": group[0].delivery_building, "parcels": group}
        for group in (list(g) for _k, g in groupby(parcels, key=lambda p: p.delivery_building_id))
    ]
    return render(request, "parcels/delivery_run.html", {"station": station, "stops": stops})


@login_required
@require_POST
def undeliverable(request, station_pk: int, pk: int):
    """The office could not take the parcel: back on its shelf, its recipient told."""
    station = counter_station(request, station_pk)
    parcel = station_parcel(station, pk)
    try:
        delivery.parcel_undeliverable(parcel=parcel, by=request.user)
    except DomainError as error:
        show_error(request, error)
    else:
        messages.success(
            request, _("%(code)s is back on the shelf.") % {"code": parcel.pickup_code}
        )
    return redirect("parcels:delivery-run", station.pk)


def _int(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0
