"""Serializers of the lost-and-found API: shapes in and out, writes through services.

The desk's fields (hidden traits, a card's full number, the label, the finder) are in the
output only for the staff of the item's desk: `FoundItemSerializer.to_representation` drops
them for everyone else, so no list, detail or write answer carries them."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from logistics.api.fields import PhotosField, page_url
from logistics.models import Building
from lostfound.models import Category, Desk, FoundItem, LostReport
from lostfound.querysets import sees_hidden
from lostfound.services import MAX_PHOTOS

DESK_ONLY = ("hidden_traits", "owner_campus_id", "label", "storage_place", "finder")


class CategorySerializer(serializers.ModelSerializer):
    class Meta:
        model = Category
        fields = ["id", "code", "name", "name_en", "is_campus_card", "is_valuable", "holding_days"]
        read_only_fields = fields


class FoundItemSerializer(serializers.ModelSerializer):
    category = serializers.SlugRelatedField(slug_field="code", read_only=True)
    desk = serializers.SlugRelatedField(slug_field="code", read_only=True)
    place = serializers.CharField(read_only=True)
    campus_id_masked = serializers.CharField(
        source="masked_campus_id",
        read_only=True,
        help_text=_("A campus card's number, last four digits only."),
    )
    photos = serializers.SerializerMethodField()
    hidden_traits = serializers.CharField(
        read_only=True, required=False, help_text=_("Only for the staff of the item's desk.")
    )
    owner_campus_id = serializers.CharField(
        read_only=True, required=False, help_text=_("Only for the staff of the item's desk.")
    )
    label = serializers.CharField(read_only=True, required=False)
    storage_place = serializers.CharField(read_only=True, required=False)
    finder = serializers.CharField(
        source="finder.username", read_only=True, required=False, allow_null=True
    )

    class Meta:
        model = FoundItem
        fields = [
            "id",
            "number",
            "category",
            "description",
            "building",
            "place",
            "found_at",
            "custody",
            "desk",
            "status",
            "campus_id_masked",
            "photos",
            "created_at",
            *DESK_ONLY,
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.ListField(child=serializers.URLField()))
    def get_photos(self, item) -> list[str]:
        request = self.context.get("request")
        return [
            page_url("lostfound:found-photo", item.pk, p.pk, request=request)
            for p in item.photos.all()
        ]

    def to_representation(self, item):
        data = super().to_representation(item)
        request = self.context.get("request")
        if not sees_hidden(getattr(request, "user", None), item):
            for name in DESK_ONLY:
                data.pop(name, None)
        return data


class FoundItemCreateSerializer(serializers.Serializer):
    category = serializers.SlugRelatedField(
        slug_field="code", queryset=Category.objects.filter(is_active=True)
    )
    description = serializers.CharField(max_length=200)
    hidden_traits = serializers.CharField(max_length=1000, required=False, allow_blank=True)
    owner_campus_id = serializers.CharField(max_length=32, required=False, allow_blank=True)
    building = serializers.PrimaryKeyRelatedField(
        queryset=Building.objects.all(), required=False, allow_null=True
    )
    place_text = serializers.CharField(max_length=200, required=False, allow_blank=True)
    found_at = serializers.DateTimeField()
    custody = serializers.ChoiceField(choices=FoundItem.Custody.choices)
    desk = serializers.SlugRelatedField(slug_field="code", queryset=Desk.objects.all())
    photos = PhotosField(max_files=lambda: MAX_PHOTOS)

    def validate(self, attrs):
        if not (attrs.get("building") or attrs.get("place_text", "").strip()):
            raise serializers.ValidationError(
                {"place_text": [_("Choose a building or say where.")]}
            )
        return attrs


class LostReportSerializer(serializers.ModelSerializer):
    category = serializers.SlugRelatedField(
        slug_field="code", queryset=Category.objects.filter(is_active=True)
    )
    building = serializers.PrimaryKeyRelatedField(
        queryset=Building.objects.all(), required=False, allow_null=True
    )

    class Meta:
        model = LostReport
        fields = [
            "id",
            "number",
            "category",
            "description",
            "building",
            "place_text",
            "lost_from",
            "lost_until",
            "status",
            "created_at",
        ]
        read_only_fields = ["id", "number", "status", "created_at"]
