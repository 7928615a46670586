"""Viewsets of the lost-and-found API: scoped with for_user, scope area "lostfound".

Found items: the board's items, your own, and (desk staff) your desks'; hidden traits only to
the item's desk. Lost reports: your own (desk staff and managers: all). Claims and matches:
your own, and (desk staff) those of your desks' items. Others are 404."""

from django.db.models import Prefetch
from django.utils.translation import gettext_lazy as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from logistics.api.serializers import ErrorSerializer
from lostfound import services
from lostfound.filters import (
    ClaimFilterSet,
    FoundItemFilterSet,
    LostReportFilterSet,
    MatchFilterSet,
)
from lostfound.models import Category, Claim, FoundItem, FoundItemPhoto, LostReport, Match

from . import serializers as s


class CategoryViewSet(viewsets.ReadOnlyModelViewSet):
    """The categories of found and lost items (managers edit them on the pages)."""

    queryset = Category.objects.filter(is_active=True).order_by("sort_order", "code")
    serializer_class = s.CategorySerializer
    pagination_class = None
    scope_area = "lostfound"


@extend_schema_view(
    create=extend_schema(
        request={
            "application/json": s.FoundItemCreateSerializer,
            "multipart/form-data": s.FoundItemCreateSerializer,
        },
        responses={201: s.FoundItemSerializer},
    )
)
class FoundItemViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = s.FoundItemSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = FoundItemFilterSet
    parser_classes = [JSONParser, MultiPartParser, FormParser]
    scope_area = "lostfound"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return FoundItem.objects.none()
        photos = Prefetch("photos", queryset=FoundItemPhoto.objects.order_by("created_at", "id"))
        return (
            FoundItem.objects.for_user(self.request.user)
            .select_related("category", "building", "desk", "finder")
            .prefetch_related(photos)
            .order_by("-created_at", "-id")
        )

    def create(self, request, *args, **kwargs):
        """Reports a found item; photos go as repeated `photos` parts of a multipart body."""
        incoming = s.FoundItemCreateSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = dict(incoming.validated_data)
        data["photos"] = data.get("photos") or []
        item = services.found_item_report(finder=request.user, **data)
        item = self.get_queryset().get(pk=item.pk)
        body = s.FoundItemSerializer(item, context=self.get_serializer_context()).data
        return Response(body, status=status.HTTP_201_CREATED)


class LostReportViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = s.LostReportSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = LostReportFilterSet
    scope_area = "lostfound"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return LostReport.objects.none()
        return (
            LostReport.objects.for_user(self.request.user)
            .select_related("category", "building")
            .order_by("-created_at", "-id")
        )

    def perform_create(self, serializer):
        report = services.lost_report_create(owner=self.request.user, **serializer.validated_data)
        serializer.instance = report


CONFLICT = OpenApiResponse(
    ErrorSerializer,
    _("The claim is no longer in a state that allows this, or someone changed it a moment ago."),
)


def _claim_action_schema(serializer_class, description: str):
    return extend_schema(
        request=serializer_class,
        responses={200: s.ClaimSerializer, 409: CONFLICT},
        description=description,
    )


@extend_schema_view(
    create=extend_schema(request=s.ClaimCreateSerializer, responses={201: s.ClaimSerializer})
)
class ClaimViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Claims: your own; (desk staff) those on your desks' items, with the item's hidden traits
    beside the answers. Another person's claim is 404."""

    serializer_class = s.ClaimSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = ClaimFilterSet
    scope_area = "lostfound"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Claim.objects.none()
        return (
            Claim.objects.for_user(self.request.user)
            .select_related("item", "category", "claimant")
            .order_by("-created_at", "-id")
        )

    def create(self, request, *args, **kwargs):
        """Claims a found item, answering what only its owner would know in your own words."""
        incoming = s.ClaimCreateSerializer(data=request.data, user=request.user)
        incoming.is_valid(raise_exception=True)
        claim = services.claim_create(claimant=request.user, **incoming.validated_data)
        body = self.get_serializer(self._fresh(claim)).data
        return Response(body, status=status.HTTP_201_CREATED)

    def _fresh(self, claim: Claim) -> Claim:
        return self.get_queryset().get(pk=claim.pk)

    def _decide(self, call) -> Response:
        claim = self.get_object()
        incoming = s.ClaimReasonSerializer(data=self.request.data)
        incoming.is_valid(raise_exception=True)
        call(claim=claim, by=self.request.user, reason=incoming.validated_data["reason"])
        return Response(self.get_serializer(self._fresh(claim)).data)

    @_claim_action_schema(s.ClaimReasonSerializer, _("The item's desk approves the claim."))
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        return self._decide(services.claim_approve)

    @_claim_action_schema(
        s.ClaimReasonSerializer, _("The item's desk rejects the claim, with a reason.")
    )
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        return self._decide(services.claim_reject)


class MatchViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Matches: those proposed to your lost reports; (desk staff) those of your desks' items.
    The found item's public facts only."""

    serializer_class = s.MatchSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = MatchFilterSet
    scope_area = "lostfound"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Match.objects.none()
        return (
            Match.objects.for_user(self.request.user)
            .select_related("lost_report", "found_item__category", "found_item__building")
            .order_by("-created_at", "-id")
        )

    @extend_schema(
        request=None,
        responses={200: s.MatchSerializer},
        description=_("The report's owner says the item is not theirs; never proposed again."),
    )
    @action(detail=True, methods=["post"])
    def decline(self, request, pk=None):
        match = self.get_object()
        services.match_decline(match=match, by=request.user)
        return Response(self.get_serializer(match).data)
