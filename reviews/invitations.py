"""The invitation sweep: asks the person served to review, once, and reminds them at most once.

Beat runs ``invitations_sweep`` every few minutes (reviews.tasks.bulk_invitations_sweep). Every
row is claimed with a conditional update (``UPDATE … WHERE sent_at IS NULL``) in the same
transaction as its notification, so a second run — or a second worker at the same moment —
finds nothing left to claim and sends nothing twice.
"""

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from logistics.notifications import notify

from .models import Invitation

BATCH = 500


def invitations_sweep(now=None) -> dict:
    """Sends the due invitations, then the one reminder of unanswered, unexpired ones."""
    now = now or timezone.now()
    return {"sent": _send_due(now), "reminded": _remind_due(now)}


def _no_longer_wanted() -> Q:
    # Reviewed (through any path), answered or expired: nobody should be asked any more.
    return Q(answered_at__isnull=False) | Q(event__review__isnull=False)


def _send_due(now) -> int:
    due = Invitation.objects.filter(sent_at__isnull=True, send_at__lte=now)
    # Mark them sent without a message, so they stop being due.
    closed = due.filter(_no_longer_wanted() | Q(expires_at__lte=now)).values("pk")
    Invitation.objects.filter(pk__in=closed, sent_at__isnull=True).update(sent_at=now)
    sent = 0
    for pk in list(due.values_list("pk", flat=True)[: BATCH * 10]):
        sent += _send_one(pk, now)
    return sent


@transaction.atomic
def _send_one(pk: int, now) -> int:
    if not Invitation.objects.filter(pk=pk, sent_at__isnull=True).update(sent_at=now):
        return 0  # another worker got there first
    invitation = Invitation.objects.select_related("event__served").get(pk=pk)
    event = invitation.event
    notify(
        recipients=[event.served],
        kind="reviews.invitation",
        title=_("How was it? Rate: %(title)s"),
        body=_("Your rating helps us improve. You can rate until %(date)s."),
        params={"title": event, "date": timezone.localtime(invitation.expires_at).date()},
        url=reverse("reviews:event-review", args=[event.pk]),
    )
    return 1


def _reminders_due(now):
    # A reminder comes REVIEWS_REMINDER_DAYS after the invitation really went out, even when
    # the sweep ran late, so nobody gets both messages in the same minute.
    sent_before = now - timedelta(days=settings.REVIEWS_REMINDER_DAYS)
    return Invitation.objects.filter(
        remind_at__lte=now,
        reminded_at__isnull=True,
        answered_at__isnull=True,
        sent_at__lte=sent_before,
        expires_at__gt=now,
        event__review__isnull=True,
    )


def _remind_due(now) -> int:
    reminded = 0
    for pk in list(_reminders_due(now).values_list("pk", flat=True)[: BATCH * 10]):
        reminded += _remind_one(pk, now)
    return reminded


@transaction.atomic
def _remind_one(pk: int, now) -> int:
    claimed = Invitation.objects.filter(
        pk=pk, reminded_at__isnull=True, answered_at__isnull=True, event__review__isnull=True
    ).update(reminded_at=now)
    if not claimed:
        return 0
    invitation = Invitation.objects.select_related("event__served").get(pk=pk)
    event = invitation.event
    notify(
        recipients=[event.served],
        kind="reviews.reminder",
        title=_("Reminder: rate %(title)s"),
        body=_("Only if you like: you can rate until %(date)s. We will not ask again."),
        params={"title": event, "date": timezone.localtime(invitation.expires_at).date()},
        url=reverse("reviews:event-review", args=[event.pk]),
    )
    return 1
