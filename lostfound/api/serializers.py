"""Serializers of the lost-and-found API: shapes in and out, writes through services.

The desk's fields (hidden traits, a card's full number, the label, the finder) are in the
output only for the staff of the item's desk: `FoundItemSerializer.to_representation` drops
them for everyone else, so no list, detail or write answer carries them; `ClaimSerializer` does
the same for the item's hidden traits and the claimant, and matches carry public facts only."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from logistics.api.fields import PhotosField, page_url
from logistics.models import Building
from lostfound.models import Category, Claim, Desk, FoundItem, LostReport, Match
from lostfound.querysets import sees_hidden
from lostfound.services import MAX_PHOTOS

DESK_ONLY = ("hidden_traits", "owner_campus_id", "label", "storage_place", "finder")
CLAIM_DESK_ONLY = ("claimant", "hidden_traits")


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


class ClaimSerializer(serializers.ModelSerializer):
    """A claim as its claimant and the item's desk see it. The desk alone gets the item's
    hidden traits and the claimant; the claimant alone gets the handover code (approved)."""

    item = serializers.PrimaryKeyRelatedField(read_only=True)
    item_number = serializers.CharField(source="item.number", read_only=True)
    category = serializers.SlugRelatedField(slug_field="code", read_only=True)
    handover_code = serializers.SerializerMethodField(
        help_text=_("The one-time code, to its claimant only, while the claim is approved.")
    )
    claimant = serializers.CharField(
        source="claimant.username",
        read_only=True,
        required=False,
        help_text=_("Only for the staff of the item's desk."),
    )
    hidden_traits = serializers.CharField(
        source="item.hidden_traits",
        read_only=True,
        required=False,
        help_text=_("Only for the staff of the item's desk."),
    )

    class Meta:
        model = Claim
        fields = [
            "id",
            "number",
            "item",
            "item_number",
            "category",
            "answers",
            "status",
            "reason",
            "decided_at",
            "handover_method",
            "handed_over_at",
            "created_at",
            "handover_code",
            *CLAIM_DESK_ONLY,
        ]
        read_only_fields = fields

    def _user(self):
        return getattr(self.context.get("request"), "user", None)

    def get_handover_code(self, claim) -> str | None:
        user = self._user()
        if user and claim.claimant_id == user.pk and claim.status == Claim.Status.APPROVED:
            return claim.handover_code
        return None

    def to_representation(self, claim):
        data = super().to_representation(claim)
        if not sees_hidden(self._user(), claim.item):
            for name in CLAIM_DESK_ONLY:
                data.pop(name, None)
        return data


class ClaimCreateSerializer(serializers.Serializer):
    item = serializers.PrimaryKeyRelatedField(queryset=FoundItem.objects.none())
    answers = serializers.CharField(max_length=2000)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        # Only items the caller may see: another's card is "does not exist", as a 404 would be.
        self.fields["item"].queryset = FoundItem.objects.for_user(user).select_related(
            "category", "desk__department"
        )


class ClaimReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=1000, required=False, allow_blank=True, default="")


class MatchSerializer(serializers.ModelSerializer):
    """A proposed pairing, with the found item's public facts only (never a hidden trait)."""

    lost_report_number = serializers.CharField(source="lost_report.number", read_only=True)
    found_item_number = serializers.CharField(source="found_item.number", read_only=True)
    category = serializers.SlugRelatedField(
        source="found_item.category", slug_field="code", read_only=True
    )
    description = serializers.CharField(source="found_item.description", read_only=True)
    place = serializers.CharField(source="found_item.place", read_only=True)
    found_at = serializers.DateTimeField(source="found_item.found_at", read_only=True)
    found_item_status = serializers.CharField(source="found_item.status", read_only=True)

    class Meta:
        model = Match
        fields = [
            "id",
            "lost_report",
            "lost_report_number",
            "found_item",
            "found_item_number",
            "category",
            "description",
            "place",
            "found_at",
            "found_item_status",
            "score",
            "status",
            "created_at",
        ]
        read_only_fields = fields
