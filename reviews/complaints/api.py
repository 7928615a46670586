"""/api/v1/reviews/complaints/: complaints and suggestions, with their workflow actions.

Reads are scoped with complaints_for (another user's complaint is 404); each write validates
its input and calls reviews.complaints.services, whose errors the API's exception handler
answers like every app's: InvalidTransition 409 invalid_transition, ConcurrentUpdate 409
concurrent_update, field errors 400 invalid, NotAllowed 403 — all in the common error body.
"""

from django.db.models import Prefetch
from django.utils.translation import gettext_lazy as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from logistics.api.serializers import ErrorSerializer
from logistics.models import Department
from reviews.models import Complaint, ComplaintEntry
from reviews.querysets import events_for

from . import services
from .filters import ComplaintFilterSet
from .querysets import complaints_for, with_handling
from .routing import subject_from_param
from .workflow import remember_handler

CONFLICT = OpenApiResponse(
    ErrorSerializer,
    _("The complaint is no longer in a state that allows this, or someone changed it first."),
)


class ComplaintEntrySerializer(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor.get_display_name", default=None, read_only=True)

    class Meta:
        model = ComplaintEntry
        fields = ["id", "action", "actor", "note", "is_public", "created_at"]
        read_only_fields = fields


class ComplaintSerializer(serializers.ModelSerializer):
    department_name = serializers.CharField(source="department.localized_name", read_only=True)
    # Null when the complaint names no subject (allow_null, not default=None: a default is
    # skipped in partial updates and was typed as a non-null string).
    subject_kind = serializers.CharField(source="subject.kind", allow_null=True, read_only=True)
    subject_ref = serializers.CharField(source="subject.ref", allow_null=True, read_only=True)
    author = serializers.CharField(source="author.get_display_name", read_only=True)
    overdue = serializers.BooleanField(
        source="is_overdue", read_only=True, help_text=_("Past a deadline while still open.")
    )
    allowed_actions = serializers.SerializerMethodField(
        help_text=_("The steps you may take on it now (POST …/<action>/).")
    )
    entries = ComplaintEntrySerializer(many=True, read_only=True)

    class Meta:
        model = Complaint
        fields = [
            "id",
            "number",
            "kind",
            "status",
            "title",
            "body",
            "author",
            "department",
            "department_name",
            "subject",
            "subject_kind",
            "subject_ref",
            "event",
            "public_ok",
            "created_at",
            "updated_at",
            "acknowledge_due_at",
            "resolve_due_at",
            "acknowledged_at",
            "resolved_at",
            "closed_at",
            "reopen_count",
            "escalation_level",
            "overdue",
            "allowed_actions",
            "satisfaction",
            "satisfaction_comment",
            "entries",
        ]
        read_only_fields = fields

    def get_allowed_actions(self, complaint: Complaint) -> list[str]:
        request = self.context.get("request")
        if request is None:
            return []
        if hasattr(complaint, "viewer_handles"):
            remember_handler(complaint, request.user, complaint.viewer_handles)
        return complaint.allowed_actions(request.user)


class ComplaintCreateSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Complaint.Kind.choices)
    title = serializers.CharField(max_length=120)
    body = serializers.CharField(max_length=4000)
    department = serializers.PrimaryKeyRelatedField(
        queryset=Department.objects.all(), required=False, allow_null=True
    )
    subject = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=80,
        help_text=_('What it is about, as "kind:ref", e.g. "dish:12".'),
    )
    event = serializers.IntegerField(
        required=False, allow_null=True, min_value=1, help_text=_("A service event of yours.")
    )
    public_ok = serializers.BooleanField(required=False, default=False)

    def validate_subject(self, value):
        if not value:
            return None
        subject = subject_from_param(value)
        if subject is None:
            raise serializers.ValidationError(_("Unknown subject."))
        return subject

    def validate_event(self, value):
        if value is None:
            return None
        event = events_for(self.context["request"].user).filter(pk=value).first()
        if event is None:
            raise serializers.ValidationError(_("This service is not one of yours."))
        return event


class ComplaintNoteSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


class ComplaintReplySerializer(serializers.Serializer):
    body = serializers.CharField(max_length=4000)
    public = serializers.BooleanField(required=False, default=False)


class ComplaintResolveSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=4000)
    public = serializers.BooleanField(required=False, default=False)


class ComplaintConfirmSerializer(serializers.Serializer):
    satisfaction = serializers.IntegerField(min_value=1, max_value=5)
    comment = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


class ComplaintReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)


class ComplaintOptionalReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


class ComplaintReassignSerializer(serializers.Serializer):
    department = serializers.PrimaryKeyRelatedField(queryset=Department.objects.all())
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


def _action_schema(serializer_class, description: str):
    return extend_schema(
        request=serializer_class,
        responses={200: ComplaintSerializer, 409: CONFLICT},
        description=description,
    )


@extend_schema_view(
    create=extend_schema(request=ComplaintCreateSerializer, responses={201: ComplaintSerializer})
)
class ComplaintViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Complaints and suggestions you may see: your own; as department staff, those routed to
    your department; as a logistics manager, all. Others are not found (404)."""

    serializer_class = ComplaintSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = ComplaintFilterSet
    scope_area = "reviews"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Complaint.objects.none()
        entries = Prefetch(
            "entries",
            queryset=ComplaintEntry.objects.select_related("actor").order_by("created_at", "id"),
        )
        return with_handling(
            complaints_for(self.request.user).prefetch_related(entries), self.request.user
        ).order_by("-created_at", "-id")

    def create(self, request, *args, **kwargs):
        incoming = ComplaintCreateSerializer(data=request.data, context={"request": request})
        incoming.is_valid(raise_exception=True)
        created = services.complaint_create(author=request.user, **incoming.validated_data)
        body = self.get_serializer(self.get_queryset().get(pk=created.pk)).data
        return Response(body, status=status.HTTP_201_CREATED)

    def _act(self, serializer_class, call):
        complaint = self.get_object()
        incoming = serializer_class(data=self.request.data)
        incoming.is_valid(raise_exception=True)
        call(complaint=complaint, by=self.request.user, **incoming.validated_data)
        # Passed to another department, a staff member may no longer see it: their copy.
        fresh = self.get_queryset().filter(pk=complaint.pk).first() or complaint
        return Response(self.get_serializer(fresh).data)

    @_action_schema(
        ComplaintNoteSerializer, _("Department staff acknowledge a submitted complaint.")
    )
    @action(detail=True, methods=["post"])
    def acknowledge(self, request, pk=None, format=None):
        return self._act(ComplaintNoteSerializer, services.complaint_acknowledge)

    @_action_schema(
        ComplaintReplySerializer, _("Department staff reply; public replies may be shown.")
    )
    @action(detail=True, methods=["post"])
    def reply(self, request, pk=None, format=None):
        return self._act(ComplaintReplySerializer, services.complaint_reply)

    @_action_schema(
        ComplaintResolveSerializer, _("Department staff resolve it, saying what was done.")
    )
    @action(detail=True, methods=["post"])
    def resolve(self, request, pk=None, format=None):
        return self._act(ComplaintResolveSerializer, services.complaint_resolve)

    @_action_schema(
        ComplaintConfirmSerializer, _("The author confirms it resolved, with satisfaction.")
    )
    @action(detail=True, methods=["post"])
    def confirm(self, request, pk=None, format=None):
        return self._act(ComplaintConfirmSerializer, services.complaint_confirm)

    @_action_schema(
        ComplaintReasonSerializer, _("The author reopens it; the second time escalates.")
    )
    @action(detail=True, methods=["post"])
    def reopen(self, request, pk=None, format=None):
        return self._act(ComplaintReasonSerializer, services.complaint_reopen)

    @_action_schema(ComplaintOptionalReasonSerializer, _("The author withdraws an open complaint."))
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None, format=None):
        return self._act(ComplaintOptionalReasonSerializer, services.complaint_withdraw)

    @_action_schema(
        ComplaintReassignSerializer, _("A logistics manager passes it to another department.")
    )
    @action(detail=True, methods=["post"])
    def reassign(self, request, pk=None, format=None):
        return self._act(ComplaintReassignSerializer, services.complaint_reassign)


def register(router) -> None:
    """Adds this part's viewsets to /api/v1/reviews/."""
    router.register("complaints", ComplaintViewSet, basename="complaint")
