"""Home-page and manager-overview section callables of the dorms system."""

from django.db.models import Q
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.timezone import localtime
from django.utils.translation import gettext as _

from .acks import acknowledgement_rates
from .inspections.models import Hazard
from .models import Kind, Notice
from .outages import outages_for_user

SHOWN = 3
ACK_NOTICES_SHOWN = 3


def my_building_context(request: HttpRequest) -> dict:
    """The outage banner (active outages in my building), open hazards in my room, then the
    notices for me: pinned ones and emergencies first (until they expire), then the newest."""
    now = timezone.now()
    user = request.user
    outages = list(outages_for_user(user, now=now)[:SHOWN])
    current = Notice.objects.addressed_to(user).current(now)
    pinned = list(
        current.filter(Q(pinned=True) | Q(kind=Kind.EMERGENCY)).order_by("-published_at", "-id")[
            :SHOWN
        ]
    )
    newest = list(current.exclude(pk__in=[n.pk for n in pinned]).order_by("-published_at", "-id"))
    items = [_hazard_item(h) for h in _my_open_hazards(user)]
    items += [_notice_item(n) for n in [*pinned, *newest[: max(SHOWN - len(pinned), 0)]]]
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
