"""What the dorms system tells other apps about outages: registered with repairs' public hook
in DormsConfig.ready(), so repairs asks without importing dorms."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone

from .models import Notice, Utility


def active_outages(room) -> list[dict]:
    """The outages going on now in the room's building: title, utility, start, end, the
    notice's page and where "do not file, it is known" is counted."""
    if room is None or not getattr(room, "building_id", None):
        return []
    now = timezone.now()
    notices = Notice.objects.active_outages(now).affecting_building(room.building_id)
    return [
        {
            "key": f"dorms.notice:{notice.pk}",
            "title": notice.title,
            "utility": str(Utility(notice.utility).label) if notice.utility else "",
            "starts_at": notice.starts_at,
            "ends_at": notice.ends_at,
            "url": notice.get_absolute_url(),
            "avoid_url": reverse("dorms:outage-avoided", args=[notice.pk]),
        }
        for notice in notices.order_by("ends_at", "pk")[:3]
    ]


def outages_for_user(user, *, now=None):
    """Active and coming outages of the building a resident lives in (none without a room)."""
    if not user.is_authenticated or not user.dorm_room_id:
        return Notice.objects.none()
    building_id = user.dorm_room.building_id
    return (
        Notice.objects.upcoming_outages(now)
        .affecting_building(building_id)
        .order_by("starts_at", "pk")
    )
