"""Outages for the people who deal with their consequences: repair dispatchers, dorm and
logistics managers see each active or recent outage with the repair reports it saved and the
requests filed during it, grouped under it."""

from collections import defaultdict
from datetime import timedelta

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from logistics.roles import Role
from repairs.public import requests_during

from ..models import Notice, NoticeTarget

RECENT = timedelta(days=7)
SHOWN = 20


def can_follow_outages(user) -> bool:
    return user.is_manager or user.has_role(Role.REPAIR_DISPATCHER, Role.DORM_MANAGER)


@login_required
@require_GET
def outage_overview(request):
    if not can_follow_outages(request.user):
        raise PermissionDenied
    now = timezone.now()
    outages = list(
        Notice.objects.outages()
        .filter(ends_at__gt=now - RECENT, starts_at__lte=now)
        .annotate(avoided=Count("avoided_reports"))
        .order_by("-starts_at", "-pk")[:SHOWN]
    )
    buildings = defaultdict(set)
    for notice_id, building_id in NoticeTarget.objects.filter(
        notice__in=outages, building__isnull=False
    ).values_list("notice_id", "building_id"):
        buildings[notice_id].add(building_id)
    grouped = _group_requests(request.user, outages, buildings, now)
    rows = [
        {
            "notice": o,
            "avoided": o.avoided,
            "requests": grouped.get(o.pk, []),
            "active": o.ends_at > now,
        }
        for o in outages
    ]
    return render(request, "dorms/outage_overview.html", {"rows": rows})


def _group_requests(user, outages, buildings, now) -> dict[int, list]:
    """One query for every outage's requests, then each under the outages it fell in."""
    if not outages:
        return {}
    every = set().union(*buildings.values()) if buildings else set()
    start = min(o.starts_at for o in outages)
    end = min(max(o.ends_at for o in outages), now)
    grouped: dict[int, list] = defaultdict(list)
    for repair in requests_during(user=user, building_ids=every, start=start, end=end)[:500]:
        for outage in outages:
            if (
                repair.building_id in buildings[outage.pk]
                and outage.starts_at <= repair.created_at < outage.ends_at
            ):
                grouped[outage.pk].append(repair)
    return grouped
