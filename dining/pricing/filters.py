"""FilterSets of price supervision (price changes, the index, violations): pages and API."""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from dining.models import PriceChange, PriceIndexPoint, PriceRule, PriceViolation
from logistics.filters import IntegerFilter, PortalFilterSet
from logistics.forms import IsoDateRangeWidget


class PriceChangeFilterSet(PortalFilterSet):
    canteen = IntegerFilter(field_name="dish__canteen_id", label=_("Canteen id"))
    dish = IntegerFilter(field_name="dish_id", label=_("Dish id"))
    tier = django_filters.ChoiceFilter(choices=PriceChange.Tier.choices, label=_("Tier"))
    on_menu = django_filters.BooleanFilter(
        field_name="menu_item", lookup_expr="isnull", exclude=True, label=_("Changed on a menu")
    )
    changed = django_filters.DateFromToRangeFilter(
        widget=IsoDateRangeWidget(), field_name="changed_at", label=_("Changed between")
    )

    class Meta:
        model = PriceChange
        fields = ["canteen", "dish", "tier", "on_menu", "changed"]


class PriceIndexFilterSet(PortalFilterSet):
    canteen = IntegerFilter(field_name="canteen_id", label=_("Canteen id"))
    campus = django_filters.BooleanFilter(
        field_name="canteen", lookup_expr="isnull", label=_("Only the campus index")
    )
    date = django_filters.DateFromToRangeFilter(
        widget=IsoDateRangeWidget(), field_name="date", label=_("Between")
    )

    class Meta:
        model = PriceIndexPoint
        fields = ["canteen", "campus", "date"]


class AnyBooleanWidget(django_filters.widgets.BooleanWidget):
    """Yes / no / any (the empty choice means "do not filter")."""

    def __init__(self, attrs=None):
        super().__init__(attrs)
        self.choices = [("", _("Any")), ("true", _("Yes")), ("false", _("No"))]


def _canteens(request):
    from dining.figures import figure_canteens

    return figure_canteens(request.user if request else None)


class PriceViolationFilterSet(PortalFilterSet):
    """The filters of the violations page (the canteen choices are the viewer's canteens)."""

    canteen = django_filters.ModelChoiceFilter(
        field_name="menu__canteen",
        queryset=_canteens,
        to_field_name="slug",
        label=_("Canteen"),
        empty_label=_("All"),
    )
    rule = django_filters.ModelChoiceFilter(
        queryset=PriceRule.objects.order_by("kind", "name"), label=_("Rule"), empty_label=_("All")
    )
    kind = django_filters.ChoiceFilter(
        field_name="rule__kind",
        choices=PriceRule.Kind.choices,
        label=_("Kind of rule"),
        empty_label=_("All"),
    )
    severity = django_filters.ChoiceFilter(choices=PriceRule.Severity.choices, label=_("Severity"))
    acknowledged = django_filters.BooleanFilter(
        method="filter_acknowledged", label=_("Acknowledged")
    )
    created = django_filters.DateFromToRangeFilter(
        widget=IsoDateRangeWidget(), field_name="created_at", label=_("Recorded between")
    )

    class Meta:
        model = PriceViolation
        fields = ["canteen", "rule", "kind", "severity", "acknowledged", "created"]

    def filter_acknowledged(self, queryset, name, value):
        if value is None:
            return queryset
        acknowledged = Q(acknowledged_at__isnull=False)
        return queryset.filter(acknowledged if value else ~acknowledged)
