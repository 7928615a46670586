"""The home page ("my items") and the manager overview; each app adds its sections."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render

from logistics.context_processors import can_view_manager_overview
from logistics.notifications import notifications_for
from logistics.sections import home_sections, overview_sections

RECENT_NOTIFICATIONS = 5


def home(request):
    if not request.user.is_authenticated:
        return render(request, "logistics/landing.html")
    recent = notifications_for(request.user)[:RECENT_NOTIFICATIONS]
    context = {
        "sections": home_sections.render(request),
        "recent_notifications": list(recent),
    }
    return render(request, "logistics/home.html", context)


@login_required
def manager_overview(request):
    if not can_view_manager_overview(request.user):
        raise PermissionDenied
    context = {"sections": overview_sections.render(request)}
    return render(request, "logistics/manager_overview.html", context)
