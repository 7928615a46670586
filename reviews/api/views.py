"""REST endpoints of this part of reviews, registered on the reviews API router.

Reads are scoped with reviews_for / events_for / follow_ups_for (another user's object is 404);
writes validate their input and call reviews.services, whose errors (reviews.errors, on
logistics.workflow) the shared exception handler answers: 409 "conflict" (already reviewed, no
longer editable), 400 for field errors, 403 for PermissionDenied.
"""

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from logistics.api.exceptions import error_response
from logistics.api.serializers import ErrorSerializer
from logistics.models.uploads import photo_list_prefetch
from reviews import services
from reviews.filters import ReviewFilterSet
from reviews.models import FollowUp, Review, ServiceEvent
from reviews.querysets import (
    can_moderate,
    events_for,
    events_to_review,
    follow_ups_for,
    reviews_for,
)

from . import serializers as s

CONFLICT = OpenApiResponse(
    ErrorSerializer, _("Already reviewed, no longer editable, or already done.")
)
EVENT_NOT_YOURS = OpenApiResponse(ErrorSerializer, _("No such event among yours."))


@extend_schema_view(
    create=extend_schema(
        request={
            "application/json": s.ReviewCreateSerializer,
            "multipart/form-data": s.ReviewCreateSerializer,
        },
        responses={201: s.ReviewSerializer, 404: EVENT_NOT_YOURS, 409: CONFLICT},
    ),
    partial_update=extend_schema(
        request=s.ReviewUpdateSerializer, responses={200: s.ReviewSerializer, 409: CONFLICT}
    ),
)
class ReviewViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Reviews you may see: your own; as staff, the visible reviews of your units and of you
    (without the author when they chose to be anonymous); as a manager, all. Others: 404."""

    serializer_class = s.ReviewSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = ReviewFilterSet
    parser_classes = [JSONParser, MultiPartParser, FormParser]
    http_method_names = ["get", "post", "patch", "head", "options"]
    scope_area = "reviews"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Review.objects.none()
        # reviews_for reads the photos as a list (Review.photos_in_order).
        return reviews_for(self.request.user).order_by("-created_at", "-id")

    def _fresh(self, review):
        return self.get_serializer(self.get_queryset().get(pk=review.pk)).data

    def create(self, request, *args, **kwargs):
        """The person served rates one of their events (photos: repeated multipart parts)."""
        incoming = s.ReviewCreateSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = dict(incoming.validated_data)
        event = get_object_or_404(events_for(request.user), pk=data.pop("event"))
        if (
            not hasattr(event, "review")
            and not events_to_review(request.user).filter(pk=event.pk).exists()
        ):
            return error_response(
                "expired", str(_("The time to rate this has passed.")), status.HTTP_409_CONFLICT
            )
        review = services.review_create(event=event, by=request.user, **data)
        return Response(self._fresh(review), status=status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        """The author edits within the edit period; missing fields keep their values."""
        review = self.get_object()
        incoming = s.ReviewUpdateSerializer(data=request.data, partial=True)
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        review = services.review_update(
            review=review,
            by=request.user,
            stars=data.get("stars", review.stars),
            scores=data.get("scores", review.scores),
            comment=data.get("comment", review.comment),
            anonymous=data.get("anonymous", review.anonymous),
            photos=data.get("photos", []),
            remove_photo_ids=data.get("remove_photos", []),
        )
        return Response(self._fresh(review))

    def update(self, request, *args, **kwargs):  # PUT is not offered (http_method_names)
        return self.partial_update(request, *args, **kwargs)

    def _moderate(self, call):
        review = self.get_object()
        if not can_moderate(self.request.user):  # before the input: refuse first, then explain
            raise PermissionDenied(_("Only logistics managers can moderate reviews."))
        incoming = s.ReviewReasonSerializer(data=self.request.data)
        incoming.is_valid(raise_exception=True)
        call(review=review, by=self.request.user, reason=incoming.validated_data["reason"])
        return Response(self._fresh(review))

    @extend_schema(
        request=s.ReviewReasonSerializer,
        responses={200: s.ReviewSerializer},
        description=_("A manager or supervisor hides the review, with a recorded reason."),
    )
    @action(detail=True, methods=["post"])
    def hide(self, request, *args, **kwargs):
        return self._moderate(services.review_hide)

    @extend_schema(
        request=s.ReviewReasonSerializer,
        responses={200: s.ReviewSerializer},
        description=_("A manager or supervisor shows a hidden review again, with a reason."),
    )
    @action(detail=True, methods=["post"])
    def show(self, request, *args, **kwargs):
        return self._moderate(services.review_show)


class ServiceEventViewSet(viewsets.ReadOnlyModelViewSet):
    """Your service events (what you may rate), latest first; `review` is null until rated."""

    serializer_class = s.ServiceEventSerializer
    scope_area = "reviews"
    filter_backends = []

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return ServiceEvent.objects.none()
        events = events_for(self.request.user).select_related("review", "invitation")
        if self.request.query_params.get("to_review") in {"1", "true"}:
            events = events_to_review(self.request.user, timezone.now()).select_related("review")
        return events.order_by("-occurred_at", "-id")


class FollowUpViewSet(viewsets.ReadOnlyModelViewSet):
    """Follow-ups of low scores you handle: role holders of the unit, managers."""

    serializer_class = s.FollowUpSerializer
    scope_area = "reviews"
    filter_backends = []

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return FollowUp.objects.none()
        photos = photo_list_prefetch("review__photos")  # Review.photos_in_order
        follow_ups = follow_ups_for(self.request.user).prefetch_related(photos)
        wanted = self.request.query_params.get("status")
        if wanted in FollowUp.Status.values:
            follow_ups = follow_ups.filter(status=wanted)
        return follow_ups.order_by("status", "-created_at", "-id")

    @extend_schema(
        request=s.FollowUpNoteSerializer,
        responses={200: s.FollowUpSerializer, 409: CONFLICT},
        description=_("Records the outcome of the call-back and closes the follow-up."),
    )
    @action(detail=True, methods=["post"])
    def close(self, request, *args, **kwargs):
        follow_up = self.get_object()
        incoming = s.FollowUpNoteSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        services.follow_up_close(
            follow_up=follow_up, by=request.user, note=incoming.validated_data["note"]
        )
        return Response(self.get_serializer(self.get_queryset().get(pk=follow_up.pk)).data)


def register(router) -> None:
    """Adds this part's viewsets to /api/v1/reviews/."""
    router.register("reviews", ReviewViewSet, basename="review")
    router.register("events", ServiceEventViewSet, basename="event")
    router.register("follow-ups", FollowUpViewSet, basename="follow-up")
