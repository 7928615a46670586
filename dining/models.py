"""Canteens, windows and dishes; daily menus; price changes, price rules and the price index."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from logistics.i18n import join_list
from logistics.models.loading import QuickLoad
from logistics.models.places import BilingualName, code_validator
from logistics.search import SearchIndex, SearchTokensField

from .querysets import CanteenQuerySet, DishQuerySet, MenuQuerySet

MONEY = {"max_digits": 8, "decimal_places": 2}
positive_money = [MinValueValidator(Decimal("0.00"))]


class Meal(models.TextChoices):
    BREAKFAST = "breakfast", _("Breakfast")
    LUNCH = "lunch", _("Lunch")
    DINNER = "dinner", _("Dinner")
    LATE_NIGHT = "late_night", _("Late night")


class Canteen(BilingualName):
    """A canteen (食堂) in a building; its staff are scoped to the building or its department."""

    slug = models.SlugField(_("short name"), max_length=50, unique=True)
    building = models.ForeignKey(
        "logistics.Building",
        verbose_name=_("building"),
        on_delete=models.PROTECT,
        related_name="canteens",
    )
    department = models.ForeignKey(
        "logistics.Department",
        verbose_name=_("service unit"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="canteens",
    )
    address = models.CharField(_("address"), max_length=200, blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    photo = models.ImageField(_("photo"), upload_to="dining/canteens/", blank=True)
    is_active = models.BooleanField(_("open"), default=True)
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)

    objects = CanteenQuerySet.as_manager()

    class Meta:
        verbose_name = _("canteen")
        verbose_name_plural = _("canteens")
        ordering = ["sort_order", "slug"]

    def get_absolute_url(self) -> str:
        return reverse("dining:canteen", args=[self.slug])


class OpeningHours(models.Model):
    """When a canteen serves a meal (the same every day unless the menu says it is closed)."""

    canteen = models.ForeignKey(
        Canteen, verbose_name=_("canteen"), on_delete=models.CASCADE, related_name="hours"
    )
    meal = models.CharField(_("meal"), max_length=16, choices=Meal.choices)
    opens_at = models.TimeField(_("opens at"))
    closes_at = models.TimeField(_("closes at"))

    class Meta:
        verbose_name = _("opening hours")
        verbose_name_plural = _("opening hours")
        ordering = ["canteen_id", "opens_at"]
        constraints = [
            models.UniqueConstraint(fields=["canteen", "meal"], name="hours_one_per_meal"),
            models.CheckConstraint(
                condition=models.Q(closes_at__gt=models.F("opens_at")),
                name="hours_close_after_open",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.canteen} {self.get_meal_display()} {self.opens_at}–{self.closes_at}"


class ClosedDay(models.Model):
    """A date a canteen is closed (holiday, maintenance); shown in the OpenMensa feed."""

    canteen = models.ForeignKey(
        Canteen, verbose_name=_("canteen"), on_delete=models.CASCADE, related_name="closed_days"
    )
    date = models.DateField(_("date"))
    reason = models.CharField(_("reason"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("closed day")
        verbose_name_plural = _("closed days")
        ordering = ["date"]
        constraints = [
            models.UniqueConstraint(fields=["canteen", "date"], name="closed_day_once"),
        ]

    def __str__(self) -> str:
        return f"{self.canteen} {self.date}"


class Window(BilingualName):
    """A window or stall (档口) of a canteen, with the staff who run it."""

    canteen = models.ForeignKey(
        Canteen, verbose_name=_("canteen"), on_delete=models.CASCADE, related_name="windows"
    )
    code = models.CharField(_("code"), max_length=32, validators=[code_validator])
    staff = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("staff"), blank=True, related_name="windows"
    )
    is_active = models.BooleanField(_("active"), default=True)
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("window")
        verbose_name_plural = _("windows")
        ordering = ["canteen_id", "sort_order", "code"]
        constraints = [
            models.UniqueConstraint(fields=["canteen", "code"], name="window_code_per_canteen"),
        ]


class Allergen(BilingualName):
    """One of the fixed list of major allergens (created by a migration)."""

    code = models.CharField(_("code"), max_length=32, unique=True)
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("allergen")
        verbose_name_plural = _("allergens")
        ordering = ["sort_order", "code"]


class DishCategory(BilingualName):
    """A kind of dish (主食, 荤菜, 素菜, 汤 …); price caps are set per category."""

    code = models.CharField(_("code"), max_length=32, unique=True, validators=[code_validator])
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("dish category")
        verbose_name_plural = _("dish categories")
        ordering = ["sort_order", "code"]


# The fields a person edits on a dish, in the order the form shows them: the staff form, the API
# serializer and services.dish_save all read this one list (the photo has its own upload field).
DISH_EDITABLE_FIELDS = (
    "name",
    "name_en",
    "category",
    "window",
    "description",
    "pricing_unit",
    "price",
    "price_employee",
    "price_other",
    "portion_grams",
    "portion_size",
    "allergens",
    "is_vegetarian",
    "is_halal",
    "spicy_level",
    "kcal",
    "protein_g",
    "fat_g",
    "carbohydrate_g",
    "sodium_mg",
    "is_active",
)


class Dish(BilingualName):
    """A dish a canteen sells; its standard prices per tier (student, employee, other)."""

    class PricingUnit(models.TextChoices):
        PORTION = "portion", _("per portion")
        PER_500G = "per_500g", _("per 500 g")

    canteen = models.ForeignKey(
        Canteen, verbose_name=_("canteen"), on_delete=models.CASCADE, related_name="dishes"
    )
    window = models.ForeignKey(
        Window,
        verbose_name=_("usual window"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="dishes",
    )
    category = models.ForeignKey(
        DishCategory, verbose_name=_("category"), on_delete=models.PROTECT, related_name="dishes"
    )
    description = models.TextField(_("description"), blank=True)
    photo = models.ImageField(_("photo"), upload_to="dining/dishes/", blank=True)
    pricing_unit = models.CharField(
        _("priced"), max_length=16, choices=PricingUnit.choices, default=PricingUnit.PORTION
    )
    price = models.DecimalField(_("price (student)"), validators=positive_money, **MONEY)
    price_employee = models.DecimalField(
        _("price (employee)"), null=True, blank=True, validators=positive_money, **MONEY
    )
    price_other = models.DecimalField(
        _("price (other)"), null=True, blank=True, validators=positive_money, **MONEY
    )
    # The weight is a number, shown as "about 250 g" in the reader's language; the text is for
    # what a number does not say ("一碗", "two pieces"), written by the staff as they like.
    portion_grams = models.PositiveIntegerField(
        _("portion (grams)"),
        null=True,
        blank=True,
        validators=[MaxValueValidator(5000)],
        help_text=_("About how many grams a portion weighs; shown as “about 250 g”."),
    )
    portion_size = models.CharField(
        _("portion, in words"),
        max_length=50,
        blank=True,
        help_text=_("Only what grams do not say, such as “one bowl”."),
    )
    allergens = models.ManyToManyField(
        Allergen, verbose_name=_("allergens"), blank=True, related_name="dishes"
    )
    is_vegetarian = models.BooleanField(_("vegetarian"), default=False)
    is_halal = models.BooleanField(_("halal (清真)"), default=False)
    spicy_level = models.PositiveSmallIntegerField(
        _("spicy level"), default=0, validators=[MaxValueValidator(3)]
    )
    kcal = models.PositiveIntegerField(_("energy (kcal)"), null=True, blank=True)
    protein_g = models.DecimalField(
        _("protein (g)"), max_digits=6, decimal_places=1, null=True, blank=True
    )
    fat_g = models.DecimalField(_("fat (g)"), max_digits=6, decimal_places=1, null=True, blank=True)
    carbohydrate_g = models.DecimalField(
        _("carbohydrate (g)"), max_digits=6, decimal_places=1, null=True, blank=True
    )
    sodium_mg = models.PositiveIntegerField(_("sodium (mg)"), null=True, blank=True)
    is_active = models.BooleanField(_("on offer"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    search_tokens = SearchTokensField(sources=("name", "name_en"))

    objects = DishQuerySet.as_manager()

    class Meta:
        verbose_name = _("dish")
        verbose_name_plural = _("dishes")
        ordering = ["canteen_id", "category__sort_order", "name"]
        indexes = [SearchIndex(fields=["search_tokens"], name="dining_dish_search_idx")]
        constraints = [
            models.UniqueConstraint(fields=["canteen", "name"], name="dish_name_per_canteen"),
        ]

    def get_absolute_url(self) -> str:
        return reverse("dining:dish", args=[self.pk])

    @property
    def portion(self) -> str:
        """The portion in the active language: "about 250 g", its words, or both."""
        return portion_label(self.portion_grams, self.portion_size)


def portion_label(grams: int | None, words: str) -> str:
    """A portion as people read it, in the active language (templates: _portion.html)."""
    weight = _("about %(grams)s g") % {"grams": grams} if grams else ""
    return join_list(part for part in (weight, words) if part)


class Menu(QuickLoad, models.Model):
    """What one window of a canteen serves at one meal on one date, and at which prices."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SCHEDULED = "scheduled", _("Scheduled")
        PUBLISHED = "published", _("Published")

    canteen = models.ForeignKey(
        Canteen, verbose_name=_("canteen"), on_delete=models.CASCADE, related_name="menus"
    )
    window = models.ForeignKey(
        Window, verbose_name=_("window"), on_delete=models.CASCADE, related_name="menus"
    )
    date = models.DateField(_("date"), db_index=True)
    meal = models.CharField(_("meal"), max_length=16, choices=Meal.choices)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.DRAFT
    )
    publish_at = models.DateTimeField(_("publish at"), null=True, blank=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("published by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = MenuQuerySet.as_manager()

    class Meta:
        verbose_name = _("menu")
        verbose_name_plural = _("menus")
        ordering = ["date", "canteen_id", "meal", "window_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["window", "date", "meal"], name="menu_one_per_window_meal"
            ),
        ]
        indexes = [
            models.Index(fields=["canteen", "date", "status"], name="menu_day_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.canteen} {self.window} {self.date} {self.get_meal_display()}"


class MenuItem(QuickLoad, models.Model):
    """A dish on a menu at that day's prices, with the live sold-out switch."""

    menu = models.ForeignKey(
        Menu, verbose_name=_("menu"), on_delete=models.CASCADE, related_name="items"
    )
    dish = models.ForeignKey(
        Dish, verbose_name=_("dish"), on_delete=models.PROTECT, related_name="menu_items"
    )
    price = models.DecimalField(_("price (student)"), validators=positive_money, **MONEY)
    price_employee = models.DecimalField(
        _("price (employee)"), null=True, blank=True, validators=positive_money, **MONEY
    )
    price_other = models.DecimalField(
        _("price (other)"), null=True, blank=True, validators=positive_money, **MONEY
    )
    sold_out = models.BooleanField(_("sold out"), default=False)
    sold_out_at = models.DateTimeField(_("sold out at"), null=True, blank=True)
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("menu item")
        verbose_name_plural = _("menu items")
        ordering = ["menu_id", "sort_order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["menu", "dish"], name="menu_item_once"),
        ]

    def __str__(self) -> str:
        return f"{self.dish} {self.price}"


class MenuTemplate(models.Model):
    """A weekly template of a canteen: which dishes each window serves on each weekday and meal."""

    canteen = models.ForeignKey(
        Canteen, verbose_name=_("canteen"), on_delete=models.CASCADE, related_name="templates"
    )
    name = models.CharField(_("name"), max_length=100)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("weekly menu template")
        verbose_name_plural = _("weekly menu templates")
        ordering = ["canteen_id", "name"]

    def __str__(self) -> str:
        return self.name


class MenuTemplateItem(models.Model):
    """One dish of a weekly template on a weekday (0 = Monday) and meal at a window."""

    template = models.ForeignKey(
        MenuTemplate, verbose_name=_("template"), on_delete=models.CASCADE, related_name="items"
    )
    weekday = models.PositiveSmallIntegerField(_("weekday"), validators=[MaxValueValidator(6)])
    meal = models.CharField(_("meal"), max_length=16, choices=Meal.choices)
    window = models.ForeignKey(Window, verbose_name=_("window"), on_delete=models.CASCADE)
    dish = models.ForeignKey(Dish, verbose_name=_("dish"), on_delete=models.CASCADE)

    class Meta:
        verbose_name = _("template item")
        verbose_name_plural = _("template items")
        ordering = ["template_id", "weekday", "meal", "window_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["template", "weekday", "meal", "window", "dish"],
                name="template_item_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.template} {self.weekday} {self.meal} {self.dish}"


class PriceChange(QuickLoad, models.Model):
    """Every change of a dish's price (standard or on a menu), with who, when and why."""

    class Tier(models.TextChoices):
        STUDENT = "student", _("Student")
        EMPLOYEE = "employee", _("Employee")
        OTHER = "other", _("Other")

    dish = models.ForeignKey(
        Dish, verbose_name=_("dish"), on_delete=models.CASCADE, related_name="price_changes"
    )
    menu_item = models.ForeignKey(
        MenuItem,
        verbose_name=_("menu item"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="price_changes",
    )
    tier = models.CharField(_("tier"), max_length=16, choices=Tier.choices, default=Tier.STUDENT)
    old_price = models.DecimalField(_("old price"), null=True, blank=True, **MONEY)
    new_price = models.DecimalField(_("new price"), **MONEY)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("changed by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    changed_at = models.DateTimeField(_("changed at"), auto_now_add=True, db_index=True)
    reason = models.CharField(_("reason"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("price change")
        verbose_name_plural = _("price changes")
        ordering = ["-changed_at", "-id"]
        indexes = [models.Index(fields=["dish", "-changed_at"], name="price_change_dish_idx")]

    def __str__(self) -> str:
        return f"{self.dish}: {self.old_price} → {self.new_price}"


class PriceRule(models.Model):
    """A price-supervision rule managers set; checked when a menu is published."""

    class Kind(models.TextChoices):
        CATEGORY_CAP = "category_cap", _("Price cap for a dish category")
        MAX_INCREASE_PER_CHANGE = "max_increase_change", _("Maximum increase per change")
        MAX_INCREASE_30_DAYS = "max_increase_30d", _("Maximum increase within 30 days")
        LOW_PRICE_SHARE = "low_price_share", _("Minimum share of low-price dishes")

    class Severity(models.TextChoices):
        WARNING = "warning", _("Warning (acknowledge with a reason)")
        BLOCK = "block", _("Block publishing")

    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=24, choices=Kind.choices)
    severity = models.CharField(
        _("severity"), max_length=8, choices=Severity.choices, default=Severity.WARNING
    )
    canteen = models.ForeignKey(
        Canteen,
        verbose_name=_("canteen"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="price_rules",
        help_text=_("Empty: every canteen."),
    )
    category = models.ForeignKey(
        DishCategory,
        verbose_name=_("dish category"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="price_rules",
    )
    meal = models.CharField(_("meal"), max_length=16, choices=Meal.choices, blank=True)
    amount = models.DecimalField(
        _("amount (yuan)"),
        null=True,
        blank=True,
        help_text=_("The cap, the maximum increase, or the low-price threshold."),
        **MONEY,
    )
    percent = models.DecimalField(
        _("percent"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("The maximum increase in percent, or the minimum low-price share."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("price rule")
        verbose_name_plural = _("price rules")
        ordering = ["kind", "name"]

    def __str__(self) -> str:
        return self.name


class PriceViolation(QuickLoad, models.Model):
    """A rule broken by a published (or blocked) menu; warnings carry the staff's reason."""

    rule = models.ForeignKey(
        PriceRule, verbose_name=_("rule"), on_delete=models.CASCADE, related_name="violations"
    )
    menu = models.ForeignKey(
        Menu, verbose_name=_("menu"), on_delete=models.CASCADE, related_name="violations"
    )
    dish = models.ForeignKey(
        Dish,
        verbose_name=_("dish"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="violations",
    )
    severity = models.CharField(_("severity"), max_length=8, choices=PriceRule.Severity.choices)
    message = models.CharField(_("message"), max_length=300)
    data = models.JSONField(_("details"), default=dict, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("acknowledged by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("price rule violation")
        verbose_name_plural = _("price rule violations")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.message


class BasketItem(models.Model):
    """A staple dish in the fixed basket of the price index, with its base-period quantity."""

    dish = models.OneToOneField(
        Dish, verbose_name=_("dish"), on_delete=models.CASCADE, related_name="basket_item"
    )
    quantity = models.DecimalField(
        _("weight (portions per day in the base period)"),
        max_digits=8,
        decimal_places=2,
        default=Decimal("1"),
    )
    base_price = models.DecimalField(
        _("base-period price"), null=True, blank=True, validators=positive_money, **MONEY
    )

    class Meta:
        verbose_name = _("price index basket item")
        verbose_name_plural = _("price index basket")
        ordering = ["dish__canteen_id", "dish__name"]

    def __str__(self) -> str:
        return str(self.dish)


class PriceIndexPoint(models.Model):
    """The Laspeyres price index of one day, per canteen or (canteen empty) for the campus."""

    date = models.DateField(_("date"))
    canteen = models.ForeignKey(
        Canteen,
        verbose_name=_("canteen"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="price_index",
    )
    value = models.DecimalField(_("index (base = 100)"), max_digits=8, decimal_places=2)
    computed_at = models.DateTimeField(_("computed at"), auto_now=True)

    class Meta:
        verbose_name = _("price index point")
        verbose_name_plural = _("price index")
        ordering = ["date"]
        constraints = [
            models.UniqueConstraint(
                fields=["date", "canteen"],
                condition=models.Q(canteen__isnull=False),
                name="price_index_once_per_canteen_day",
            ),
            models.UniqueConstraint(
                fields=["date"],
                condition=models.Q(canteen__isnull=True),
                name="price_index_once_per_campus_day",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.canteen or '*'} {self.value}"


class Favourite(models.Model):
    """A dish a user follows; they hear when it is on tomorrow's menu."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="favourite_dishes",
    )
    dish = models.ForeignKey(
        Dish, verbose_name=_("dish"), on_delete=models.CASCADE, related_name="favourites"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    last_notified_for = models.DateField(_("last notified for"), null=True, blank=True)

    class Meta:
        verbose_name = _("favourite dish")
        verbose_name_plural = _("favourite dishes")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["user", "dish"], name="favourite_once"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} ♥ {self.dish_id}"
