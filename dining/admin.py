"""Admin of the dining catalogue: canteens (hours, closed days), windows, allergens, categories,
dishes, weekly templates; menus and price changes are read-only here (they change through the
staff pages, so price rules are checked and every price change is recorded).

Price rules, violations, the index basket and index points: registered by the price
supervision part (price admin of helper d2)."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from dining import cache
from dining.models import (
    Allergen,
    BasketItem,
    Canteen,
    ClosedDay,
    Dish,
    DishCategory,
    Favourite,
    Menu,
    MenuItem,
    MenuTemplate,
    MenuTemplateItem,
    OpeningHours,
    PriceChange,
    PriceIndexPoint,
    PriceRule,
    PriceViolation,
    Window,
)
from dining.pricing import services as pricing
from dining.pricing.forms import PriceRuleForm
from dining.services import TIERS


class OpeningHoursInline(admin.TabularInline):
    model = OpeningHours
    extra = 0


class ClosedDayInline(admin.TabularInline):
    model = ClosedDay
    extra = 0


class WindowInline(admin.TabularInline):
    model = Window
    extra = 0
    fields = ["code", "name", "name_en", "is_active", "sort_order"]
    show_change_link = True


@admin.register(Canteen)
class CanteenAdmin(admin.ModelAdmin):
    list_display = ["__str__", "slug", "building", "department", "phone", "is_active", "sort_order"]
    list_editable = ["is_active", "sort_order"]
    list_filter = ["is_active", "building__campus"]
    list_select_related = ["building", "department"]
    search_fields = ["slug", "name", "name_en"]
    prepopulated_fields = {"slug": ["name_en"]}
    autocomplete_fields = ["building", "department"]
    inlines = [OpeningHoursInline, ClosedDayInline, WindowInline]

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # Hours and closed days show on every day's pages and in the OpenMensa feed.
        cache.canteen_changed(canteen_id=form.instance.pk)


@admin.register(Window)
class WindowAdmin(admin.ModelAdmin):
    list_display = ["__str__", "code", "canteen", "is_active", "sort_order"]
    list_filter = ["canteen", "is_active"]
    list_select_related = ["canteen"]
    search_fields = ["code", "name", "name_en", "canteen__name"]
    autocomplete_fields = ["canteen", "staff"]


@admin.register(Allergen)
class AllergenAdmin(admin.ModelAdmin):
    list_display = ["__str__", "code", "name", "name_en", "sort_order"]
    search_fields = ["code", "name", "name_en"]


@admin.register(DishCategory)
class DishCategoryAdmin(admin.ModelAdmin):
    list_display = ["__str__", "code", "name_en", "sort_order"]
    list_editable = ["sort_order"]
    search_fields = ["code", "name", "name_en"]


@admin.register(Dish)
class DishAdmin(admin.ModelAdmin):
    list_display = ["__str__", "canteen", "category", "price", "pricing_unit", "is_active"]
    list_filter = ["canteen", "category", "is_active", "is_vegetarian", "is_halal", "allergens"]
    list_select_related = ["canteen", "category"]
    search_fields = ["name", "name_en", "canteen__name"]
    autocomplete_fields = ["canteen", "window", "category"]
    filter_horizontal = ["allergens"]
    readonly_fields = ["created_at", "updated_at"]

    def save_model(self, request, obj, form, change):
        # A price changed here is recorded like any other (who, when, from, to).
        old = {}
        if change:
            old = Dish.objects.values(*TIERS.values()).get(pk=obj.pk)
        super().save_model(request, obj, form, change)
        for tier, field in TIERS.items():
            new = getattr(obj, field)
            if new is not None and new != old.get(field):
                pricing.price_change_record(
                    dish=obj,
                    new_price=new,
                    old_price=old.get(field),
                    by=request.user,
                    tier=tier,
                    reason=str(_("changed in the admin")),
                )
        cache.canteen_changed(canteen_id=obj.canteen_id)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records that change only through the services: view them, never add or edit here."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class MenuItemInline(admin.TabularInline):
    model = MenuItem
    extra = 0
    fields = ["dish", "price", "price_employee", "price_other", "sold_out", "sort_order"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Menu)
class MenuAdmin(ReadOnlyAdmin):
    list_display = ["date", "meal", "canteen", "window", "status", "publish_at", "published_by"]
    list_filter = ["status", "meal", "canteen"]
    list_select_related = ["canteen", "window", "published_by"]
    date_hierarchy = "date"
    inlines = [MenuItemInline]


class MenuTemplateItemInline(admin.TabularInline):
    model = MenuTemplateItem
    extra = 0
    autocomplete_fields = ["window", "dish"]


@admin.register(MenuTemplate)
class MenuTemplateAdmin(admin.ModelAdmin):
    list_display = ["name", "canteen", "created_at"]
    list_filter = ["canteen"]
    list_select_related = ["canteen"]
    search_fields = ["name"]
    inlines = [MenuTemplateItemInline]


@admin.register(PriceChange)
class PriceChangeAdmin(ReadOnlyAdmin):
    list_display = ["changed_at", "dish", "tier", "old_price", "new_price", "changed_by", "reason"]
    list_filter = ["tier", "dish__canteen"]
    list_select_related = ["dish", "changed_by"]
    search_fields = ["dish__name", "reason", "changed_by__username"]
    date_hierarchy = "changed_at"

    def has_delete_permission(self, request, obj=None):
        return False  # the price history is the record managers show


@admin.register(Favourite)
class FavouriteAdmin(ReadOnlyAdmin):
    list_display = ["user", "dish", "created_at", "last_notified_for"]
    list_select_related = ["user", "dish"]
    search_fields = ["user__username", "dish__name"]


# --- Price supervision --------------------------------------------------------------------------


@admin.register(PriceRule)
class PriceRuleAdmin(admin.ModelAdmin):
    """Rules are saved through pricing.price_rule_save (managers only; numbers checked)."""

    form = PriceRuleForm
    list_display = ["name", "kind", "severity", "canteen", "category", "meal", "amount", "percent"]
    list_display += ["is_active"]
    list_filter = ["kind", "severity", "is_active", "canteen"]
    list_select_related = ["canteen", "category"]
    search_fields = ["name"]

    def save_model(self, request, obj, form, change):
        pricing.price_rule_save(by=request.user, data=form.cleaned_data, rule=obj)


@admin.register(PriceViolation)
class PriceViolationAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "menu", "rule", "dish", "severity", "acknowledged_by", "reason"]
    list_filter = ["severity", "rule__kind", "menu__canteen"]
    list_select_related = ["menu__canteen", "menu__window", "rule", "dish", "acknowledged_by"]
    search_fields = ["message", "reason", "dish__name"]
    date_hierarchy = "created_at"

    def has_delete_permission(self, request, obj=None):
        return False  # the violations are the record of what was published despite a rule


@admin.register(BasketItem)
class BasketItemAdmin(admin.ModelAdmin):
    """The fixed basket of the price index: staple dishes and their base-period quantities."""

    list_display = ["dish", "canteen", "quantity", "base_price"]
    list_select_related = ["dish__canteen"]
    list_filter = ["dish__canteen"]
    search_fields = ["dish__name", "dish__name_en"]
    autocomplete_fields = ["dish"]

    @admin.display(description=_("canteen"), ordering="dish__canteen")
    def canteen(self, obj):
        return obj.dish.canteen


@admin.register(PriceIndexPoint)
class PriceIndexPointAdmin(ReadOnlyAdmin):
    list_display = ["date", "canteen", "value", "computed_at"]
    list_filter = ["canteen"]
    list_select_related = ["canteen"]
    date_hierarchy = "date"
