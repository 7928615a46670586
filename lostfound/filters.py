"""FilterSets of the lost-and-found system, shared by its list pages and its API."""

import django_filters
from django.utils.translation import gettext_lazy as _

from logistics.filters import PortalFilterSet, SearchFilterSet
from logistics.forms import IsoDateInput
from logistics.models import Campus
from lostfound.models import Category, Claim, FoundItem, LostReport, Match


class FoundItemFilterSet(SearchFilterSet):
    """The board's and the API's filters: text (Chinese through the index), category, campus,
    found since. Never the hidden traits or a card's number."""

    search_fields = ("description", "place_text")

    category = django_filters.ModelChoiceFilter(
        label=_("Category"), queryset=Category.objects.filter(is_active=True)
    )
    campus = django_filters.ModelChoiceFilter(
        label=_("Campus"), field_name="building__campus", queryset=Campus.objects.all()
    )
    found_since = django_filters.DateFilter(
        label=_("Found since"),
        field_name="found_at",
        lookup_expr="date__gte",
        widget=IsoDateInput,
    )

    class Meta:
        model = FoundItem
        fields = ["category", "campus", "found_since"]


class LostReportFilterSet(SearchFilterSet):
    search_fields = ("description", "place_text")

    category = django_filters.ModelChoiceFilter(
        label=_("Category"), queryset=Category.objects.all()
    )
    status = django_filters.ChoiceFilter(label=_("Status"), choices=LostReport.Status.choices)

    class Meta:
        model = LostReport
        fields = ["category", "status"]


class ClaimFilterSet(PortalFilterSet):
    status = django_filters.ChoiceFilter(label=_("Status"), choices=Claim.Status.choices)

    class Meta:
        model = Claim
        fields = ["status"]


class MatchFilterSet(PortalFilterSet):
    status = django_filters.ChoiceFilter(label=_("Status"), choices=Match.Status.choices)
    lost_report = django_filters.NumberFilter(label=_("Lost report"))

    class Meta:
        model = Match
        fields = ["status", "lost_report"]
