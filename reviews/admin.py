"""Admin of reviews: rated subjects (editable), and read-only views of events, invitations,
reviews, moderations and follow-ups (they change through the services and pages only).

Administrators (superusers) always see who wrote a review, anonymous or not, to handle abuse;
other staff in the admin see "anonymous" like staff on the pages.
"""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from reviews.models import (
    FollowUp,
    Invitation,
    Moderation,
    Review,
    ReviewPhoto,
    ServiceEvent,
    Subject,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows written by the services: looked at here, never added or changed by hand."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Subject)
class SubjectAdmin(admin.ModelAdmin):
    list_display = ["name", "name_en", "kind", "ref", "department", "user", "is_active"]
    list_filter = ["kind", "is_active"]
    list_select_related = ["department", "user"]
    search_fields = ["name", "name_en", "ref"]
    raw_id_fields = ["department", "user"]
    readonly_fields = ["kind", "ref"]

    def has_add_permission(self, request) -> bool:
        return False  # subjects are created by the apps recording events


@admin.register(ServiceEvent)
class ServiceEventAdmin(ReadOnlyAdmin):
    list_display = ["title", "event_type", "served", "occurred_at", "department", "verified"]
    list_filter = ["event_type", "verified"]
    list_select_related = ["served", "department"]
    search_fields = ["title", "source_id", "served__username"]
    date_hierarchy = "occurred_at"


@admin.register(Invitation)
class InvitationAdmin(ReadOnlyAdmin):
    list_display = ["event", "send_at", "sent_at", "reminded_at", "expires_at", "answered_at"]
    list_select_related = ["event"]
    search_fields = ["event__title", "event__served__username"]


class ReviewPhotoInline(admin.TabularInline):
    model = ReviewPhoto
    extra = 0
    fields = ["image", "width", "height", "created_at"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False


class ModerationInline(admin.TabularInline):
    model = Moderation
    extra = 0
    fields = ["action", "reason", "by", "created_at"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


def _author_column(request):
    """The author, or "Anonymous" to staff who are not administrators (per request: the admin
    object is shared between threads, so who is looking is never stored on it). One function
    per request, so the fields and the read-only fields name the same column."""
    column = getattr(request, "_reviews_author_column", None)
    if column is None:
        column = request._reviews_author_column = _make_author_column(request)
    return column


def _make_author_column(request):
    @admin.display(description=_("author"))
    def author_shown(review: Review) -> str:
        if review.anonymous and not request.user.is_superuser:
            return str(_("Anonymous"))
        return str(review.author)

    return author_shown


REVIEW_FIELDS = [
    "event",
    "event_type",
    "stars",
    "scores",
    "comment",
    "anonymous",
    "created_at",
    "updated_at",
    "editable_until",
    "is_hidden",
    "hidden_reason",
    "hidden_by",
    "hidden_at",
]


@admin.register(Review)
class ReviewAdmin(ReadOnlyAdmin):
    list_filter = ["event_type", "stars", "is_hidden", "anonymous"]
    list_select_related = ["event", "author"]
    search_fields = ["event__title", "comment"]
    date_hierarchy = "created_at"
    inlines = [ReviewPhotoInline, ModerationInline]

    def get_list_display(self, request):
        return ["event", "event_type", "stars", _author_column(request), "created_at", "is_hidden"]

    def get_fields(self, request, obj=None):
        return [*REVIEW_FIELDS[:2], _author_column(request), *REVIEW_FIELDS[2:]]

    def get_readonly_fields(self, request, obj=None):
        return self.get_fields(request, obj)

    def get_search_fields(self, request):
        # Searching by author would reveal anonymous authors to staff who are not administrators.
        if request.user.is_superuser:
            return [*self.search_fields, "author__username"]
        return self.search_fields


@admin.register(Moderation)
class ModerationAdmin(ReadOnlyAdmin):
    list_display = ["review", "action", "reason", "by", "created_at"]
    list_filter = ["action"]
    list_select_related = ["review", "by"]

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # the record of moderation is kept


@admin.register(FollowUp)
class FollowUpAdmin(ReadOnlyAdmin):
    list_display = ["review", "role", "department", "status", "created_at", "done_at", "done_by"]
    list_filter = ["status", "role"]
    list_select_related = ["review", "department", "done_by"]
