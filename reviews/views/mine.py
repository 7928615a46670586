"""The person served's pages: my reviews hub, rating an event, a review's page, editing it,
its photos."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from logistics.uploads import private_image_response
from logistics.workflow import DomainError
from reviews import services
from reviews.forms import ReviewForm, apply_service_errors
from reviews.models import Moderation, ReviewPhoto
from reviews.querysets import (
    can_moderate,
    events_for,
    events_to_review,
    reviews_for,
    show_author,
)
from reviews.registry import get_event_type
from reviews.views.common import complaints_url, get_visible_review, rate_limited

SHOWN = 50


@login_required
@require_GET
def index(request):
    """Events waiting for my review, and my reviews (with an edit link while editable)."""
    now = timezone.now()
    waiting = list(events_to_review(request.user, now).order_by("-occurred_at", "-id")[:SHOWN])
    mine = list(
        reviews_for(request.user).filter(author=request.user).order_by("-created_at")[:SHOWN]
    )
    context = {
        "waiting": waiting,
        "mine": mine,
        "now": now,
        "complaints_url": complaints_url(),
    }
    return render(request, "reviews/index.html", context)


def _event_kind(event):
    kind = get_event_type(event.event_type)
    if kind is None:  # an app that registered it is gone: its events are no longer rated
        raise Http404
    return kind


@login_required
@require_http_methods(["GET", "POST"])
def event_review(request, pk: int):
    """Rate an event: only the person served (others 404), once, within the invitation's time."""
    event = get_object_or_404(events_for(request.user).select_related("review"), pk=pk)
    if hasattr(event, "review"):
        messages.info(request, _("You have already rated this. Here is your review."))
        return redirect(event.review)
    if not events_to_review(request.user).filter(pk=event.pk).exists():
        messages.warning(request, _("The time to rate this has passed."))
        return redirect("reviews:index")
    kind = _event_kind(event)
    status = 200
    if request.method == "POST":
        form = ReviewForm(request.POST, request.FILES, event_type=kind, owner=request.user)
        if rate_limited(request.user):
            form.add_error(None, _("You have rated a lot in the last hour. Please try later."))
            status = 429
        elif form.is_valid():
            try:
                review = services.review_create(
                    event=event, by=request.user, **form.service_kwargs()
                )
            except ValidationError as error:
                apply_service_errors(form, error)
            except DomainError as error:
                messages.info(request, str(error.message))
                return redirect("reviews:index")
            else:
                messages.success(request, _("Thank you for your rating."))
                return redirect(review)
    else:
        form = ReviewForm(event_type=kind)
    return _form_page(request, form, event=event, status=status)


def _form_page(request, form, *, event, review=None, status=200):
    if form.errors and status == 200:
        status = 400
    context = {
        "form": form,
        "event": event,
        "review": review,
        "edit_days": settings.REVIEWS_EDIT_DAYS,
    }
    return render(request, "reviews/review_form.html", context, status=status)


@login_required
@require_GET
def review_detail(request, pk: int):
    review = get_visible_review(request.user, pk)
    moderations = []
    if can_moderate(request.user):
        moderations = list(
            Moderation.objects.filter(review=review).select_related("by").order_by("-created_at")
        )
    context = {
        "review": review,
        "event": review.event,
        "show_author": show_author(review, request.user),
        "is_author": review.author_id == request.user.pk,
        "editable": review.author_id == request.user.pk and timezone.now() <= review.editable_until,
        "can_moderate": can_moderate(request.user),
        "moderations": moderations,
    }
    return render(request, "reviews/review_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def review_edit(request, pk: int):
    """The author edits their review within REVIEWS_EDIT_DAYS; afterwards, a clear message."""
    review = get_object_or_404(reviews_for(request.user).filter(author=request.user), pk=pk)
    if timezone.now() > review.editable_until:
        messages.warning(
            request,
            _("Reviews can be changed for %(days)d days; this one no longer.")
            % {"days": (review.editable_until - review.created_at).days},
        )
        return redirect(review)
    kind = _event_kind(review.event)
    existing = list(review.photos_in_order)
    if request.method == "POST":
        form = ReviewForm(
            request.POST,
            request.FILES,
            event_type=kind,
            existing_photos=existing,
            owner=request.user,
        )
        if form.is_valid():
            try:
                services.review_update(
                    review=review,
                    by=request.user,
                    remove_photo_ids=form.cleaned_data.get("remove_photos") or (),
                    **form.service_kwargs(),
                )
            except ValidationError as error:
                apply_service_errors(form, error)
            except (DomainError, PermissionDenied) as error:
                messages.warning(request, str(getattr(error, "message", error)))
                return redirect(review)
            else:
                messages.success(request, _("Your review was updated."))
                return redirect(review)
    else:
        initial = {
            "stars": review.stars,
            "comment": review.comment,
            "anonymous": review.anonymous,
            **{f"score_{k}": v for k, v in (review.scores or {}).items()},
        }
        form = ReviewForm(initial=initial, event_type=kind, existing_photos=existing)
    return _form_page(request, form, event=review.event, review=review)


@login_required
@require_GET
def review_photo(request, pk: int, photo_pk: int):
    """A review's photo, streamed only to those who may see the review."""
    review = get_visible_review(request.user, pk)
    picture = get_object_or_404(ReviewPhoto, review=review, pk=photo_pk)
    return private_image_response(picture.image)
