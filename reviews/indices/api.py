"""REST endpoints of this part of reviews, registered on the reviews API router.

/api/v1/reviews/indices/: the satisfaction index rows, read-only, scoped like the pages
(managers and supervisors every subject; staff their own and their departments'; others 403).
"""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers, viewsets

from logistics.api.permissions import HasScope
from reviews.models import IndexRow

from .filters import IndexRowFilterSet
from .querysets import can_view_indices, rows_for


class CanViewIndices(HasScope):
    def has_permission(self, request, view) -> bool:
        if not super().has_permission(request, view):
            return False
        self.message = _("Only logistics managers, supervisors and staff see satisfaction indices.")
        return can_view_indices(request.user)


class IndexRowSerializer(serializers.ModelSerializer):
    subject_name = serializers.CharField(source="subject.name", read_only=True)
    subject_name_en = serializers.CharField(source="subject.name_en", read_only=True)
    subject_ref = serializers.CharField(source="subject.ref", read_only=True)

    class Meta:
        model = IndexRow
        fields = [
            "id",
            "subject",
            "subject_name",
            "subject_name_en",
            "subject_ref",
            "kind",
            "event_type",
            "period",
            "period_start",
            "reviews",
            "stars_sum",
            "mean",
            "adjusted_mean",
            "satisfied",
            "satisfied_share",
            "invitations",
            "responses",
            "response_rate",
            "complaints",
            "complaints_closed",
            "complaints_in_time",
            "dimension_means",
            "computed_at",
        ]
        read_only_fields = fields


class IndexRowViewSet(viewsets.ReadOnlyModelViewSet):
    """Satisfaction index rows per subject, event type ("" = all) and day, week or month,
    aggregated by beat. Newest period first; order with `ordering` (e.g. `-adjusted_mean`)."""

    serializer_class = IndexRowSerializer
    permission_classes = [CanViewIndices]
    filterset_class = IndexRowFilterSet
    ordering_fields = ["period_start", "adjusted_mean", "mean", "reviews", "response_rate"]
    ordering = ["-period_start", "kind", "subject_id", "event_type"]
    search_fields = ["subject__name", "subject__name_en"]
    scope_area = "reviews"

    def get_queryset(self):
        return rows_for(self.request.user).order_by(*self.ordering)


def register(router) -> None:
    """Adds this part's viewsets to /api/v1/reviews/."""
    router.register("indices", IndexRowViewSet, basename="index")
