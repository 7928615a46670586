"""Serializers of the dining API: canteens, windows, dishes, menus (read from the cache) and the
inputs of the writes (which go through dining.services)."""

import datetime

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from dining.models import (
    DISH_EDITABLE_FIELDS,
    Allergen,
    Canteen,
    Dish,
    DishCategory,
    Meal,
    OpeningHours,
    Window,
)

MONEY = {"max_digits": 8, "decimal_places": 2, "min_value": 0}


class OpeningHoursSerializer(serializers.ModelSerializer):
    class Meta:
        model = OpeningHours
        fields = ["meal", "opens_at", "closes_at"]
        read_only_fields = fields


class CanteenSerializer(serializers.ModelSerializer):
    building = serializers.PrimaryKeyRelatedField(read_only=True)
    hours = OpeningHoursSerializer(many=True, read_only=True)
    closed_days = serializers.SerializerMethodField()

    class Meta:
        model = Canteen
        fields = [
            "id",
            "slug",
            "name",
            "name_en",
            "building",
            "address",
            "phone",
            "hours",
            "closed_days",
        ]
        read_only_fields = fields

    def get_closed_days(self, canteen) -> list[datetime.date]:
        # Prefetched as upcoming closed days (see the view).
        return [day.date for day in canteen.upcoming_closed]


class WindowSerializer(serializers.ModelSerializer):
    class Meta:
        model = Window
        fields = ["id", "canteen", "code", "name", "name_en", "is_active"]
        read_only_fields = fields


class DishSerializer(serializers.ModelSerializer):
    """A dish; on writes the allergens are given as codes of the fixed list."""

    allergens = serializers.SlugRelatedField(
        slug_field="code", many=True, queryset=Allergen.objects.all(), required=False
    )
    category = serializers.SlugRelatedField(slug_field="code", queryset=DishCategory.objects.all())
    canteen = serializers.SlugRelatedField(slug_field="slug", queryset=Canteen.objects.all())
    window = serializers.PrimaryKeyRelatedField(
        queryset=Window.objects.all(), required=False, allow_null=True
    )
    price = serializers.DecimalField(**MONEY)
    price_employee = serializers.DecimalField(**MONEY, required=False, allow_null=True)
    price_other = serializers.DecimalField(**MONEY, required=False, allow_null=True)

    class Meta:
        model = Dish
        fields = ["id", "canteen", *DISH_EDITABLE_FIELDS]
        read_only_fields = ["id"]


class MenuItemOutSerializer(serializers.Serializer):
    """A dish on a published menu, from the cached day data."""

    id = serializers.IntegerField()
    dish = serializers.IntegerField(source="dish_id")
    name = serializers.CharField()
    name_en = serializers.CharField(allow_blank=True)
    category = serializers.CharField()
    price = serializers.DecimalField(max_digits=8, decimal_places=2)
    price_employee = serializers.DecimalField(max_digits=8, decimal_places=2, allow_null=True)
    price_other = serializers.DecimalField(max_digits=8, decimal_places=2, allow_null=True)
    pricing_unit = serializers.CharField(source="unit")
    sold_out = serializers.BooleanField()
    allergens = serializers.ListField(child=serializers.CharField())
    is_vegetarian = serializers.BooleanField(source="vegetarian")
    is_halal = serializers.BooleanField(source="halal")
    spicy_level = serializers.IntegerField(source="spicy")
    kcal = serializers.IntegerField(allow_null=True)


class MenuOutSerializer(serializers.Serializer):
    """A published menu of one window, date and meal (read from the per-day cache)."""

    id = serializers.IntegerField()
    canteen = serializers.IntegerField(source="canteen_id")
    date = serializers.DateField()
    meal = serializers.ChoiceField(choices=Meal.choices)
    window = serializers.CharField()
    window_en = serializers.CharField(allow_blank=True)
    window_code = serializers.CharField()
    status = serializers.CharField(default="published")
    items = MenuItemOutSerializer(many=True)


class MenuQuerySerializer(serializers.Serializer):
    """The filters of the menu list."""

    date = serializers.DateField(required=False, help_text=_("Default: today (Asia/Shanghai)."))
    canteen = serializers.CharField(
        required=False, max_length=50, help_text=_("Canteen id or short name.")
    )
    meal = serializers.ChoiceField(choices=Meal.choices, required=False)


class MenuItemInSerializer(serializers.Serializer):
    dish = serializers.PrimaryKeyRelatedField(queryset=Dish.objects.all())
    price = serializers.DecimalField(**MONEY)
    price_employee = serializers.DecimalField(**MONEY, required=False, allow_null=True)
    price_other = serializers.DecimalField(**MONEY, required=False, allow_null=True)


class MenuCreateSerializer(serializers.Serializer):
    """A draft menu of a window, date and meal with its dishes (replaces existing items)."""

    window = serializers.PrimaryKeyRelatedField(queryset=Window.objects.all())
    date = serializers.DateField()
    meal = serializers.ChoiceField(choices=Meal.choices)
    items = MenuItemInSerializer(many=True, allow_empty=True)
    reason = serializers.CharField(required=False, allow_blank=True, max_length=300)


class MenuPublishSerializer(serializers.Serializer):
    publish_at = serializers.DateTimeField(required=False, allow_null=True)
    acknowledge_reason = serializers.CharField(required=False, allow_blank=True, max_length=1000)


class SoldOutSerializer(serializers.Serializer):
    item = serializers.IntegerField(min_value=1, max_value=2**31 - 1)
    sold_out = serializers.BooleanField()


class MenuStatusSerializer(serializers.Serializer):
    """The answer to a write on a menu: its id and status (the public view shows it once
    published)."""

    id = serializers.IntegerField()
    status = serializers.CharField()
    date = serializers.DateField()
    meal = serializers.CharField()
    window = serializers.IntegerField(source="window_id")
