"""Notifications for every app: `notify(...)`, reading and marking them, channel preferences.

Apps call `notify()` inside their own transaction. It writes the in-app notifications and the
outbox rows for e-mail and group-bot webhooks; those are published after commit (see outbox.py).
"""

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Max, Q, QuerySet
from django.utils import timezone
from django.utils.functional import Promise

from logistics import i18n, outbox
from logistics.models import (
    Department,
    Notification,
    NotificationPreference,
    OutboxMessage,
    User,
    WebhookEndpoint,
)

KIND_PATTERN = re.compile(r"^[a-z0-9_]+(\.[a-z0-9_]+)*\.?$")
DIGEST_MAX_ITEMS = 100
DIGEST_WINDOW = timedelta(days=1)


def kind_matches(kind: str, patterns: Iterable[str]) -> bool:
    """True if `kind` is one of `patterns` or lies under one ("repairs" and "repairs." match
    "repairs.assigned")."""
    for pattern in patterns:
        prefix = pattern if pattern.endswith(".") else pattern + "."
        if kind == pattern or kind.startswith(prefix):
            return True
    return False


@transaction.atomic
def notify(
    *,
    recipients: Iterable[User],
    kind: str,
    title: str | Promise,
    body: str | Promise = "",
    url: str = "",
    department: Department | None = None,
    email: bool = True,
    webhooks: bool = True,
    params: Mapping[str, Any] | None = None,
    data: Mapping[str, Any] | None = None,
) -> list[Notification]:
    """Notifies users in-app, by e-mail as they prefer, and the matching group-bot webhooks.

    Runs in the caller's transaction: if it rolls back, nothing is shown and nothing is sent.
    `url` is a path in the portal ("/repairs/12/"); `department` selects the webhooks of that
    unit in addition to the portal-wide ones. `email=False` writes the in-app notifications only
    (they reach e-mail through the daily digest); `webhooks=False` leaves the group bots out
    (a notice delivered in batches tells its bots once, with the first batch).

    `title` and `body` are best lazy translations (gettext_lazy) filled with `params`
    (%(name)s; values may be lazy texts, model objects, dates, lists or callables): they are
    then rendered in every portal language, each recipient's notification is saved in their
    language, and e-mails and webhooks go out in the recipient's or endpoint's language at
    delivery (logistics.i18n). A plain string is sent as it is to everyone.

    `data` (JSON values: ids, keys — no personal data) goes with the e-mails and webhooks as
    the payload's "data", for an e-mail written at delivery (outbox.register_email_content).
    """
    if not KIND_PATTERN.match(kind or "") or kind.endswith("."):
        raise ValueError(f"notification kind must look like 'app.event', not {kind!r}")
    if url.startswith("//") or (url and not url.startswith(("/", "https://", "http://"))):
        # The link is rendered as href in pages and e-mails: no javascript: or other schemes.
        raise ValueError(f"notification url must be a portal path or http(s) URL, not {url!r}")
    users = _unique_active(recipients)
    translations = _translations(title, body, params)
    default = i18n.pick(translations, settings.LANGUAGE_CODE) or {"title": title, "body": body}
    url = url[:500]
    notifications = Notification.objects.bulk_create(
        [_notification(user, kind, url, default, translations) for user in users]
    )
    payload = {
        "kind": kind,
        "title": str(default["title"])[:200],
        "body": str(default["body"]),
        "url": outbox.absolute_url(url),
        "created_at": timezone.now().isoformat(),
    }
    if translations:
        payload["translations"] = translations
    if data:
        payload["data"] = dict(data)
    messages = (_email_messages(notifications, kind, payload) if email else []) + (
        _webhook_messages(kind, payload, department) if webhooks else []
    )
    OutboxMessage.objects.bulk_create(messages)
    outbox.publish_on_commit(m.id for m in messages)
    return notifications


def _translations(title, body, params) -> dict:
    """Every language's title and body when there is something to translate, else {}."""
    if not (params or i18n.is_translatable(title) or i18n.is_translatable(body)):
        return {}
    texts = i18n.render_all({"title": title, "body": body}, params)
    for text in texts.values():
        text["title"] = text["title"][:200]
    return texts


def _notification(user, kind, url, default, translations) -> Notification:
    texts = i18n.pick(translations, i18n.user_language(user)) or default
    return Notification(
        recipient=user,
        kind=kind,
        title=str(texts["title"])[:200],
        body=str(texts["body"]),
        url=url,
        translations=translations,
    )


def _unique_active(recipients: Iterable[User]) -> list[User]:
    seen: dict[int, User] = {}
    for user in recipients:
        if user.pk and user.is_active:
            seen.setdefault(user.pk, user)
    return list(seen.values())


def _preferences(users: list[User]) -> dict[int, NotificationPreference]:
    if not users:
        return {}
    rows = NotificationPreference.objects.filter(user__in=users)
    return {pref.user_id: pref for pref in rows}


def _wants_immediate_email(user: User, pref: NotificationPreference | None, kind: str) -> bool:
    if not user.email:
        return False
    if pref is None:
        return True
    return pref.email_enabled and not pref.daily_digest and not kind_matches(kind, pref.muted_kinds)


def _email_messages(notifications, kind: str, payload: dict) -> list[OutboxMessage]:
    prefs = _preferences([n.recipient for n in notifications])
    return [
        OutboxMessage(
            channel=OutboxMessage.Channel.EMAIL,
            notification=n,
            recipient=n.recipient,
            payload=payload,
        )
        for n in notifications
        if _wants_immediate_email(n.recipient, prefs.get(n.recipient_id), kind)
    ]


def _webhook_messages(kind: str, payload: dict, department) -> list[OutboxMessage]:
    # Portal-wide endpoints hear every notification; a unit's endpoint only its own.
    scope = Q(department__isnull=True)
    if department is not None:
        scope |= Q(department=department)
    endpoints = WebhookEndpoint.objects.filter(scope, is_active=True, notifications=True)
    return [
        OutboxMessage(channel=OutboxMessage.Channel.WEBHOOK, endpoint=endpoint, payload=payload)
        for endpoint in endpoints
        if not endpoint.kinds or kind_matches(kind, endpoint.kinds)
    ]


# --- Reading and marking read -------------------------------------------------------------------


def notifications_for(user: User) -> QuerySet[Notification]:
    """The notifications `user` may see: their own."""
    return Notification.objects.filter(recipient=user)


def unread_notification_count(user: User) -> int:
    """One COUNT over the (recipient, read_at) index; none for the request's own user, whose
    count came with their row (logistics.backends)."""
    known = getattr(user, "_unread_count", None)
    if known is not None:
        return known
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def notification_mark_read(*, notification: Notification) -> Notification:
    """Marks one notification read; reading it again keeps the first read time."""
    now = timezone.now()
    updated = Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(
        read_at=now
    )
    if updated:
        notification.read_at = now
    return notification


def notifications_mark_all_read(*, user: User) -> int:
    """Marks all of `user`'s unread notifications read; returns how many."""
    user.__dict__.pop("_unread_count", None)  # the count read with the user is past
    return Notification.objects.filter(recipient=user, read_at__isnull=True).update(
        read_at=timezone.now()
    )


# --- Preferences --------------------------------------------------------------------------------


def notification_preference_get(*, user: User) -> NotificationPreference:
    """The user's preferences; the defaults (e-mail on, no digest) if never saved."""
    pref = NotificationPreference.objects.filter(user=user).first()
    return pref or NotificationPreference(user=user)


def normalize_kinds(kinds: Iterable[str]) -> list[str]:
    """Lower-cased, de-duplicated kinds; raises ValueError naming the first malformed one."""
    result: list[str] = []
    for raw in kinds:
        kind = raw.strip().lower()
        if not kind:
            continue
        if not KIND_PATTERN.match(kind):
            raise ValueError(kind)
        if kind not in result:
            result.append(kind)
    return result


@transaction.atomic
def notification_preference_update(
    *, user: User, email_enabled: bool, daily_digest: bool, muted_kinds: Iterable[str] = ()
) -> NotificationPreference:
    """Saves the user's channel choices (muted kinds apply to e-mail, not to the in-app list)."""
    pref, _created = NotificationPreference.objects.update_or_create(
        user=user,
        defaults={
            "email_enabled": email_enabled,
            "daily_digest": daily_digest,
            "muted_kinds": normalize_kinds(muted_kinds),
        },
    )
    return pref


# --- Daily digest -------------------------------------------------------------------------------


@transaction.atomic
def notification_digests_enqueue(*, now=None) -> int:
    """Writes one digest e-mail row per digest user with unread notifications since their last
    digest; returns how many. Running it twice sends nothing twice: windows never overlap."""
    now = now or timezone.now()
    prefs = list(
        NotificationPreference.objects.filter(
            daily_digest=True, email_enabled=True, user__is_active=True
        )
        .exclude(user__email="")
        .select_related("user")
    )
    if not prefs:
        return 0
    since = _last_digest_times(prefs, now)
    items = _digest_items(prefs, since, now)
    messages = [
        OutboxMessage(
            channel=OutboxMessage.Channel.DIGEST,
            recipient=pref.user,
            payload={
                "notification_ids": items[pref.user_id][:DIGEST_MAX_ITEMS],
                "since": since[pref.user_id].isoformat(),
                "until": now.isoformat(),
            },
        )
        for pref in prefs
        if items.get(pref.user_id)
    ]
    OutboxMessage.objects.bulk_create(messages)
    outbox.publish_on_commit(m.id for m in messages)
    return len(messages)


def _last_digest_times(prefs, now) -> dict:
    last = dict(
        OutboxMessage.objects.filter(
            channel=OutboxMessage.Channel.DIGEST, recipient__in=[p.user_id for p in prefs]
        )
        .values_list("recipient")
        .annotate(last=Max("created_at"))
    )
    return {
        p.user_id: max(last.get(p.user_id) or now - DIGEST_WINDOW, now - DIGEST_WINDOW)
        for p in prefs
    }


def _digest_items(prefs, since: dict, now) -> dict[int, list[int]]:
    muted = {p.user_id: p.muted_kinds for p in prefs}
    rows = Notification.objects.filter(
        recipient__in=list(muted),
        read_at__isnull=True,
        created_at__gte=min(since.values()),
        created_at__lt=now,
    ).values_list("id", "recipient_id", "kind", "created_at")
    items: dict[int, list[int]] = defaultdict(list)
    for pk, user_id, kind, created_at in rows.order_by("created_at", "id"):
        if created_at >= since[user_id] and not kind_matches(kind, muted[user_id]):
            items[user_id].append(pk)
    return items
