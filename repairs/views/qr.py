"""Printable QR sheets: each room's code opens the report form with the place filled in."""

from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.safestring import SafeString
from django.views.decorators.http import require_GET

from logistics.models import Building
from logistics.qr import qr_svg
from repairs.views.common import can_print_qr, require, role_links


@dataclass(frozen=True)
class Code:
    """One label of the sheet: what it is for, where it leads, and the code as inline SVG."""

    label: str
    url: str
    svg: SafeString


def report_url(query: str) -> str:
    """The absolute address of the report form (read at call time: tests change SITE_URL)."""
    return f"{settings.SITE_URL}{reverse('repairs:create')}?{query}"


@login_required
@require_GET
def qr_index(request):
    require(can_print_qr(request.user))
    buildings = Building.objects.select_related("campus").order_by("campus__code", "code")
    return render(
        request,
        "repairs/qr_index.html",
        {"buildings": buildings, "links": role_links(request.user)},
    )


@login_required
@require_GET
def qr_sheet(request, building_pk: int):
    require(can_print_qr(request.user))
    building = get_object_or_404(Building.objects.select_related("campus"), pk=building_pk)
    rooms = building.rooms.order_by("floor", "number")
    codes = [
        Code(str(room.number), url, qr_svg(url, str(room)))
        for room in rooms
        for url in [report_url(f"room={room.pk}")]
    ]
    building_url = report_url(f"building={building.pk}")
    context = {
        "building": building,
        "codes": codes,
        "building_code": Code(str(building), building_url, qr_svg(building_url, str(building))),
    }
    return render(request, "repairs/qr_sheet.html", context)
