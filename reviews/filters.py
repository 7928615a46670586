"""ReviewFilterSet: the filters of the moderation and staff lists and of the reviews API."""

import django_filters
from django.utils.translation import gettext_lazy as _

from logistics.filters import IntegerFilter, PortalFilterSet

from .models import Review
from .registry import event_types


def _event_type_choices():
    return [(t.key, str(t.label)) for t in event_types()]


class ReviewFilterSet(PortalFilterSet):
    """Filters over a `reviews_for(...)` queryset; every filter narrows, none widens the scope."""

    event_type = django_filters.ChoiceFilter(choices=_event_type_choices, label=_("Event type"))
    stars_max = IntegerFilter(field_name="stars", lookup_expr="lte", label=_("Stars at most"))
    stars_min = IntegerFilter(field_name="stars", lookup_expr="gte", label=_("Stars at least"))
    hidden = django_filters.BooleanFilter(field_name="is_hidden", label=_("Hidden"))
    department = IntegerFilter(field_name="event__department_id", label=_("Department id"))
    event = IntegerFilter(field_name="event_id", label=_("Event id"))

    class Meta:
        model = Review
        fields = ["event_type", "stars_max", "stars_min", "hidden", "department", "event"]
