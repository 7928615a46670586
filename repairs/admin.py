"""Admin of the repairs app: categories (a tree, with their questions), dispatch rules, and a
read-mostly view of requests (status changes only through the services)."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from repairs import services
from repairs.errors import RepairError
from repairs.models import (
    Category,
    CategoryQuestion,
    DispatchRule,
    RepairEvent,
    RepairPhoto,
    RepairRequest,
)


class CategoryQuestionInline(admin.TabularInline):
    model = CategoryQuestion
    extra = 0
    fields = ["sort_order", "code", "label", "label_en", "kind", "required", "choices"]


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = [
        "tree_name",
        "code",
        "trade",
        "department",
        "response_hours",
        "completion_hours",
        "is_active",
        "sort_order",
    ]
    list_filter = ["is_active", "trade", "department"]
    list_select_related = ["parent__parent__parent", "department"]
    search_fields = ["code", "name", "name_en"]
    autocomplete_fields = ["parent", "department"]
    inlines = [CategoryQuestionInline]

    @admin.display(description=_("name"), ordering="name")
    def tree_name(self, category: Category) -> str:
        # Indented by depth, so the flat list reads as the tree (three levels are fetched).
        depth, parent = 0, category.parent
        while parent is not None and depth < 3:
            depth, parent = depth + 1, parent.parent
        return "— " * depth + str(category)


@admin.register(DispatchRule)
class DispatchRuleAdmin(admin.ModelAdmin):
    list_display = ["__str__", "priority", "category", "campus", "building", "team", "technician"]
    list_display_links = ["__str__"]
    list_editable = ["priority"]
    list_filter = ["is_active", "campus", "category"]
    list_select_related = ["category", "campus", "building", "team", "technician"]
    autocomplete_fields = ["category", "building", "team", "technician"]


class RepairEventInline(admin.TabularInline):
    model = RepairEvent
    extra = 0
    fields = ["created_at", "actor", "action", "from_status", "to_status", "note", "data"]
    readonly_fields = fields
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor")


class RepairPhotoInline(admin.TabularInline):
    model = RepairPhoto
    extra = 0
    fields = ["created_at", "kind", "image", "width", "height", "uploaded_by", "event"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


EDITABLE_FIELDS = ["description", "place_text", "preferred_windows", "contact_phone"]


@admin.register(RepairRequest)
class RepairRequestAdmin(admin.ModelAdmin):
    """Read-mostly: the workflow lives in repairs.services; here only the wording can change."""

    list_display = [
        "number",
        "category",
        "place",
        "status",
        "urgency",
        "requester",
        "assignee",
        "created_at",
        "completion_due_at",
        "escalation_level",
    ]
    list_filter = ["status", "urgency", "escalation_level", "category", "building__campus"]
    list_select_related = ["category", "building", "room__building", "requester", "assignee"]
    search_fields = ["=id", "description", "requester__username", "assignee__username"]
    date_hierarchy = "created_at"
    inlines = [RepairEventInline, RepairPhotoInline]
    actions = ["close_confirmed"]

    def has_add_permission(self, request):
        return False

    def get_readonly_fields(self, request, obj=None):
        names = [f.name for f in RepairRequest._meta.fields if f.name not in EDITABLE_FIELDS]
        return names

    @admin.action(description=_("Close the selected confirmed requests"))
    def close_confirmed(self, request, queryset):
        closed = 0
        for repair in queryset.filter(status=RepairRequest.Status.CONFIRMED):
            try:
                services.repair_request_close(request=repair, by=request.user)
            except (RepairError, PermissionDenied):
                continue
            closed += 1
        self.message_user(
            request,
            ngettext("%(count)d request closed.", "%(count)d requests closed.", closed)
            % {"count": closed},
            messages.SUCCESS,
        )
