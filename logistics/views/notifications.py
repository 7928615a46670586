"""Notification pages: the list with mark read (htmx or plain forms), the bell, preferences."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from logistics import notifications as service
from logistics.forms import PortalForm
from logistics.keyset import keyset_page, other_params

PAGE_SIZE = 20
# The bell (includes/_bell.html) listens for this event and refreshes its count.
CHANGED_EVENT = "notifications-changed"


@login_required
@require_GET
def notification_list(request):
    unread_only = request.GET.get("show") == "unread"
    notifications = service.notifications_for(request.user)
    if unread_only:
        notifications = notifications.filter(read_at__isnull=True)
    # by cursor, newest first: any depth costs what the first page does, and no COUNT
    page = keyset_page(request, notifications.order_by("-created_at", "-id"), PAGE_SIZE)
    context = {"page": page, "unread_only": unread_only, "query": other_params(request)}
    return render(request, "logistics/notifications/list.html", context)


@login_required
@require_POST
def mark_read(request, pk: int):
    notification = get_object_or_404(service.notifications_for(request.user), pk=pk)
    service.notification_mark_read(notification=notification)
    if request.htmx:
        response = render(
            request, "logistics/notifications/_notification.html", {"notification": notification}
        )
        response["HX-Trigger"] = CHANGED_EVENT
        return response
    return _back_to_list(request)


@login_required
@require_POST
def mark_all_read(request):
    count = service.notifications_mark_all_read(user=request.user)
    messages.success(request, _("Marked %(count)d notifications as read.") % {"count": count})
    return _back_to_list(request)


def _back_to_list(request):
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect("notifications:list")


@login_required
@require_GET
def bell(request):
    count = service.unread_notification_count(request.user)
    return render(request, "includes/_bell.html", {"unread_notification_count": count})


class PreferenceForm(PortalForm):
    email_enabled = forms.BooleanField(
        label=gettext_lazy("Send me notifications by e-mail"), required=False
    )
    daily_digest = forms.BooleanField(
        label=gettext_lazy("Send one daily digest instead of each e-mail"),
        required=False,
        help_text=gettext_lazy("Every morning, one e-mail with what you have not read yet."),
    )
    muted_kinds = forms.CharField(
        label=gettext_lazy("No e-mail for these kinds"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy(
            "One per line or separated by commas, e.g. dining or repairs.comment. "
            "They still appear in your notification list."
        ),
    )

    def clean_muted_kinds(self) -> list[str]:
        raw = self.cleaned_data["muted_kinds"].replace(",", "\n").splitlines()
        try:
            return service.normalize_kinds(raw)
        except ValueError as exc:
            raise forms.ValidationError(
                _("“%(kind)s” is not a notification kind (letters, digits, _ and dots)."),
                params={"kind": str(exc)},
            )


@login_required
@require_http_methods(["GET", "POST"])
def preferences(request):
    pref = service.notification_preference_get(user=request.user)
    initial = {
        "email_enabled": pref.email_enabled,
        "daily_digest": pref.daily_digest,
        "muted_kinds": "\n".join(pref.muted_kinds),
    }
    form = PreferenceForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        service.notification_preference_update(user=request.user, **form.cleaned_data)
        messages.success(request, _("Your notification settings were saved."))
        return redirect("notifications:preferences")
    status = 400 if form.errors else 200
    return render(
        request, "logistics/notifications/preferences.html", {"form": form}, status=status
    )
