"""FilterSets of campus places and departments, shared by the API and the pages."""

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from logistics.models import Building, Campus, Department, Room
from logistics.search import search


@extend_schema_field(OpenApiTypes.INT)
class IntegerFilter(django_filters.NumberFilter):
    """A whole number within the database's range, so odd input is a 400, never a 500."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", -(2**31))
        kwargs.setdefault("max_value", 2**31 - 1)
        super().__init__(*args, **kwargs)


class SearchFilterSet(django_filters.FilterSet):
    """Adds `q`: every term of it in one of `search_fields` (case-insensitive), found through
    the model's search index when it has one (`logistics.search`)."""

    search_fields: tuple[str, ...] = ()

    q = django_filters.CharFilter(method="search", label=_("Search"), max_length=100)

    def search(self, queryset, name, value):
        if not value.strip():
            return queryset
        return search(queryset, value, fields=self.search_fields)


class CampusFilterSet(SearchFilterSet):
    search_fields = ("code", "name", "name_en")

    class Meta:
        model = Campus
        fields = ["code"]


class BuildingFilterSet(SearchFilterSet):
    search_fields = ("code", "name", "name_en")

    campus = django_filters.CharFilter(
        field_name="campus__code", label=_("Campus code"), max_length=32
    )

    class Meta:
        model = Building
        fields = ["campus", "code", "kind"]


class RoomFilterSet(SearchFilterSet):
    search_fields = ("number",)

    campus = django_filters.CharFilter(
        field_name="building__campus__code", label=_("Campus code"), max_length=32
    )
    building = IntegerFilter(field_name="building_id", label=_("Building id"))
    building_code = django_filters.CharFilter(
        field_name="building__code", label=_("Building code"), max_length=32
    )
    floor = IntegerFilter(min_value=-32768, max_value=32767)

    class Meta:
        model = Room
        fields = ["campus", "building", "building_code", "floor", "kind"]


class DepartmentFilterSet(SearchFilterSet):
    search_fields = ("code", "name", "name_en")

    campus = django_filters.CharFilter(
        field_name="campus__code", label=_("Campus code"), max_length=32
    )
    building = IntegerFilter(field_name="buildings", label=_("Serves building id"))

    class Meta:
        model = Department
        fields = ["campus", "code", "kind", "building"]
