"""Models of the parcels system: stations and their shelves, parcels with their timeline,
arrival notices, pickups (the proof) and proxies."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from logistics.models.loading import QuickLoad
from logistics.models.places import BilingualName, code_validator
from logistics.search import SearchIndex, SearchTokensField

from .querysets import ParcelQuerySet, StationQuerySet


class SizeClass(models.TextChoices):
    SMALL = "small", _("Small")
    MEDIUM = "medium", _("Medium")
    LARGE = "large", _("Large")
    OVERSIZED = "oversized", _("Oversized (floor area)")


class Station(BilingualName):
    """A mailroom or parcel station (驿站 / 收发室) in a building; its clerks are the users with
    a mailroom_clerk scope on its building or its department."""

    code = models.CharField(_("code"), max_length=32, unique=True, validators=[code_validator])
    building = models.ForeignKey(
        "logistics.Building",
        verbose_name=_("building"),
        on_delete=models.PROTECT,
        related_name="parcel_stations",
    )
    department = models.ForeignKey(
        "logistics.Department",
        verbose_name=_("unit"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="parcel_stations",
    )
    opens_at = models.TimeField(_("opens at"), default="09:00")
    closes_at = models.TimeField(_("closes at"), default="21:00")
    free_days = models.PositiveSmallIntegerField(
        _("free storage (days)"), default=3, validators=[MinValueValidator(1)]
    )
    return_days = models.PositiveSmallIntegerField(
        _("return after (days)"), default=7, validators=[MinValueValidator(1)]
    )
    is_active = models.BooleanField(_("active"), default=True)
    closed_on_holidays = models.BooleanField(
        _("closed on public holidays"),
        default=True,
        help_text=_(
            "Closed on the campus calendar's holidays; free storage and returns count only the "
            "days the station is open."
        ),
    )

    objects = StationQuerySet.as_manager()

    class Meta:
        verbose_name = _("parcel station")
        verbose_name_plural = _("parcel stations")
        ordering = ["code"]

    def get_absolute_url(self) -> str:
        return reverse("parcels:scan", args=[self.pk])

    @property
    def hours(self) -> str:
        return f"{self.opens_at:%H:%M}–{self.closes_at:%H:%M}"


class StationClosedDay(models.Model):
    """A day a station is closed (besides the campus holidays it follows): no pickups, and the
    day does not count towards free storage or the return period."""

    station = models.ForeignKey(
        Station, verbose_name=_("station"), on_delete=models.CASCADE, related_name="closed_days"
    )
    date = models.DateField(_("date"))
    reason = models.CharField(_("reason"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("closed day")
        verbose_name_plural = _("closed days")
        ordering = ["station_id", "date"]
        constraints = [
            models.UniqueConstraint(fields=["station", "date"], name="parcels_closed_day_unique")
        ]

    def __str__(self) -> str:
        return f"{self.station.code} {self.date} {self.reason}".strip()


class Shelf(QuickLoad, models.Model):
    """A shelf of a station: numbered, with layers of one size class and a capacity per layer.
    The oversized class is a floor area (one layer)."""

    station = models.ForeignKey(
        Station, verbose_name=_("station"), on_delete=models.CASCADE, related_name="shelves"
    )
    number = models.PositiveSmallIntegerField(
        _("number"), validators=[MinValueValidator(1), MaxValueValidator(999)]
    )
    layers = models.PositiveSmallIntegerField(
        _("layers"), default=4, validators=[MinValueValidator(1), MaxValueValidator(20)]
    )
    size_class = models.CharField(
        _("size class"), max_length=10, choices=SizeClass.choices, default=SizeClass.SMALL
    )
    capacity_per_layer = models.PositiveSmallIntegerField(
        _("parcels per layer"), default=30, validators=[MinValueValidator(1)]
    )

    class Meta:
        verbose_name = _("shelf")
        verbose_name_plural = _("shelves")
        ordering = ["station_id", "number"]
        constraints = [
            models.UniqueConstraint(fields=["station", "number"], name="parcels_shelf_number")
        ]

    def __str__(self) -> str:
        return f"{self.station.code}-{self.number}"


class Carrier(models.TextChoices):
    SF = "sf", _("SF Express")
    JD = "jd", _("JD Logistics")
    JT = "jt", _("J&T Express")
    YTO = "yto", _("YTO Express")
    ZTO = "zto", _("ZTO Express")
    STO = "sto", _("STO Express")
    YUNDA = "yunda", _("Yunda Express")
    EMS = "ems", _("EMS / China Post")
    DEPPON = "deppon", _("Deppon")
    CAINIAO = "cainiao", _("Cainiao")
    UPU = "upu", _("International post (UPU)")
    OTHER = "other", _("Other carrier")


class Parcel(QuickLoad, models.Model):
    """One parcel from scan-in to pickup, delivery or return; its timeline is ParcelEvent."""

    class Status(models.TextChoices):
        WAITING = "waiting", _("Waiting for pickup")
        PICKED_UP = "picked_up", _("Picked up")
        TO_RETURN = "to_return", _("To be returned")
        RETURNED = "returned", _("Returned to carrier")
        FOR_DELIVERY = "for_delivery", _("On the delivery run")
        DELIVERED = "delivered", _("Delivered to the office")

    station = models.ForeignKey(
        Station, verbose_name=_("station"), on_delete=models.PROTECT, related_name="parcels"
    )
    tracking_number = models.CharField(_("tracking number"), max_length=40)
    carrier = models.CharField(_("carrier"), max_length=10, choices=Carrier.choices, blank=True)
    carrier_candidates = models.JSONField(_("possible carriers"), default=list, blank=True)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="parcels",
    )
    # What the label said, kept for unknown recipients and for the search.
    recipient_name = models.CharField(_("name on the label"), max_length=100, blank=True)
    phone_tail = models.CharField(_("phone, last four digits"), max_length=4, blank=True)
    recipient_hint = models.CharField(_("recipient as entered"), max_length=120, blank=True)
    size_class = models.CharField(
        _("size class"), max_length=10, choices=SizeClass.choices, default=SizeClass.SMALL
    )
    shelf = models.ForeignKey(
        Shelf,
        verbose_name=_("shelf"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="parcels",
    )
    layer = models.PositiveSmallIntegerField(_("layer"), null=True, blank=True)
    pickup_code = models.CharField(_("pickup code"), max_length=16, blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.WAITING
    )
    arrived_at = models.DateTimeField(_("arrived at"), db_index=True)
    scanned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("scanned in by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    free_until = models.DateTimeField(_("free storage until"), null=True, blank=True)
    return_due_at = models.DateTimeField(_("return due at"), null=True, blank=True)
    last_day_reminded_at = models.DateTimeField(_("last-day reminder sent"), null=True, blank=True)
    return_reminded_at = models.DateTimeField(_("return reminder sent"), null=True, blank=True)
    notice = models.ForeignKey(
        "ParcelNotice",
        verbose_name=_("arrival notice"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="parcels",
    )
    pickup = models.ForeignKey(
        "Pickup",
        verbose_name=_("pickup"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="parcels",
    )
    return_record = models.ForeignKey(
        "ReturnRecord",
        verbose_name=_("return record"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="parcels",
    )
    delivery_building = models.ForeignKey(
        "logistics.Building",
        verbose_name=_("deliver to building"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    delivery_office = models.CharField(_("deliver to office"), max_length=100, blank=True)
    delivery = models.ForeignKey(
        "Delivery",
        verbose_name=_("delivery"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="parcels",
    )
    closed_at = models.DateTimeField(_("picked up or returned at"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    search_tokens = SearchTokensField(
        sources=("tracking_number", "recipient_name", "pickup_code", "recipient_hint")
    )

    objects = ParcelQuerySet.as_manager()

    class Meta:
        verbose_name = _("parcel")
        verbose_name_plural = _("parcels")
        ordering = ["-arrived_at", "-id"]
        indexes = [
            SearchIndex(fields=["search_tokens"], name="parcels_parcel_search"),
            models.Index(fields=["recipient", "status", "-arrived_at"], name="parcels_mine_idx"),
            models.Index(
                fields=["station", "-arrived_at", "-id"],
                condition=Q(status="waiting"),
                name="parcels_waiting_idx",
            ),
            models.Index(
                fields=["station", "phone_tail"],
                condition=Q(status="waiting"),
                name="parcels_phone_tail_idx",
            ),
            models.Index(fields=["tracking_number"], name="parcels_tracking_idx"),
            # The ageing sweep: waiting parcels by their return deadline.
            models.Index(
                fields=["return_due_at"],
                condition=Q(status="waiting"),
                name="parcels_return_due_idx",
            ),
            models.Index(
                fields=["free_until"],
                condition=Q(status="waiting"),
                name="parcels_free_until_idx",
            ),
            models.Index(
                fields=["station", "carrier", "arrived_at", "id"],
                condition=Q(status="to_return"),
                name="parcels_to_return_idx",
            ),
            models.Index(
                fields=["station", "delivery_building", "delivery_office", "id"],
                condition=Q(status="for_delivery"),
                name="parcels_delivery_run_idx",
            ),
            # Scan-in at semester-start scale (bench/bench_parcels.py): the fill of a station's
            # layers read from the index alone, the codes taken under a "shelf-layer-" prefix
            # by a range scan, and the daily figures' parcels closed on a day.
            models.Index(
                fields=["station", "shelf", "layer"],
                condition=Q(status__in=["waiting", "to_return"]),
                name="parcels_stock_slot_idx",
            ),
            models.Index(
                fields=["station", "pickup_code"],
                opclasses=["int8_ops", "varchar_pattern_ops"],
                condition=Q(status="waiting"),
                name="parcels_code_prefix_idx",
            ),
            models.Index(
                fields=["closed_at"],
                condition=Q(closed_at__isnull=False),
                name="parcels_closed_idx",
            ),
        ]
        constraints = [
            # Idempotent scan-in: one parcel per tracking number in a station's care (waiting,
            # on the delivery run, or waiting for the carrier's courier).
            models.UniqueConstraint(
                fields=["station", "tracking_number"],
                condition=Q(status__in=["waiting", "to_return", "for_delivery"]),
                name="parcels_one_waiting_per_number",
            ),
            models.UniqueConstraint(
                fields=["station", "pickup_code"],
                condition=Q(status="waiting") & ~Q(pickup_code=""),
                name="parcels_code_unique_waiting",
            ),
        ]

    def __str__(self) -> str:
        return self.tracking_number

    def get_absolute_url(self) -> str:
        return reverse("parcels:detail", args=[self.pk])

    @property
    def slot(self) -> str:
        """Where the parcel lies: "8-3" (shelf and layer), or "" before it has a place."""
        if self.shelf_id is None:
            return ""
        return f"{self.shelf.number}-{self.layer}"

    @property
    def is_unknown_recipient(self) -> bool:
        return self.recipient_id is None


class ParcelEvent(QuickLoad, models.Model):
    """One entry of a parcel's timeline: scanned in, notified, reminded, moved, picked up …"""

    parcel = models.ForeignKey(
        Parcel, verbose_name=_("parcel"), on_delete=models.CASCADE, related_name="events"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    action = models.CharField(_("action"), max_length=32)
    from_status = models.CharField(_("from"), max_length=12, blank=True)
    to_status = models.CharField(_("to"), max_length=12, blank=True)
    note = models.TextField(_("note"), blank=True)
    data = models.JSONField(_("details"), default=dict, blank=True)
    created_at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        verbose_name = _("parcel event")
        verbose_name_plural = _("parcel events")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["parcel", "created_at"], name="parcels_event_idx")]

    def __str__(self) -> str:
        return f"{self.parcel_id} {self.action}"


class ParcelNotice(models.Model):
    """One arrival notice to one person at one station: the parcels scanned for them within
    the batching window are announced together when `send_at` comes (swept by beat)."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        on_delete=models.CASCADE,
        related_name="parcel_notices",
    )
    station = models.ForeignKey(
        Station, verbose_name=_("station"), on_delete=models.CASCADE, related_name="notices"
    )
    created_at = models.DateTimeField(_("first parcel at"), auto_now_add=True)
    send_at = models.DateTimeField(_("send at"))
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("arrival notice")
        verbose_name_plural = _("arrival notices")
        indexes = [
            models.Index(
                fields=["send_at"], condition=Q(sent_at__isnull=True), name="parcels_notice_due"
            ),
            models.Index(
                fields=["recipient", "station"],
                condition=Q(sent_at__isnull=True),
                name="parcels_notice_open",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.recipient_id}@{self.station_id} {self.send_at:%Y-%m-%d %H:%M}"


class Proxy(models.Model):
    """A recipient's authorisation for someone else to collect one parcel, or all parcels
    waiting on one day: a campus account, or a name with a one-time code."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        on_delete=models.CASCADE,
        related_name="parcel_proxies",
    )
    parcel = models.ForeignKey(
        Parcel,
        verbose_name=_("parcel"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="proxies",
        help_text=_("Empty: all of the recipient's parcels waiting on the valid day."),
    )
    valid_on = models.DateField(_("valid on"))
    proxy_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("collector's account"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="parcel_proxies_for_others",
    )
    proxy_name = models.CharField(_("collector's name"), max_length=100, blank=True)
    code = models.CharField(_("one-time code"), max_length=8, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    used_at = models.DateTimeField(_("used at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("pickup proxy")
        verbose_name_plural = _("pickup proxies")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["code", "valid_on"], name="parcels_proxy_code_idx")]

    def __str__(self) -> str:
        return self.collector_name

    @property
    def collector_name(self) -> str:
        return self.proxy_user.get_display_name() if self.proxy_user_id else self.proxy_name


class Pickup(QuickLoad, models.Model):
    """The proof of one handover: which parcels (Parcel.pickup), who collected them (the
    recipient or a proxy), how they were identified, which clerk, where and when."""

    class Method(models.TextChoices):
        CODE = "code", _("Pickup code")
        QR = "qr", _("QR code")
        PHONE = "phone", _("Phone digits")
        PROXY = "proxy", _("Proxy code")

    station = models.ForeignKey(
        Station, verbose_name=_("station"), on_delete=models.PROTECT, related_name="pickups"
    )
    clerk = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("clerk"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="parcel_pickups",
    )
    proxy = models.ForeignKey(
        Proxy,
        verbose_name=_("proxy"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="pickups",
    )
    method = models.CharField(_("identified by"), max_length=8, choices=Method.choices)
    collected_by_name = models.CharField(_("collected by"), max_length=150)
    photo = models.ImageField(_("photo"), upload_to="parcels/%Y/%m/", blank=True)
    created_at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        verbose_name = _("pickup")
        verbose_name_plural = _("pickups")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.collected_by_name} {self.created_at:%Y-%m-%d %H:%M}"

    @property
    def by_proxy(self) -> bool:
        return self.proxy_id is not None


class ReturnRecord(models.Model):
    """The proof of one return: the parcels (Parcel.return_record) a carrier's courier signed
    out of a station, when, the courier's name and the clerk who handed them over."""

    station = models.ForeignKey(
        Station, verbose_name=_("station"), on_delete=models.PROTECT, related_name="returns"
    )
    carrier = models.CharField(_("carrier"), max_length=10, choices=Carrier.choices)
    courier_name = models.CharField(_("courier"), max_length=100)
    clerk = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("clerk"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        verbose_name = _("return record")
        verbose_name_plural = _("return records")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["station", "-created_at"], name="parcels_return_rec_idx")]

    def __str__(self) -> str:
        return f"{self.get_carrier_display()} {self.courier_name} {self.created_at:%Y-%m-%d %H:%M}"


class DeliveryPreference(models.Model):
    """A recipient's consent on where their parcels go (快递市场管理办法 2024): collected at a
    station (everyone's default) or, for staff, delivered to their department's office. No row
    is the default; the row keeps when the person chose."""

    class Mode(models.TextChoices):
        STATION = "station", _("I collect my parcels at a station")
        OFFICE = "office", _("Deliver my parcels to my office")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        on_delete=models.CASCADE,
        related_name="parcel_preference",
    )
    mode = models.CharField(_("delivery"), max_length=8, choices=Mode.choices)
    building = models.ForeignKey(
        "logistics.Building",
        verbose_name=_("office building"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    office = models.CharField(_("office"), max_length=100, blank=True)
    chosen_at = models.DateTimeField(_("chosen at"), default=timezone.now)

    class Meta:
        verbose_name = _("delivery preference")
        verbose_name_plural = _("delivery preferences")
        constraints = [
            models.CheckConstraint(
                condition=Q(mode="station") | Q(building__isnull=False),
                name="parcels_office_needs_building",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.mode}"

    @property
    def delivers(self) -> bool:
        return self.mode == self.Mode.OFFICE and self.building_id is not None


class Delivery(models.Model):
    """The proof of one stop of the delivery run: the parcels (Parcel.delivery) a clerk brought
    to an office, who signed for them, when."""

    station = models.ForeignKey(
        Station, verbose_name=_("station"), on_delete=models.PROTECT, related_name="deliveries"
    )
    building = models.ForeignKey(
        "logistics.Building",
        verbose_name=_("building"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    office = models.CharField(_("office"), max_length=100, blank=True)
    clerk = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("clerk"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    signed_by_name = models.CharField(_("signed by"), max_length=100)
    created_at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.signed_by_name} {self.created_at:%Y-%m-%d %H:%M}"
