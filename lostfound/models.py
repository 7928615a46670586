"""Lost and found: categories, desks, found items (with hidden traits), photos, lost reports and
the item's timeline."""

from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from logistics.models.loading import QuickLoad
from logistics.models.places import BilingualName, code_validator
from logistics.models.uploads import ListedPhotos
from logistics.search import SearchIndex, SearchTokensField

from .querysets import (
    ClaimQuerySet,
    DisposalQuerySet,
    FoundItemQuerySet,
    LostReportQuerySet,
    MatchQuerySet,
)


class Category(BilingualName):
    """A kind of item (校园卡/证件, 钥匙, 手机/电子产品 …); managers edit the list."""

    code = models.CharField(_("code"), max_length=32, unique=True, validators=[code_validator])
    is_campus_card = models.BooleanField(
        _("campus card or ID"),
        default=False,
        help_text=_("Items of this kind notify their owner directly and are never posted."),
    )
    is_valuable = models.BooleanField(
        _("valuable"),
        default=False,
        help_text=_("A second desk person confirms intake and handover."),
    )
    holding_days = models.PositiveIntegerField(
        _("holding period (days)"),
        default=90,
        help_text=_("Days the desk keeps an unclaimed item before it goes on the disposal list."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("lost-and-found category")
        verbose_name_plural = _("lost-and-found categories")
        ordering = ["sort_order", "code"]

    def holding_end(self, start: datetime) -> datetime:
        """The end of the campus holding period of an item whose notice was published at
        `start` (a perishable category: 1 day, thrown away after 24 h)."""
        return start + timedelta(days=self.holding_days)


class Desk(BilingualName):
    """A lost-and-found desk (失物招领处): where items are kept; its staff are scoped to it
    through their `lostfound_desk` StaffScope on its department."""

    code = models.CharField(_("code"), max_length=16, unique=True, validators=[code_validator])
    department = models.OneToOneField(
        "logistics.Department",
        verbose_name=_("unit"),
        on_delete=models.PROTECT,
        related_name="lostfound_desk",
    )
    building = models.ForeignKey(
        "logistics.Building",
        verbose_name=_("building"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="lostfound_desks",
    )
    location = models.CharField(_("where"), max_length=100, blank=True)
    opening_hours = models.CharField(_("opening hours"), max_length=100, blank=True)
    next_label = models.PositiveIntegerField(_("next label number"), default=1, editable=False)

    class Meta:
        verbose_name = _("lost-and-found desk")
        verbose_name_plural = _("lost-and-found desks")
        ordering = ["code"]

    @property
    def where(self) -> str:
        """ "失物招领处，图书馆一楼，开放时间 8:30–17:00" in the active language."""
        from logistics.i18n import is_chinese

        comma = "，" if is_chinese() else ", "
        parts = [self.localized_name, self.location]
        if self.opening_hours:
            parts.append(str(_("open %(hours)s") % {"hours": self.opening_hours}))
        return comma.join(str(p) for p in parts if p)


class FoundItem(ListedPhotos, QuickLoad, models.Model):
    """A found item, from its report (or the desk's intake) to its return or disposal.

    `hidden_traits` is what only the owner would know; only the item's desk ever reads it.
    `owner_campus_id` is a campus card's or ID's number; everyone but the desk sees it masked.
    """

    class Status(models.TextChoices):
        REPORTED = "reported", _("Reported by the finder")
        INTAKE_PENDING = "intake_pending", _("At the desk, awaiting a second confirmation")
        STORED = "stored", _("At the desk")
        RETURNED = "returned", _("Returned to its owner")
        DISPOSED = "disposed", _("Disposed of")

    class Custody(models.TextChoices):
        DESK = "desk", _("Handed to a desk")
        FINDER = "finder", _("Kept by the finder")

    finder = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("finder"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="found_items",
    )
    category = models.ForeignKey(
        Category, verbose_name=_("category"), on_delete=models.PROTECT, related_name="found_items"
    )
    description = models.CharField(_("public description"), max_length=200)
    hidden_traits = models.TextField(
        _("hidden traits"),
        blank=True,
        help_text=_(
            "What only the owner would know: the lock-screen picture, what is inside, a scratch,"
            " a sticker. Only the desk sees this."
        ),
    )
    owner_campus_id = models.CharField(
        _("campus ID on the card"),
        max_length=32,
        blank=True,
        help_text=_("For a campus card or ID: the student or staff number (学号/工号) on it."),
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="lostfound_items_owned",
        help_text=_("Known from the campus ID on a card, or from an approved claim."),
    )
    building = models.ForeignKey(
        "logistics.Building",
        verbose_name=_("building"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="found_items",
    )
    place_text = models.CharField(_("where found"), max_length=200, blank=True)
    found_at = models.DateTimeField(_("found at"))
    custody = models.CharField(
        _("where it is now"), max_length=8, choices=Custody.choices, default=Custody.DESK
    )
    # The desk that answers for the item (its claims, its register), also when the finder
    # keeps it.
    desk = models.ForeignKey(
        Desk, verbose_name=_("desk"), on_delete=models.PROTECT, related_name="items"
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.REPORTED
    )
    is_public = models.BooleanField(_("on the public board"), default=True)

    label = models.CharField(_("storage label"), max_length=32, blank=True)
    storage_place = models.CharField(_("storage place"), max_length=100, blank=True)
    stored_at = models.DateTimeField(_("stored at"), null=True, blank=True)
    intake_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("taken in by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    intake_confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("intake confirmed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    notice_published_at = models.DateTimeField(_("notice published at"), null=True, blank=True)
    # The legal clock: the end of the campus holding period (set when the item is filed, from
    # its category), when beat put it on the disposal list, and whether its finder asked for
    # it back should nobody claim it.
    holding_until = models.DateTimeField(_("held on campus until"), null=True, blank=True)
    disposal_listed_at = models.DateTimeField(
        _("on the disposal list since"), null=True, blank=True
    )
    finder_wants_it = models.BooleanField(_("the finder wants it back if unclaimed"), default=False)

    created_at = models.DateTimeField(_("reported at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    # Never hidden_traits nor owner_campus_id: the board's search must not find by them.
    search_tokens = SearchTokensField(sources=("description", "place_text"))

    objects = FoundItemQuerySet.as_manager()

    class Meta:
        verbose_name = _("found item")
        verbose_name_plural = _("found items")
        ordering = ["-created_at", "-id"]
        indexes = [
            SearchIndex(fields=["search_tokens"], name="lostfound_found_search"),
            models.Index(fields=["-created_at", "-id"], name="lostfound_found_new_idx"),
            models.Index(fields=["desk", "status", "stored_at"], name="lostfound_found_desk_idx"),
            models.Index(fields=["finder", "-created_at"], name="lostfound_found_finder_idx"),
            # the matching candidates of a lost report: one category, found in its window,
            # soonest first (lostfound.matching.items_for)
            models.Index(fields=["category", "found_at", "id"], name="lostfound_found_match_idx"),
            models.Index(
                fields=["holding_until", "id"],
                condition=models.Q(status__in=["reported", "intake_pending", "stored"]),
                name="lostfound_found_holding_idx",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["label"], condition=~models.Q(label=""), name="lostfound_label_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.category}"

    def get_absolute_url(self) -> str:
        return reverse("lostfound:found-detail", args=[self.pk])

    @property
    def number(self) -> str:
        return f"F{self.pk:06d}" if self.pk else "F——"

    @property
    def place(self) -> str:
        return " ".join(p for p in (str(self.building or ""), self.place_text) if p)

    @property
    def masked_campus_id(self) -> str:
        return mask_campus_id(self.owner_campus_id)

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_ITEM_STATUSES

    @property
    def clock_start(self) -> datetime:
        """When the holding period started: the notice's publication (a campus card, never
        posted, from its report)."""
        return self.notice_published_at or self.created_at

    @property
    def state_property_on(self) -> date | None:
        """民法典 Art. 318: unclaimed one year after its notice was published, the item belongs
        to the state. None without a published notice."""
        if not self.notice_published_at:
            return None
        return one_year_after(timezone.localdate(self.notice_published_at))

    @property
    def is_past_holding(self) -> bool:
        return bool(self.holding_until and self.holding_until <= timezone.now())


OPEN_ITEM_STATUSES = (
    FoundItem.Status.REPORTED,
    FoundItem.Status.INTAKE_PENDING,
    FoundItem.Status.STORED,
)


def one_year_after(day: date) -> date:
    """The same day a year later (29 February: 28 February)."""
    try:
        return day.replace(year=day.year + 1)
    except ValueError:
        return day.replace(year=day.year + 1, day=28)


def mask_campus_id(number: str) -> str:
    """The last four digits of a card's number, the rest as stars ("****1234")."""
    number = (number or "").strip()
    if not number:
        return ""
    return "*" * max(len(number) - 4, 4) + number[-4:]


def photo_path(instance, filename: str) -> str:
    return f"lostfound/{filename}"


class FoundItemPhoto(QuickLoad, models.Model):
    """A photo of a found item, re-encoded through logistics.uploads, under a generated name."""

    item = models.ForeignKey(
        FoundItem, verbose_name=_("item"), on_delete=models.CASCADE, related_name="photos"
    )
    image = models.ImageField(_("photo"), upload_to=photo_path)
    created_at = models.DateTimeField(_("added at"), auto_now_add=True)

    class Meta:
        verbose_name = _("found item photo")
        verbose_name_plural = _("found item photos")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.item_id} {self.image.name}"

    def get_absolute_url(self) -> str:
        return reverse("lostfound:found-photo", args=[self.item_id, self.pk])


class FoundItemEvent(QuickLoad, models.Model):
    """One entry of an item's timeline: who did what, when (intake, confirmation, return …)."""

    item = models.ForeignKey(
        FoundItem, verbose_name=_("item"), on_delete=models.CASCADE, related_name="events"
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
    note = models.TextField(_("note"), blank=True)
    data = models.JSONField(_("details"), default=dict, blank=True)
    created_at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        verbose_name = _("found item event")
        verbose_name_plural = _("found item events")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.item_id} {self.action}"


class LostReport(QuickLoad, models.Model):
    """An owner's report of a lost item; matched against found items."""

    class Status(models.TextChoices):
        OPEN = "open", _("Looking for it")
        FOUND = "found", _("Found")
        CLOSED = "closed", _("Closed")

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.CASCADE,
        related_name="lost_reports",
    )
    category = models.ForeignKey(
        Category, verbose_name=_("category"), on_delete=models.PROTECT, related_name="lost_reports"
    )
    description = models.TextField(_("description"), max_length=1000)
    building = models.ForeignKey(
        "logistics.Building",
        verbose_name=_("building"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="lost_reports",
    )
    place_text = models.CharField(_("where lost"), max_length=200, blank=True)
    lost_from = models.DateTimeField(_("lost at the earliest"))
    lost_until = models.DateTimeField(_("lost at the latest"))
    photo = models.ImageField(_("photo"), upload_to=photo_path, blank=True)
    status = models.CharField(
        _("status"), max_length=8, choices=Status.choices, default=Status.OPEN
    )
    created_at = models.DateTimeField(_("reported at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    search_tokens = SearchTokensField(sources=("description", "place_text"))

    objects = LostReportQuerySet.as_manager()

    class Meta:
        verbose_name = _("lost report")
        verbose_name_plural = _("lost reports")
        ordering = ["-created_at", "-id"]
        indexes = [
            SearchIndex(fields=["search_tokens"], name="lostfound_lost_search"),
            models.Index(fields=["owner", "-created_at"], name="lostfound_lost_owner_idx"),
            models.Index(fields=["category", "status"], name="lostfound_lost_open_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(lost_from__lte=models.F("lost_until")),
                name="lostfound_lost_window",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.category}"

    def get_absolute_url(self) -> str:
        return reverse("lostfound:lost-detail", args=[self.pk])

    @property
    def number(self) -> str:
        return f"L{self.pk:06d}" if self.pk else "L——"

    @property
    def place(self) -> str:
        return " ".join(p for p in (str(self.building or ""), self.place_text) if p)


class Match(QuickLoad, models.Model):
    """A proposed pairing of a lost report with a found item; a declined one is never proposed
    again (one row per pair)."""

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("Proposed")
        DECLINED = "declined", _("Not mine")
        CLAIMED = "claimed", _("Claimed")

    lost_report = models.ForeignKey(
        LostReport, verbose_name=_("lost report"), on_delete=models.CASCADE, related_name="matches"
    )
    found_item = models.ForeignKey(
        FoundItem, verbose_name=_("found item"), on_delete=models.CASCADE, related_name="matches"
    )
    score = models.FloatField(_("score"))
    status = models.CharField(
        _("status"), max_length=8, choices=Status.choices, default=Status.PROPOSED
    )
    created_at = models.DateTimeField(_("proposed at"), auto_now_add=True)

    objects = MatchQuerySet.as_manager()

    class Meta:
        verbose_name = _("match")
        verbose_name_plural = _("matches")
        ordering = ["-score", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["lost_report", "found_item"], name="lostfound_match_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.lost_report_id} ~ {self.found_item_id} ({self.score:.2f})"


class Claim(QuickLoad, models.Model):
    """An owner's claim of a found item: their answers to the hidden-trait questions, the desk's
    decision, and the one-time handover code."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for the desk")
        APPROVED = "approved", _("Approved: collect it")
        REJECTED = "rejected", _("Rejected")
        HANDOVER_PENDING = "handover_pending", _("Handover awaiting a second desk person")
        HANDED_OVER = "handed_over", _("Handed over")

    item = models.ForeignKey(
        FoundItem, verbose_name=_("item"), on_delete=models.CASCADE, related_name="claims"
    )
    claimant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("claimant"),
        on_delete=models.CASCADE,
        related_name="lostfound_claims",
    )
    category = models.ForeignKey(
        Category, verbose_name=_("category"), on_delete=models.PROTECT, related_name="claims"
    )
    answers = models.TextField(_("answers in the claimant's words"), max_length=2000)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PENDING
    )
    reason = models.TextField(_("reason"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    handover_code = models.CharField(_("handover code"), max_length=8, blank=True)
    handed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("handed over by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    second_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("confirmed by (second person)"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    handover_method = models.CharField(_("proof"), max_length=16, blank=True)
    handed_over_at = models.DateTimeField(_("handed over at"), null=True, blank=True)
    created_at = models.DateTimeField(_("claimed at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = ClaimQuerySet.as_manager()

    class Meta:
        verbose_name = _("claim")
        verbose_name_plural = _("claims")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["claimant", "category", "status", "decided_at"],
                name="lostfound_claim_block_idx",
            ),
            models.Index(fields=["item", "status"], name="lostfound_claim_item_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["item"],
                condition=models.Q(status__in=["approved", "handover_pending", "handed_over"]),
                name="lostfound_one_approved_claim",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.item_id}"

    def get_absolute_url(self) -> str:
        return reverse("lostfound:claim-detail", args=[self.pk])

    @property
    def number(self) -> str:
        return f"C{self.pk:06d}" if self.pk else "C——"


class Disposal(models.Model):
    """One line of the desk's register (登记簿) of items nobody claimed: what was done with the
    item (returned to its finder, handed to the police, donated, destroyed), why, when, who
    proposed it and the second desk person who approved it."""

    class Method(models.TextChoices):
        FINDER = "finder", _("Returned to its finder")
        POLICE = "police", _("Handed to the police")
        DONATE = "donate", _("Donated")
        DESTROY = "destroy", _("Destroyed")

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("Awaiting a second desk person")
        APPROVED = "approved", _("Done")

    item = models.OneToOneField(
        FoundItem, verbose_name=_("item"), on_delete=models.PROTECT, related_name="disposal"
    )
    desk = models.ForeignKey(
        Desk, verbose_name=_("desk"), on_delete=models.PROTECT, related_name="disposals"
    )
    method = models.CharField(_("how"), max_length=8, choices=Method.choices)
    recipient = models.CharField(
        _("handed to"),
        max_length=200,
        blank=True,
        help_text=_("The police station, the charity, who took it."),
    )
    reason = models.TextField(_("why"), max_length=1000)
    status = models.CharField(
        _("status"), max_length=8, choices=Status.choices, default=Status.PROPOSED
    )
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("proposed by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    proposed_at = models.DateTimeField(_("proposed at"), auto_now_add=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("approved by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    approved_at = models.DateTimeField(_("done at"), null=True, blank=True)

    objects = DisposalQuerySet.as_manager()

    class Meta:
        verbose_name = _("disposal")
        verbose_name_plural = _("disposals")
        ordering = ["-approved_at", "-id"]
        indexes = [
            models.Index(fields=["desk", "-approved_at", "-id"], name="lostfound_register_idx"),
            models.Index(fields=["desk", "status"], name="lostfound_disposal_open_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.item_id} {self.method}"


class Conversation(models.Model):
    """Portal messages about an item its finder keeps, between the finder and one person who
    asks about it: neither learns the other's name, phone or campus ID from them."""

    item = models.ForeignKey(
        FoundItem,
        verbose_name=_("item"),
        on_delete=models.CASCADE,
        related_name="conversations",
    )
    asker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("asked by"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    created_at = models.DateTimeField(_("started at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("last message at"), auto_now=True)

    class Meta:
        verbose_name = _("conversation")
        verbose_name_plural = _("conversations")
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["item", "asker"], name="lostfound_conversation_once")
        ]

    def __str__(self) -> str:
        return f"{self.item_id} {self.asker_id}"

    def get_absolute_url(self) -> str:
        return reverse("lostfound:conversation", args=[self.item_id, self.pk])


class Message(models.Model):
    """One message of a conversation, from the finder or from the person asking."""

    conversation = models.ForeignKey(
        Conversation,
        verbose_name=_("conversation"),
        on_delete=models.CASCADE,
        related_name="messages",
    )
    from_finder = models.BooleanField(_("from the finder"))
    body = models.TextField(_("message"), max_length=1000)
    created_at = models.DateTimeField(_("sent at"), auto_now_add=True)

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.conversation_id} {self.created_at:%Y-%m-%d %H:%M}"
