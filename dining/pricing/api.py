"""/api/v1/dining/price-changes/ and /price-index/: the price history and the price index.

Reads like the rest of the dining API (everyone; API tokens need dining:read). Who changed a
price is shown to managers, supervisors and the staff of that canteen only; the index of each
canteen likewise, the campus index to everyone (as on /dining/price-index/).
"""

from django.db.models import Q
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import mixins, serializers, viewsets
from rest_framework.filters import OrderingFilter

from dining.api.views import DiningPermission
from dining.figures import can_view_all, figure_canteens
from dining.models import PriceChange, PriceIndexPoint
from dining.pricing.filters import PriceChangeFilterSet, PriceIndexFilterSet


class PriceChangeSerializer(serializers.ModelSerializer):
    canteen = serializers.IntegerField(source="dish.canteen_id", read_only=True)
    canteen_slug = serializers.CharField(source="dish.canteen.slug", read_only=True)
    dish_name = serializers.CharField(source="dish.name", read_only=True)
    menu_date = serializers.SerializerMethodField()
    meal = serializers.SerializerMethodField()
    changed_by = serializers.SerializerMethodField()

    class Meta:
        model = PriceChange
        fields = [
            "id",
            "dish",
            "dish_name",
            "canteen",
            "canteen_slug",
            "tier",
            "old_price",
            "new_price",
            "changed_at",
            "menu_date",
            "meal",
            "reason",
            "changed_by",
        ]
        read_only_fields = fields

    def get_menu_date(self, change) -> str | None:
        return change.menu_item.menu.date.isoformat() if change.menu_item_id else None

    def get_meal(self, change) -> str | None:
        return change.menu_item.menu.meal if change.menu_item_id else None

    def get_changed_by(self, change) -> str | None:
        """The campus ID of who changed it, for those who supervise the canteen."""
        visible = self.context.get("staff_canteens")
        if visible is None or change.changed_by_id is None:
            return None
        if visible is not True and change.dish.canteen_id not in visible:
            return None
        return change.changed_by.username


class PriceChangeViewSet(viewsets.ReadOnlyModelViewSet):
    """Every recorded price change of the open canteens' dishes, newest first."""

    serializer_class = PriceChangeSerializer
    permission_classes = [DiningPermission]
    scope_area = "dining"
    filter_backends = [DjangoFilterBackend, OrderingFilter]
    filterset_class = PriceChangeFilterSet
    ordering_fields = ["changed_at"]

    def get_queryset(self):
        return (
            PriceChange.objects.filter(dish__canteen__is_active=True)
            .select_related("dish__canteen", "menu_item__menu", "changed_by")
            .order_by("-changed_at", "-id")
        )

    def get_serializer_context(self):
        context = super().get_serializer_context()
        user = self.request.user
        if can_view_all(user):
            context["staff_canteens"] = True
        elif user.is_authenticated:
            context["staff_canteens"] = set(figure_canteens(user).values_list("pk", flat=True))
        return context


class PriceIndexPointSerializer(serializers.ModelSerializer):
    canteen_slug = serializers.SerializerMethodField()

    class Meta:
        model = PriceIndexPoint
        fields = ["date", "canteen", "canteen_slug", "value", "computed_at"]
        read_only_fields = fields

    def get_canteen_slug(self, point) -> str | None:
        return point.canteen.slug if point.canteen_id else None


class PriceIndexViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """The daily price index (base = 100): the campus (canteen null) for everyone, each canteen
    for managers, supervisors and its staff."""

    serializer_class = PriceIndexPointSerializer
    permission_classes = [DiningPermission]
    scope_area = "dining"
    filter_backends = [DjangoFilterBackend]
    filterset_class = PriceIndexFilterSet

    def get_queryset(self):
        visible = Q(canteen__isnull=True) | Q(canteen__in=figure_canteens(self.request.user))
        return (
            PriceIndexPoint.objects.filter(visible)
            .select_related("canteen")
            .order_by("-date", "canteen_id")
        )
