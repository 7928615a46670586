"""Claims: an owner claims an item, the desk decides beside the hidden traits and hands it over;
an owner declines a proposed match; a finder who kept an item hands it over with the code."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from logistics.keyset import keyset_page, other_params
from logistics.views.actions import Action, ObjectActionView
from logistics.workflow import DomainError, InvalidInput, show_error
from lostfound import forms, services
from lostfound.models import Claim, Match
from lostfound.querysets import sees_hidden
from lostfound.views.common import PAGE_SIZE, get_visible_item, nav_links, require_desk
from lostfound.workflow import CLAIM_TRANSITIONS


def visible_claims(user):
    return Claim.objects.for_user(user).select_related(
        "item__desk", "item__category", "category", "claimant"
    )


@login_required
@require_http_methods(["GET", "POST"])
def claim_create(request, pk: int):
    item = get_visible_item(request.user, pk)
    form = forms.ClaimForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            claim = services.claim_create(
                item=item, claimant=request.user, answers=form.cleaned_data["answers"]
            )
        except DomainError as error:
            show_error(request, error, form)
        else:
            messages.success(request, _("Your claim was sent to the desk."))
            return redirect(claim)
    context = {"form": form, "item": item, "links": nav_links(request.user)}
    status = 400 if form.errors else 200
    return render(request, "lostfound/claim_form.html", context, status=status)


@login_required
@require_GET
def claim_detail(request, pk: int):
    claim = get_object_or_404(visible_claims(request.user), pk=pk)
    context = {
        "claim": claim,
        "item": claim.item,
        "desk_view": sees_hidden(request.user, claim.item),
        "is_claimant": claim.claimant_id == request.user.pk,
        "actions": CLAIM_TRANSITIONS.allowed_actions(claim, request.user),
        "links": nav_links(request.user),
    }
    return render(request, "lostfound/claim_detail.html", context)


@login_required
@require_GET
def desk_claims(request):
    """Claims waiting at the user's desks, oldest first."""
    ids = require_desk(request.user)
    claims = visible_claims(request.user).filter(
        item__desk_id__in=ids,
        status__in=(Claim.Status.PENDING, Claim.Status.APPROVED, Claim.Status.HANDOVER_PENDING),
    )
    page = keyset_page(request, claims.order_by("created_at", "id"), PAGE_SIZE)
    context = {"page": page, "query": other_params(request), "links": nav_links(request.user)}
    return render(request, "lostfound/desk_claims.html", context)


@login_required
@require_POST
def match_decline(request, pk: int):
    match = get_object_or_404(
        Match.objects.filter(lost_report__owner=request.user).select_related("lost_report"), pk=pk
    )
    services.match_decline(match=match, by=request.user)
    messages.success(request, _("Thank you. We will not propose this item again."))
    return redirect(match.lost_report)


@login_required
@require_POST
def finder_hand_over(request, pk: int):
    item = get_visible_item(request.user, pk)
    form = forms.FinderHandOverForm(request.POST)
    try:
        if not form.is_valid():
            raise InvalidInput(_("Enter the owner's code."))
        services.finder_hand_over(item=item, by=request.user, code=form.cleaned_data["code"])
    except DomainError as error:
        show_error(request, error)
    else:
        messages.success(request, _("Handed over. Thank you for returning it!"))
    return redirect(item)


ACTIONS = {
    "approve": Action(
        forms.ReasonForm,
        lambda c, u, d: services.claim_approve(claim=c, by=u, reason=d["reason"]),
        gettext_lazy("Claim approved: the owner has a one-time code to collect it."),
    ),
    "reject": Action(
        forms.ReasonForm,
        lambda c, u, d: services.claim_reject(claim=c, by=u, reason=d["reason"]),
        gettext_lazy("Claim rejected."),
    ),
    "hand_over": Action(
        forms.HandOverForm,
        lambda c, u, d: services.claim_hand_over(
            claim=c, by=u, code=d["code"], identity_checked=d["identity_checked"]
        ),
        gettext_lazy("Handover recorded."),
    ),
    "confirm_handover": Action(
        forms.ConfirmForm,
        lambda c, u, d: services.claim_confirm_handover(claim=c, by=u),
        gettext_lazy("Handover confirmed."),
    ),
}


class ClaimActionView(ObjectActionView):
    machine = CLAIM_TRANSITIONS
    actions = ACTIONS

    def get_queryset(self, request: HttpRequest):
        return visible_claims(request.user)

    def gone_url(self, request: HttpRequest, obj: Claim) -> str:
        return reverse("lostfound:index")


act = ClaimActionView.as_view()
