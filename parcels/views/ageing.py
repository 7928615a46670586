"""The counter's ageing pages: overdue parcels by age, the return lists per carrier with the
courier's sign-out, and moving a parcel to another shelf."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from logistics.keyset import keyset_page, other_params
from logistics.workflow import DomainError, show_error
from parcels import returns
from parcels.forms import MoveForm, ReturnForm
from parcels.models import Carrier
from parcels.views.common import PAGE_SIZE, counter_station, station_parcel


@login_required
@require_GET
def overdue(request, station_pk: int):
    """Waiting parcels past their free storage, oldest first, with their age in days."""
    station = counter_station(request, station_pk)
    now = timezone.now()
    page = keyset_page(request, returns.overdue_parcels(station, now=now), PAGE_SIZE)
    rows = [(parcel, (now - parcel.arrived_at).days) for parcel in page.object_list]
    return render(
        request,
        "parcels/overdue.html",
        {"station": station, "page": page, "rows": rows, "query": other_params(request)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def return_list(request, station_pk: int):
    """The return list of one carrier (`?carrier=`) with the courier's sign-out form, and the
    carriers with parcels to return."""
    station = counter_station(request, station_pk)
    carrier = request.POST.get("carrier") or request.GET.get("carrier") or ""
    if carrier not in Carrier.values:
        carrier = ""
    parcels = list(returns.return_list(station, carrier)[:500]) if carrier else []
    form = ReturnForm(request.POST or None, parcels=parcels)
    if request.method == "POST" and form.is_valid():
        chosen = [p for p in parcels if p.pk in set(form.cleaned_data["parcels"])]
        try:
            proof = returns.parcels_return(
                station=station,
                parcels=chosen,
                courier_name=form.cleaned_data["courier_name"],
                by=request.user,
                note=form.cleaned_data["note"],
            )
        except DomainError as error:
            show_error(request, error, form)
        else:
            text = ngettext(
                "%(count)d parcel signed out by %(courier)s.",
                "%(count)d parcels signed out by %(courier)s.",
                len(chosen),
            )
            messages.success(request, text % {"count": len(chosen), "courier": proof.courier_name})
            return redirect("parcels:returns", station.pk)
    return render(
        request,
        "parcels/returns.html",
        {
            "station": station,
            "carriers": returns.carriers_to_return(station),
            "carrier": carrier,
            "carrier_label": dict(Carrier.choices).get(carrier, ""),
            "parcels": parcels,
            "form": form,
            "checked": _checked(form, parcels),
        },
    )


def _checked(form, parcels) -> set[int]:
    if not form.is_bound:
        return {p.pk for p in parcels}
    return {int(v) for v in form.data.getlist("parcels") if str(v).isdigit()}


@login_required
@require_POST
def move(request, station_pk: int, pk: int):
    """Moves a parcel to another shelf and layer of its station (from the parcel's page)."""
    station = counter_station(request, station_pk)
    parcel = station_parcel(station, pk)
    form = MoveForm(request.POST, station=station)
    if not form.is_valid():
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
        return redirect(parcel)
    try:
        returns.parcel_move(
            parcel=parcel,
            shelf=form.cleaned_data["shelf"],
            layer=form.cleaned_data["layer"],
            by=request.user,
        )
    except DomainError as error:
        show_error(request, error)
    else:
        messages.success(
            request, _("Moved: the new pickup code is %(code)s.") % {"code": parcel.pickup_code}
        )
    return redirect(parcel)
