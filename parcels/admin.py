"""Admin of the parcels stations: where each is, its hours, periods and closed days, its shelves,
and who works there (the mailroom clerks scoped to its building or unit, edited on the user).
Parcels, pickups and returns change through the counter's pages, so their rules and timelines
hold; they are not edited here."""

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from logistics.models import User
from logistics.roles import Role
from parcels.models import Shelf, Station, StationClosedDay


class ShelfInline(admin.TabularInline):
    model = Shelf
    extra = 0
    fields = ["number", "size_class", "layers", "capacity_per_layer"]


class ClosedDayInline(admin.TabularInline):
    model = StationClosedDay
    extra = 0
    fields = ["date", "reason"]


@admin.register(Station)
class StationAdmin(admin.ModelAdmin):
    list_display = [
        "code",
        "__str__",
        "building",
        "hours",
        "free_days",
        "return_days",
        "closed_on_holidays",
        "is_active",
    ]
    list_filter = ["is_active", "closed_on_holidays", "building__campus"]
    list_select_related = ["building"]
    search_fields = ["code", "name", "name_en", "building__code", "building__name"]
    autocomplete_fields = ["building", "department"]
    readonly_fields = ["clerks"]
    fieldsets = [
        (None, {"fields": ["code", "name", "name_en", "building", "department", "is_active"]}),
        (
            _("Opening and periods"),
            {"fields": ["opens_at", "closes_at", "free_days", "return_days", "closed_on_holidays"]},
        ),
        (_("Clerks"), {"fields": ["clerks"]}),
    ]
    inlines = [ShelfInline, ClosedDayInline]

    @admin.display(description=_("hours"))
    def hours(self, station: Station) -> str:
        return station.hours

    @admin.display(description=_("mailroom clerks"))
    def clerks(self, station: Station):
        """The clerks whose scope names the station's building or unit, each linked to their
        account (where scopes are added and removed)."""
        if station.pk is None:
            return "—"
        scopes = {"staff_scopes__role": Role.MAILROOM_CLERK}
        building = User.objects.filter(**scopes, staff_scopes__building=station.building_id)
        users = building
        if station.department_id:
            users = building | User.objects.filter(
                **scopes, staff_scopes__department=station.department_id
            )
        users = users.distinct().order_by("username")
        holders = set(
            User.objects.filter(pk__in=users, groups__name=Role.MAILROOM_CLERK).values_list(
                "pk", flat=True
            )
        )
        no_role = _("(without the mailroom clerk role: not a clerk yet)")
        rows = format_html_join(
            "",
            '<li><a href="{}">{} {}</a> {}</li>',
            (
                (
                    reverse("admin:logistics_user_change", args=[u.pk]),
                    u.username,
                    u.display_name,
                    "" if u.pk in holders else no_role,
                )
                for u in users
            ),
        )
        add = format_html(
            '<p class="help">{}</p>',
            _(
                "Add a clerk on their account: the mailroom clerk role, and a staff scope with "
                "that role and this building (or unit)."
            ),
        )
        return format_html("<ul>{}</ul>{}", rows, add) if rows else add
