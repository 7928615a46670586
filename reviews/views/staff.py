"""Staff and manager pages: reviews of one's units (staff), moderation (managers)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from logistics.keyset import keyset_page, other_params
from reviews import services
from reviews.filters import ReviewFilterSet
from reviews.forms import ReasonForm
from reviews.querysets import can_moderate, is_review_staff, reviews_for, staff_reviews_for
from reviews.views.common import PAGE_SIZE, get_visible_review, require


def _list_page(request, reviews, template: str, extra=None):
    filters = ReviewFilterSet(request.GET, queryset=reviews)
    rows = filters.qs if filters.is_valid() else reviews.none()
    page = keyset_page(request, rows.order_by("-created_at", "-id"), PAGE_SIZE)
    user = request.user
    items = [
        {"review": r, "show_author": r.author_id == user.pk or not r.anonymous or user.is_superuser}
        for r in page
    ]
    context = {
        "filters": filters,
        "page": page,
        "items": items,
        "query": other_params(request),
    }
    return render(
        request, template, context | (extra or {}), status=200 if filters.is_valid() else 400
    )


@login_required
@require_GET
def review_list(request):
    """Staff: the visible reviews about their departments and themselves; managers: all."""
    require(is_review_staff(request.user))
    return _list_page(request, staff_reviews_for(request.user), "reviews/review_list.html")


@login_required
@require_GET
def moderation(request):
    """Managers and supervisors: recent reviews, hidden ones included, with filters."""
    require(can_moderate(request.user))
    reviews = reviews_for(request.user)
    return _list_page(request, reviews, "reviews/moderation.html", {"reason_form": ReasonForm()})


def _moderate(request, pk: int, call, done: str):
    require(can_moderate(request.user))
    review = get_visible_review(request.user, pk)
    form = ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give a reason; it is recorded."))
        return redirect(review)
    try:
        call(review=review, by=request.user, reason=form.cleaned_data["reason"])
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, done)
    return redirect(review)


@login_required
@require_POST
def review_hide(request, pk: int):
    return _moderate(request, pk, services.review_hide, _("The review is hidden."))


@login_required
@require_POST
def review_show(request, pk: int):
    return _moderate(request, pk, services.review_show, _("The review is shown again."))
