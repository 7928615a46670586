"""The legal clock's pages: the disposal list of a desk (items past their holding period and
the proposals awaiting a second person), the register (登记簿) with its CSV/XLSX export, and
the propose / approve / cancel POSTs."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from logistics.keyset import keyset_page, other_params
from logistics.spreadsheets import export_response
from logistics.workflow import DomainError, InvalidInput, show_error
from lostfound import export
from lostfound.forms import DisposalForm
from lostfound.models import OPEN_ITEM_STATUSES, Disposal, FoundItem
from lostfound.querysets import desk_ids, is_desk_staff, sees_everything
from lostfound.services import disposals as services
from lostfound.views.common import PAGE_SIZE, get_visible_item, nav_links, require, require_desk

PENDING_SHOWN = 50


@login_required
@require_GET
def disposal_list(request):
    """Items of the user's desks past their holding period, the longest past first, and the
    disposals waiting for a second desk person."""
    ids = require_desk(request.user)
    due = (
        FoundItem.objects.at_desks(ids)
        .filter(
            status__in=OPEN_ITEM_STATUSES, holding_until__lte=timezone.now(), disposal__isnull=True
        )
        .with_related()
        .order_by("holding_until", "id")
    )
    pending = (
        Disposal.objects.filter(desk_id__in=ids, status=Disposal.Status.PROPOSED)
        .select_related("item__category", "proposed_by")
        .order_by("proposed_at", "id")[:PENDING_SHOWN]
    )
    context = {
        "page": keyset_page(request, due, PAGE_SIZE),
        "pending": list(pending),
        "query": other_params(request),
        "links": nav_links(request.user),
    }
    return render(request, "lostfound/disposals.html", context)


def _register_rows(user):
    return (
        Disposal.objects.for_user(user)
        .filter(status=Disposal.Status.APPROVED)
        .select_related("item__category", "desk", "proposed_by", "approved_by")
        .order_by("-approved_at", "-id")
    )


@login_required
@require_GET
def register(request):
    """The register of disposals of the user's desks (managers: every desk), newest first;
    ?format=csv or xlsx downloads it whole."""
    require(sees_everything(request.user) or bool(desk_ids(request.user)))
    rows = _register_rows(request.user)
    file_format = request.GET.get("format")
    if file_format in ("csv", "xlsx"):
        filename = f"lostfound-register-{timezone.localdate().isoformat()}"
        return export_response(request, export.register_export(rows), filename, file_format)
    context = {
        "page": keyset_page(request, rows, PAGE_SIZE),
        "query": other_params(request),
        "links": nav_links(request.user),
    }
    return render(request, "lostfound/register.html", context)


@login_required
@require_POST
def disposal_propose(request, pk: int):
    item = get_visible_item(request.user, pk)
    require(is_desk_staff(request.user, item.desk_id))
    form = DisposalForm(request.POST, methods=services.disposal_methods(item))
    try:
        if not form.is_valid():
            raise InvalidInput(
                " ".join(str(m) for errors in form.errors.values() for m in errors),
                fields=form.errors,
            )
        services.disposal_propose(item=item, by=request.user, **form.cleaned_data)
    except DomainError as error:
        show_error(request, error)
    else:
        messages.success(request, _("Disposal proposed: a second desk person approves it."))
    return redirect(item)


def _visible_disposal(user, pk: int) -> Disposal:
    """The disposal if `user` sees it (404 otherwise), and serves its desk (403 otherwise)."""
    disposal = get_object_or_404(
        Disposal.objects.for_user(user).select_related("item__category", "desk"), pk=pk
    )
    require(is_desk_staff(user, disposal.desk_id))
    return disposal


@login_required
@require_POST
def disposal_approve(request, pk: int):
    disposal = _visible_disposal(request.user, pk)
    try:
        services.disposal_approve(disposal=disposal, by=request.user)
    except DomainError as error:
        show_error(request, error)
    else:
        messages.success(request, _("Disposal approved and entered in the register."))
    return redirect("lostfound:disposals")


@login_required
@require_POST
def disposal_cancel(request, pk: int):
    disposal = _visible_disposal(request.user, pk)
    try:
        services.disposal_cancel(disposal=disposal, by=request.user)
    except DomainError as error:
        show_error(request, error)
    else:
        messages.success(request, _("The proposal was withdrawn."))
    return redirect("lostfound:disposals")
