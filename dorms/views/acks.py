"""The manager's acknowledgement view: the rate per building (refreshed live) and who is
missing, by building, floor and room."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_GET

from logistics.keyset import keyset_page, other_params

from ..acks import acknowledgement_rates, missing_acknowledgements
from .notices import get_managed_notice

PAGE_SIZE = 50


@login_required
@require_GET
def notice_acks(request, pk: int):
    notice = get_managed_notice(request.user, pk)
    rates = acknowledgement_rates(notice)
    context = {
        "notice": notice,
        "rates": rates,
        "total": sum(r.residents for r in rates),
        "acknowledged": sum(r.acknowledged for r in rates),
    }
    if request.headers.get("HX-Request"):
        return render(request, "dorms/includes/_ack_rates.html", context)
    building = _chosen_building(request, rates)
    missing = missing_acknowledgements(notice, building_id=building.pk if building else None)
    context["page"] = keyset_page(request, missing, PAGE_SIZE)
    context["query"] = other_params(request)
    context["building"] = building
    return render(request, "dorms/notice_acks.html", context)


def _chosen_building(request, rates):
    """The building whose missing people are listed: ?building=, else the first one with
    people missing (one building at a time: its rooms only, however large the audience)."""
    buildings = [r.building for r in rates if r.building is not None]
    chosen = request.GET.get("building", "")
    for building in buildings:
        if str(building.pk) == chosen:
            return building
    waiting = [r.building for r in rates if r.building is not None and r.residents > r.acknowledged]
    return waiting[0] if waiting else (buildings[0] if buildings else None)
