"""Notice pages: the list, a notice, writing, previewing, publishing, correcting, acknowledging."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from logistics.keyset import keyset_page, other_params
from logistics.uploads import private_image_response
from logistics.workflow import DomainError, show_error

from .. import services
from ..errors import LeadTimeWarning
from ..filters import NoticeFilterSet
from ..forms import CorrectionForm, NoticeForm, PublishForm
from ..models import Notice, NoticeRead
from ..querysets import is_notice_manager
from ..workflow import NOTICE_MACHINE

PAGE_SIZE = 20
PINNED_SHOWN = 5


def visible_notices(user):
    return Notice.objects.for_user(user).select_related("campus", "author")


def get_visible_notice(user, pk: int) -> Notice:
    """The notice if `user` may see it; 404 otherwise."""
    return get_object_or_404(visible_notices(user), pk=pk)


def get_managed_notice(user, pk: int) -> Notice:
    """A notice `user` may change: 404 when they may not see it, 403 when they only read it."""
    notice = get_visible_notice(user, pk)
    if not Notice.objects.manageable_by(user).filter(pk=notice.pk).exists():
        raise PermissionDenied
    return notice


def pinned_notices(queryset):
    """Pinned notices and current emergencies (pinned until they expire), newest first."""
    return queryset.current().filter(Notice.ON_TOP)[:PINNED_SHOWN]


@login_required
@require_GET
def notice_list(request):
    notices = visible_notices(request.user)
    manager = is_notice_manager(request.user)
    if not manager:
        notices = notices.published()
    filters = NoticeFilterSet(request.GET, queryset=notices)
    listed = filters.qs if filters.is_valid() else notices.none()
    page = keyset_page(request, listed.order_by("-published_at", "-id"), PAGE_SIZE)
    context = {
        "filters": filters,
        "page": page,
        "query": other_params(request),
        "pinned": list(pinned_notices(notices)) if not request.GET.get("cursor") else [],
        "can_write": manager,
    }
    return render(request, "dorms/notice_list.html", context)


def _reader_context(notice: Notice, user) -> dict:
    """What a resident sees of a notice: whether it asks them to acknowledge, and have they."""
    read = NoticeRead.objects.filter(notice=notice, user=user).first()
    addressed = Notice.objects.addressed_to(user).filter(pk=notice.pk).exists()
    return {
        "addressed": addressed,
        "acknowledged_at": read.acknowledged_at if read else None,
        "can_acknowledge": addressed
        and notice.requires_ack
        and not (read and read.acknowledged_at),
    }


@login_required
@require_GET
def notice_detail(request, pk: int):
    notice = get_visible_notice(request.user, pk)
    context = _reader_context(notice, request.user)
    if context["addressed"]:
        services.notice_mark_read(notice=notice, user=request.user)
    manageable = Notice.objects.manageable_by(request.user).filter(pk=notice.pk).exists()
    context.update(
        notice=notice,
        targets=list(notice.targets.select_related("building", "room__building", "department")),
        attachments=list(notice.attachments.all()),
        correction=notice.corrections.order_by("-id").first(),
        manageable=manageable,
        actions=NOTICE_MACHINE.allowed_actions(notice, request.user) if manageable else [],
        publish_form=PublishForm(),
        delivery=getattr(notice, "delivery", None) if manageable else None,
    )
    return render(request, "dorms/notice_detail.html", context)


@login_required
@require_GET
def notice_preview(request, pk: int):
    """A draft as a resident will see it."""
    notice = get_managed_notice(request.user, pk)
    context = {
        "notice": notice,
        "attachments": list(notice.attachments.all()),
        "preview": True,
    }
    return render(request, "dorms/notice_preview.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def notice_create(request):
    if not is_notice_manager(request.user):
        raise PermissionDenied
    return _edit(request, None)


@login_required
@require_http_methods(["GET", "POST"])
def notice_edit(request, pk: int):
    notice = get_managed_notice(request.user, pk)
    if notice.is_frozen:
        messages.info(request, _("A published notice is frozen. Publish a correction instead."))
        return redirect("dorms:notice-correct", pk=notice.pk)
    return _edit(request, notice)


def _edit(request, notice: Notice | None):
    if request.method == "POST":
        form = NoticeForm(request.POST, request.FILES, user=request.user)
        if form.is_valid():
            try:
                saved = services.notice_save(
                    by=request.user,
                    notice=notice,
                    data=form.notice_data(),
                    audience=form.audience_spec(),
                    attachments=form.cleaned_data.get("attachments") or [],
                )
            except DomainError as error:
                show_error(request, error, form)
            else:
                messages.success(request, _("The draft is saved. Preview it, then publish it."))
                return redirect(saved)
    else:
        initial = NoticeForm.initial_for(notice) if notice else {}
        form = NoticeForm(initial=initial, user=request.user)
    context = {"form": form, "notice": notice}
    return render(request, "dorms/notice_form.html", context, status=400 if form.errors else 200)


@login_required
@require_POST
def notice_publish(request, pk: int):
    notice = get_managed_notice(request.user, pk)
    form = PublishForm(request.POST)
    form.is_valid()
    try:
        notice = services.notice_publish(
            notice=notice,
            by=request.user,
            lead_time_reason=form.cleaned_data.get("lead_time_reason", ""),
        )
    except LeadTimeWarning as error:
        show_error(request, error, form)
        context = {"notice": notice, "form": form, "warning": error.message}
        return render(request, "dorms/notice_publish.html", context, status=409)
    except DomainError as error:
        show_error(request, error)
        return redirect(notice)
    if notice.status == Notice.Status.SCHEDULED:
        messages.success(request, _("The notice will be published at the set time."))
    else:
        messages.success(request, _("The notice is published; residents are being notified."))
    return redirect(notice)


@login_required
@require_POST
def notice_unschedule(request, pk: int):
    notice = get_managed_notice(request.user, pk)
    try:
        services.notice_unschedule(notice=notice, by=request.user)
    except DomainError as error:
        show_error(request, error)
    return redirect(notice)


@login_required
@require_http_methods(["GET", "POST"])
def notice_correct(request, pk: int):
    notice = get_managed_notice(request.user, pk)
    if request.method == "POST":
        form = CorrectionForm(request.POST)
        if form.is_valid():
            try:
                correction = services.notice_correct(
                    notice=notice, by=request.user, **form.cleaned_data
                )
            except DomainError as error:
                show_error(request, error, form)
            else:
                messages.success(request, _("The correction is published."))
                return redirect(correction)
    else:
        form = CorrectionForm(initial={"title": notice.title, "body": notice.body})
    context = {"form": form, "notice": notice}
    return render(request, "dorms/notice_correct.html", context, status=400 if form.errors else 200)


@login_required
@require_POST
def notice_acknowledge(request, pk: int):
    notice = get_visible_notice(request.user, pk)
    try:
        services.notice_acknowledge(notice=notice, user=request.user)
    except DomainError as error:
        show_error(request, error)
    else:
        messages.success(request, _("Thank you: your acknowledgement is recorded."))
    return redirect(notice)


@login_required
@require_GET
def attachment(request, pk: int, attachment_pk: int):
    notice = get_visible_notice(request.user, pk)
    found = notice.attachments.filter(pk=attachment_pk).first()
    if found is None:
        raise Http404
    response = private_image_response(found.file)
    response["Content-Disposition"] = "inline"
    return response


@login_required
@require_POST
def outage_avoided(request, pk: int):
    """ "Already known — I will not file": counted for the dispatchers, then back home."""
    notice = get_visible_notice(request.user, pk)
    try:
        services.outage_report_avoided(notice=notice, user=request.user)
    except DomainError as error:
        show_error(request, error)
        return redirect(notice)
    messages.success(request, _("Thank you. The outage is being dealt with."))
    return redirect(notice)
