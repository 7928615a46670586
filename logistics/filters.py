"""FilterSets of campus places and departments, shared by the API and the pages."""

import copy

import django_filters
from django import forms
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _
from django_filters.filters import QuerySetRequestMixin
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


class PortalFilterSet(django_filters.FilterSet):
    """A FilterSet that costs less to make, for the lists drawn on every request. django-filter
    deep-copies every filter (with its choices) for each instance, then builds a form class and
    its fields anew, which the form deep-copies again: about 0.7 ms of the repair queue's and
    the API list's drawn pages. Here each instance gets a shallow copy of each filter (bound to
    it: its model, its parent, its method), and the form class is built once per FilterSet
    class: its fields depend on the filters' definitions alone — unless a filter's queryset is
    worked out per request (a callable), then per instance as django-filter does. That form's
    instances share its fields rather than deep-copying them (`SharedFields`: another 0.5 ms
    or so): nothing changes a filter form's fields after they are made."""

    _build = None  # the function that makes the queryset, until `qs` calls it

    def __init__(self, data=None, queryset=None, *, request=None, prefix=None):
        # A function in place of the queryset is called when `qs` is first asked for: a list
        # whose page comes from compiled SQL (logistics.keyset, `shape`) may never need it.
        self._build = queryset if callable(queryset) else None
        if queryset is None or self._build is not None:
            queryset = self._meta.model._default_manager.all()
        self.is_bound = data is not None
        self.data = data or QueryDict()
        self.queryset = queryset
        self.request = request
        self.form_prefix = prefix
        self.filters = {name: self._bound(base) for name, base in self.base_filters.items()}

    @property
    def qs(self):
        if self._build is not None:
            self.queryset, self._build = self._build(), None
        return super().qs

    def _bound(self, base):
        filter_ = copy.copy(base)
        if filter_.method is not None:
            filter_.method = filter_.method  # its FilterMethod calls this instance's method
        filter_.model = self.queryset.model
        filter_.parent = self
        return filter_

    def get_form_class(self):
        cls = type(self)
        form = cls.__dict__.get("_form_class")
        if form is None:
            if any(_per_request(filter_) for filter_ in cls.base_filters.values()):
                return super().get_form_class()
            fields = {name: filter_.field for name, filter_ in cls.base_filters.items()}
            form = type(f"{cls.__name__}Form", (cls._meta.form,), fields)
            if cls._meta.form is forms.Form:  # a form of its own may change its fields per instance
                form.base_fields = SharedFields(form.base_fields)
            cls._form_class = form
        return form


class SharedFields(dict):
    """A form class's fields that its instances share: Django's Form deep-copies its class's
    fields for each instance (so that one may change its own), and a copy of itself is a new
    dict of the same fields. Only for forms whose fields no instance changes (read, validated
    and drawn only): a filter form, whose fields are made from its FilterSet's definitions.
    A field with a queryset is still copied: its copy starts from a fresh queryset, so that no
    form's reading of the choices is kept for the next."""

    def __deepcopy__(self, memo):
        return {
            name: copy.deepcopy(field, memo) if isinstance(field, forms.ModelChoiceField) else field
            for name, field in self.items()
        }


def _per_request(filter_) -> bool:
    return isinstance(filter_, QuerySetRequestMixin) and callable(filter_.queryset)


class SearchFilterSet(PortalFilterSet):
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
