"""Every FilterSet of the repairs app, shared by the pages and the API: requests (the
dispatcher's queue, the lists, the API), categories, a request's timeline."""

import re

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from logistics.filters import IntegerFilter, PortalFilterSet, SearchFilterSet
from logistics.forms import IsoDateRangeWidget
from logistics.models import Room
from repairs.models import Category, RepairEvent, RepairRequest
from repairs.querysets import department_q
from repairs.workflow import OPEN_STATUSES, overdue_q

# "R000123", "r123" or "#123": a request's number typed into the search box; bare digits
# ("302") are a request's id or a room's number.
NUMBER_RE = re.compile(r"^([Rr#])?0*(\d{1,9})$")
ROOMS_SHOWN = 200  # rooms of one number a search looks in (a campus has a few per number)


class RepairRequestFilterSet(SearchFilterSet):
    """Filters over a `for_user(...)` queryset; every filter narrows, none widens the scope."""

    search_fields = (
        "description",
        "place_text",
        "room__number",
        "building__name",
        "building__name_en",
        "requester__username",
        "requester__display_name",
    )

    status = django_filters.MultipleChoiceFilter(
        choices=RepairRequest.Status.choices, label=_("Status"), distinct=False
    )
    is_open = django_filters.BooleanFilter(method="filter_open", label=_("Open"))
    category = IntegerFilter(
        method="filter_category", label=_("Category id (includes its subcategories)")
    )
    building = IntegerFilter(field_name="building_id", label=_("Building id"))
    campus = django_filters.CharFilter(
        field_name="building__campus__code", label=_("Campus code"), max_length=32
    )
    campus_id = IntegerFilter(field_name="building__campus_id", label=_("Campus id"))
    department = IntegerFilter(method="filter_department", label=_("Department id"))
    urgency = django_filters.MultipleChoiceFilter(
        choices=RepairRequest.Urgency.choices, label=_("Urgency"), distinct=False
    )
    assignee = IntegerFilter(field_name="assignee_id", label=_("Technician id"))
    unassigned = django_filters.BooleanFilter(method="filter_unassigned", label=_("Unassigned"))
    overdue = django_filters.BooleanFilter(method="filter_overdue", label=_("Overdue"))
    created = django_filters.DateFromToRangeFilter(
        widget=IsoDateRangeWidget(), field_name="created_at", label=_("Submitted between")
    )
    ordering = django_filters.OrderingFilter(
        fields=(
            ("completion_due_at", "due"),
            ("created_at", "created"),
            ("urgency", "urgency"),
            ("status", "status"),
        ),
        field_labels={
            "completion_due_at": _("Due time"),
            "created_at": _("Submitted at"),
        },
        label=_("Sort by"),
    )

    class Meta:
        model = RepairRequest
        fields = [
            "status",
            "is_open",
            "category",
            "building",
            "campus",
            "campus_id",
            "department",
            "urgency",
            "assignee",
            "unassigned",
            "overdue",
            "created",
        ]

    # Filters whose SQL holds more than their values: a search reads the rooms of a number
    # first, "overdue" the clock, a date range the time zone.
    UNSHAPED = ("q", "overdue", "created")

    def shape(self) -> tuple | None:
        """The filters' cleaned values, which with the reader's (`for_user_shape`) name the
        SQL of a list over them (a compiled first page, logistics.keyset); None when the form
        is invalid or a filter of UNSHAPED is given."""
        if not self.is_valid():
            return None
        data = self.form.cleaned_data
        if any(_given(data.get(name)) for name in self.UNSHAPED):
            return None
        return tuple(
            (name, tuple(value) if isinstance(value, list) else value)
            for name, value in sorted(data.items())
            if name not in self.UNSHAPED
        )

    def search(self, queryset, name, value):
        """A request number finds its row by primary key; bare digits also the rooms of that
        number (their ids first, so each condition keeps its own index); other text goes
        through the search index (logistics.search)."""
        text = value.strip()
        match = NUMBER_RE.match(text)
        if match is None:
            return super().search(queryset, name, value)
        number = int(match.group(2))
        if match.group(1):
            return queryset.filter(pk=number)
        rooms = list(Room.objects.filter(number=text).values_list("pk", flat=True)[:ROOMS_SHOWN])
        if not rooms:
            return queryset.filter(pk=number)
        return queryset.filter(Q(pk=number) | Q(room_id__in=rooms))

    def filter_open(self, queryset, name, value):
        if value is None:
            return queryset
        if value:
            return queryset.filter(status__in=OPEN_STATUSES)
        return queryset.exclude(status__in=OPEN_STATUSES)

    def filter_category(self, queryset, name, value):
        if value is None:
            return queryset
        # The tree is shallow (top level → leaf, at most one more level); a subquery of the
        # small category table keeps the request table on its own indexes.
        family = Category.objects.filter(
            Q(pk=value) | Q(parent_id=value) | Q(parent__parent_id=value)
        ).values("pk")
        return queryset.filter(category_id__in=family)

    def filter_department(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.filter(department_q(value))

    def filter_unassigned(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.filter(assignee__isnull=value)

    def filter_overdue(self, queryset, name, value):
        if value is None:
            return queryset
        overdue = overdue_q()
        return queryset.filter(overdue) if value else queryset.exclude(overdue)


def _given(value) -> bool:
    if isinstance(value, slice):  # a date range: given when either end is
        return value.start is not None or value.stop is not None
    return value not in (None, "", [])


class RepairCategoryFilterSet(SearchFilterSet):
    """Filters of the category list (the API)."""

    search_fields = ("code", "name", "name_en")

    parent = IntegerFilter(field_name="parent_id", label=_("Parent category id"))
    top_level = django_filters.BooleanFilter(
        field_name="parent", lookup_expr="isnull", label=_("Only top-level categories")
    )
    leaf = django_filters.BooleanFilter(
        field_name="children", lookup_expr="isnull", distinct=True, label=_("Only leaves")
    )

    class Meta:
        model = Category
        fields = ["parent", "top_level", "leaf", "trade", "is_active", "code"]


class RepairEventFilterSet(PortalFilterSet):
    """Filters of a request's timeline (the API)."""

    action = django_filters.CharFilter(max_length=32, label=_("Action, e.g. assign"))
    since = django_filters.IsoDateTimeFilter(
        field_name="created_at", lookup_expr="gte", label=_("At or after (ISO 8601)")
    )

    class Meta:
        model = RepairEvent
        fields = ["action", "since"]
