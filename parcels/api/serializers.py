"""Serializers of the parcels API: shapes in and out, writes through services."""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from logistics.api.serializers import StrictCharField, UserBriefSerializer
from parcels.arrivals import MAX_ROWS
from parcels.models import Carrier, Parcel, Pickup, SizeClass, Station, StationClosedDay
from parcels.recipients import mask_name
from parcels.workflow import is_overdue


class ClosedDaySerializer(serializers.ModelSerializer):
    class Meta:
        model = StationClosedDay
        fields = ["date", "reason"]
        read_only_fields = fields


class StationSerializer(serializers.ModelSerializer):
    building_name = serializers.CharField(source="building.localized_name", read_only=True)
    closed_days = ClosedDaySerializer(
        source="upcoming_closed_days",
        many=True,
        read_only=True,
        help_text=_(
            "The station's own closed days from today on (the next 60 days); with "
            "closed_on_holidays it also closes on the campus calendar's holidays."
        ),
    )

    class Meta:
        model = Station
        fields = [
            "id",
            "code",
            "name",
            "name_en",
            "building",
            "building_name",
            "opens_at",
            "closes_at",
            "free_days",
            "return_days",
            "closed_on_holidays",
            "closed_days",
            "is_active",
        ]
        read_only_fields = fields


class ParcelSerializer(serializers.ModelSerializer):
    station = serializers.SlugRelatedField(slug_field="code", read_only=True)
    recipient = UserBriefSerializer(read_only=True, allow_null=True)
    label_name_masked = serializers.SerializerMethodField(
        help_text=_("The name on the label, masked (张*), for a parcel with no known recipient.")
    )
    slot = serializers.CharField(read_only=True, help_text=_("Shelf and layer, e.g. 8-3."))
    overdue = serializers.SerializerMethodField()

    class Meta:
        model = Parcel
        fields = [
            "id",
            "tracking_number",
            "carrier",
            "carrier_candidates",
            "status",
            "station",
            "slot",
            "pickup_code",
            "size_class",
            "recipient",
            "label_name_masked",
            "arrived_at",
            "free_until",
            "return_due_at",
            "overdue",
            "delivery_building",
            "delivery_office",
            "closed_at",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.CharField(allow_blank=True))
    def get_label_name_masked(self, parcel) -> str:
        return "" if parcel.recipient_id else mask_name(parcel.recipient_name)

    @extend_schema_field(serializers.BooleanField())
    def get_overdue(self, parcel) -> bool:
        return is_overdue(parcel, self.context.get("now") or timezone.now())


class ArrivalRowSerializer(serializers.Serializer):
    tracking_number = StrictCharField(max_length=60)
    recipient = StrictCharField(
        max_length=120,
        required=False,
        allow_blank=True,
        help_text=_("A campus ID, a name with the last four phone digits, or building and room."),
    )
    recipient_name = StrictCharField(max_length=100, required=False, allow_blank=True)
    recipient_phone = StrictCharField(max_length=32, required=False, allow_blank=True)
    size_class = serializers.ChoiceField(choices=SizeClass.choices, default=SizeClass.SMALL)
    carrier = serializers.ChoiceField(
        choices=Carrier.choices,
        required=False,
        allow_blank=True,
        help_text=_("Empty: guessed from the number."),
    )
    arrived_at = serializers.DateTimeField(required=False)

    def to_service(self, data: dict) -> dict:
        return {
            "number": data["tracking_number"],
            "recipient_hint": data.get("recipient", ""),
            "recipient_name": data.get("recipient_name", ""),
            "recipient_phone": data.get("recipient_phone", ""),
            "size_class": data.get("size_class", SizeClass.SMALL),
            "carrier": data.get("carrier", ""),
            "arrived_at": data.get("arrived_at"),
        }


class ArrivalsSerializer(serializers.Serializer):
    station = StrictCharField(max_length=32, help_text=_("The station's code."))
    parcels = serializers.ListField(child=ArrivalRowSerializer(), min_length=1, max_length=MAX_ROWS)


class ArrivalResultSerializer(serializers.Serializer):
    index = serializers.IntegerField(help_text=_("The row's position in the call, from 0."))
    result = serializers.ChoiceField(
        choices=[("created", "created"), ("existing", "existing")],
        help_text=_("existing: already in the station's care; nothing changed."),
    )
    parcel = ParcelSerializer()


class ArrivalsResultSerializer(serializers.Serializer):
    station = serializers.CharField()
    created = serializers.IntegerField()
    existing = serializers.IntegerField()
    results = ArrivalResultSerializer(many=True)


class PickupSerializer(serializers.Serializer):
    method = serializers.ChoiceField(
        choices=[c for c in Pickup.Method.choices if c[0] != Pickup.Method.PROXY],
        default=Pickup.Method.CODE,
        help_text=_("How the recipient was identified at the counter."),
    )
    proxy_code = serializers.RegexField(
        r"^\d{6}$",
        required=False,
        help_text=_("A proxy's six-digit one-time code, when a proxy collects."),
    )


class ReturnSerializer(serializers.Serializer):
    courier_name = StrictCharField(max_length=100)
    note = StrictCharField(max_length=200, required=False, allow_blank=True)
