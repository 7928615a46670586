"""FilterSets of the dining app (the price supervision ones live in dining/pricing/filters.py).

The public menu pages filter the cached day data instead (selectors.DishFilter): they never
query the database per request.
"""

import django_filters
from django.utils.translation import gettext_lazy as _

from dining.models import Dish, Window
from logistics.filters import IntegerFilter, PortalFilterSet, SearchFilterSet


class WindowFilterSet(PortalFilterSet):
    canteen = IntegerFilter(field_name="canteen_id", label=_("Canteen id"))

    class Meta:
        model = Window
        fields = ["canteen", "is_active"]


class DishFilterSet(SearchFilterSet):
    search_fields = ("name", "name_en")

    canteen = IntegerFilter(field_name="canteen_id", label=_("Canteen id"))
    category = django_filters.CharFilter(field_name="category__code", max_length=32)
    exclude_allergen = django_filters.CharFilter(
        method="filter_exclude_allergen",
        max_length=32,
        label=_("Leave out dishes with this allergen (code)"),
    )

    class Meta:
        model = Dish
        fields = ["canteen", "category", "is_halal", "is_vegetarian", "is_active"]

    def filter_exclude_allergen(self, queryset, name, value):
        if not value:
            return queryset
        return queryset.exclude(allergens__code=value)
