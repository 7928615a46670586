"""Views of the dorms API: the notices a user may read (with acknowledging), and outages.

Reads are scoped with Notice.objects.for_user(...): a resident sees what was addressed to them
once published, a dorm manager also every notice of their buildings; another notice is 404.
Errors answer with the API's common body (logistics.api.exceptions).
"""

from django.db.models import Prefetch
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from dorms import services
from dorms.filters import NoticeFilterSet
from dorms.models import Notice, NoticeTarget
from dorms.querysets import is_notice_manager

from . import serializers as s


class NoticeViewSet(viewsets.ReadOnlyModelViewSet):
    """Notices addressed to you (residents, staff, everyone); managers also their buildings'
    drafts and scheduled notices. Newest first; `q` searches title and text."""

    serializer_class = s.NoticeSerializer
    filterset_class = NoticeFilterSet
    ordering_fields = ["published_at"]
    scope_area = "dorms"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Notice.objects.none()
        notices = Notice.objects.for_user(self.request.user)
        if not is_notice_manager(self.request.user):
            notices = notices.published()
        targets = Prefetch("targets", queryset=NoticeTarget.objects.only("notice", "building"))
        return (
            notices.select_related("campus")
            .prefetch_related("attachments", targets)
            .order_by("-published_at", "-id")
        )

    @extend_schema(request=None, responses={200: s.AcknowledgementSerializer})
    @action(detail=True, methods=["post"])
    def acknowledge(self, request, pk=None):
        """已阅并确认: confirms a notice that asks for it (409 when already done)."""
        read = services.notice_acknowledge(notice=self.get_object(), user=request.user)
        return Response(s.AcknowledgementSerializer(read).data)


class OutageViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Active and planned outages (water, power, gas, network, lift, heating) with the buildings
    they affect, soonest first: for other campus systems."""

    serializer_class = s.OutageSerializer
    scope_area = "dorms"
    filter_backends: list = []

    def get_queryset(self):
        targets = Prefetch("targets", queryset=NoticeTarget.objects.select_related("building"))
        return (
            Notice.objects.upcoming_outages(timezone.now())
            .prefetch_related(targets)
            .order_by("starts_at", "id")
        )
