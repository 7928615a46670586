"""API of the core's places: campuses, buildings, rooms and departments under /api/v1/places/.

Everyone signed in (and tokens with places:read) reads; logistics managers (with places:write on
a token) create, change and delete, through the services in logistics.places.
"""

from django.utils.translation import gettext_lazy as _
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import serializers, viewsets
from rest_framework.filters import OrderingFilter

from logistics.api.permissions import IsManagerOrReadOnly
from logistics.api.serializers import StrictModelSerializer
from logistics.filters import (
    BuildingFilterSet,
    CampusFilterSet,
    DepartmentFilterSet,
    RoomFilterSet,
)
from logistics.models import Building, Campus, Department, Room
from logistics.places import place_create, place_delete, place_update


class CampusSerializer(StrictModelSerializer):
    class Meta:
        model = Campus
        fields = ["id", "code", "name", "name_en", "address"]


class BuildingSerializer(StrictModelSerializer):
    campus_code = serializers.CharField(source="campus.code", read_only=True)

    class Meta:
        model = Building
        fields = [
            "id",
            "campus",
            "campus_code",
            "code",
            "name",
            "name_en",
            "kind",
            "floors",
            "latitude",
            "longitude",
        ]


class RoomSerializer(StrictModelSerializer):
    building_code = serializers.CharField(source="building.code", read_only=True)
    campus_code = serializers.CharField(source="building.campus.code", read_only=True)

    class Meta:
        model = Room
        fields = [
            "id",
            "building",
            "building_code",
            "campus_code",
            "number",
            "floor",
            "kind",
            "capacity",
        ]


class DepartmentSerializer(StrictModelSerializer):
    class Meta:
        model = Department
        fields = [
            "id",
            "code",
            "name",
            "name_en",
            "kind",
            "campus",
            "parent",
            "buildings",
            "phone",
            "email",
        ]

    def validate_parent(self, parent):
        if parent is not None and self.instance is not None and _is_ancestor(self.instance, parent):
            raise serializers.ValidationError(_("A department cannot sit below itself."))
        return parent


def _is_ancestor(department: Department, candidate: Department) -> bool:
    """True when `department` is `candidate` or one of its parents (would make a loop)."""
    seen = set()
    while candidate is not None and candidate.pk not in seen:
        if candidate.pk == department.pk:
            return True
        seen.add(candidate.pk)
        candidate = candidate.parent
    return False


class PlaceViewSet(viewsets.ModelViewSet):
    """Reads for everyone signed in; writes for managers, through the place services."""

    permission_classes = [IsManagerOrReadOnly]
    filter_backends = [DjangoFilterBackend, OrderingFilter]
    scope_area = "places"

    def perform_create(self, serializer):
        model = serializer.Meta.model
        data = dict(serializer.validated_data)
        serializer.instance = place_create(model=model, data=data, by=self.request.user)

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        place = place_update(place=serializer.instance, data=data, by=self.request.user)
        serializer.instance = self.get_queryset().get(pk=place.pk)

    def perform_destroy(self, instance):
        place_delete(place=instance, by=self.request.user)


class CampusViewSet(PlaceViewSet):
    """Campuses (校区)."""

    queryset = Campus.objects.all()
    serializer_class = CampusSerializer
    filterset_class = CampusFilterSet
    ordering_fields = ["code", "name"]


class BuildingViewSet(PlaceViewSet):
    """Buildings: dormitories, teaching buildings, canteens, offices …"""

    queryset = Building.objects.select_related("campus")
    serializer_class = BuildingSerializer
    filterset_class = BuildingFilterSet
    ordering_fields = ["code", "name", "kind", "floors", "campus__code"]


class RoomViewSet(PlaceViewSet):
    """Rooms of buildings: dorm rooms, classrooms, offices …"""

    queryset = Room.objects.select_related("building__campus")
    serializer_class = RoomSerializer
    filterset_class = RoomFilterSet
    ordering_fields = ["number", "floor", "kind", "capacity", "building__code"]


class DepartmentViewSet(PlaceViewSet):
    """Departments and service units (维修中心, 饮食服务中心, 宿舍管理中心, 收发室 …)."""

    queryset = Department.objects.select_related("campus", "parent").prefetch_related("buildings")
    serializer_class = DepartmentSerializer
    filterset_class = DepartmentFilterSet
    ordering_fields = ["code", "name", "kind"]


def register(router) -> None:
    """Registers this module's viewsets on the /api/v1/ router."""
    router.register("places/campuses", CampusViewSet, basename="campus")
    router.register("places/buildings", BuildingViewSet, basename="building")
    router.register("places/rooms", RoomViewSet, basename="room")
    router.register("places/departments", DepartmentViewSet, basename="department")
