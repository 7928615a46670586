"""ComplaintFilterSet: the filters of the complaints inbox page and of the API list."""

import re

import django_filters
from django.utils.translation import gettext_lazy as _

from logistics.filters import IntegerFilter, SearchFilterSet
from reviews.models import Complaint

from .workflow import OPEN_STATUSES, overdue_q

COMPLAINT_NUMBER = re.compile(r"TS-\d{4}-\d{6,}")  # reviews.complaints.services numbers them


class ComplaintFilterSet(SearchFilterSet):
    """Filters over a `complaints_for(...)` queryset; each narrows, none widens the scope."""

    search_fields = ("title", "body")

    status = django_filters.MultipleChoiceFilter(
        choices=Complaint.Status.choices, label=_("Status"), distinct=False
    )
    is_open = django_filters.BooleanFilter(method="filter_open", label=_("Open"))
    kind = django_filters.ChoiceFilter(choices=Complaint.Kind.choices, label=_("Kind"))
    overdue = django_filters.BooleanFilter(method="filter_overdue", label=_("Overdue"))
    escalated = django_filters.BooleanFilter(method="filter_escalated", label=_("Escalated"))
    department = IntegerFilter(field_name="department_id", label=_("Department id"))

    class Meta:
        model = Complaint
        fields = ["status", "is_open", "kind", "overdue", "escalated", "department"]

    def search(self, queryset, name, value):
        # a complaint's number finds it through its unique index, never through a text search
        number = value.strip().upper()
        if COMPLAINT_NUMBER.fullmatch(number):
            return queryset.filter(number=number)
        return super().search(queryset, name, value)

    def filter_open(self, queryset, name, value):
        if value is None:
            return queryset
        if value:
            return queryset.filter(status__in=OPEN_STATUSES)
        return queryset.exclude(status__in=OPEN_STATUSES)

    def filter_overdue(self, queryset, name, value):
        if value is None:
            return queryset
        late = overdue_q()
        return queryset.filter(late) if value else queryset.exclude(late)

    def filter_escalated(self, queryset, name, value):
        if value is None:
            return queryset
        return (
            queryset.filter(escalation_level__gt=0)
            if value
            else queryset.filter(escalation_level=0)
        )
