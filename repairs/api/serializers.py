"""Serializers of the repairs API: categories, requests (read and create), actions, timeline."""

import json
from functools import partial

from django.conf import settings
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from logistics.api.fields import PhotosField, page_url
from logistics.api.rendering import json_cut, json_fill
from logistics.api.serializers import UserBriefSerializer
from logistics.cache import get_or_build_many, state_keys
from logistics.models import Building, Department, Room, User
from logistics.roles import Role
from repairs.models import Category, CategoryQuestion, RepairEvent, RepairPhoto, RepairRequest


def photo_url(photo: RepairPhoto, request=None) -> str | None:
    """The address of the page view that serves a photo to those who may see it (or None)."""
    return page_url("repairs:photo", photo.request_id, photo.pk, request=request)


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
    is_open = serializers.BooleanField(read_only=True)
    is_overdue = serializers.BooleanField(
        read_only=True, help_text=_("Open, not on hold, past its completion due time.")
    )
    allowed_actions = serializers.SerializerMethodField(
        help_text=_("The actions you may take on it now (POST …/<action>/).")
    )
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
            "allowed_actions",
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

    def get_allowed_actions(self, repair: RepairRequest) -> list[str]:
        request = self.context.get("request")
        if request is None:
            return []
        # The API's URL names: hand_back is …/hand-back/.
        return [a.replace("_", "-") for a in repair.allowed_actions(request.user)]

    def to_representation(self, repair: RepairRequest) -> dict:
        """What the declared fields give (a test compares the two), read directly: DRF's
        field-by-field walk cost about 1 ms a row, most of a list page's time."""
        return self._for_viewer(self._shared(repair), repair)

    def listed(self, repairs: list[RepairRequest]) -> list[dict]:
        """A list page's rows as data, for a renderer other than JSON's (the browsable API):
        `listed_text`'s, read back."""
        return [json.loads(text) for text in self.listed_text(repairs)]

    def listed_text(self, repairs: list[RepairRequest]) -> list[str]:
        """A list page's rows as JSON text (logistics.api.rendering). What every reader is told
        of a request comes from the cache as its text, cut where each reader's own parts go,
        under a key of the request's state (its `updated_at`); the requests missing there are read
        whole in one query (`for_api`, with photos) and stored. Whether it is overdue now and
        who may do what are filled in per reader. `repairs` need only LISTED_FIELDS."""
        request = self.context.get("request")
        # the photos' addresses are absolute: the host asked is part of what is cached
        context = (
            get_language(),
            timezone.get_current_timezone_name(),
            request.build_absolute_uri("/") if request is not None else "",
        )
        row_key = state_keys("repairs:api-row-text", *context)
        # Keyed by primary key, not by instance: a model's __hash__ asks for its key twice.
        keys = {repair.pk: row_key(repair.pk, repair.updated_at.isoformat()) for repair in repairs}

        def read_whole(missing: list[int]) -> dict[int, str]:
            whole = RepairRequest.objects.for_api().with_photos().in_bulk(missing)
            return {
                pk: json_cut(self._shared(whole[pk]), VIEWER_FIELDS)
                for pk in missing
                if pk in whole
            }

        shared = get_or_build_many(keys, read_whole, ROW_SECONDS)
        return [
            json_fill(text, (r.is_overdue, self.get_allowed_actions(r)))
            for r in repairs
            if (text := shared.get(r.pk)) is not None
        ]

    def _for_viewer(self, data: dict, repair: RepairRequest) -> dict:
        """The parts that depend on who reads and when (VIEWER_FIELDS; their places are kept
        in `_shared`)."""
        data["is_overdue"] = repair.is_overdue
        data["allowed_actions"] = self.get_allowed_actions(repair)
        return data

    def _shared(self, repair: RepairRequest) -> dict:
        """What every reader is told (in this language, time zone and host)."""
        stamp, labels = self._stamp_and_labels()
        request = self.context.get("request")
        category = repair.category
        data = {
            "id": repair.pk,
            "number": repair.number,
            "status": repair.status,
            "status_label": labels.get(repair.status, repair.status),
            "is_open": repair.is_open,
            "is_overdue": None,  # _for_viewer
            "allowed_actions": None,  # _for_viewer
            "category": repair.category_id,
            "category_code": category.code,
            "category_name": str(category.localized_name),
            "building": repair.building_id,
            "room": repair.room_id,
            "place_text": repair.place_text,
            "place": str(repair.place),
            "description": repair.description,
            "urgency": repair.urgency,
            "preferred_windows": repair.preferred_windows,
            "consent_to_enter": repair.consent_to_enter,
            "contact_phone": repair.contact_phone,
            "answers": repair.answers,
            "requester": _user(repair.requester),
            "assignee": _user(repair.assignee) if repair.assignee_id else None,
            "team": repair.team_id,
        }
        for name in _STAMPS:
            value = getattr(repair, name)
            data[name] = None if value is None else stamp(value)
        for name in _PLAIN:
            data[name] = getattr(repair, name)
        data["rated_at"] = None if repair.rated_at is None else stamp(repair.rated_at)
        data["photos"] = [_photo(photo, request, stamp) for photo in repair.photos_in_order]
        return data

    def _stamp_and_labels(self):
        """A datetime formatter and the status labels, made once per language and time zone
        (get_status_display builds and translates the choices on every call)."""
        key = (get_language(), timezone.get_current_timezone_name())
        if getattr(self, "_made_for", None) != key:
            zone = timezone.get_current_timezone()
            self._made_for = key
            self._stamp = partial(_iso, zone=zone)
            self._labels = {value: str(label) for value, label in RepairRequest.Status.choices}
        return self._stamp, self._labels


# A cached row of the list: a renamed category, place or person shows within ROW_SECONDS;
# everything of the request itself changes its updated_at (its timeline, photos and escalation too).
ROW_SECONDS = 300
# What a list reads of each request: its row's cache key, the list's orders, and what the
# viewer's actions and "overdue" read (a scoped dispatcher's besides: the category's unit,
# `category__department_id`, which the list adds for them only: repairs.permissions.
# dispatch_scopes).
LISTED_FIELDS = (
    "updated_at",
    "created_at",
    "urgency",
    "status",
    "completion_due_at",
    "completed_at",
    "rating",
    "requester_id",
    "assignee_id",
    "team_id",
    "building_id",
)


# What a row tells each reader of their own: filled into the row's kept text (listed_text).
VIEWER_FIELDS = ("is_overdue", "allowed_actions")


def _iso(value, *, zone) -> str:
    """As DRF's DateTimeField writes an aware datetime (ISO 8601 in the current zone, "Z" for
    UTC)."""
    text = value.astimezone(zone).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


_STAMPS = (
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
)
_PLAIN = (
    "escalation_level",
    "reopen_count",
    "resolution_note",
    "labour_minutes",
    "materials",
    "rejection_reason",
    "rating",
    "rating_comment",
)


def _user(user: User) -> dict:
    return {"id": user.pk, "username": user.username, "display_name": user.get_display_name()}


def _photo(photo: RepairPhoto, request, stamp) -> dict:
    return {
        "id": photo.pk,
        "kind": photo.kind,
        "url": photo_url(photo, request),
        "width": photo.width,
        "height": photo.height,
        "created_at": stamp(photo.created_at),
    }


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
    photos = PhotosField(max_files=lambda: settings.REPAIRS_MAX_PHOTOS)

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
    photos = PhotosField(max_files=lambda: settings.REPAIRS_MAX_PHOTOS)


class CommentSerializer(NoteSerializer):
    photos = PhotosField(max_files=lambda: settings.REPAIRS_MAX_PHOTOS)


class CloseSerializer(serializers.Serializer):
    """Closing takes no input."""


class ConfirmSerializer(serializers.Serializer):
    rating = serializers.IntegerField(min_value=1, max_value=5, required=False, allow_null=True)
    comment = serializers.CharField(max_length=4000, required=False, allow_blank=True)


class RateSerializer(serializers.Serializer):
    rating = serializers.IntegerField(min_value=1, max_value=5)
    comment = serializers.CharField(max_length=4000, required=False, allow_blank=True)


# --- Timeline -----------------------------------------------------------------------------------


class RepairEventSerializer(serializers.ModelSerializer):
    actor = UserBriefSerializer(read_only=True, allow_null=True)
    photos = RepairPhotoSerializer(many=True, read_only=True, source="photos_in_order")

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
