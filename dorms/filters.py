"""FilterSets of the dorms system, shared by its list pages and its API."""

import django_filters
from django.utils.translation import gettext_lazy as _

from logistics.filters import IntegerFilter, SearchFilterSet

from .models import Kind, Notice


class NoticeFilterSet(SearchFilterSet):
    """Notices by kind, status, building and whether they ask for acknowledgement; `q` searches
    title and text through the index."""

    search_fields = ("title", "body")

    kind = django_filters.ChoiceFilter(choices=Kind.choices, label=_("Kind"))
    status = django_filters.ChoiceFilter(choices=Notice.Status.choices, label=_("Status"))
    building = IntegerFilter(method="in_building", label=_("Building id"))
    requires_ack = django_filters.BooleanFilter(label=_("Asks for acknowledgement"))

    class Meta:
        model = Notice
        fields = ["kind", "status", "building", "requires_ack"]

    def in_building(self, queryset, name, value):
        return queryset.in_buildings([value])
