"""Repair work orders: categories with SLA targets, requests, their timeline, photos, dispatch."""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from logistics.models.loading import QuickLoad
from logistics.models.places import BilingualName, code_validator
from logistics.models.uploads import ListedPhotos
from logistics.search import SearchIndex, SearchTokensField

from .querysets import PHOTO_ORDER, RepairRequestQuerySet


class Trade(models.TextChoices):
    ELECTRICAL = "electrical", _("Electrical")
    PLUMBING = "plumbing", _("Plumbing")
    CARPENTRY = "carpentry", _("Doors, windows and furniture")
    HVAC = "hvac", _("Air conditioning and heating")
    NETWORK = "network", _("Network")
    GENERAL = "general", _("General")


class Category(BilingualName):
    """A kind of fault (水电, 门窗, 空调 …) in a tree; leaves carry the SLA targets."""

    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    code = models.CharField(_("code"), max_length=32, unique=True, validators=[code_validator])
    trade = models.CharField(
        _("trade"), max_length=16, choices=Trade.choices, default=Trade.GENERAL
    )
    description = models.TextField(_("description"), blank=True)
    department = models.ForeignKey(
        "logistics.Department",
        verbose_name=_("responsible unit"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="repair_categories",
    )
    response_hours = models.DecimalField(
        _("first response target (working hours)"), max_digits=6, decimal_places=2, default=4
    )
    completion_hours = models.DecimalField(
        _("completion target (working hours)"), max_digits=6, decimal_places=2, default=24
    )
    is_active = models.BooleanField(_("active"), default=True)
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("repair category")
        verbose_name_plural = _("repair categories")
        ordering = ["sort_order", "code"]

    def get_absolute_url(self) -> str:
        return reverse("repairs:create") + f"?category={self.pk}"


class CategoryQuestion(QuickLoad, models.Model):
    """An extra question a category asks when a request is filed (an Open311 attribute)."""

    class Kind(models.TextChoices):
        STRING = "string", _("Short text")
        NUMBER = "number", pgettext_lazy("question type", "Number")
        DATETIME = "datetime", _("Date and time")
        TEXT = "text", _("Long text")
        SINGLE = "singlevaluelist", _("Single choice")
        MULTI = "multivaluelist", _("Multiple choice")

    category = models.ForeignKey(
        Category, verbose_name=_("category"), on_delete=models.CASCADE, related_name="questions"
    )
    code = models.CharField(_("code"), max_length=32, validators=[code_validator])
    label = models.CharField(_("question"), max_length=200)
    label_en = models.CharField(_("question in English"), max_length=200, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.STRING)
    required = models.BooleanField(_("required"), default=False)
    choices = models.JSONField(
        _("choices"),
        default=list,
        blank=True,
        help_text=_('For choice questions: a list of {"key": "...", "name": "..."}.'),
    )
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("category question")
        verbose_name_plural = _("category questions")
        ordering = ["category_id", "sort_order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["category", "code"], name="question_code_per_category")
        ]

    def __str__(self) -> str:
        return self.localized_label

    @property
    def localized_label(self) -> str:
        if self.label_en and (get_language() or "").startswith("en"):
            return self.label_en
        return self.label


class RepairRequest(ListedPhotos, QuickLoad, models.Model):
    """One repair work order, from report to closing; its timeline is RepairEvent."""

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("Submitted")
        ACCEPTED = "accepted", _("Accepted")
        ASSIGNED = "assigned", _("Assigned")
        IN_PROGRESS = "in_progress", _("In progress")
        ON_HOLD = "on_hold", _("On hold")
        COMPLETED = "completed", _("Completed")
        CONFIRMED = "confirmed", _("Confirmed")
        CLOSED = "closed", _("Closed")
        REJECTED = "rejected", _("Rejected")
        CANCELLED = "cancelled", _("Cancelled")
        REOPENED = "reopened", _("Reopened")

    class Urgency(models.TextChoices):
        LOW = "low", _("Low")
        NORMAL = "normal", _("Normal")
        HIGH = "high", _("High")
        URGENT = "urgent", _("Urgent (safety)")

    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requester"),
        on_delete=models.PROTECT,
        related_name="repair_requests",
    )
    category = models.ForeignKey(
        Category, verbose_name=_("category"), on_delete=models.PROTECT, related_name="requests"
    )
    building = models.ForeignKey(
        "logistics.Building",
        verbose_name=_("building"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="repair_requests",
    )
    room = models.ForeignKey(
        "logistics.Room",
        verbose_name=_("room"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="repair_requests",
    )
    place_text = models.CharField(_("place"), max_length=200, blank=True)
    description = models.TextField(_("description"))
    urgency = models.CharField(
        _("urgency"), max_length=8, choices=Urgency.choices, default=Urgency.NORMAL
    )
    preferred_windows = models.CharField(_("preferred visit times"), max_length=200, blank=True)
    consent_to_enter = models.BooleanField(_("may enter while I am away"), default=False)
    contact_phone = models.CharField(_("contact phone"), max_length=32, blank=True)
    answers = models.JSONField(_("answers to the category's questions"), default=dict, blank=True)

    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.SUBMITTED, db_index=True
    )
    team = models.ForeignKey(
        "logistics.Department",
        verbose_name=_("team"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="repair_requests",
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("technician"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_repairs",
    )

    created_at = models.DateTimeField(_("submitted at"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    first_response_at = models.DateTimeField(_("first response at"), null=True, blank=True)
    assigned_at = models.DateTimeField(_("assigned at"), null=True, blank=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    # SLA: due times on the work calendar; a hold pauses the clock (pushes the due times back).
    response_due_at = models.DateTimeField(_("response due at"), null=True, blank=True)
    completion_due_at = models.DateTimeField(
        _("completion due at"), null=True, blank=True, db_index=True
    )
    on_hold_since = models.DateTimeField(_("on hold since"), null=True, blank=True)
    status_before_hold = models.CharField(max_length=16, blank=True, editable=False)
    reminder_sent_at = models.DateTimeField(_("reminder sent at"), null=True, blank=True)
    escalation_level = models.PositiveSmallIntegerField(_("escalation level"), default=0)
    escalated_at = models.DateTimeField(_("escalated at"), null=True, blank=True)
    reopen_count = models.PositiveSmallIntegerField(_("times reopened"), default=0)

    resolution_note = models.TextField(_("completion note"), blank=True)
    labour_minutes = models.PositiveIntegerField(_("labour (minutes)"), null=True, blank=True)
    materials = models.TextField(_("materials used"), blank=True)
    rejection_reason = models.TextField(_("reason"), blank=True)

    # The requester's rating, kept here until the reviews system adopts it.
    rating = models.PositiveSmallIntegerField(_("rating"), null=True, blank=True)
    rating_comment = models.TextField(_("rating comment"), blank=True)
    rated_at = models.DateTimeField(_("rated at"), null=True, blank=True)

    # The request's own searchable text (the place's room, building and the requester are
    # searched in their own tables: repairs.filters.RepairRequestFilterSet.search_fields).
    search_tokens = SearchTokensField(sources=("description", "place_text"))

    objects = RepairRequestQuerySet.as_manager()
    photo_order = PHOTO_ORDER  # photos_in_order when the list was not read with the row

    class Meta:
        verbose_name = _("repair request")
        verbose_name_plural = _("repair requests")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "completion_due_at"], name="repair_queue_idx"),
            models.Index(fields=["requester", "-created_at"], name="repair_requester_idx"),
            models.Index(fields=["assignee", "status"], name="repair_assignee_idx"),
            # The newest change (RepairRequestQuerySet.last_change; daily figures' changed days)
            models.Index(fields=["updated_at"], name="repair_updated_idx"),
            models.Index(fields=["room", "category", "created_at"], name="repair_repeat_idx"),
            # The dispatcher's queue: open requests, earliest due first. Partial, so the scan
            # never walks the finished ones (nearly all rows after a year). The statuses are
            # repairs.workflow.OPEN_STATUSES (a test holds the two together).
            models.Index(
                fields=["completion_due_at", "created_at", "id"],
                condition=models.Q(
                    status__in=[
                        "submitted",
                        "accepted",
                        "assigned",
                        "in_progress",
                        "on_hold",
                        "reopened",
                    ]
                ),
                name="repair_open_due_idx",
            ),
            SearchIndex(fields=["search_tokens"], name="repair_search_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(rating__isnull=True) | models.Q(rating__gte=1, rating__lte=5),
                name="repair_rating_1_to_5",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.category}"

    def get_absolute_url(self) -> str:
        return reverse("repairs:detail", args=[self.pk])

    @property
    def number(self) -> str:
        return f"R{self.pk:06d}" if self.pk else "R——"

    @property
    def place(self) -> str:
        if self.room_id:
            room = self.room
            # the request's building is its room's (filing sets it): no second look-up
            same = self.building_id == room.building_id and self.building_id is not None
            return f"{self.building if same else room.building} {room.number}"
        if self.building_id:
            return " ".join(p for p in (str(self.building), self.place_text) if p)
        return self.place_text

    # The rules live in repairs.workflow (it reads this model, so it is imported at call time).

    @property
    def is_open(self) -> bool:
        from repairs.workflow import OPEN_STATUSES

        return self.status in OPEN_STATUSES

    @property
    def is_overdue(self) -> bool:
        """Still open, its clock running (not on hold), past its completion due time."""
        from repairs.workflow import is_overdue

        return is_overdue(self)

    def allowed_actions(self, user) -> list[str]:
        """The actions `user` may take on this request now (repairs.workflow.TRANSITIONS)."""
        from repairs.workflow import TRANSITIONS

        return TRANSITIONS.allowed_actions(self, user)


class RepairEvent(ListedPhotos, QuickLoad, models.Model):
    """One entry of a request's timeline: who did what, when, with a note and photos."""

    photo_order = PHOTO_ORDER

    request = models.ForeignKey(
        RepairRequest, verbose_name=_("request"), on_delete=models.CASCADE, related_name="events"
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
    from_status = models.CharField(_("from"), max_length=16, blank=True)
    to_status = models.CharField(_("to"), max_length=16, blank=True)
    note = models.TextField(_("note"), blank=True)
    data = models.JSONField(_("details"), default=dict, blank=True)
    created_at = models.DateTimeField(_("at"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("repair event")
        verbose_name_plural = _("repair events")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.request_id} {self.action}"


class RepairFollower(models.Model):
    """Someone who follows a request they did not file (instead of reporting the same fault
    again): they are told of its progress."""

    repair = models.ForeignKey(
        RepairRequest, verbose_name=_("request"), on_delete=models.CASCADE, related_name="followers"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="followed_repairs",
    )
    created_at = models.DateTimeField(_("since"), auto_now_add=True)

    class Meta:
        verbose_name = _("follower")
        verbose_name_plural = _("followers")
        constraints = [
            models.UniqueConstraint(fields=["repair", "user"], name="repairs_follow_once"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} follows {self.repair_id}"


class RepairPhoto(QuickLoad, models.Model):
    """A photo of a request (the report or the completed work), stored under a generated name."""

    class Kind(models.TextChoices):
        REPORT = "report", _("Report")
        COMPLETION = "completion", _("Completion")
        OTHER = "other", _("Other")

    request = models.ForeignKey(
        RepairRequest, verbose_name=_("request"), on_delete=models.CASCADE, related_name="photos"
    )
    event = models.ForeignKey(
        RepairEvent,
        verbose_name=_("event"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="photos",
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.REPORT)
    image = models.ImageField(_("image"), upload_to="repairs/%Y/%m/")
    width = models.PositiveIntegerField(default=0, editable=False)
    height = models.PositiveIntegerField(default=0, editable=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("repair photo")
        verbose_name_plural = _("repair photos")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.request_id} {self.kind}"

    def get_absolute_url(self) -> str:
        return reverse("repairs:photo", args=[self.request_id, self.pk])


class DispatchRule(models.Model):
    """Chooses the default team or technician for new requests by category and place."""

    category = models.ForeignKey(
        Category,
        verbose_name=_("category"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="dispatch_rules",
        help_text=_("Empty: any category (a rule for a category also covers its subcategories)."),
    )
    campus = models.ForeignKey(
        "logistics.Campus",
        verbose_name=_("campus"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    building = models.ForeignKey(
        "logistics.Building",
        verbose_name=_("building"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    team = models.ForeignKey(
        "logistics.Department",
        verbose_name=_("team"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    technician = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("technician"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    priority = models.PositiveSmallIntegerField(
        _("priority"), default=100, help_text=_("Lower numbers are tried first.")
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("dispatch rule")
        verbose_name_plural = _("dispatch rules")
        ordering = ["priority", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(team__isnull=False) | models.Q(technician__isnull=False),
                name="dispatchrule_has_target",
                violation_error_message=_("Choose a team, a technician or both."),
            ),
        ]

    def __str__(self) -> str:
        target = self.technician or self.team
        return f"{self.category or '*'} @ {self.building or self.campus or '*'} → {target}"
