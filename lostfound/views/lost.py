"""Lost reports: filing one, its page."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from logistics import idempotency
from logistics.workflow import DomainError, show_error
from lostfound import services
from lostfound.forms import LostReportForm
from lostfound.services import CLAIMABLE
from lostfound.views.common import get_visible_report, nav_links


@login_required
@require_http_methods(["GET", "POST"])
def lost_create(request):
    if request.method == "POST":
        if previous := idempotency.claim(request, "lostfound.lost"):
            mine = reverse("lostfound:mine") + "?show=lost"
            return idempotency.repeat_answer(request, previous, mine)
        form = LostReportForm(request.POST, request.FILES, owner=request.user)
        if form.is_valid():
            try:
                report = services.lost_report_create(owner=request.user, **form.service_kwargs())
            except DomainError as error:
                show_error(request, error, form)
            else:
                messages.success(
                    request,
                    _("Your lost report %(number)s was filed. We tell you when something matches.")
                    % {"number": report.number},
                )
                idempotency.done(request, "lostfound.lost", report.get_absolute_url())
                return redirect(report)
        idempotency.release(request, "lostfound.lost")
    else:
        form = LostReportForm()
    context = {"form": form, "links": nav_links(request.user)}
    return render(request, "lostfound/lost_form.html", context, status=400 if form.errors else 200)


@login_required
@require_GET
def lost_detail(request, pk: int):
    report = get_visible_report(request.user, pk)
    matches = []
    if report.owner_id == request.user.pk and report.status == report.Status.OPEN:
        matches = list(
            report.matches.filter(status="proposed", found_item__status__in=CLAIMABLE)
            .select_related("found_item__category", "found_item__building")
            .order_by("-score", "-id")[:5]
        )
    context = {"report": report, "matches": matches, "links": nav_links(request.user)}
    return render(request, "lostfound/lost_detail.html", context)


@login_required
@require_GET
def lost_photo(request, pk: int):
    from django.http import Http404

    from logistics.uploads import private_image_response

    report = get_visible_report(request.user, pk)
    if not report.photo:
        raise Http404
    return private_image_response(report.photo)
