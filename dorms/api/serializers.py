"""Serializers of the dorms API: notices as residents and managers read them, outages."""

from rest_framework import serializers

from dorms.models import Notice, NoticeAttachment
from dorms.richtext import render_markdown


class AttachmentSerializer(serializers.ModelSerializer):
    url = serializers.CharField(source="get_absolute_url", read_only=True)

    class Meta:
        model = NoticeAttachment
        fields = ["name", "content_type", "size", "url"]


class NoticeSerializer(serializers.ModelSerializer):
    """A notice; `body` is the Markdown source, `body_html` its sanitised rendering."""

    body_html = serializers.SerializerMethodField()
    campus = serializers.SlugRelatedField(slug_field="code", read_only=True)
    buildings = serializers.SerializerMethodField()
    attachments = AttachmentSerializer(many=True, read_only=True)
    url = serializers.CharField(source="get_absolute_url", read_only=True)

    class Meta:
        model = Notice
        fields = [
            *("id", "title", "body", "body_html", "title_en", "body_en", "kind", "utility"),
            *("status", "audience", "campus", "buildings", "published_at", "valid_until"),
            *("pinned", "starts_at", "ends_at", "unplanned", "requires_ack", "ack_deadline"),
            *("corrects", "withdraws", "attachments", "url"),
        ]
        read_only_fields = fields

    def get_body_html(self, notice: Notice) -> str:
        return str(render_markdown(notice.body))

    def get_buildings(self, notice: Notice) -> list[int]:
        return sorted({t.building_id for t in notice.targets.all() if t.building_id})


class OutageSerializer(serializers.ModelSerializer):
    """An active or planned outage, for other campus systems."""

    buildings = serializers.SerializerMethodField()
    url = serializers.CharField(source="get_absolute_url", read_only=True)

    class Meta:
        model = Notice
        fields = [
            *("id", "title", "title_en", "utility", "starts_at", "ends_at", "unplanned"),
            *("buildings", "published_at", "url"),
        ]
        read_only_fields = fields

    def get_buildings(self, notice: Notice) -> list[dict]:
        return [
            {"id": t.building_id, "code": t.building.code, "name": t.building.name}
            for t in notice.targets.all()
            if t.building_id
        ]


class AcknowledgementSerializer(serializers.Serializer):
    notice = serializers.IntegerField(source="notice_id")
    read_at = serializers.DateTimeField()
    acknowledged_at = serializers.DateTimeField()
