"""FilterSets of the parcels system, shared by its list pages and its API."""

import django_filters
from django.utils.translation import gettext_lazy as _

from logistics.filters import IntegerFilter, SearchFilterSet
from logistics.forms import IsoDateRangeWidget
from parcels.carriers import normalize
from parcels.models import Carrier, Parcel


class ParcelFilterSet(SearchFilterSet):
    """Filters over a `for_user(...)` queryset; every filter narrows, none widens the scope.
    `q` finds a tracking number, a pickup code or a name through the search index."""

    search_fields = (
        "tracking_number",
        "recipient_name",
        "pickup_code",
        "recipient_hint",
        "recipient__display_name",
        "recipient__username",
    )

    status = django_filters.MultipleChoiceFilter(
        choices=Parcel.Status.choices, label=_("Status"), distinct=False
    )
    carrier = django_filters.MultipleChoiceFilter(
        choices=Carrier.choices, label=_("Carrier"), distinct=False
    )
    station = IntegerFilter(field_name="station_id", label=_("Station id"))
    unknown = django_filters.BooleanFilter(
        field_name="recipient", lookup_expr="isnull", label=_("Unknown recipient")
    )
    tracking_number = django_filters.CharFilter(
        method="filter_number", label=_("Tracking number (exact)"), max_length=60
    )
    arrived = django_filters.DateFromToRangeFilter(
        widget=IsoDateRangeWidget(), field_name="arrived_at", label=_("Arrived between")
    )

    class Meta:
        model = Parcel
        fields = ["status", "carrier", "station", "unknown", "tracking_number", "arrived"]

    def filter_number(self, queryset, name, value):
        return queryset.filter(tracking_number=normalize(value)) if value.strip() else queryset
