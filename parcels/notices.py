"""What the parcels system tells people: the arrival notice (one per person and batch), the
proxy's code. Titles are translatable patterns rendered in the portal's language."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from logistics.workflow import notify_involved

CODES_SHOWN = 5

PROXY = _("%(recipient)s asks you to collect parcels for them: code %(code)s")


def codes_text(parcels) -> str:
    codes = [p.pickup_code for p in parcels[:CODES_SHOWN]]
    if len(parcels) > CODES_SHOWN:
        codes.append("…")
    return ", ".join(codes)


def announce(notice, parcels) -> None:
    """One notification for all `parcels` of the notice."""
    station = notice.station
    with translation.override(settings.LANGUAGE_CODE):  # the plural needs the number itself
        title = ngettext(
            "%(count)d parcel at %(station)s: %(codes)s; open until %(closes)s",
            "%(count)d parcels at %(station)s: %(codes)s; open until %(closes)s",
            len(parcels),
        ) % {
            "count": len(parcels),
            "station": station.localized_name,
            "codes": codes_text(parcels),
            "closes": f"{station.closes_at:%H:%M}",
        }
    notify_involved(
        recipients=[notice.recipient],
        by=None,
        kind="parcels.arrived",
        title=title,
        url=reverse("parcels:mine"),
        department=station.department,
    )


def notify_proxy(proxy) -> None:
    notify_involved(
        recipients=[proxy.proxy_user],
        by=None,
        kind="parcels.proxy",
        title=PROXY,
        params={"recipient": proxy.recipient.get_display_name(), "code": proxy.code},
        url=reverse("parcels:mine"),
    )
