"""The resident's "my building" page: current notices, outages, acknowledgements due."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from ..models import Notice, NoticeRead
from ..outages import outages_for_user

SHOWN = 10


@login_required
@require_GET
def my_building(request):
    user = request.user
    now = timezone.now()
    room = user.dorm_room if user.dorm_room_id else None
    addressed = Notice.objects.addressed_to(user).select_related("campus")
    acked = NoticeRead.objects.filter(user=user, acknowledged_at__isnull=False).values("notice")
    context = {
        "room": room,
        "building": room.building if room else None,
        "outages": list(outages_for_user(user, now=now)[:SHOWN]),
        "notices": list(addressed.current(now).order_by("-published_at", "-id")[:SHOWN]),
        "acks_due": list(
            addressed.current(now)
            .filter(requires_ack=True)
            .exclude(pk__in=acked)
            .order_by("ack_deadline", "pk")[:SHOWN]
        ),
        "now": now,
    }
    return render(request, "dorms/my_building.html", context)
