"""The board of found items, an item's page and its photos, reporting a found item, my items."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from logistics import idempotency
from logistics.keyset import keyset_page, other_params
from logistics.models.uploads import photo_list_prefetch
from logistics.uploads import private_image_response
from logistics.workflow import DomainError, show_error
from lostfound import services
from lostfound.filters import FoundItemFilterSet
from lostfound.forms import FoundItemForm
from lostfound.models import Claim, FoundItem, FoundItemPhoto, LostReport
from lostfound.querysets import sees_hidden
from lostfound.services import CLAIMABLE
from lostfound.services.messages import can_ask_finder
from lostfound.views.common import (
    PAGE_SIZE,
    board_is_public,
    get_visible_item,
    nav_links,
    visible_items,
)
from lostfound.workflow import TRANSITIONS


@require_GET
def board(request):
    """Found items, newest first: category, place, date, photo, public description."""
    if not (request.user.is_authenticated or board_is_public()):
        return redirect_to_login(request.get_full_path())
    items = (
        FoundItem.objects.board()
        .select_related("category", "building")
        .prefetch_related(photo_list_prefetch())  # FoundItem.photos_in_order
    )
    filters = FoundItemFilterSet(request.GET, queryset=items)
    shown = filters.qs if filters.is_valid() else items.none()
    page = keyset_page(request, shown, PAGE_SIZE)
    context = {
        "page": page,
        "filters": filters,
        "query": other_params(request),
        "links": nav_links(request.user),
    }
    return render(
        request, "lostfound/board.html", context, status=200 if filters.is_valid() else 400
    )


def _photo_context(item: FoundItem) -> list:
    return list(item.photos.all())


@require_GET
def found_detail(request, pk: int):
    if not (request.user.is_authenticated or board_is_public()):
        return redirect_to_login(request.get_full_path())
    item = get_visible_item(request.user, pk)
    desk_view = sees_hidden(request.user, item)
    user = request.user
    is_finder = user.is_authenticated and item.finder_id == user.pk
    approved = item.claims.filter(status=Claim.Status.APPROVED).exists() if is_finder else False
    context = {
        "can_claim": user.is_authenticated
        and not is_finder
        and not desk_view
        and item.status in CLAIMABLE,
        "finder_handover": is_finder and item.custody == FoundItem.Custody.FINDER and approved,
        "is_finder": is_finder,
        "can_message": can_ask_finder(item, user),
        "claims": list(item.claims.order_by("created_at", "id")) if desk_view else [],
        "item": item,
        "photos": _photo_context(item),
        "desk_view": desk_view,
        "actions": TRANSITIONS.allowed_actions(item, request.user),
        "events": list(item.events.select_related("actor")) if desk_view else [],
        **_legal_clock(item, desk_view),
        "links": nav_links(request.user),
    }
    return render(request, "lostfound/found_detail.html", context)


def _legal_clock(item: FoundItem, desk_view: bool) -> dict:
    """The desk's view of an item's disposal: the proposal or the register line, or the form
    once its holding period is over."""
    if not desk_view:
        return {}
    from lostfound.forms import DisposalForm
    from lostfound.models import Disposal
    from lostfound.services.disposals import disposal_methods

    disposal = Disposal.objects.filter(item=item).select_related("proposed_by").first()
    can_propose = disposal is None and item.is_open and item.is_past_holding
    methods = disposal_methods(item) if can_propose else ()
    return {
        "disposal": disposal,
        "disposal_form": DisposalForm(methods=methods, auto_id="id_disposal_%s")
        if can_propose
        else None,
    }


@require_GET
def found_photo(request, item_pk: int, photo_pk: int):
    if not (request.user.is_authenticated or board_is_public()):
        return redirect_to_login(request.get_full_path())
    item = get_visible_item(request.user, item_pk)
    picture = get_object_or_404(FoundItemPhoto, item=item, pk=photo_pk)
    return private_image_response(picture.image)


@login_required
@require_http_methods(["GET", "POST"])
def found_create(request):
    """Report a found item: what, where, when, where it is now, hidden traits, photos."""
    if request.method == "POST":
        if previous := idempotency.claim(request, "lostfound.found"):
            return idempotency.repeat_answer(request, previous, reverse("lostfound:mine"))
        form = FoundItemForm(request.POST, request.FILES, owner=request.user)
        if form.is_valid():
            try:
                item = services.found_item_report(finder=request.user, **form.service_kwargs())
            except DomainError as error:
                show_error(request, error, form)
            else:
                messages.success(
                    request,
                    _("Thank you. The found item %(number)s was reported.")
                    % {"number": item.number},
                )
                idempotency.done(request, "lostfound.found", item.get_absolute_url())
                return redirect(item)
        idempotency.release(request, "lostfound.found")
    else:
        form = FoundItemForm()
    status = 400 if form.errors else 200
    context = {"form": form, "links": nav_links(request.user)}
    return render(request, "lostfound/found_form.html", context, status=status)


@login_required
@require_GET
def mine(request):
    """My found items, or my lost reports (?show=lost)."""
    show_lost = request.GET.get("show") == "lost"
    if show_lost:
        rows = LostReport.objects.filter(owner=request.user).select_related("category", "building")
    else:
        rows = (
            visible_items(request.user)
            .filter(finder=request.user)
            .select_related("category", "building")
        )
    page = keyset_page(request, rows.order_by("-created_at", "-id"), PAGE_SIZE)
    context = {
        "page": page,
        "show_lost": show_lost,
        "query": "show=lost" if show_lost else "",
        "links": nav_links(request.user),
    }
    return render(request, "lostfound/mine.html", context)
