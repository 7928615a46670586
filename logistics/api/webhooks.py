"""API of school IT's webhook endpoints: their own endpoints, each one's delivery log, re-send,
a test event, and the event catalogue. Scope `webhooks:manage`; integrators, logistics managers
and superusers."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from logistics import events, webhooks
from logistics.api.pagination import PortalPagination
from logistics.api.permissions import HasScope
from logistics.api.serializers import StrictModelSerializer
from logistics.models import OutboxMessage, WebhookEndpoint
from logistics.roles import Role


class MayManageWebhooks(HasScope):
    """The token holds webhooks:manage (a session needs none), and the user is school IT
    (integrator), a logistics manager or a superuser."""

    def has_permission(self, request, view) -> bool:
        if not super().has_permission(request, view):
            return False
        self.message = _("Only integrators and logistics managers manage webhooks.")
        return request.user.is_manager or request.user.has_role(Role.INTEGRATOR)


class WebhookEndpointSerializer(StrictModelSerializer):
    secret = serializers.CharField(
        write_only=True,
        min_length=webhooks.MIN_SECRET,
        max_length=128,
        help_text=_("Shared with the receiver, which checks X-Portal-Signature with it."),
    )
    event_types = serializers.ListField(
        child=serializers.CharField(max_length=64),
        allow_empty=True,
        max_length=100,
        help_text=_("Event types of the catalogue, or prefixes such as 'repairs.'."),
    )

    class Meta:
        model = WebhookEndpoint
        fields = [
            "id",
            "name",
            "url",
            "secret",
            "event_types",
            "language",
            "is_active",
            "consecutive_failures",
            "disabled_at",
            "created_at",
        ]
        read_only_fields = ["id", "consecutive_failures", "disabled_at", "created_at"]

    def create(self, validated_data):
        return webhooks.webhook_endpoint_create(
            owner=self.context["request"].user, **validated_data
        )

    def update(self, instance, validated_data):
        return webhooks.webhook_endpoint_update(endpoint=instance, **validated_data)


class DeliverySerializer(serializers.ModelSerializer):
    event_type = serializers.SerializerMethodField()

    class Meta:
        model = OutboxMessage
        fields = [
            "id",
            "event_id",
            "event_type",
            "status",
            "attempts",
            "created_at",
            "sent_at",
            "next_attempt_at",
            "response_status",
            "response_body",
            "last_error",
        ]
        read_only_fields = fields

    def get_event_type(self, delivery: OutboxMessage) -> str:
        """The event's type, or a notification's kind for a group-bot delivery."""
        return delivery.payload.get("type") or delivery.payload.get("kind", "")


class EventTypeSerializer(serializers.Serializer):
    key = serializers.CharField()
    version = serializers.IntegerField()
    label = serializers.CharField()
    description = serializers.CharField()
    schema = serializers.CharField(help_text=_("The JSON Schema file under docs/events/."))


class WebhookResendSerializer(serializers.Serializer):
    delivery = serializers.UUIDField(help_text=_("The id of a delivery of this endpoint."))


class WebhookEndpointViewSet(viewsets.ModelViewSet):
    """The signed-in user's webhook endpoints; another owner's are not found (404)."""

    serializer_class = WebhookEndpointSerializer
    permission_classes = [MayManageWebhooks]
    required_scope = "webhooks:manage"
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return WebhookEndpoint.objects.none()
        return webhooks.endpoints_for(self.request.user)

    @extend_schema(responses=DeliverySerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=PortalPagination)
    def deliveries(self, request, pk=None, format=None):  # noqa: A002 — DRF format suffix
        """The endpoint's delivery log, newest first: each delivery's status, attempts and the
        receiver's last answer (status and the start of its body)."""
        page = self.paginate_queryset(webhooks.deliveries_for(self.get_object()))
        return self.get_paginated_response(DeliverySerializer(page, many=True).data)

    @extend_schema(request=WebhookResendSerializer, responses={202: DeliverySerializer})
    @action(detail=True, methods=["post"])
    def resend(self, request, pk=None, format=None):  # noqa: A002 — DRF format suffix
        """Sends one of the endpoint's deliveries again, as a new delivery with the same event
        id; 409 while the endpoint is off or the delivery is still on its way."""
        endpoint = self.get_object()
        serializer = WebhookResendSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        delivery = webhooks.deliveries_for(endpoint).filter(
            id=serializer.validated_data["delivery"]
        )
        copy = webhooks.webhook_delivery_resend(delivery=_found(delivery))
        return Response(DeliverySerializer(copy).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(request=None, responses={202: DeliverySerializer})
    @action(detail=True, methods=["post"])
    def test(self, request, pk=None, format=None):  # noqa: A002 — DRF format suffix
        """Sends a test event (webhooks.endpoint.ping) to this endpoint now."""
        message = webhooks.webhook_endpoint_ping(endpoint=self.get_object())
        return Response(DeliverySerializer(message).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(responses=EventTypeSerializer(many=True))
    @action(detail=False, methods=["get"], url_path="event-types", pagination_class=None)
    def event_types(self, request, format=None):  # noqa: A002 — DRF format suffix
        """The event catalogue: every type an endpoint may subscribe to, with its version."""
        catalogue = [
            {
                "key": kind.key,
                "version": kind.version,
                "label": str(kind.label),
                "description": str(kind.description),
                "schema": f"docs/events/{kind.schema_name}",
            }
            for kind in events.event_types()
        ]
        return Response(EventTypeSerializer(catalogue, many=True).data)


def _found(queryset) -> OutboxMessage:
    delivery = queryset.select_related("endpoint").first()
    if delivery is None:
        raise NotFound(_("This endpoint has no delivery with this id."))
    return delivery


def register(router) -> None:
    """Registers this module's viewsets on the /api/v1/ router."""
    router.register("webhooks", WebhookEndpointViewSet, basename="webhook")
