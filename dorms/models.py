"""Models of the dorms system: notices with their audience, attachments, reads and deliveries."""

import uuid

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from logistics.models.loading import QuickLoad
from logistics.roles import Role
from logistics.search import SearchIndex, SearchTokensField

from .querysets import NoticeQuerySet


class Kind(models.TextChoices):
    GENERAL = "general", _("General")
    OUTAGE = "outage", _("Outage")
    INSPECTION = "inspection", _("Inspection")
    SAFETY = "safety", _("Safety education")
    EMERGENCY = "emergency", _("Emergency")


class Utility(models.TextChoices):
    WATER = "water", _("Water")
    POWER = "power", _("Power")
    GAS = "gas", _("Gas")
    NETWORK = "network", _("Network")
    LIFT = "lift", _("Lift")
    HEATING = "heating", _("Heating")


class Audience(models.TextChoices):
    CAMPUS = "campus", _("The whole campus")
    BUILDINGS = "buildings", _("Buildings")
    FLOORS = "floors", _("Floors")
    ROOMS = "rooms", _("Rooms")
    ROLES = "roles", _("Roles")
    DEPARTMENTS = "departments", _("Departments")


class Notice(QuickLoad, models.Model):
    """A notice to residents or the campus (宿舍及楼宇信息); an outage names its utility, start
    and end. Title, body and kind are frozen once published: a correction is a new notice."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SCHEDULED = "scheduled", _("Scheduled")
        PUBLISHED = "published", _("Published")
        SUPERSEDED = "superseded", _("Corrected")

    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("body"), blank=True, help_text=_("Markdown: **bold**, lists, links."))
    title_en = models.CharField(_("English title"), max_length=200, blank=True)
    body_en = models.TextField(_("English text"), blank=True)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.GENERAL)
    utility = models.CharField(_("utility"), max_length=16, choices=Utility.choices, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.DRAFT
    )
    audience = models.CharField(
        _("audience"), max_length=16, choices=Audience.choices, default=Audience.BUILDINGS
    )
    campus = models.ForeignKey(
        "logistics.Campus",
        verbose_name=_("campus"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="dorm_notices",
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        on_delete=models.PROTECT,
        related_name="dorm_notices",
    )
    corrects = models.ForeignKey(
        "self",
        verbose_name=_("corrects"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="corrections",
    )
    withdraws = models.BooleanField(
        _("withdraws"), default=False, help_text=_("This correction calls the earlier notice off.")
    )
    publish_at = models.DateTimeField(_("publish at"), null=True, blank=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    valid_until = models.DateTimeField(_("valid until"), null=True, blank=True)
    pinned = models.BooleanField(_("pinned"), default=False)
    starts_at = models.DateTimeField(_("outage starts"), null=True, blank=True)
    ends_at = models.DateTimeField(_("outage ends"), null=True, blank=True)
    unplanned = models.BooleanField(
        _("emergency repair"),
        default=False,
        help_text=_("An unplanned outage may be announced while it happens."),
    )
    lead_time_reason = models.TextField(_("reason for short notice"), blank=True)
    requires_ack = models.BooleanField(_("requires acknowledgement"), default=False)
    ack_deadline = models.DateTimeField(_("acknowledge by"), null=True, blank=True)
    ack_reminded_at = models.DateTimeField(_("reminder sent at"), null=True, blank=True)
    ack_reported_at = models.DateTimeField(_("missing list sent at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    search_tokens = SearchTokensField(sources=("title", "body"))

    objects = NoticeQuerySet.as_manager()
    # On top of every list: pinned notices and emergencies. Lists show current notices, so an
    # emergency leaves the top when it expires. `on_top` is the same rule for one notice.
    ON_TOP = models.Q(pinned=True) | models.Q(kind=Kind.EMERGENCY)

    class Meta:
        verbose_name = _("notice")
        verbose_name_plural = _("notices")
        ordering = ["-published_at", "-id"]
        indexes = [
            SearchIndex(fields=["search_tokens"], name="dorms_notice_search"),
            models.Index(fields=["-published_at", "-id"], name="dorms_notice_published_idx"),
            models.Index(fields=["status", "publish_at"], name="dorms_notice_due_idx"),
            models.Index(fields=["kind", "starts_at", "ends_at"], name="dorms_notice_outage_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(kind="outage") | ~models.Q(utility=""),
                name="dorms_outage_has_utility",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("dorms:notice-detail", args=[self.pk])

    @property
    def is_outage(self) -> bool:
        return self.kind == Kind.OUTAGE

    @property
    def on_top(self) -> bool:
        return self.pinned or self.kind == Kind.EMERGENCY

    @property
    def is_frozen(self) -> bool:
        """Published (or corrected) notices keep their title, body and kind."""
        return self.status in (self.Status.PUBLISHED, self.Status.SUPERSEDED)

    @property
    def is_current(self) -> bool:
        now = timezone.now()
        return self.status == self.Status.PUBLISHED and (
            self.valid_until is None or self.valid_until > now
        )

    @property
    def is_active_outage(self) -> bool:
        now = timezone.now()
        return (
            self.is_outage
            and self.status == self.Status.PUBLISHED
            and self.starts_at is not None
            and self.starts_at <= now < (self.ends_at or now)
        )


class NoticeTarget(QuickLoad, models.Model):
    """One part of a notice's audience: the campus, a building, a floor of a building, a room,
    a role or a department. A notice reaches the union of its targets."""

    notice = models.ForeignKey(Notice, on_delete=models.CASCADE, related_name="targets")
    building = models.ForeignKey(
        "logistics.Building", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    floor = models.SmallIntegerField(null=True, blank=True)
    room = models.ForeignKey(
        "logistics.Room", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    role = models.CharField(max_length=32, choices=Role.choices, blank=True)
    department = models.ForeignKey(
        "logistics.Department", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )

    class Meta:
        verbose_name = _("notice target")
        verbose_name_plural = _("notice targets")
        indexes = [
            models.Index(fields=["building", "floor"], name="dorms_target_building_idx"),
            models.Index(fields=["room"], name="dorms_target_room_idx"),
        ]

    def __str__(self) -> str:
        if self.room_id:
            return str(self.room)
        if self.building_id and self.floor is not None:
            return _("%(building)s, floor %(floor)s") % {
                "building": self.building,
                "floor": self.floor,
            }
        if self.building_id:
            return str(self.building)
        if self.role:
            return str(Role(self.role).label)
        if self.department_id:
            return str(self.department)
        return str(_("The whole campus"))


def attachment_path(instance, filename: str) -> str:
    return f"dorms/notices/{uuid.uuid4().hex}{filename[filename.rfind('.') :]}"


class NoticeAttachment(QuickLoad, models.Model):
    """A PDF or image attached to a notice; checked by content and stored under a random name."""

    notice = models.ForeignKey(Notice, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(_("file"), upload_to=attachment_path, max_length=200)
    name = models.CharField(_("name"), max_length=200)
    content_type = models.CharField(max_length=64)
    size = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("dorms:attachment", args=[self.notice_id, self.pk])


class NoticeRead(QuickLoad, models.Model):
    """That a person read a notice (one row per person and notice), and acknowledged it."""

    notice = models.ForeignKey(Notice, on_delete=models.CASCADE, related_name="reads")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="dorm_notice_reads"
    )
    read_at = models.DateTimeField(_("read at"), default=timezone.now)
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    reminded_at = models.DateTimeField(_("reminded at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notice read")
        verbose_name_plural = _("notice reads")
        constraints = [
            models.UniqueConstraint(fields=["notice", "user"], name="dorms_read_once"),
        ]
        indexes = [models.Index(fields=["user", "notice"], name="dorms_read_user_idx")]

    def __str__(self) -> str:
        return f"{self.user_id} → {self.notice_id}"


class NoticeDelivery(models.Model):
    """The delivery of a published notice to its audience, in batches by a Celery task. The
    cursor (the last user id done) moves in the same transaction as a batch's notifications,
    so a worker killed halfway resumes where it stopped and sends nothing twice."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        DONE = "done", _("Done")

    notice = models.OneToOneField(Notice, on_delete=models.CASCADE, related_name="delivery")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    last_user_id = models.BigIntegerField(default=0)
    delivered = models.PositiveIntegerField(default=0)
    pushed = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("notice delivery")
        verbose_name_plural = _("notice deliveries")
        indexes = [models.Index(fields=["status", "updated_at"], name="dorms_delivery_relay_idx")]

    def __str__(self) -> str:
        return f"{self.notice_id} ({self.status})"


class ResidentPush(models.Model):
    """When a person last got a notice pushed (e-mail) rather than only in-app: general
    notices push at most once an hour per person."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", primary_key=True
    )
    pushed_at = models.DateTimeField()

    class Meta:
        verbose_name = _("resident push")
        verbose_name_plural = _("resident pushes")

    def __str__(self) -> str:
        return f"{self.user_id} @ {self.pushed_at}"


class AvoidedReport(models.Model):
    """A resident who saw an active outage on the repair form and did not file a report."""

    notice = models.ForeignKey(Notice, on_delete=models.CASCADE, related_name="avoided_reports")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("avoided repair report")
        verbose_name_plural = _("avoided repair reports")
        constraints = [
            models.UniqueConstraint(fields=["notice", "user"], name="dorms_avoided_once"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} → {self.notice_id}"


# Room inspections live in their sub-domain package; imported here so Django registers them.
from .inspections.models import Hazard, HazardKind, InspectionRound, RoomCheck  # noqa: E402

__all__ = [
    "Audience",
    "AvoidedReport",
    "Hazard",
    "HazardKind",
    "InspectionRound",
    "Kind",
    "Notice",
    "NoticeAttachment",
    "NoticeDelivery",
    "NoticeRead",
    "NoticeTarget",
    "ResidentPush",
    "RoomCheck",
    "Utility",
]
