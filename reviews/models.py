"""Models of the reviews system: rateable subjects, service events, reviews, invitations,
follow-ups of low scores, complaints and suggestions, and the satisfaction index tables.

How the parts meet: another app registers an event type (``reviews.registry``) and records a
``ServiceEvent`` when it has served a person (a completed repair, a dish eaten on a date). The
event names the ``Subject``s it is about (the repair centre, the technician, the category …).
The person served may write one ``Review`` of it; an ``Invitation`` asks them once, with at most
one reminder. ``Complaint``s are filed against a subject and routed to a department. Celery beat
aggregates reviews, invitations and complaints into ``IndexRow``s that every page reads.
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from logistics.models.loading import QuickLoad
from logistics.models.places import BilingualName
from logistics.models.uploads import ListedPhotos
from logistics.search import SearchIndex, SearchTokensField

STARS = [MinValueValidator(1), MaxValueValidator(5)]


class Subject(BilingualName):
    """Something people rate or complain about: a service unit, a staff member, a canteen …

    ``ref`` is the id of the thing in its own app (a department's pk, a dish's pk, a category's
    code), so one subject row stands for it across every event type.
    """

    class Kind(models.TextChoices):
        CAMPUS = "campus", _("Whole campus")
        UNIT = "unit", _("Service unit")
        STAFF = "staff", _("Staff member")
        CANTEEN = "canteen", _("Canteen")
        WINDOW = "window", _("Window")
        DISH = "dish", _("Dish")
        CATEGORY = "category", _("Category")

    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    ref = models.CharField(_("reference"), max_length=64)
    # The department answerable for it: complaints are routed there, its staff see its scores.
    department = models.ForeignKey(
        "logistics.Department",
        verbose_name=_("responsible department"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="review_subjects",
    )
    # For staff subjects: the staff member, who sees their own scores.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("staff member"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="review_subjects",
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("rated subject")
        verbose_name_plural = _("rated subjects")
        ordering = ["kind", "name"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "ref"], name="reviews_subject_kind_ref"),
        ]


class ServiceEvent(QuickLoad, models.Model):
    """One service given to one person: what may be reviewed, once, by that person only."""

    event_type = models.CharField(_("event type"), max_length=64)
    source_id = models.CharField(_("source id"), max_length=64)
    served = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person served"),
        on_delete=models.CASCADE,
        related_name="service_events",
    )
    occurred_at = models.DateTimeField(_("served at"))
    title = models.CharField(_("title"), max_length=200)
    title_en = models.CharField(_("English title"), max_length=200, blank=True)
    url = models.CharField(_("link"), max_length=300, blank=True)
    department = models.ForeignKey(
        "logistics.Department",
        verbose_name=_("service unit"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="service_events",
    )
    subjects = models.ManyToManyField(
        Subject, verbose_name=_("rated subjects"), related_name="events", blank=True
    )
    # False where the app only knows the person says they were served (a dish eaten).
    verified = models.BooleanField(_("verified"), default=True)
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("service event")
        verbose_name_plural = _("service events")
        ordering = ["-occurred_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["event_type", "source_id", "served"], name="reviews_event_once_per_person"
            ),
        ]
        indexes = [models.Index(fields=["served", "-occurred_at"], name="reviews_event_served")]

    def __str__(self) -> str:
        return self.localized_title

    @property
    def localized_title(self) -> str:
        """The title in the active language (the English one where the app gave one)."""
        if self.title_en and (get_language() or "").startswith("en"):
            return self.title_en
        return self.title


class Invitation(models.Model):
    """Asks the person served to review an event: once, after a delay, at most one reminder.

    The due times are columns swept by beat (no long countdown tasks). An invitation nobody
    answers stays unanswered: it counts against the response rate, never as a rating.
    """

    event = models.OneToOneField(
        ServiceEvent, verbose_name=_("event"), on_delete=models.CASCADE, related_name="invitation"
    )
    send_at = models.DateTimeField(_("send at"))
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    remind_at = models.DateTimeField(_("remind at"), null=True, blank=True)
    reminded_at = models.DateTimeField(_("reminded at"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires at"))
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)

    class Meta:
        verbose_name = _("review invitation")
        verbose_name_plural = _("review invitations")
        ordering = ["-send_at"]
        indexes = [
            models.Index(
                fields=["send_at"], name="reviews_invite_due", condition=Q(sent_at__isnull=True)
            ),
            models.Index(
                fields=["remind_at"],
                name="reviews_remind_due",
                condition=Q(reminded_at__isnull=True, answered_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event_id} @ {self.send_at:%Y-%m-%d %H:%M}"


class ReviewQuerySet(models.QuerySet):
    def visible(self) -> "ReviewQuerySet":
        return self.filter(is_hidden=False)


class Review(ListedPhotos, QuickLoad, models.Model):
    """The person served's rating of one event: stars, dimension scores, a comment, photos."""

    # One review per event, and an event belongs to one person: enforced by the database.
    event = models.OneToOneField(
        ServiceEvent, verbose_name=_("event"), on_delete=models.CASCADE, related_name="review"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        on_delete=models.CASCADE,
        related_name="reviews",
    )
    event_type = models.CharField(_("event type"), max_length=64)  # copied for aggregation
    stars = models.PositiveSmallIntegerField(_("stars"), validators=STARS)
    scores = models.JSONField(_("scores"), default=dict, blank=True)  # {dimension key: 1–5}
    comment = models.TextField(_("comment"), blank=True)
    anonymous = models.BooleanField(
        _("anonymous to staff"),
        default=False,
        help_text=_("Staff do not see your name; administrators can for abuse handling."),
    )
    created_at = models.DateTimeField(_("rated at"), db_index=True)
    updated_at = models.DateTimeField(_("updated at"))
    editable_until = models.DateTimeField(_("editable until"))
    is_hidden = models.BooleanField(_("hidden"), default=False)
    hidden_reason = models.CharField(_("reason for hiding"), max_length=300, blank=True)
    hidden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("hidden by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    hidden_at = models.DateTimeField(_("hidden at"), null=True, blank=True)

    objects = ReviewQuerySet.as_manager()

    class Meta:
        verbose_name = _("review")
        verbose_name_plural = _("reviews")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(stars__gte=1, stars__lte=5), name="reviews_review_stars_1_to_5"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event_id}: {self.stars}★"

    def get_absolute_url(self) -> str:
        return reverse("reviews:review-detail", args=[self.pk])


class ReviewPhoto(QuickLoad, models.Model):
    """A photo of a review (at most three), re-encoded and stored under a generated name."""

    review = models.ForeignKey(
        Review, verbose_name=_("review"), on_delete=models.CASCADE, related_name="photos"
    )
    image = models.ImageField(_("image"), upload_to="reviews/%Y/%m/")
    width = models.PositiveIntegerField(default=0, editable=False)
    height = models.PositiveIntegerField(default=0, editable=False)
    created_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("review photo")
        verbose_name_plural = _("review photos")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.review_id} {self.pk}"

    def get_absolute_url(self) -> str:
        return reverse("reviews:review-photo", args=[self.review_id, self.pk])


class Moderation(models.Model):
    """A record of a moderator hiding or showing again a review, with the reason."""

    class Action(models.TextChoices):
        HIDE = "hide", _("Hidden")
        SHOW = "show", _("Shown again")

    review = models.ForeignKey(
        Review, verbose_name=_("review"), on_delete=models.CASCADE, related_name="moderations"
    )
    action = models.CharField(_("action"), max_length=8, choices=Action.choices)
    reason = models.CharField(_("reason"), max_length=300)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("moderator"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        verbose_name = _("moderation")
        verbose_name_plural = _("moderations")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.review_id} {self.action}"


class FollowUp(QuickLoad, models.Model):
    """A call-back owed to a person who gave a low score (a repair rated 2 stars or fewer)."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        DONE = "done", _("Done")

    review = models.OneToOneField(
        Review, verbose_name=_("review"), on_delete=models.CASCADE, related_name="follow_up"
    )
    department = models.ForeignKey(
        "logistics.Department",
        verbose_name=_("department"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="review_follow_ups",
    )
    role = models.CharField(_("handled by role"), max_length=32)  # e.g. repair_dispatcher
    status = models.CharField(
        _("status"), max_length=8, choices=Status.choices, default=Status.OPEN
    )
    note = models.TextField(_("outcome"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("done by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("follow-up")
        verbose_name_plural = _("follow-ups")
        ordering = ["status", "-created_at"]

    def __str__(self) -> str:
        return f"{self.review_id} {self.status}"

    def get_absolute_url(self) -> str:
        return reverse("reviews:follow-up-detail", args=[self.pk])


class ComplaintPolicy(models.Model):
    """Deadlines of complaints routed to one department; departments without a row use the
    settings' defaults (REVIEWS_COMPLAINT_ACKNOWLEDGE_HOURS, REVIEWS_COMPLAINT_RESOLVE_HOURS)."""

    department = models.OneToOneField(
        "logistics.Department",
        verbose_name=_("department"),
        on_delete=models.CASCADE,
        related_name="complaint_policy",
    )
    acknowledge_hours = models.PositiveIntegerField(
        _("hours to acknowledge"), default=24, validators=[MinValueValidator(1)]
    )
    resolve_hours = models.PositiveIntegerField(
        _("hours to resolve"), default=72, validators=[MinValueValidator(1)]
    )

    class Meta:
        verbose_name = _("complaint deadlines")
        verbose_name_plural = _("complaint deadlines")

    def __str__(self) -> str:
        return f"{self.department}: {self.acknowledge_hours} h / {self.resolve_hours} h"


class Complaint(QuickLoad, models.Model):
    """A complaint or suggestion, routed to a department, followed until the author confirms."""

    class Kind(models.TextChoices):
        COMPLAINT = "complaint", _("Complaint")
        SUGGESTION = "suggestion", _("Suggestion")

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("Submitted")
        ACKNOWLEDGED = "acknowledged", pgettext_lazy("complaint", "Acknowledged")
        RESOLVED = "resolved", _("Resolved, awaiting confirmation")
        CLOSED = "closed", _("Closed")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    OPEN_STATUSES = (Status.SUBMITTED, Status.ACKNOWLEDGED)

    number = models.CharField(_("number"), max_length=20, unique=True)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("filed by"),
        on_delete=models.CASCADE,
        related_name="complaints",
    )
    subject = models.ForeignKey(
        Subject,
        verbose_name=_("about"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="complaints",
    )
    event = models.ForeignKey(
        ServiceEvent,
        verbose_name=_("service event"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="complaints",
    )
    department = models.ForeignKey(
        "logistics.Department",
        verbose_name=_("routed to"),
        on_delete=models.PROTECT,
        related_name="complaints",
    )
    title = models.CharField(_("title"), max_length=120)
    body = models.TextField(_("details"))
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.SUBMITTED
    )
    # The author agrees to show it, without their name, on the "you said, we did" board.
    public_ok = models.BooleanField(
        _("may be shown anonymously on the public board"), default=False
    )
    created_at = models.DateTimeField(_("filed at"), db_index=True)
    updated_at = models.DateTimeField(_("updated at"))
    acknowledge_due_at = models.DateTimeField(_("acknowledge by"))
    resolve_due_at = models.DateTimeField(_("resolve by"))
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    reopen_count = models.PositiveSmallIntegerField(_("times reopened"), default=0)
    # 0: not escalated; 1: overdue, the logistics managers are told; 2: reopened twice.
    escalation_level = models.PositiveSmallIntegerField(_("escalation level"), default=0)
    escalated_at = models.DateTimeField(_("escalated at"), null=True, blank=True)
    satisfaction = models.PositiveSmallIntegerField(
        _("satisfaction with the handling"), null=True, blank=True, validators=STARS
    )
    satisfaction_comment = models.TextField(_("comment on the handling"), blank=True)
    search_tokens = SearchTokensField(sources=("title", "body"))

    class Meta:
        verbose_name = _("complaint or suggestion")
        verbose_name_plural = _("complaints and suggestions")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(satisfaction__isnull=True)
                | Q(satisfaction__gte=1, satisfaction__lte=5),
                name="reviews_complaint_satisfaction_1_to_5",
            ),
        ]
        indexes = [
            models.Index(
                fields=["acknowledge_due_at"],
                name="reviews_complaint_ack_due",
                condition=Q(acknowledged_at__isnull=True, status="submitted"),
            ),
            models.Index(
                fields=["resolve_due_at"],
                name="reviews_complaint_resolve_due",
                condition=Q(status__in=["submitted", "acknowledged"]),
            ),
            models.Index(fields=["department", "status"], name="reviews_complaint_dept"),
            SearchIndex(fields=["search_tokens"], name="reviews_complaint_search_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("reviews:complaint-detail", args=[self.pk])

    # The rules live in reviews.complaints.workflow (it reads this model: imported at call time).

    @property
    def is_overdue(self) -> bool:
        from reviews.complaints.workflow import is_overdue

        return is_overdue(self)

    def allowed_actions(self, user) -> list[str]:
        """The steps `user` may take on this complaint now (the workflow's TRANSITIONS)."""
        from reviews.complaints.workflow import TRANSITIONS

        return TRANSITIONS.allowed_actions(self, user)


class ComplaintEntry(QuickLoad, models.Model):
    """One step in a complaint's timeline: filed, acknowledged, a reply, resolved, reopened …

    Replies are entries with ``action="reply"``; ``is_public`` ones may appear on the board.
    """

    complaint = models.ForeignKey(
        Complaint, verbose_name=_("complaint"), on_delete=models.CASCADE, related_name="entries"
    )
    action = models.CharField(_("action"), max_length=24)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    note = models.TextField(_("note"), blank=True)
    is_public = models.BooleanField(_("public"), default=False)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        verbose_name = _("complaint entry")
        verbose_name_plural = _("complaint entries")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.complaint_id} {self.action}"


class IndexRow(models.Model):
    """Satisfaction of one subject over one day, week or month, written by beat.

    Pages and exports read only these rows; nothing is computed from reviews on page load.
    ``event_type`` is "" for all event types together.
    """

    class Period(models.TextChoices):
        DAY = "day", _("Day")
        WEEK = "week", _("Week")
        MONTH = "month", _("Month")

    subject = models.ForeignKey(
        Subject, verbose_name=_("subject"), on_delete=models.CASCADE, related_name="index_rows"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Subject.Kind.choices)  # copied
    event_type = models.CharField(_("event type"), max_length=64, blank=True)
    period = models.CharField(_("period"), max_length=8, choices=Period.choices)
    period_start = models.DateField(_("from"))
    reviews = models.PositiveIntegerField(_("reviews"), default=0)
    stars_sum = models.PositiveIntegerField(default=0)
    mean = models.FloatField(_("mean"), null=True)
    adjusted_mean = models.FloatField(_("adjusted mean"), null=True)
    satisfied = models.PositiveIntegerField(_("satisfied (4–5 stars)"), default=0)
    satisfied_share = models.FloatField(_("share satisfied"), null=True)
    invitations = models.PositiveIntegerField(_("invitations"), default=0)
    responses = models.PositiveIntegerField(_("answered invitations"), default=0)
    response_rate = models.FloatField(_("response rate"), null=True)
    complaints = models.PositiveIntegerField(_("complaints"), default=0)
    complaints_closed = models.PositiveIntegerField(_("complaints closed"), default=0)
    complaints_in_time = models.PositiveIntegerField(_("closed within deadline"), default=0)
    dimension_means = models.JSONField(_("dimension means"), default=dict, blank=True)
    computed_at = models.DateTimeField(_("computed at"))

    class Meta:
        verbose_name = _("satisfaction index row")
        verbose_name_plural = _("satisfaction index rows")
        ordering = ["-period_start", "kind"]
        constraints = [
            models.UniqueConstraint(
                fields=["subject", "event_type", "period", "period_start"],
                name="reviews_index_row_unique",
            ),
        ]
        indexes = [
            # Rankings: one kind, one period, ordered by score.
            models.Index(
                fields=["kind", "event_type", "period", "period_start", "adjusted_mean"],
                name="reviews_index_ranking",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.subject_id} {self.period} {self.period_start}"
