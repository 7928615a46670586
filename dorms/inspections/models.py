"""Models of room inspections: a round over buildings, one check per room, hazards found."""

import uuid

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .querysets import HazardQuerySet, InspectionRoundQuerySet, RoomCheckQuerySet


class HazardKind(models.TextChoices):
    HIGH_POWER = "high_power", _("High-power appliance")
    SMOKING = "smoking", _("Smoking")
    BLOCKED_EXIT = "blocked_exit", _("Blocked exit or corridor")
    EXTENSION_CHAIN = "extension_chain", _("Chained extension leads")
    SMOKE_DETECTOR = "smoke_detector", _("Missing or broken smoke detector")
    OPEN_FLAME = "open_flame", _("Open flame (candles, incense)")
    WIRING = "wiring", _("Damaged wiring or socket")
    OTHER = "other", _("Other")


class InspectionRound(models.Model):
    """A fire-safety inspection round (高等学校消防安全管理规定: at least every quarter) over
    some buildings, on some dates, by named inspectors; residents get its notice."""

    title = models.CharField(_("title"), max_length=200)
    buildings = models.ManyToManyField(
        "logistics.Building", verbose_name=_("buildings"), related_name="inspection_rounds"
    )
    inspectors = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("inspectors"), related_name="inspection_rounds"
    )
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("until"))
    notice = models.ForeignKey(
        "dorms.Notice",
        verbose_name=_("notice"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    planned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("planned by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = InspectionRoundQuerySet.as_manager()

    class Meta:
        verbose_name = _("inspection round")
        verbose_name_plural = _("inspection rounds")
        ordering = ["-starts_on", "-id"]
        indexes = [models.Index(fields=["-starts_on", "-id"], name="dorms_round_start_idx")]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("dorms:inspection-detail", args=[self.pk])


class RoomCheck(models.Model):
    """What an inspector found in one room in one round: passed, or the hazards below."""

    round = models.ForeignKey(InspectionRound, on_delete=models.CASCADE, related_name="checks")
    room = models.ForeignKey(
        "logistics.Room", verbose_name=_("room"), on_delete=models.CASCADE, related_name="+"
    )
    building = models.ForeignKey(
        "logistics.Building", on_delete=models.CASCADE, related_name="+", editable=False
    )
    inspector = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("inspector"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    passed = models.BooleanField(_("passed"))
    note = models.CharField(_("note"), max_length=500, blank=True)
    checked_at = models.DateTimeField(_("checked at"), default=timezone.now)

    objects = RoomCheckQuerySet.as_manager()

    class Meta:
        verbose_name = _("room check")
        verbose_name_plural = _("room checks")
        constraints = [
            models.UniqueConstraint(fields=["round", "room"], name="dorms_check_once_per_round"),
        ]
        indexes = [models.Index(fields=["room", "-checked_at"], name="dorms_check_room_idx")]

    def __str__(self) -> str:
        return f"{self.room} ({self.round_id})"


def hazard_photo_path(instance, filename: str) -> str:
    return f"dorms/hazards/{uuid.uuid4().hex}{filename[filename.rfind('.') :]}"


class Hazard(models.Model):
    """A hazard found in a room, with a fix deadline: the residents confirm the fix, a re-check
    closes it (or sends it back). Overdue: still open after its deadline (workflow.py)."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        FIX_REPORTED = "fix_reported", _("Fix reported")
        CLOSED = "closed", _("Closed")

    room_check = models.ForeignKey(RoomCheck, on_delete=models.CASCADE, related_name="hazards")
    round = models.ForeignKey(InspectionRound, on_delete=models.CASCADE, related_name="hazards")
    room = models.ForeignKey("logistics.Room", on_delete=models.CASCADE, related_name="+")
    building = models.ForeignKey("logistics.Building", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(_("hazard"), max_length=32, choices=HazardKind.choices)
    note = models.CharField(_("note"), max_length=500, blank=True)
    photo = models.ImageField(_("photo"), upload_to=hazard_photo_path, max_length=200, blank=True)
    deadline = models.DateTimeField(_("fix by"))
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.OPEN
    )
    fixed_at = models.DateTimeField(_("fixed at"), null=True, blank=True)
    fixed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    repair_number = models.CharField(_("repair request"), max_length=32, blank=True)
    repair_url = models.CharField(max_length=200, blank=True)
    overdue_reported_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    objects = HazardQuerySet.as_manager()

    class Meta:
        verbose_name = _("hazard")
        verbose_name_plural = _("hazards")
        indexes = [
            models.Index(fields=["status", "deadline"], name="dorms_hazard_due_idx"),
            models.Index(fields=["room", "-created_at"], name="dorms_hazard_room_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.room}"

    def get_absolute_url(self) -> str:
        return reverse("dorms:hazard-detail", args=[self.pk])

    @property
    def is_overdue(self) -> bool:
        from .workflow import is_overdue

        return is_overdue(self)

    @property
    def fixed_on_time(self) -> bool:
        return self.fixed_at is not None and self.fixed_at <= self.deadline
