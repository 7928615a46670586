"""The desk's pages: inventory by age, intake of handed-in items, receiving reported ones,
storage labels (number + QR) and the item actions."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import F
from django.http import HttpRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from logistics.keyset import keyset_page, other_params
from logistics.qr import qr_svg
from logistics.views.actions import Action, ObjectActionView
from logistics.workflow import DomainError, show_error
from lostfound import forms, services
from lostfound.models import Desk, FoundItem
from lostfound.querysets import sees_hidden
from lostfound.views.common import PAGE_SIZE, get_visible_item, nav_links, require, require_desk
from lostfound.workflow import TRANSITIONS

Status = FoundItem.Status

TABS = {
    "stored": (Status.STORED, Status.INTAKE_PENDING),
    "expected": (Status.REPORTED,),
}


@login_required
@require_GET
def inventory(request):
    """What the user's desks hold, oldest first (by age); "expected": reported, not received."""
    ids = require_desk(request.user)
    tab = request.GET.get("tab") if request.GET.get("tab") in TABS else "stored"
    items = FoundItem.objects.at_desks(ids).filter(status__in=TABS[tab]).with_related()
    ordering = F("stored_at").asc(nulls_last=True) if tab == "stored" else F("created_at").asc()
    page = keyset_page(request, items.order_by(ordering, "id"), PAGE_SIZE)
    context = {
        "page": page,
        "tab": tab,
        "query": other_params(request),
        "links": nav_links(request.user),
    }
    return render(request, "lostfound/desk_inventory.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def intake(request):
    """Log an item handed in without a prior report: it gets a label at once."""
    ids = require_desk(request.user)
    desks = Desk.objects.filter(pk__in=ids).order_by("code")
    if request.method == "POST":
        form = forms.IntakeForm(request.POST, request.FILES, desks=desks, owner=request.user)
        if form.is_valid():
            try:
                item = services.found_item_intake(by=request.user, **form.service_kwargs())
            except DomainError as error:
                show_error(request, error, form)
            else:
                messages.success(
                    request,
                    _("Item %(number)s stored with label %(label)s.")
                    % {"number": item.number, "label": item.label},
                )
                return redirect(item)
    else:
        form = forms.IntakeForm(desks=desks)
    context = {"form": form, "links": nav_links(request.user)}
    return render(
        request, "lostfound/intake_form.html", context, status=400 if form.errors else 200
    )


def _label(item: FoundItem) -> dict:
    url = settings.SITE_URL + item.get_absolute_url()
    return {"item": item, "url": url, "svg": qr_svg(url, item.label or item.number, scale=3)}


@login_required
@require_GET
def label(request, pk: int):
    """One item's storage label (label-printer width; ?size=a4 for a sheet)."""
    item = get_visible_item(request.user, pk)
    require(sees_hidden(request.user, item) and bool(item.label))
    context = {"labels": [_label(item)], "size": _size(request)}
    return render(request, "lostfound/labels.html", context)


@login_required
@require_GET
def label_sheet(request):
    """Labels of the items stored at the user's desks, newest first (one A4 sheet: 24)."""
    ids = require_desk(request.user)
    items = (
        FoundItem.objects.at_desks(ids)
        .filter(status__in=TABS["stored"])
        .exclude(label="")
        .with_related()
        .order_by("-stored_at", "-id")[:24]
    )
    context = {"labels": [_label(i) for i in items], "size": _size(request)}
    return render(request, "lostfound/labels.html", context)


def _size(request) -> str:
    return "strip" if request.GET.get("size") == "strip" else "a4"


ACTIONS = {
    "receive": Action(
        forms.ReceiveForm,
        lambda item, user, data: services.found_item_receive(
            item=item,
            by=user,
            storage_place=data["storage_place"],
            hidden_traits=data["hidden_traits"],
        ),
        gettext_lazy("The item is at the desk and labelled."),
    ),
    "confirm_intake": Action(
        forms.ConfirmForm,
        lambda item, user, data: services.found_item_confirm_intake(item=item, by=user),
        gettext_lazy("Intake confirmed."),
    ),
}


class FoundItemActionView(ObjectActionView):
    machine = TRANSITIONS
    actions = ACTIONS

    def get_queryset(self, request: HttpRequest):
        return FoundItem.objects.for_user(request.user).with_related()

    def gone_url(self, request: HttpRequest, obj: FoundItem) -> str:
        return reverse("lostfound:index")


act = FoundItemActionView.as_view()
