"""Follow-ups of low scores: the queue of the role holders and managers, one follow-up, closing.

The handler sees the person's name and phone so they can call back, unless the review is
anonymous to staff: then the follow-up is a look into the case without a call (docs/reviews.md).
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from logistics.keyset import keyset_page
from logistics.workflow import DomainError
from reviews import services
from reviews.forms import FollowUpCloseForm, apply_service_errors
from reviews.models import FollowUp
from reviews.querysets import can_handle_follow_ups, follow_ups_for, reviews_for, show_author
from reviews.views.common import PAGE_SIZE, require


@login_required
@require_GET
def follow_up_list(request):
    require(can_handle_follow_ups(request.user))
    show_done = request.GET.get("show") == "done"
    status = FollowUp.Status.DONE if show_done else FollowUp.Status.OPEN
    follow_ups = follow_ups_for(request.user).filter(status=status).order_by("-created_at", "-id")
    page = keyset_page(request, follow_ups, PAGE_SIZE)
    context = {"page": page, "show_done": show_done, "query": "show=done" if show_done else ""}
    return render(request, "reviews/follow_up_list.html", context)


def _get_follow_up(user, pk: int) -> FollowUp:
    return get_object_or_404(follow_ups_for(user).select_related("done_by"), pk=pk)


def _page(request, follow_up, form, status=200):
    review = follow_up.review
    context = {
        "follow_up": follow_up,
        "review": review,
        # The call-back needs the contact; an anonymous author is not named to staff at all.
        "show_contact": show_author(review, request.user),
        # A campus-wide dispatcher handles the call without seeing the unit's review pages.
        "review_reachable": reviews_for(request.user).filter(pk=review.pk).exists(),
        "form": form,
    }
    return render(request, "reviews/follow_up_detail.html", context, status=status)


@login_required
@require_GET
def follow_up_detail(request, pk: int):
    follow_up = _get_follow_up(request.user, pk)
    return _page(request, follow_up, FollowUpCloseForm())


@login_required
@require_http_methods(["POST"])
def follow_up_close(request, pk: int):
    follow_up = _get_follow_up(request.user, pk)
    form = FollowUpCloseForm(request.POST)
    if form.is_valid():
        try:
            services.follow_up_close(
                follow_up=follow_up, by=request.user, note=form.cleaned_data["note"]
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        except (DomainError, PermissionDenied) as error:
            messages.warning(request, str(getattr(error, "message", error) or _("Not possible.")))
            return redirect(follow_up)
        else:
            messages.success(request, _("The follow-up is done."))
            return redirect("reviews:follow-up-list")
    return _page(request, follow_up, form, status=400)
