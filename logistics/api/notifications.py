"""API of the core's notifications: the signed-in user's own list, mark read, mark all read."""

import django_filters
from django.utils.translation import gettext_lazy as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.filters import OrderingFilter
from rest_framework.response import Response

from logistics import notifications as service
from logistics.filters import PortalFilterSet
from logistics.models import Notification


class NotificationSerializer(serializers.ModelSerializer):
    is_read = serializers.BooleanField(read_only=True)

    class Meta:
        model = Notification
        fields = ["id", "kind", "title", "body", "url", "created_at", "read_at", "is_read"]
        read_only_fields = fields


class NotificationFilterSet(PortalFilterSet):
    unread = django_filters.BooleanFilter(
        field_name="read_at", lookup_expr="isnull", label=_("Only unread (true) or read (false)")
    )
    kind = django_filters.CharFilter(
        method="filter_kind", max_length=64, label=_("Kind or kind prefix, e.g. repairs")
    )

    class Meta:
        model = Notification
        fields = ["unread", "kind"]

    def filter_kind(self, queryset, name, value):
        value = value.strip().rstrip(".")
        return queryset.filter(kind=value) | queryset.filter(kind__startswith=value + ".")


MarkedSerializer = inline_serializer("NotificationsMarked", {"marked": serializers.IntegerField()})


class NotificationViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """The signed-in user's notifications, newest first; another user's are not found (404)."""

    serializer_class = NotificationSerializer
    filter_backends = [DjangoFilterBackend, OrderingFilter]
    filterset_class = NotificationFilterSet
    ordering_fields = ["created_at"]
    scope_area = "notifications"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Notification.objects.none()
        return service.notifications_for(self.request.user)

    @extend_schema(request=None, responses=NotificationSerializer)
    @action(detail=True, methods=["post"])
    def read(self, request, pk=None, format=None):  # noqa: A002 — DRF format suffix
        """Marks one notification read (again is fine: the first read time stays)."""
        notification = service.notification_mark_read(notification=self.get_object())
        return Response(self.get_serializer(notification).data)

    @extend_schema(request=None, responses=MarkedSerializer)
    @action(detail=False, methods=["post"], url_path="read-all")
    def read_all(self, request, format=None):  # noqa: A002 — DRF format suffix
        """Marks all of the user's unread notifications read; answers how many."""
        return Response({"marked": service.notifications_mark_all_read(user=request.user)})


def register(router) -> None:
    """Registers this module's viewsets on the /api/v1/ router."""
    router.register("notifications", NotificationViewSet, basename="notification")
