"""The home page ("my items") and the manager overview; each app adds its sections."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render


def home(request):
    return render(request, "logistics/home.html", {})


@login_required
def manager_overview(request):
    if not (request.user.is_manager or request.user.has_role("supervisor")):
        raise PermissionDenied
    return render(request, "logistics/manager_overview.html", {})
