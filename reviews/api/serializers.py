"""Serializers of the reviews API: reviews (read, create, edit), events to review, follow-ups."""

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from logistics.api.fields import PhotosField, page_url
from logistics.api.serializers import UserBriefSerializer
from reviews.models import FollowUp, Review, ReviewPhoto, ServiceEvent
from reviews.querysets import show_author


def photo_url(photo: ReviewPhoto, request=None) -> str | None:
    """The address of the page view that serves a photo to those who may see it (or None)."""
    return page_url("reviews:review-photo", photo.review_id, photo.pk, request=request)


class ReviewPhotoSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField(
        help_text=_("Where the photo is served (only to those who may see the review).")
    )

    class Meta:
        model = ReviewPhoto
        fields = ["id", "url", "width", "height"]
        read_only_fields = fields

    def get_url(self, photo) -> str | None:
        return photo_url(photo, self.context.get("request"))


class ReviewSerializer(serializers.ModelSerializer):
    author = serializers.SerializerMethodField(
        help_text=_("Null when the author is anonymous to staff and you may not see who it is.")
    )
    event_title = serializers.CharField(source="event.title", read_only=True)
    department = serializers.IntegerField(source="event.department_id", read_only=True)
    photos = ReviewPhotoSerializer(many=True, read_only=True, source="photos_in_order")

    class Meta:
        model = Review
        fields = [
            "id",
            "event",
            "event_type",
            "event_title",
            "department",
            "author",
            "stars",
            "scores",
            "comment",
            "anonymous",
            "photos",
            "created_at",
            "updated_at",
            "editable_until",
            "is_hidden",
            "hidden_reason",
        ]
        read_only_fields = fields

    @extend_schema_field(UserBriefSerializer(allow_null=True))
    def get_author(self, review):
        request = self.context.get("request")
        if request is None or not show_author(review, request.user):
            return None
        return UserBriefSerializer(review.author).data


class ReviewWriteSerializer(serializers.Serializer):
    """A review's input; the service checks stars, scores and comment (field errors)."""

    stars = serializers.IntegerField(help_text=_("1 to 5."))
    scores = serializers.DictField(
        child=serializers.IntegerField(),
        required=False,
        help_text=_('Scores 1–5 on the event type\'s dimensions, e.g. {"speed": 4}.'),
    )
    comment = serializers.CharField(required=False, allow_blank=True, trim_whitespace=True)
    anonymous = serializers.BooleanField(required=False, default=False)
    photos = PhotosField(max_files=lambda: settings.REVIEWS_MAX_PHOTOS)


class ReviewCreateSerializer(ReviewWriteSerializer):
    event = serializers.IntegerField(help_text=_("The id of one of your events (GET events/)."))


class ReviewUpdateSerializer(ReviewWriteSerializer):
    stars = serializers.IntegerField(required=False, help_text=_("1 to 5."))
    anonymous = serializers.BooleanField(required=False)
    remove_photos = serializers.ListField(
        child=serializers.IntegerField(), required=False, help_text=_("Ids of photos to remove.")
    )


class ReviewReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=300, help_text=_("Recorded with the action."))


class FollowUpNoteSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=2000, help_text=_("What came of the call-back."))


class ServiceEventSerializer(serializers.ModelSerializer):
    review = serializers.SerializerMethodField(help_text=_("Your review's id, or null."))
    review_until = serializers.DateTimeField(
        source="invitation.expires_at",
        read_only=True,
        allow_null=True,
        help_text=_("Until when it can be rated (null: 30 days after the service)."),
    )

    class Meta:
        model = ServiceEvent
        fields = [
            "id",
            "event_type",
            "title",
            "url",
            "occurred_at",
            "department",
            "verified",
            "review",
            "review_until",
        ]
        read_only_fields = fields

    def get_review(self, event) -> int | None:
        review = getattr(event, "review", None)
        return review.pk if review is not None else None


class FollowUpSerializer(serializers.ModelSerializer):
    review = ReviewSerializer(read_only=True)
    contact = serializers.SerializerMethodField(
        help_text=_("Name and phone of the person to call; null when they are anonymous.")
    )

    class Meta:
        model = FollowUp
        fields = [
            "id",
            "review",
            "department",
            "role",
            "status",
            "note",
            "created_at",
            "done_at",
            "done_by",
            "contact",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.DictField(allow_null=True))
    def get_contact(self, follow_up) -> dict | None:
        review = follow_up.review
        request = self.context.get("request")
        if review.anonymous and not (request and request.user.is_superuser):
            return None
        author = review.author
        return {
            "name": author.get_display_name(),
            "username": author.username,
            "phone": author.phone,
        }
