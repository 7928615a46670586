"""The dorms' integration events for school IT (logistics.events), registered in ready().

A notice is announced when it is published (now, on its schedule, or as a correction); an
outage when it starts: at publication if it has started already, else by the minute's sweep
(`outages_announce_started`), once per endpoint (the event's id comes from the notice's).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from logistics.events import emit_many, register_event_type
from logistics.outbox import absolute_url

from .models import Kind, Notice

if TYPE_CHECKING:
    from collections.abc import Iterable

PUBLISHED = "dorms.notice.published"
OUTAGE_STARTED = "dorms.outage.started"
# An outage whose start the sweep missed for longer than this (beat down) is not announced late.
LATE_START = timedelta(hours=6)


def register() -> None:
    register_event_type(
        PUBLISHED,
        version=1,
        label=_("Notice published"),
        description=_("A dorm notice was published to its audience (a correction is one too)."),
    )
    register_event_type(
        OUTAGE_STARTED,
        version=1,
        label=_("Outage started"),
        description=_("A published outage (water, power …) reached its start time."),
    )


def _notice(notice: Notice) -> dict:
    # A notice is public to its audience: its title goes, its author does not.
    return {
        "notice_id": notice.pk,
        "kind": notice.kind,
        "utility": notice.utility or None,
        "title": notice.title,
        "building_ids": sorted({t.building_id for t in notice.targets.all() if t.building_id}),
        "starts_at": _iso(notice.starts_at),
        "ends_at": _iso(notice.ends_at),
        "url": absolute_url(notice.get_absolute_url()),
    }


def notice_published(notice: Notice, *, now: datetime | None = None) -> None:
    data = _notice(notice) | {
        "published_at": _iso(notice.published_at),
        "valid_until": _iso(notice.valid_until),
        "corrects_id": notice.corrects_id,
        "withdraws": notice.withdraws,
    }
    emit_many(PUBLISHED, [data], occurred_at=notice.published_at)
    if _under_way(notice, now or timezone.now()):
        _announce_started([notice])


def _under_way(notice: Notice, now: datetime) -> bool:
    if notice.kind != Kind.OUTAGE or not notice.starts_at or notice.starts_at > now:
        return False
    return notice.ends_at is None or notice.ends_at > now


def outages_announce_started(*, now: datetime | None = None) -> int:
    """Announces the outages that have started (beat, every minute); safe to run twice."""
    now = now or timezone.now()
    started = (
        Notice.objects.active_outages(now)
        .filter(starts_at__gte=now - LATE_START)
        .prefetch_related("targets")
        .order_by("starts_at", "pk")
    )
    return len(_announce_started(list(started[:200])))


def _announce_started(notices: Iterable[Notice]) -> list:
    notices = list(notices)
    return emit_many(
        OUTAGE_STARTED,
        [_notice(n) | {"started_at": n.starts_at.isoformat()} for n in notices],
        keys=[f"notice:{n.pk}" for n in notices],
    )


def _iso(value) -> str | None:
    return value.isoformat() if value else None
