"""Viewsets of the lost-and-found API: scoped with for_user, scope area "lostfound".

Found items: the board's items, your own, and (desk staff) your desks'; hidden traits only to
the item's desk. Lost reports: your own (desk staff and managers: all). Others are 404."""

from django.db.models import Prefetch
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from lostfound import services
from lostfound.filters import FoundItemFilterSet, LostReportFilterSet
from lostfound.models import Category, FoundItem, FoundItemPhoto, LostReport

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
