"""In-app notifications, per-user channel preferences, group-bot webhooks and the outbox."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models.fields.json import KeyTextTransform
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from .loading import QuickLoad


class Notification(QuickLoad, models.Model):
    """A message to one user, shown in the in-app list; written in the caller's transaction."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    kind = models.CharField(_("kind"), max_length=64, help_text=_("e.g. repairs.assigned"))
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("body"), blank=True)
    url = models.CharField(_("link"), max_length=500, blank=True)
    translations = models.JSONField(
        _("translations"),
        default=dict,
        blank=True,
        help_text=_("Title and body in every portal language: {language: {title, body}}."),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["recipient", "read_at"], name="notification_unread_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_read(self) -> bool:
        return self.read_at is not None

    def in_language(self, language: str | None = None) -> dict[str, str]:
        """{"title", "body"} in `language` (the active one when None), or as stored."""
        from logistics.i18n import pick

        texts = pick(self.translations, language or get_language())
        return {"title": texts.get("title") or self.title, "body": texts.get("body", self.body)}

    @property
    def localized_title(self) -> str:
        return self.in_language()["title"]

    @property
    def localized_body(self) -> str:
        return self.in_language()["body"]


class NotificationPreference(models.Model):
    """Which channels besides the in-app list a user wants, and whether e-mail comes as a digest."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="notification_preference",
    )
    email_enabled = models.BooleanField(_("e-mail"), default=True)
    daily_digest = models.BooleanField(
        _("daily digest"),
        default=False,
        help_text=_("Send one e-mail a day with everything new instead of one per notification."),
    )
    muted_kinds = models.JSONField(_("muted kinds"), default=list, blank=True)

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")

    def __str__(self) -> str:
        return str(self.user)


class WebhookEndpoint(models.Model):
    """A receiver of signed JSON: a group bot (WeCom/DingTalk style) hearing notifications of
    chosen kinds, and/or a school IT system hearing integration events of chosen types."""

    class Style(models.TextChoices):
        GENERIC = "generic", _("Generic JSON (signed)")
        DINGTALK = "dingtalk", _("DingTalk group robot")
        WECOM = "wecom", _("WeCom group robot")

    name = models.CharField(_("name"), max_length=100)
    url = models.URLField(_("URL"), max_length=500)
    style = models.CharField(
        _("message format"),
        max_length=16,
        choices=Style.choices,
        default=Style.GENERIC,
        help_text=_("DingTalk and WeCom robot URLs take their own message format."),
    )
    secret = models.CharField(_("signing secret"), max_length=128)
    kinds = models.JSONField(
        _("kinds"),
        default=list,
        blank=True,
        help_text=_("Notification kinds or prefixes (e.g. 'repairs.'); empty means all."),
    )
    department = models.ForeignKey(
        "logistics.Department",
        verbose_name=_("department"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="webhooks",
    )
    language = models.CharField(
        _("language"),
        max_length=16,
        choices=settings.LANGUAGES,
        default=settings.LANGUAGE_CODE,
        help_text=_("The language of the messages this group receives."),
    )
    notifications = models.BooleanField(
        _("receives notifications"),
        default=True,
        help_text=_("Send it the notifications of the kinds above (a group bot)."),
    )
    event_types = models.JSONField(
        _("event types"),
        default=list,
        blank=True,
        help_text=_(
            "Integration events it receives: types from the catalogue or prefixes "
            "(e.g. 'repairs.'); empty means none."
        ),
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="webhook_endpoints",
        help_text=_("Who manages it through the API and hears when it is switched off."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    consecutive_failures = models.PositiveIntegerField(
        _("failed deliveries in a row"), default=0, editable=False
    )
    disabled_at = models.DateTimeField(
        _("switched off automatically at"), null=True, blank=True, editable=False
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("webhook endpoint")
        verbose_name_plural = _("webhook endpoints")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class OutboxMessage(models.Model):
    """One delivery to make (an e-mail, a webhook call), written with the data it is about."""

    class Channel(models.TextChoices):
        EMAIL = "email", _("E-mail")
        WEBHOOK = "webhook", _("Webhook")
        DIGEST = "digest", _("Daily digest")
        SUPERVISION = "supervision", _("City supervision")
        EVENT = "event", _("Integration event")

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PENDING
    )
    notification = models.ForeignKey(
        Notification,
        verbose_name=_("notification"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="deliveries",
    )
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    endpoint = models.ForeignKey(
        WebhookEndpoint,
        verbose_name=_("webhook endpoint"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="deliveries",
    )
    payload = models.JSONField(_("payload"), default=dict)
    event_id = models.UUIDField(
        _("event id"),
        null=True,
        blank=True,
        help_text=_("The integration event delivered; a re-send carries the same id."),
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    published_at = models.DateTimeField(_("last published at"), null=True, blank=True)
    next_attempt_at = models.DateTimeField(_("next attempt at"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    response_status = models.PositiveSmallIntegerField(_("response status"), null=True, blank=True)
    response_body = models.TextField(
        _("response body"), blank=True, help_text=_("The start of the receiver's last answer.")
    )

    class Meta:
        verbose_name = _("outbox message")
        verbose_name_plural = _("outbox messages")
        ordering = ["created_at"]
        indexes = [
            models.Index(fields=["status", "published_at"], name="outbox_relay_idx"),
            # An endpoint's delivery log, newest first (the API's deliveries list).
            models.Index(fields=["endpoint", "-created_at", "-id"], name="outbox_endpoint_log_idx"),
            models.Index(fields=["event_id"], name="outbox_event_idx"),
        ]
        constraints = [
            # The city supervision push sends each day's document once (logistics.supervision).
            models.UniqueConstraint(
                KeyTextTransform("date", "payload"),
                condition=models.Q(channel="supervision"),
                name="outbox_supervision_day_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.channel} {self.id} ({self.status})"
