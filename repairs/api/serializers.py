"""Serializers of the repairs API: categories, requests (read and create), actions, timeline."""

from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from logistics.models import Building, Department, Room, User
from logistics.roles import Role
from repairs.models import Category, CategoryQuestion, RepairEvent, RepairPhoto, RepairRequest
from repairs.querysets import OPEN_STATUSES


def photo_url(photo: RepairPhoto, request=None) -> str | None:
    """The address of the page view that serves a photo to those who may see it (or None)."""
    try:
        url = reverse("repairs:photo", args=[photo.request_id, photo.pk])
    except NoReverseMatch:  # the pages of the app are not mounted in this setup
        return None
    return request.build_absolute_uri(url) if request is not None else url


class UserBriefSerializer(serializers.ModelSerializer):
    display_name = serializers.CharField(source="get_display_name", read_only=True)

    class Meta:
        model = User
        fields = ["id", "username", "display_name"]
        read_only_fields = fields


# --- Categories ---------------------------------------------------------------------------------


class RepairCategoryQuestionSerializer(serializers.ModelSerializer):
    class Meta:
        model = CategoryQuestion
        fields = ["id", "code", "label", "label_en", "kind", "required", "choices", "sort_order"]
        read_only_fields = fields


class RepairCategorySerializer(serializers.ModelSerializer):
    # No default: DRF skips a default in partial updates, so a PATCH answered without the key.
    parent_code = serializers.CharField(source="parent.code", read_only=True, allow_null=True)
    is_leaf = serializers.SerializerMethodField(help_text=_("True when it has no subcategories."))
    questions = RepairCategoryQuestionSerializer(many=True, read_only=True)

    class Meta:
        model = Category
        fields = [
            "id",
            "code",
            "name",
            "name_en",
            "parent",
            "parent_code",
            "is_leaf",
            "trade",
            "description",
            "department",
            "response_hours",
            "completion_hours",
            "is_active",
            "sort_order",
            "questions",
        ]

    def get_is_leaf(self, category) -> bool:
        return not category.children.all()

    def validate_parent(self, parent):
        seen = set()
        candidate = parent
        while self.instance is not None and candidate is not None and candidate.pk not in seen:
            if candidate.pk == self.instance.pk:
                raise serializers.ValidationError(_("A category cannot sit below itself."))
            seen.add(candidate.pk)
            candidate = candidate.parent
        return parent


# --- Requests -----------------------------------------------------------------------------------


class RepairPhotoSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField(
        help_text=_("Where the photo is served (only to those who may see the request).")
    )

    class Meta:
        model = RepairPhoto
        fields = ["id", "kind", "url", "width", "height", "created_at"]
        read_only_fields = fields

    @extend_schema_field({"type": "string", "format": "uri", "nullable": True})
    def get_url(self, photo) -> str | None:
        return photo_url(photo, self.context.get("request"))


class RepairRequestSerializer(serializers.ModelSerializer):
    number = serializers.CharField(read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    category_code = serializers.CharField(source="category.code", read_only=True)
    category_name = serializers.CharField(source="category.localized_name", read_only=True)
    place = serializers.CharField(read_only=True)
    requester = UserBriefSerializer(read_only=True)
    assignee = UserBriefSerializer(read_only=True, allow_null=True)
    is_open = serializers.SerializerMethodField()
    is_overdue = serializers.SerializerMethodField()
    photos = RepairPhotoSerializer(many=True, read_only=True)

    class Meta:
        model = RepairRequest
        fields = [
            "id",
            "number",
            "status",
            "status_label",
            "is_open",
            "is_overdue",
            "category",
            "category_code",
            "category_name",
            "building",
            "room",
            "place_text",
            "place",
            "description",
            "urgency",
            "preferred_windows",
            "consent_to_enter",
            "contact_phone",
            "answers",
            "requester",
            "assignee",
            "team",
            "created_at",
            "updated_at",
            "first_response_at",
            "assigned_at",
            "started_at",
            "completed_at",
            "confirmed_at",
            "closed_at",
            "response_due_at",
            "completion_due_at",
            "escalation_level",
            "reopen_count",
            "resolution_note",
            "labour_minutes",
            "materials",
            "rejection_reason",
            "rating",
            "rating_comment",
            "rated_at",
            "photos",
        ]
        read_only_fields = fields

    def get_is_open(self, obj) -> bool:
        return obj.status in OPEN_STATUSES

    def get_is_overdue(self, obj) -> bool:
        due = obj.completion_due_at
        active = obj.status in OPEN_STATUSES and obj.status != RepairRequest.Status.ON_HOLD
        return bool(active and due and due < timezone.now())


class PhotosField(serializers.ListField):
    """Images (multipart: repeat the `photos` part); the service checks their number (at most
    REPAIRS_MAX_PHOTOS), content and size."""

    child = serializers.ImageField()

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("help_text", _("Up to 6 photos: JPEG, PNG or WebP, at most 10 MB each."))
        super().__init__(**kwargs)


class RepairRequestCreateSerializer(serializers.Serializer):
    """What a requester sends to file a request (JSON, or multipart with photos)."""

    category = serializers.PrimaryKeyRelatedField(
        queryset=Category.objects.filter(is_active=True, children__isnull=True)
    )
    building = serializers.PrimaryKeyRelatedField(
        queryset=Building.objects.all(), required=False, allow_null=True
    )
    room = serializers.PrimaryKeyRelatedField(
        queryset=Room.objects.select_related("building"), required=False, allow_null=True
    )
    place_text = serializers.CharField(max_length=200, required=False, allow_blank=True)
    description = serializers.CharField(max_length=4000)
    urgency = serializers.ChoiceField(
        choices=RepairRequest.Urgency.choices, default=RepairRequest.Urgency.NORMAL
    )
    preferred_windows = serializers.CharField(max_length=200, required=False, allow_blank=True)
    consent_to_enter = serializers.BooleanField(default=False)
    contact_phone = serializers.CharField(max_length=32, required=False, allow_blank=True)
    answers = serializers.DictField(
        required=False, help_text=_("Answers to the category's questions, by question code.")
    )
    photos = PhotosField()

    def validate(self, attrs):
        room, building = attrs.get("room"), attrs.get("building")
        if room is not None and building is not None and room.building_id != building.pk:
            raise serializers.ValidationError({"room": [_("This room is not in that building.")]})
        if room is not None:
            attrs["building"] = room.building
        if room is None and building is None and not attrs.get("place_text", "").strip():
            raise serializers.ValidationError(
                _("Say where the fault is: a room, a building or a description of the place.")
            )
        return attrs


# --- Actions ------------------------------------------------------------------------------------


class NoteSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=4000, required=False, allow_blank=True, default="")


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=4000)


class OptionalReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=4000, required=False, allow_blank=True, default="")


class AssignSerializer(NoteSerializer):
    technician = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(groups__name=Role.TECHNICIAN, is_active=True)
    )
    team = serializers.PrimaryKeyRelatedField(
        queryset=Department.objects.all(), required=False, allow_null=True
    )


class CompleteSerializer(NoteSerializer):
    labour_minutes = serializers.IntegerField(
        min_value=0, max_value=100_000, required=False, allow_null=True
    )
    materials = serializers.CharField(max_length=4000, required=False, allow_blank=True)
    photos = PhotosField()


class CommentSerializer(NoteSerializer):
    photos = PhotosField()


class ConfirmSerializer(serializers.Serializer):
    rating = serializers.IntegerField(min_value=1, max_value=5, required=False, allow_null=True)
    comment = serializers.CharField(max_length=4000, required=False, allow_blank=True)


class RateSerializer(serializers.Serializer):
    rating = serializers.IntegerField(min_value=1, max_value=5)
    comment = serializers.CharField(max_length=4000, required=False, allow_blank=True)


# --- Timeline -----------------------------------------------------------------------------------


class RepairEventSerializer(serializers.ModelSerializer):
    actor = UserBriefSerializer(read_only=True, allow_null=True)
    photos = RepairPhotoSerializer(many=True, read_only=True)

    class Meta:
        model = RepairEvent
        fields = [
            "id",
            "action",
            "from_status",
            "to_status",
            "actor",
            "note",
            "data",
            "created_at",
            "photos",
        ]
        read_only_fields = fields
