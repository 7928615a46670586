"""The command centre (/manage/): what needs a manager or a unit head today, and how the
services are doing (logistics.command_centre reads it all from the stored indicator values)."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from logistics import command_centre as centre
from logistics.context_processors import can_view_manager_overview, safe_reverse
from logistics.forms import CommandCentreFilterForm


@login_required
@require_GET
def command_centre(request):
    access = centre.access(request.user)
    if access is None:
        raise PermissionDenied(
            _(
                "The command centre is for logistics managers, supervisors and unit heads "
                "with a building or department assigned."
            )
        )
    form = CommandCentreFilterForm(request.GET or None, access=access)
    if form.out_of_reach():
        raise Http404
    chosen = form.chosen() if form.is_bound and form.is_valid() else None
    scope = chosen or access.default_scope
    today = timezone.localdate()
    services, as_of = centre.how_we_are_doing(today, scope)
    context = {
        "form": form,
        "access": access,
        "scope_name": access.name(scope),
        "today": today,
        "as_of": as_of,
        "alerts": centre.needs_attention(today, access.attention_scopes(chosen), access.name),
        "services": services,
        "links": _links(request.user),
    }
    return render(request, "manage/command_centre.html", context)


def _links(user) -> list[tuple[str, str]]:
    """The manager pages beside the command centre, for those who may open them (the weekly
    reports once they are installed)."""
    if not can_view_manager_overview(user):
        return []
    pages = (("reports:list", _("Weekly reports")), ("manager-overview", _("Manager overview")))
    return [(url, label) for name, label in pages if (url := safe_reverse(name))]
