"""Home-page and manager-overview section callables of the dorms system."""

from django.db.models import BooleanField, Case, Q, When
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.timezone import localtime
from django.utils.translation import gettext as _

from .acks import acknowledgement_rates
from .inspections.models import Hazard
from .models import Notice, NoticeRead
from .outages import outages_for_user

SHOWN = 3
ACK_NOTICES_SHOWN = 3


def my_building_context(request: HttpRequest) -> dict:
    """The outage banner (active outages in my building), then pinned notices and emergencies
    (until they expire), open hazards in my room, acknowledgements due, the newest notices.
    One query for the notices: what needs attention sorts first, the newest follow."""
    now = timezone.now()
    user = request.user
    outages = list(outages_for_user(user, now=now)[:SHOWN])
    acked = NoticeRead.objects.filter(user=user, acknowledged_at__isnull=False).values("notice")
    ack_due = Q(requires_ack=True) & ~Q(pk__in=acked)
    rows = list(
        Notice.objects.addressed_to(user)
        .current(now)
        .annotate(
            attention=Case(When(Notice.ON_TOP | ack_due, then=0), default=1),
            ack_due=Case(When(ack_due, then=True), default=False, output_field=BooleanField()),
        )
        .order_by("attention", "-published_at", "-id")[: 4 * SHOWN]
    )
    pinned = [n for n in rows if n.on_top][:SHOWN]
    acks_due = [n for n in rows if n.ack_due and n not in pinned][:SHOWN]
    newest = [n for n in rows if n not in pinned and n not in acks_due]
    newest.sort(key=lambda n: (n.published_at, n.pk), reverse=True)
    items = [_notice_item(n) for n in pinned]  # emergencies stay at the top until they expire
    items += [_hazard_item(h) for h in _my_open_hazards(user)]
    items += [_ack_item(n) for n in acks_due]
    items += [_notice_item(n) for n in newest[: max(SHOWN - len(pinned), 0)]]
    return {
        "outages": outages,
        "now": now,
        "items": items,
        "empty_text": _("No notices for you right now."),
        "more_url": reverse("dorms:my-building"),
    }


def _my_open_hazards(user) -> list[Hazard]:
    if not user.dorm_room_id:
        return []
    return list(
        Hazard.objects.filter(room_id=user.dorm_room_id).open().order_by("deadline")[:SHOWN]
    )


def _hazard_item(hazard: Hazard) -> dict:
    return {
        "title": _("Hazard in your room: %(hazard)s") % {"hazard": hazard.get_kind_display()},
        "url": hazard.get_absolute_url(),
        "status": hazard.get_status_display(),
        "meta": _("fix by %(date)s") % {"date": localtime(hazard.deadline).date().isoformat()},
    }


def _ack_item(notice: Notice) -> dict:
    deadline = localtime(notice.ack_deadline).date().isoformat() if notice.ack_deadline else ""
    return {
        "title": _("Please acknowledge: %(title)s") % {"title": notice.title},
        "url": notice.get_absolute_url(),
        "status": notice.get_kind_display(),
        "meta": _("by %(date)s") % {"date": deadline} if deadline else "",
    }


def _notice_item(notice: Notice) -> dict:
    return {
        "title": notice.title,
        "url": notice.get_absolute_url(),
        "status": notice.get_kind_display(),
        "meta": date_format(localtime(notice.published_at), "SHORT_DATE_FORMAT"),
    }


def manager_figures(request: HttpRequest) -> dict:
    """Active outages, the acknowledgement rates of the current notices that ask for one, and
    open and overdue hazards: a fixed number of queries."""
    now = timezone.now()
    figures = [
        {
            "label": _("Active outages"),
            "value": Notice.objects.active_outages(now).count(),
            "url": reverse("dorms:outages"),
        }
    ]
    asking = Notice.objects.current(now).filter(requires_ack=True).order_by("-published_at", "-id")
    for notice in asking[:ACK_NOTICES_SHOWN]:
        rates = acknowledgement_rates(notice)
        total = sum(r.residents for r in rates)
        done = sum(r.acknowledged for r in rates)
        figures.append(
            {
                "label": _("Acknowledged: %(title)s") % {"title": notice.title},
                "value": f"{round(100 * done / total)} %" if total else "—",
                "url": reverse("dorms:notice-acks", args=[notice.pk]),
            }
        )
    hazards = Hazard.objects.open()
    figures += [
        {"label": _("Open hazards"), "value": hazards.count(), "url": reverse("dorms:hazards")},
        {
            "label": _("Overdue hazards"),
            "value": hazards.overdue(now).count(),
            "url": reverse("dorms:hazards") + "?overdue=1",
        },
    ]
    return {"figures": figures}
