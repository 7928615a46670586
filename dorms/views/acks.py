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
    context["page"] = keyset_page(request, missing_acknowledgements(notice), PAGE_SIZE)
    context["query"] = other_params(request)
    return render(request, "dorms/notice_acks.html", context)
