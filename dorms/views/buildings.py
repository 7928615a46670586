"""The resident's "my building" page: current notices (emergencies and pinned ones first),
outages, acknowledgements due, and my room's inspection results."""

from datetime import timedelta

from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch, Q
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from ..inspections.models import Hazard, RoomCheck
from ..models import Notice, NoticeRead
from ..outages import outages_for_user

SHOWN = 10
CHECKS_SHOWN = 3
RECENT = timedelta(days=30)


@login_required
@require_GET
def my_building(request):
    user = request.user
    now = timezone.now()
    room = user.dorm_room if user.dorm_room_id else None
    addressed = Notice.objects.addressed_to(user).select_related("campus")
    acked = NoticeRead.objects.filter(user=user, acknowledged_at__isnull=False).values("notice")
    current = addressed.current(now)
    context = {
        "room": room,
        "building": room.building if room else None,
        "outages": list(outages_for_user(user, now=now)[:SHOWN]),
        "pinned": list(current.filter(Notice.ON_TOP).order_by("-published_at", "-id")[:SHOWN]),
        "notices": list(current.exclude(Notice.ON_TOP).order_by("-published_at", "-id")[:SHOWN]),
        "acks_due": list(
            current.filter(requires_ack=True)
            .exclude(pk__in=acked)
            .order_by("ack_deadline", "pk")[:SHOWN]
        ),
        "recent": list(
            addressed.filter(published_at__gte=now - RECENT)
            .filter(Q(status=Notice.Status.SUPERSEDED) | Q(valid_until__lte=now))
            .order_by("-published_at", "-id")[:SHOWN]
        ),
        "checks": _room_checks(room),
        "now": now,
    }
    return render(request, "dorms/my_building.html", context)


def _room_checks(room) -> list[RoomCheck]:
    """My room's latest inspections with their hazards (two queries)."""
    if room is None:
        return []
    hazards = Prefetch(
        "hazards", queryset=Hazard.objects.select_related("room__building").order_by("pk")
    )
    return list(
        RoomCheck.objects.filter(room=room)
        .select_related("round")
        .prefetch_related(hazards)
        .order_by("-checked_at", "-id")[:CHECKS_SHOWN]
    )
