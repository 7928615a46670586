"""FilterSets of the satisfaction indices (the API's; the pages choose through indices/forms.py)."""

import django_filters
from django.utils.translation import gettext_lazy as _

from logistics.filters import IntegerFilter, PortalFilterSet
from logistics.forms import IsoDateRangeWidget
from reviews.models import IndexRow, Subject


class IndexRowFilterSet(PortalFilterSet):
    kind = django_filters.ChoiceFilter(choices=Subject.Kind.choices, label=_("Subject kind"))
    event_type = django_filters.CharFilter(
        max_length=64, label=_("Event type (empty: all services together)")
    )
    period = django_filters.ChoiceFilter(choices=IndexRow.Period.choices, label=_("Period"))
    period_start = django_filters.DateFromToRangeFilter(
        widget=IsoDateRangeWidget(),
        label=_("Period start between (period_start_after, period_start_before)"),
    )
    subject = IntegerFilter(field_name="subject_id", label=_("Subject id"))

    class Meta:
        model = IndexRow
        fields = ["kind", "event_type", "period", "period_start", "subject"]
