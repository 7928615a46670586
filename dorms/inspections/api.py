"""API of room inspections (/api/v1/dorms/inspections/, /hazards/): scoped like the pages."""

from django.db.models import Prefetch
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from logistics.models import Building

from . import services
from .figures import round_figures
from .models import Hazard, InspectionRound


class RoundSerializer(serializers.ModelSerializer):
    buildings = serializers.SerializerMethodField()
    url = serializers.CharField(source="get_absolute_url", read_only=True)

    class Meta:
        model = InspectionRound
        fields = ["id", "title", "starts_on", "ends_on", "buildings", "notice", "url"]
        read_only_fields = fields

    def get_buildings(self, inspection_round) -> list[dict]:
        return [{"id": b.pk, "code": b.code} for b in inspection_round.buildings.all()]


class FiguresSerializer(serializers.Serializer):
    building = serializers.IntegerField(source="building.pk")
    rooms = serializers.IntegerField()
    checked = serializers.IntegerField()
    with_hazards = serializers.IntegerField()
    hazards = serializers.IntegerField()
    fixed_on_time = serializers.IntegerField()
    open = serializers.IntegerField()
    overdue = serializers.IntegerField()


class RoundDetailSerializer(RoundSerializer):
    figures = serializers.SerializerMethodField()

    class Meta(RoundSerializer.Meta):
        fields = [*RoundSerializer.Meta.fields, "figures"]
        read_only_fields = fields

    @extend_schema(responses=FiguresSerializer(many=True))
    def get_figures(self, inspection_round) -> list[dict]:
        return FiguresSerializer(round_figures(inspection_round), many=True).data


class HazardSerializer(serializers.ModelSerializer):
    room = serializers.CharField(source="room.number", read_only=True)
    building = serializers.CharField(source="building.code", read_only=True)
    overdue = serializers.BooleanField(source="is_overdue", read_only=True)
    url = serializers.CharField(source="get_absolute_url", read_only=True)

    class Meta:
        model = Hazard
        fields = [
            *("id", "round", "building", "room", "kind", "note", "deadline", "status"),
            *("overdue", "fixed_at", "closed_at", "repair_number", "created_at", "url"),
        ]
        read_only_fields = fields


class RecheckSerializer(serializers.Serializer):
    fixed = serializers.BooleanField()


class InspectionRoundViewSet(viewsets.ReadOnlyModelViewSet):
    """Inspection rounds you walk or manage; a round's page carries its figures per building."""

    scope_area = "dorms"
    filter_backends: list = []

    def get_serializer_class(self):
        return RoundDetailSerializer if self.action == "retrieve" else RoundSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return InspectionRound.objects.none()
        buildings = Prefetch("buildings", queryset=Building.objects.order_by("code"))
        return (
            InspectionRound.objects.for_user(self.request.user)
            .prefetch_related(buildings)
            .order_by("-starts_on", "-id")
        )


class HazardViewSet(viewsets.ReadOnlyModelViewSet):
    """Hazards of the rounds you walk or manage, and of your own room; nearest deadline first.
    `?open=1` only those not closed, `?overdue=1` only those past their deadline."""

    serializer_class = HazardSerializer
    scope_area = "dorms"
    filter_backends: list = []

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Hazard.objects.none()
        hazards = Hazard.objects.for_user(self.request.user).select_related("room", "building")
        if self.request.query_params.get("open") == "1":
            hazards = hazards.open()
        if self.request.query_params.get("overdue") == "1":
            hazards = hazards.overdue()
        return hazards.order_by("deadline", "id")

    @extend_schema(request=None, responses={200: HazardSerializer})
    @action(detail=True, methods=["post"], url_path="confirm-fix")
    def confirm_fix(self, request, pk=None):
        """A resident of the room confirms the fix (409 when not open)."""
        hazard = services.hazard_confirm_fix(hazard=self.get_object(), by=request.user)
        return Response(HazardSerializer(hazard).data)

    @extend_schema(request=RecheckSerializer, responses={200: HazardSerializer})
    @action(detail=True, methods=["post"])
    def recheck(self, request, pk=None):
        """An inspector or manager re-checks: `fixed` true closes it, false reopens it."""
        hazard = self.get_object()
        body = RecheckSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        hazard = services.hazard_recheck(
            hazard=hazard, by=request.user, fixed=body.validated_data["fixed"]
        )
        return Response(HazardSerializer(hazard).data)
