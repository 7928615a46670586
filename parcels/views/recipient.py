"""The recipient's pages: my parcels with their codes, the pickup QR code, a parcel's page,
proxies."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from logistics.keyset import keyset_page
from logistics.qr import qr_svg
from logistics.workflow import DomainError, show_error
from parcels import services
from parcels.forms import MoveForm, ProxyForm
from parcels.models import Parcel, Proxy, Station
from parcels.pickup import qr_token
from parcels.views.common import PAGE_SIZE, action_label, event_detail, works_at_counter
from parcels.workflow import TRANSITIONS, is_overdue, serves

Status = Parcel.Status


@login_required
@require_GET
def index(request):
    """A clerk lands on their counter (the station list when there are several), everyone
    else on their own parcels."""
    if works_at_counter(request.user):
        stations = list(Station.objects.for_clerk(request.user)[:2])
        if len(stations) == 1:
            return redirect("parcels:scan", stations[0].pk)
        return redirect("parcels:stations")
    return redirect("parcels:mine")


def _waiting(user):
    return (
        Parcel.objects.filter(recipient=user, status=Status.WAITING)
        .select_related("station", "shelf")
        .order_by("station_id", "-arrived_at", "-id")
    )


@login_required
@require_GET
def mine(request):
    """The recipient's waiting parcels (codes, station, hours) and their history by page."""
    history = Parcel.objects.filter(recipient=request.user).exclude(status=Status.WAITING)
    page = keyset_page(request, history.select_related("station", "pickup"), PAGE_SIZE)
    return render(
        request,
        "parcels/mine.html",
        {"waiting": list(_waiting(request.user)), "page": page},
    )


@login_required
@require_GET
def my_qr(request):
    """The pickup QR code for all the recipient's waiting parcels (signed, expiring)."""
    waiting = list(_waiting(request.user))
    code = qr_svg(qr_token(request.user), _("Pickup code"), scale=6) if waiting else ""
    return render(request, "parcels/qr.html", {"waiting": waiting, "qr": code})


@login_required
@require_GET
def detail(request, pk: int):
    parcel = get_object_or_404(
        Parcel.objects.for_user(request.user)
        .with_related()
        .select_related("pickup", "return_record", "delivery_building", "delivery"),
        pk=pk,
    )
    events = [
        (event, action_label(event), event_detail(event))
        for event in parcel.events.select_related("actor")
    ]
    move_form = None
    if TRANSITIONS.state_allows(parcel, "move") and serves(request.user, parcel):
        move_form = MoveForm(station=parcel.station, initial={"shelf": parcel.shelf_id})
    return render(
        request,
        "parcels/detail.html",
        {
            "parcel": parcel,
            "events": events,
            "is_mine": parcel.recipient_id == request.user.pk,
            "move_form": move_form,
            "overdue": is_overdue(parcel, timezone.now()),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def proxies(request):
    """The recipient's proxies: authorise someone for one parcel or all of today's."""
    waiting = list(_waiting(request.user))
    form = ProxyForm(request.POST or None, parcels=waiting)
    if request.method == "POST" and form.is_valid():
        parcel = next((p for p in waiting if p.pk == form.cleaned_data["parcel"]), None)
        try:
            proxy = services.proxy_create(
                recipient=request.user,
                parcel=parcel,
                proxy_user=form.cleaned_data["proxy_user"],
                proxy_name=form.cleaned_data.get("name", ""),
            )
        except DomainError as error:
            show_error(request, error, form)
        else:
            messages.success(
                request,
                _("%(name)s may collect with the code %(code)s today.")
                % {"name": proxy.collector_name, "code": proxy.code},
            )
            return redirect("parcels:proxies")
    mine = (
        Proxy.objects.filter(recipient=request.user)
        .select_related("proxy_user", "parcel")
        .order_by("-created_at", "-id")[:20]
    )
    for_others = Proxy.objects.filter(
        proxy_user=request.user,
        valid_on=timezone.localdate(),
        used_at__isnull=True,
        revoked_at__isnull=True,
    ).select_related("recipient")[:20]
    return render(
        request,
        "parcels/proxies.html",
        {"form": form, "proxies": mine, "for_others": for_others},
    )
