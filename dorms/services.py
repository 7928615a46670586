"""Writes of the dorms system: every state change, keyword-only, atomic, notifying.

Errors callers get (dorms.errors, on logistics.workflow): InvalidInput (field errors),
OutOfScope / NotAllowed (403), NoticeFrozen and InvalidTransition (409), LeadTimeWarning (409,
until a reason is given), ConcurrentUpdate (409), AlreadyAcknowledged (409).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from logistics import workflow
from logistics.models import Building, Campus, Department, Room, User
from logistics.notifications import notify
from logistics.uploads import CleanDocument

from . import errors, events
from .models import (
    Audience,
    Kind,
    Notice,
    NoticeAttachment,
    NoticeDelivery,
    NoticeRead,
    NoticeTarget,
    ResidentPush,
)
from .querysets import managed_building_ids, recipients_of
from .richtext import plain_text
from .workflow import (
    NOTICE_MACHINE,
    draft_errors,
    lead_time_message,
    lead_time_shortfall,
    publish_errors,
)

Status = Notice.Status
PUSH_INTERVAL = timedelta(hours=1)
EDITABLE = (
    *("title", "body", "title_en", "body_en", "kind", "utility", "publish_at", "valid_until"),
    "pinned",
    *("starts_at", "ends_at", "unplanned", "requires_ack", "ack_deadline"),
)


@dataclass
class AudienceSpec:
    """Who a notice is for: the whole campus, buildings (with floors or rooms in them), roles
    or departments."""

    audience: str
    campus: Campus | None = None
    buildings: Sequence[Building] = ()
    floors: Sequence[int] = ()
    rooms: Sequence[Room] = ()
    roles: Sequence[str] = ()
    departments: Sequence[Department] = ()
    extra: dict = field(default_factory=dict)

    def targets(self) -> list[NoticeTarget]:
        if self.audience == Audience.CAMPUS:
            return [NoticeTarget()]
        if self.audience == Audience.BUILDINGS:
            return [NoticeTarget(building=b) for b in self.buildings]
        if self.audience == Audience.FLOORS:
            return [NoticeTarget(building=b, floor=f) for b in self.buildings for f in self.floors]
        if self.audience == Audience.ROOMS:
            return [NoticeTarget(building=r.building, room=r) for r in self.rooms]
        if self.audience == Audience.ROLES:
            return [NoticeTarget(role=role) for role in self.roles]
        return [NoticeTarget(department=d) for d in self.departments]

    def building_ids(self) -> set[int]:
        if self.audience == Audience.ROOMS:
            return {r.building_id for r in self.rooms}
        return {b.pk for b in self.buildings}

    def resolved_campus(self) -> Campus | None:
        if self.campus is not None:
            return self.campus
        if self.audience == Audience.ROOMS and self.rooms:
            return self.rooms[0].building.campus
        if self.buildings:
            return self.buildings[0].campus
        if self.departments and self.departments[0].campus_id:
            return self.departments[0].campus
        return None


def _check_audience(spec: AudienceSpec, *, kind: str, by: User) -> None:
    """The audience is complete and within what `by` manages."""
    if not spec.targets():
        raise workflow.InvalidInput(
            fields={"audience": [_("Choose who the notice is for.")]},
        )
    if kind == Kind.OUTAGE and spec.audience != Audience.BUILDINGS:
        raise workflow.InvalidInput(
            fields={"audience": [_("An outage names the buildings it affects.")]}
        )
    managed = managed_building_ids(by)
    if managed is None:
        return
    building_audiences = (Audience.BUILDINGS, Audience.FLOORS, Audience.ROOMS)
    if spec.audience not in building_audiences or not spec.building_ids() <= set(managed):
        raise errors.OutOfScope()


def _require_manageable(notice: Notice, by: User) -> None:
    if not Notice.objects.manageable_by(by).filter(pk=notice.pk).exists():
        raise workflow.NotAllowed()


@transaction.atomic
def notice_save(
    *,
    by: User,
    data: dict,
    audience: AudienceSpec,
    attachments: Iterable[CleanDocument] = (),
    notice: Notice | None = None,
) -> Notice:
    """Creates a draft, or changes a draft or scheduled notice (`data`: fields of EDITABLE).
    A published notice is frozen (NoticeFrozen): correct it with notice_correct."""
    if notice is not None:
        notice = Notice.objects.select_for_update().get(pk=notice.pk)
        _require_manageable(notice, by)
        if notice.is_frozen:
            raise errors.NoticeFrozen()
        NOTICE_MACHINE.check(notice, "edit", by)
    else:
        notice = Notice(author=by)
        if not workflow_allows_writing(by):
            raise workflow.NotAllowed()
    kind = data.get("kind", notice.kind)
    _check_audience(audience, kind=kind, by=by)
    for name, value in data.items():
        if name in EDITABLE:
            setattr(notice, name, value)
    if notice.kind != Kind.OUTAGE:
        notice.utility = ""
    if problems := draft_errors(notice):
        raise workflow.InvalidInput(fields=problems)
    notice.audience = audience.audience
    notice.campus = audience.resolved_campus()
    notice.save()
    notice.targets.all().delete()
    targets = audience.targets()
    for target in targets:
        target.notice = notice
    NoticeTarget.objects.bulk_create(targets)
    _attach(notice, attachments)
    return notice


def workflow_allows_writing(user: User) -> bool:
    from .querysets import is_notice_manager

    return is_notice_manager(user)


def _attach(notice: Notice, documents: Iterable[CleanDocument]) -> None:
    for document in documents:
        attachment = NoticeAttachment(
            notice=notice,
            name=document.name,
            content_type=document.content_type,
            size=document.size,
        )
        attachment.file.save(document.name, document.file, save=False)
        attachment.save()


@transaction.atomic
def notice_publish(
    *, notice: Notice, by: User, lead_time_reason: str = "", now: datetime | None = None
) -> Notice:
    """Publishes a draft now, or schedules it for its publish_at. A planned outage with less
    notice than its rule asks raises LeadTimeWarning until `lead_time_reason` is given."""
    now = now or timezone.now()
    notice = Notice.objects.select_for_update().get(pk=notice.pk)
    _require_manageable(notice, by)
    if problems := publish_errors(notice):
        raise workflow.InvalidInput(fields=problems)
    scheduled = notice.publish_at is not None and notice.publish_at > now
    rule = lead_time_shortfall(notice, published_at=notice.publish_at if scheduled else now)
    reason = (lead_time_reason or "").strip()
    if rule is not None and not reason:
        message = lead_time_message(rule)
        raise errors.LeadTimeWarning(message, fields={"lead_time_reason": [message]})
    changes = {"lead_time_reason": reason if rule else ""}
    if scheduled:
        NOTICE_MACHINE.check(notice, "schedule", by)
        _move(notice, to=Status.SCHEDULED, **changes)
        return notice
    NOTICE_MACHINE.check(notice, "publish", by)
    _move(notice, to=Status.PUBLISHED, published_at=now, **changes)
    _start_delivery(notice)
    return notice


def _move(notice: Notice, *, to: str, **changes) -> None:
    workflow.transition(
        notice,
        expected=[notice.status],
        to=to,
        invalid=errors.InvalidTransition,
        concurrent=errors.ConcurrentUpdate,
        **changes,
    )


@transaction.atomic
def notice_unschedule(*, notice: Notice, by: User) -> Notice:
    """Takes a scheduled notice back to draft."""
    notice = Notice.objects.select_for_update().get(pk=notice.pk)
    _require_manageable(notice, by)
    NOTICE_MACHINE.check(notice, "unschedule", by)
    _move(notice, to=Status.DRAFT)
    return notice


def notices_release_due(*, now: datetime | None = None) -> int:
    """Publishes scheduled notices whose time has come (beat, every minute); safe to run twice:
    each is moved by one conditional UPDATE."""
    now = now or timezone.now()
    due = Notice.objects.filter(status=Status.SCHEDULED, publish_at__lte=now)
    released = 0
    for notice in due.order_by("publish_at", "pk")[:200]:
        with transaction.atomic():
            try:
                _move(notice, to=Status.PUBLISHED, published_at=notice.publish_at)
            except workflow.DomainError:
                continue
            _start_delivery(notice)
            released += 1
    return released


@transaction.atomic
def notice_correct(
    *,
    notice: Notice,
    by: User,
    title: str,
    body: str,
    title_en: str = "",
    body_en: str = "",
    withdraws: bool = False,
) -> Notice:
    """Publishes a correction: a new notice to the same audience that references the old one,
    announced as a correction; the old one is marked corrected. `withdraws` calls the old one
    off (an all-clear; a CAP Cancel)."""
    notice = Notice.objects.select_for_update().get(pk=notice.pk)
    _require_manageable(notice, by)
    NOTICE_MACHINE.check(notice, "correct", by)
    if not title.strip():
        raise workflow.InvalidInput(fields={"title": [_("A notice needs a title.")]})
    targets = list(notice.targets.all())
    fields = {name: getattr(notice, name) for name in EDITABLE if name != "publish_at"}
    if withdraws:  # an all-clear ends the notice's validity now
        fields["valid_until"] = timezone.now()
    correction = Notice(
        **fields | {"title": title, "body": body, "title_en": title_en, "body_en": body_en},
        publish_at=None,
        withdraws=withdraws,
        audience=notice.audience,
        campus=notice.campus,
        author=by,
        corrects=notice,
        status=Status.PUBLISHED,
        published_at=timezone.now(),
        lead_time_reason=notice.lead_time_reason,
    )
    correction.save()
    for target in targets:
        target.pk, target.notice = None, correction
    NoticeTarget.objects.bulk_create(targets)
    _move(notice, to=Status.SUPERSEDED)
    _start_delivery(correction)
    return correction


# --- Delivery ---------------------------------------------------------------------------------


def _start_delivery(notice: Notice) -> None:
    """Writes the delivery row with the publication; the task is sent after commit, and the
    relay (beat) sends it again for a delivery that stalled."""
    from .tasks import deliver_notice

    delivery, _created = NoticeDelivery.objects.get_or_create(notice=notice)
    transaction.on_commit(lambda: deliver_notice.delay(delivery.pk))
    events.notice_published(notice)


def _notification_text(notice: Notice) -> tuple[str, str]:
    with translation.override(settings.LANGUAGE_CODE):
        prefix = ""
        if notice.corrects_id:
            prefix = _("Correction: ")
        elif notice.kind == Kind.EMERGENCY:
            prefix = _("Emergency: ")
        elif notice.is_outage:
            prefix = _("Outage: ")
        return f"{prefix}{notice.title}"[:200], plain_text(notice.body)


def _kind(notice: Notice) -> str:
    return "dorms.notice.correction" if notice.corrects_id else f"dorms.notice.{notice.kind}"


def _split_push(notice: Notice, users: list[User], now: datetime) -> tuple[list, list]:
    """Who gets this notice pushed (e-mail) and who only in-app: general notices push at most
    once an hour per person (the rest wait for the digest); emergencies, outages, inspections
    and safety notices go to everyone at once."""
    if notice.kind != Kind.GENERAL:
        return users, []
    recent = set(
        ResidentPush.objects.filter(
            user__in=[u.pk for u in users], pushed_at__gt=now - PUSH_INTERVAL
        ).values_list("user_id", flat=True)
    )
    return [u for u in users if u.pk not in recent], [u for u in users if u.pk in recent]


def notice_deliver_batch(*, delivery_id: int, batch_size: int | None = None) -> bool:
    """Delivers the next batch (`DORMS_DELIVERY_BATCH`) of a notice's recipients; True while
    more remain. The batch's notifications and the cursor commit together, so a second run
    sends nothing twice and a run killed mid-batch leaves that batch to the next one."""
    batch_size = batch_size or settings.DORMS_DELIVERY_BATCH
    now = timezone.now()
    with transaction.atomic():
        delivery = (
            NoticeDelivery.objects.select_for_update(skip_locked=True)
            .select_related("notice")
            .filter(pk=delivery_id, status=NoticeDelivery.Status.PENDING)
            .first()
        )
        if delivery is None:
            return False
        notice = delivery.notice
        users = list(recipients_of(notice).filter(pk__gt=delivery.last_user_id)[:batch_size])
        first = delivery.last_user_id == 0
        # the group bots hear of it once, with the first batch (even when nobody lives there)
        pushed = _notify_batch(notice, users, now, webhooks=first) if users or first else 0
        done = len(users) < batch_size
        delivery.last_user_id = users[-1].pk if users else delivery.last_user_id
        delivery.delivered += len(users)
        fields = ["last_user_id", "delivered", "pushed", "updated_at"]
        if done:
            delivery.status, delivery.finished_at = NoticeDelivery.Status.DONE, now
            fields += ["status", "finished_at"]
        delivery.pushed += pushed
        delivery.save(update_fields=fields)
        return not done


def _notify_batch(notice: Notice, users: list[User], now: datetime, *, webhooks: bool) -> int:
    """Notifies one batch; returns how many were pushed."""
    title, body = _notification_text(notice)
    push, quiet = _split_push(notice, users, now)
    common = {"kind": _kind(notice), "title": title, "body": body, "url": notice.get_absolute_url()}
    if push or not quiet:
        notify(recipients=push, webhooks=webhooks, **common)
        webhooks = False
    if quiet:
        notify(recipients=quiet, email=False, webhooks=webhooks, **common)
    if push:
        ResidentPush.objects.bulk_create(
            [ResidentPush(user=u, pushed_at=now) for u in push],
            update_conflicts=True,
            unique_fields=["user"],
            update_fields=["pushed_at"],
        )
    return len(push)


def deliveries_stalled(*, older_than: timedelta = timedelta(minutes=2)) -> list[int]:
    """Pending deliveries nobody moved for a while (a lost task, a killed worker)."""
    since = timezone.now() - older_than
    pending = NoticeDelivery.objects.filter(status=NoticeDelivery.Status.PENDING)
    return list(pending.filter(updated_at__lt=since).values_list("pk", flat=True)[:100])


# --- Reading and acknowledging ----------------------------------------------------------------


def notice_mark_read(*, notice: Notice, user: User) -> None:
    """Records that `user` read the notice (once; the first time is kept)."""
    NoticeRead.objects.bulk_create([NoticeRead(notice=notice, user=user)], ignore_conflicts=True)


@transaction.atomic
def notice_acknowledge(*, notice: Notice, user: User) -> NoticeRead:
    """已阅并确认: `user` confirms a notice that asks for it and was addressed to them."""
    if not notice.requires_ack or notice.status not in (Status.PUBLISHED, Status.SUPERSEDED):
        raise errors.InvalidTransition(_("This notice does not ask for an acknowledgement."))
    if not Notice.objects.addressed_to(user).filter(pk=notice.pk).exists():
        raise errors.NotAddressed()
    notice_mark_read(notice=notice, user=user)
    now = timezone.now()
    rows = NoticeRead.objects.filter(notice=notice, user=user, acknowledged_at__isnull=True)
    if rows.update(acknowledged_at=now) != 1:
        raise errors.AlreadyAcknowledged()
    return NoticeRead.objects.get(notice=notice, user=user)


def outage_report_avoided(*, notice: Notice, user: User) -> None:
    """Counts that `user` saw this active outage on the repair form and filed nothing (once)."""
    from .models import AvoidedReport

    if not notice.is_active_outage:
        raise errors.InvalidTransition(_("This outage is over."))
    AvoidedReport.objects.bulk_create(
        [AvoidedReport(notice=notice, user=user)], ignore_conflicts=True
    )
