"""Admin of the core models: users and roles, places, notifications, the outbox, API tokens."""

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, pgettext_lazy

from logistics.i18n import join_list
from logistics.models import (
    ApiToken,
    Building,
    CalendarDay,
    Campus,
    Department,
    Notification,
    NotificationPreference,
    OutboxMessage,
    Room,
    StaffScope,
    User,
    WebhookEndpoint,
    WeeklyReport,
)
from logistics.roles import role_labels
from logistics.tokens import api_token_issue, api_token_revoke

# --- Users and roles ---------------------------------------------------------------------------


class StaffScopeInline(admin.TabularInline):
    model = StaffScope
    extra = 0
    autocomplete_fields = ["department", "building"]


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ["username", "display_name", "email", "role_list", "is_active", "is_staff"]
    list_filter = ["groups", "is_active", "is_staff", "is_superuser", "department"]
    search_fields = ["username", "display_name", "first_name", "last_name", "email", "phone"]
    autocomplete_fields = ["department", "dorm_room"]
    inlines = [StaffScopeInline]
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (
            gettext_lazy("Person"),
            {"fields": ("display_name", "first_name", "last_name", "email", "phone")},
        ),
        (
            pgettext_lazy("where a person belongs", "Campus"),
            {"fields": ("department", "dorm_room")},
        ),
        (
            gettext_lazy("Roles and permissions"),
            {"fields": ("is_active", "groups", "is_staff", "is_superuser", "user_permissions")},
        ),
        (gettext_lazy("Dates"), {"fields": ("last_login", "date_joined")}),
    )

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("groups")

    @admin.display(description=gettext_lazy("roles"))
    def role_list(self, user: User) -> str:
        return join_list(role_labels({g.name for g in user.groups.all()}))


# --- Places ------------------------------------------------------------------------------------


@admin.register(Campus)
class CampusAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "name_en", "address"]
    search_fields = ["code", "name", "name_en"]


@admin.register(Building)
class BuildingAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "campus", "kind", "floors"]
    list_filter = ["campus", "kind"]
    list_select_related = ["campus"]
    search_fields = ["code", "name", "name_en", "campus__code"]


@admin.register(Room)
class RoomAdmin(admin.ModelAdmin):
    list_display = ["number", "building", "floor", "kind", "capacity"]
    list_filter = ["kind", "building__campus", "building__kind"]
    list_select_related = ["building__campus"]
    search_fields = ["number", "building__code", "building__name"]
    autocomplete_fields = ["building"]


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "kind", "campus", "phone"]
    list_filter = ["kind", "campus"]
    list_select_related = ["campus"]
    search_fields = ["code", "name", "name_en"]
    autocomplete_fields = ["parent", "buildings"]


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    """Holidays and make-up working days (调休) of the work calendar (logistics.workcalendar)."""

    list_display = ["date", "name", "is_workday"]
    list_filter = ["is_workday"]
    search_fields = ["name"]
    date_hierarchy = "date"


# --- Notifications -----------------------------------------------------------------------------


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["title", "recipient", "kind", "created_at", "read_at"]
    list_filter = ["kind", "created_at"]
    list_select_related = ["recipient"]
    search_fields = ["title", "recipient__username", "recipient__display_name"]
    autocomplete_fields = ["recipient"]
    date_hierarchy = "created_at"


@admin.register(NotificationPreference)
class NotificationPreferenceAdmin(admin.ModelAdmin):
    list_display = ["user", "email_enabled", "daily_digest"]
    list_filter = ["email_enabled", "daily_digest"]
    list_select_related = ["user"]
    search_fields = ["user__username", "user__display_name"]
    autocomplete_fields = ["user"]


def event_type_choices() -> list[tuple[str, str]]:
    """Every type of the catalogue, and each app's prefix ("repairs." = all of repairs')."""
    from logistics.events import event_types

    kinds = event_types()
    prefixes = sorted({kind.key.split(".")[0] + "." for kind in kinds})
    every = _("every event of %(prefix)s…")
    return [(p, every % {"prefix": p}) for p in prefixes] + [
        (kind.key, f"{kind.key} — {kind.label}") for kind in kinds
    ]


class WebhookEndpointForm(forms.ModelForm):
    event_types = forms.MultipleChoiceField(
        label=gettext_lazy("event types"),
        choices=(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy("Integration events it receives (generic JSON only)."),
    )

    class Meta:
        model = WebhookEndpoint
        fields = [
            "name",
            "url",
            "style",
            "secret",
            "notifications",
            "kinds",
            "department",
            "event_types",
            "owner",
            "language",
            "is_active",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        choices = event_type_choices()
        # A finer prefix saved through the API ("repairs.request.") stays choosable here.
        known = {value for value, _label in choices}
        extra = [(v, v) for v in self.instance.event_types or [] if v not in known]
        self.fields["event_types"].choices = choices + extra

    def clean(self):
        data = super().clean()
        if data.get("event_types") and data.get("style") != WebhookEndpoint.Style.GENERIC:
            self.add_error(
                "event_types", _("Only a generic JSON endpoint receives integration events.")
            )
        return data


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    form = WebhookEndpointForm
    list_display = [
        "name",
        "url",
        "owner",
        "department",
        "is_active",
        "consecutive_failures",
        "disabled_at",
        "created_at",
    ]
    list_filter = ["is_active", "notifications", "department"]
    list_select_related = ["department", "owner"]
    search_fields = ["name", "url", "owner__username"]
    autocomplete_fields = ["department", "owner"]
    readonly_fields = ["consecutive_failures", "disabled_at"]
    actions = ["send_test_event"]

    def save_model(self, request, obj, form, change):
        if change and "is_active" in form.changed_data and obj.is_active:
            # Switched on again by hand: a fresh count (as webhook_endpoint_update does).
            obj.consecutive_failures, obj.disabled_at = 0, None
        super().save_model(request, obj, form, change)

    @admin.action(description=gettext_lazy("Send a test event to the selected endpoints"))
    def send_test_event(self, request, queryset):
        from logistics.webhooks import webhook_endpoint_ping

        sent = [webhook_endpoint_ping(endpoint=e) for e in queryset.filter(is_active=True)]
        self.message_user(
            request,
            ngettext("%(count)d test event queued.", "%(count)d test events queued.", len(sent))
            % {"count": len(sent)},
            messages.SUCCESS,
        )


@admin.register(WeeklyReport)
class WeeklyReportAdmin(admin.ModelAdmin):
    """Read-only: beat builds each week's report once (logistics.reports). Deleting the latest
    (of the last three weeks) has the next morning's run build and mail it again."""

    list_display = ["week", "start", "attention", "built_at", "mailed_at"]
    fields = ["week", "start", "attention", "built_at", "mailed_at"]
    readonly_fields = fields
    date_hierarchy = "start"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).defer("snapshot")


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    """Read-only: rows are written by notify(); a failed row can be queued once more."""

    list_display = [
        "id",
        "channel",
        "status",
        "recipient",
        "endpoint",
        "attempts",
        "response_status",
        "created_at",
    ]
    list_filter = ["status", "channel", "endpoint"]
    list_select_related = ["recipient", "endpoint"]
    search_fields = ["id", "event_id", "recipient__username", "last_error"]
    date_hierarchy = "created_at"
    actions = ["requeue", "resend"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=gettext_lazy("Queue the selected failed messages again"))
    def requeue(self, request, queryset):
        count = outbox_requeue(ids=list(queryset.values_list("id", flat=True)))
        self.message_user(
            request,
            ngettext("%(count)d message queued again.", "%(count)d messages queued again.", count)
            % {"count": count},
            messages.SUCCESS,
        )

    @admin.action(description=gettext_lazy("Send the selected webhook deliveries again"))
    def resend(self, request, queryset):
        from logistics.webhooks import webhook_delivery_resend
        from logistics.workflow import DomainError

        sent, refused = 0, 0
        for delivery in queryset.select_related("endpoint"):
            try:
                webhook_delivery_resend(delivery=delivery)
                sent += 1
            except DomainError:
                refused += 1
        self.message_user(
            request,
            ngettext(
                "%(count)d delivery sent again as a new one.",
                "%(count)d deliveries sent again as new ones.",
                sent,
            )
            % {"count": sent},
            messages.SUCCESS,
        )
        if refused:
            self.message_user(
                request,
                ngettext(
                    "%(count)d left out: not a webhook, on its way, or its endpoint is off.",
                    "%(count)d left out: not webhooks, on their way, or their endpoint is off.",
                    refused,
                )
                % {"count": refused},
                messages.WARNING,
            )


@transaction.atomic
def outbox_requeue(*, ids) -> int:
    """Gives failed (or stuck pending) rows a fresh start; rows already sent stay untouched."""
    from logistics.outbox import publish_on_commit

    requeue = OutboxMessage.objects.filter(
        id__in=ids, status__in=[OutboxMessage.Status.FAILED, OutboxMessage.Status.PENDING]
    )
    requeued = list(requeue.values_list("id", flat=True))
    requeue.update(
        status=OutboxMessage.Status.PENDING,
        attempts=0,
        published_at=None,
        next_attempt_at=None,
        last_error="",
    )
    publish_on_commit(requeued)
    return len(requeued)


# --- API tokens --------------------------------------------------------------------------------


class ApiTokenAddForm(forms.ModelForm):
    scopes = forms.MultipleChoiceField(
        label=gettext_lazy("scopes"), choices=(), widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = ApiToken
        fields = ["user", "name", "scopes", "expires_at"]

    def __init__(self, *args, **kwargs):
        from logistics.api.permissions import all_scopes

        super().__init__(*args, **kwargs)
        self.fields["scopes"].choices = [(s, s) for s in all_scopes()]

    def clean_expires_at(self):
        expires_at = self.cleaned_data.get("expires_at")
        if expires_at is not None and expires_at <= timezone.now():
            raise ValidationError(_("The expiry must lie in the future."))
        return expires_at


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Issuing shows the raw token once; only its hash is stored and it is never shown."""

    list_display = [
        "name",
        "user",
        "prefix",
        "scope_list",
        "created_at",
        "expires_at",
        "last_used_at",
        "revoked_at",
    ]
    list_filter = ["revoked_at", "expires_at"]
    list_select_related = ["user"]
    search_fields = ["name", "prefix", "user__username"]
    actions = ["revoke"]
    readonly_fields = [
        "user",
        "name",
        "prefix",
        "scopes",
        "created_at",
        "expires_at",
        "last_used_at",
        "revoked_at",
    ]

    def get_queryset(self, request):
        tokens = super().get_queryset(request)
        # A staff member sees only their own tokens; superusers see every token.
        return tokens if request.user.is_superuser else tokens.filter(user=request.user)

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = ApiTokenAddForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields if obj is not None else []

    def get_fields(self, request, obj=None):
        return self.readonly_fields if obj is not None else ApiTokenAddForm.Meta.fields

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "user" and not request.user.is_superuser:
            kwargs["queryset"] = User.objects.filter(pk=request.user.pk)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_change_permission(self, request, obj=None):
        return False if obj is not None else super().has_change_permission(request, obj)

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        token, raw = api_token_issue(
            user=data["user"],
            name=data["name"],
            scopes=data["scopes"],
            expires_at=data.get("expires_at"),
        )
        obj.pk, obj.prefix, obj.key_hash = token.pk, token.prefix, token.key_hash
        obj.created_at, obj.scopes = token.created_at, token.scopes
        obj._state.adding = False
        self.message_user(
            request,
            _(
                "The token %(name)s is: %(token)s — copy it now; it is shown only this once "
                "and cannot be recovered."
            )
            % {"name": token.name, "token": raw},
            messages.WARNING,
        )

    @admin.display(description=gettext_lazy("scopes"))
    def scope_list(self, token: ApiToken) -> str:
        return ", ".join(token.scopes)

    @admin.action(description=gettext_lazy("Revoke the selected tokens"))
    def revoke(self, request, queryset):
        count = sum(api_token_revoke(token=token) for token in queryset)
        self.message_user(
            request,
            ngettext("%(count)d token revoked.", "%(count)d tokens revoked.", count)
            % {"count": count},
            messages.SUCCESS,
        )
