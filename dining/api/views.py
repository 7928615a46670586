"""Views of the dining API: canteens, windows, dishes, menus.

Reads are open to everyone, signed in or not (the menus are public on /dining/ and in the
OpenMensa feeds anyway); an API token must still hold dining:read. Writes need dining:write and
the canteen_staff role for the canteen (or a logistics manager): dining.services checks the
canteen and raises PermissionDenied (403) otherwise; its errors (dining.errors) are answered
by the shared exception handler (400 invalid, 409 blocked/acknowledge with the findings).
The menu list is read from the per-canteen and date cache (dining.cache), so it costs no query
once warm.
"""

import django_filters
from django.db.models import Prefetch, Q
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from dining import selectors, services
from dining.filters import DishFilterSet, WindowFilterSet
from dining.models import Canteen, ClosedDay, Dish, Menu, MenuItem, Window
from logistics.api.permissions import HasScope
from logistics.roles import Role

from . import serializers as s


class DiningPermission(HasScope):
    """Reads: everyone (tokens need dining:read). Writes: canteen staff and managers with
    dining:write; which canteen they may change is the services' check."""

    def has_permission(self, request, view) -> bool:
        if request.method in permissions.SAFE_METHODS and not request.user.is_authenticated:
            return True
        if not super().has_permission(request, view):
            return False
        if request.method in permissions.SAFE_METHODS:
            return True
        self.message = _("Only canteen staff and logistics managers may change menus and dishes.")
        user = request.user
        return user.is_manager or user.has_role(Role.CANTEEN_STAFF)


class DiningViewSetMixin:
    permission_classes = [DiningPermission]
    scope_area = "dining"
    # Ids only (any other text is a 404), short enough for a bigint.
    lookup_value_regex = "[0-9]{1,18}"


# --- Canteens and windows ------------------------------------------------------------------------


class CanteenViewSet(DiningViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """The open canteens with their hours and upcoming closed days."""

    serializer_class = s.CanteenSerializer
    filter_backends = []

    def get_queryset(self):
        today = selectors.local_now().date()
        return (
            Canteen.objects.public()
            .prefetch_related(
                "hours",
                Prefetch(
                    "closed_days",
                    queryset=ClosedDay.objects.filter(date__gte=today),
                    to_attr="upcoming_closed",
                ),
            )
            .order_by("sort_order", "slug")
        )


class WindowViewSet(DiningViewSetMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = s.WindowSerializer
    filterset_class = WindowFilterSet
    filter_backends = [django_filters.rest_framework.DjangoFilterBackend]

    def get_queryset(self):
        return Window.objects.filter(canteen__is_active=True).order_by(
            "canteen_id", "sort_order", "code"
        )


# --- Dishes -------------------------------------------------------------------------------------


class DishViewSet(
    DiningViewSetMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.ReadOnlyModelViewSet,
):
    """Dishes of the open canteens; staff create and change their canteen's dishes."""

    serializer_class = s.DishSerializer
    filterset_class = DishFilterSet
    filter_backends = [django_filters.rest_framework.DjangoFilterBackend]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return (
            Dish.objects.filter(canteen__is_active=True)
            .select_related("canteen", "category")
            .prefetch_related("allergens")
            .order_by("canteen_id", "category__sort_order", "name", "id")
        )

    def _save(self, serializer, dish=None):
        data = dict(serializer.validated_data)
        canteen = data.pop("canteen", None) or dish.canteen
        reason = self.request.data.get("reason", "") if hasattr(self.request, "data") else ""
        saved = services.dish_save(
            by=self.request.user, canteen=canteen, data=data, dish=dish, reason=str(reason)
        )
        return Response(s.DishSerializer(saved).data, status=status.HTTP_200_OK)

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        response = self._save(serializer)
        if response.status_code == status.HTTP_200_OK:
            response.status_code = status.HTTP_201_CREATED
        return response

    def partial_update(self, request, *args, **kwargs):
        dish = self.get_object()
        serializer = self.get_serializer(dish, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        return self._save(serializer, dish=dish)


# --- Menus ---------------------------------------------------------------------------------------


def _canteen_ids(value: str | None) -> list[int]:
    canteens = selectors.catalogue()["canteens"]
    if not value:
        return [c["id"] for c in canteens]
    found = [c["id"] for c in canteens if c["slug"] == value or str(c["id"]) == value]
    if not found:
        raise NotFound(_("No open canteen has this id or short name."))
    return found


@extend_schema_view(
    list=extend_schema(
        parameters=[s.MenuQuerySerializer], responses=s.MenuOutSerializer(many=True)
    ),
    retrieve=extend_schema(responses=s.MenuOutSerializer),
    create=extend_schema(request=s.MenuCreateSerializer, responses={201: s.MenuStatusSerializer}),
)
class MenuViewSet(DiningViewSetMixin, viewsets.GenericViewSet):
    """Published menus of a day (cached per canteen and date); staff build and publish theirs."""

    serializer_class = s.MenuOutSerializer
    filter_backends = []

    def get_queryset(self):
        return Menu.objects.published().filter(canteen__is_active=True)

    def list(self, request):
        query = s.MenuQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        day = query.validated_data.get("date") or selectors.local_now().date()
        meal = query.validated_data.get("meal")
        ids = _canteen_ids(query.validated_data.get("canteen"))
        days = selectors.canteen_days(ids, day)
        menus = [
            {**menu, "canteen_id": cid, "date": day}
            for cid in ids
            for menu in days[cid]["menus"]
            if not meal or menu["meal"] == meal
        ]
        page = self.paginate_queryset(menus)
        return self.get_paginated_response(s.MenuOutSerializer(page, many=True).data)

    def retrieve(self, request, pk=None):
        menu = self.get_object()
        day = selectors.canteen_days([menu.canteen_id], menu.date)[menu.canteen_id]
        found = next((m for m in day["menus"] if m["id"] == menu.pk), None)
        if found is None:  # published without dishes
            raise NotFound
        data = {**found, "canteen_id": menu.canteen_id, "date": menu.date}
        return Response(s.MenuOutSerializer(data).data)

    def create(self, request):
        incoming = s.MenuCreateSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        window = data["window"]
        menu = services.menu_get_or_create(
            by=request.user,
            canteen=window.canteen,
            window=window,
            date=data["date"],
            meal=data["meal"],
        )
        rows = [{**row, "sort_order": n} for n, row in enumerate(data["items"])]
        menu = services.menu_set_items(
            by=request.user, menu=menu, items=rows, reason=data.get("reason", "")
        )
        return Response(s.MenuStatusSerializer(menu).data, status=status.HTTP_201_CREATED)

    def _editable_menu(self, pk) -> Menu:
        menu = (
            Menu.objects.filter(
                Q(pk=pk)
                & (
                    Q(status="published")
                    | Q(canteen__in=Canteen.objects.editable_by(self.request.user))
                )
            )
            .select_related("canteen")
            .first()
        )
        if menu is None:
            raise NotFound
        return menu

    @extend_schema(request=s.MenuPublishSerializer, responses=s.MenuStatusSerializer)
    @action(detail=True, methods=["post"])
    def publish(self, request, pk=None):
        """Publishes now or at publish_at; a price-rule warning needs acknowledge_reason (409)."""
        menu = self._editable_menu(pk)
        incoming = s.MenuPublishSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        menu = services.menu_publish(
            by=request.user,
            menu=menu,
            publish_at=incoming.validated_data.get("publish_at"),
            acknowledge_reason=incoming.validated_data.get("acknowledge_reason", ""),
        )
        return Response(s.MenuStatusSerializer(menu).data)

    @extend_schema(request=s.SoldOutSerializer, responses=s.MenuStatusSerializer)
    @action(detail=True, methods=["post"], url_path="sold-out")
    def sold_out(self, request, pk=None):
        """The live sold-out switch of one dish of the menu."""
        menu = self._editable_menu(pk)
        incoming = s.SoldOutSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        item = MenuItem.objects.filter(menu=menu, pk=incoming.validated_data["item"]).first()
        if item is None:
            raise NotFound(_("This menu has no such item."))
        services.menu_item_set_sold_out(
            by=request.user, item=item, sold_out=incoming.validated_data["sold_out"]
        )
        return Response(s.MenuStatusSerializer(menu).data)
