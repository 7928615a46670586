"""What the parcels system tells people: the arrival notice (one per person and batch), the
proxy's code. Titles are translatable patterns rendered in the portal's language."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from logistics.workflow import notify_involved
from parcels.opening import StationCalendar

CODES_SHOWN = 5

PROXY = _("%(recipient)s asks you to collect parcels for them: code %(code)s")


def codes_text(parcels) -> str:
    codes = [p.pickup_code for p in parcels[:CODES_SHOWN]]
    if len(parcels) > CODES_SHOWN:
        codes.append("…")
    return ", ".join(codes)


def announce(notice, parcels, *, now: datetime | None = None) -> None:
    """One notification for all `parcels` of the notice: open until when, or (the station is
    closed today, or closed already) when it opens next."""
    station = notice.station
    opening = StationCalendar(station).next_opening(now or timezone.now())
    with translation.override(settings.LANGUAGE_CODE):  # the plural needs the number itself
        values = {
            "count": len(parcels),
            "station": station.localized_name,
            "codes": codes_text(parcels),
            "closes": f"{station.closes_at:%H:%M}",
        }
        if opening is None:
            title = ngettext(
                "%(count)d parcel at %(station)s: %(codes)s; open until %(closes)s",
                "%(count)d parcels at %(station)s: %(codes)s; open until %(closes)s",
                len(parcels),
            )
        else:
            title = ngettext(
                "%(count)d parcel at %(station)s: %(codes)s; closed now, opens %(opens)s",
                "%(count)d parcels at %(station)s: %(codes)s; closed now, opens %(opens)s",
                len(parcels),
            )
            values["opens"] = _opens_text(opening, now or timezone.now())
        title = title % values
    notify_involved(
        recipients=[notice.recipient],
        by=None,
        kind="parcels.arrived",
        title=title,
        url=reverse("parcels:mine"),
        department=station.department,
    )


def _opens_text(opening: datetime, now: datetime) -> str:
    """ "tomorrow 09:00", else the month and day as the portal writes them ("12-09 09:00")."""
    local = timezone.localtime(opening)
    if local.date() == timezone.localdate(now) + timedelta(days=1):
        day = gettext("tomorrow")
    else:
        day = date_format(local.date(), "MONTH_DAY_FORMAT")
    return f"{day} {local:%H:%M}"


def notify_proxy(proxy) -> None:
    notify_involved(
        recipients=[proxy.proxy_user],
        by=None,
        kind="parcels.proxy",
        title=PROXY,
        params={"recipient": proxy.recipient.get_display_name(), "code": proxy.code},
        url=reverse("parcels:mine"),
    )
