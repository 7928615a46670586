"""Feeds of public notices for other systems: Atom (RFC 4287) per campus and per building, and
emergency notices as OASIS CAP 1.2 alerts with an Atom index of the current ones.

Public notices are those addressed to a whole campus or to buildings; notices to floors, rooms,
roles or departments stay in the portal. A CAP alert is never edited: a correction is an Update
and an all-clear a Cancel, each a new alert whose `references` name the earlier one.
"""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlparse

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext as _
from lxml import etree

from logistics.i18n import join_list
from logistics.models import Building, Campus

from .models import Audience, Kind, Notice
from .richtext import plain_text

FEED_ITEMS = 50
CAP_NS = "urn:oasis:names:tc:emergency:cap:1.2"
CAP_RECENT = timedelta(days=1)
LANGUAGES = (("zh-hans", "zh-CN"), ("en", "en-US"))


def public_notices():
    return (
        Notice.objects.published()
        .filter(audience__in=(Audience.CAMPUS, Audience.BUILDINGS))
        .select_related("campus")
        .order_by("-published_at", "-id")
    )


class NoticeFeed(Feed):
    """The public notices of a campus (`campus/<code>.atom`) or a building."""

    feed_type = Atom1Feed

    def get_object(self, request, code: str | None = None, pk: int | None = None):
        if code is not None:
            return get_object_or_404(Campus, code=code)
        return get_object_or_404(Building.objects.select_related("campus"), pk=pk)

    def title(self, obj) -> str:
        return _("Notices: %(place)s") % {"place": obj.name}

    def link(self, obj) -> str:
        return reverse("dorms:index")

    def subtitle(self, obj) -> str:
        return _("Public dorm and building notices")

    def items(self, obj):
        notices = public_notices()
        if isinstance(obj, Campus):
            return notices.filter(campus=obj)[:FEED_ITEMS]
        return notices.affecting_building(obj.pk)[:FEED_ITEMS]

    def item_title(self, item: Notice) -> str:
        prefix = _("Correction: ") if item.corrects_id else ""
        return f"{prefix}{item.title}"

    def item_description(self, item: Notice) -> str:
        return plain_text(item.body, limit=1000)

    def item_pubdate(self, item: Notice):
        return item.published_at

    def item_updateddate(self, item: Notice):
        return item.published_at

    def item_guid(self, item: Notice) -> str:
        return f"tag:{_host()},2026:dorms/notice/{item.pk}"

    item_guid_is_permalink = False

    def item_categories(self, item: Notice):
        return [item.kind]


def _host() -> str:
    return urlparse(settings.SITE_URL).hostname or "localhost"


# --- CAP 1.2 -------------------------------------------------------------------------------------


def cap_alerts():
    """Emergency notices that are current, or were published in the last day (so updates and
    all-clears reach the aggregators too)."""
    now = timezone.now()
    recent = Notice.objects.published().filter(kind=Kind.EMERGENCY)
    current = recent.current(now) | recent.filter(published_at__gte=now - CAP_RECENT)
    return current.select_related("campus", "corrects").order_by("-published_at", "-id")


def cap_sender() -> str:
    return f"dorms@{_host()}"


def cap_identifier(notice: Notice) -> str:
    return f"{_host()}.dorms.notice.{notice.pk}"


def cap_time(value) -> str:
    return timezone.localtime(value).isoformat(timespec="seconds")


def _sub(parent, tag: str, text: str | None = None):
    element = etree.SubElement(parent, f"{{{CAP_NS}}}{tag}")
    if text is not None:
        element.text = text
    return element


def cap_alert(notice: Notice) -> bytes:
    """The CAP 1.2 alert of an emergency notice, with a Chinese and an English `info`."""
    if notice.kind != Kind.EMERGENCY or notice.published_at is None:
        raise Http404
    alert = etree.Element(f"{{{CAP_NS}}}alert", nsmap={None: CAP_NS})
    _sub(alert, "identifier", cap_identifier(notice))
    _sub(alert, "sender", cap_sender())
    _sub(alert, "sent", cap_time(notice.published_at))
    _sub(alert, "status", "Actual")
    msg_type = "Alert"
    if notice.corrects_id:
        msg_type = "Cancel" if notice.withdraws else "Update"
    _sub(alert, "msgType", msg_type)
    _sub(alert, "scope", "Public")
    earlier = notice.corrects
    if earlier is not None and earlier.published_at:
        reference = f"{cap_sender()},{cap_identifier(earlier)},{cap_time(earlier.published_at)}"
        _sub(alert, "references", reference)
    areas = _area_description(notice)
    for django_language, cap_language in LANGUAGES:
        with translation.override(django_language):
            _info(alert, notice, cap_language, areas)
    return etree.tostring(alert, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _area_description(notice: Notice) -> list:
    buildings = [t.building for t in notice.targets.select_related("building") if t.building_id]
    return buildings or ([notice.campus] if notice.campus_id else [])


def _info(alert, notice: Notice, language: str, areas: list) -> None:
    english = language.startswith("en")
    title = (notice.title_en if english else "") or notice.title
    body = (notice.body_en if english else "") or notice.body
    info = _sub(alert, "info")
    _sub(info, "language", language)
    _sub(info, "category", "Safety")
    _sub(info, "event", _("Campus emergency"))
    _sub(info, "urgency", "Past" if notice.withdraws else "Immediate")
    _sub(info, "severity", "Severe")
    _sub(info, "certainty", "Observed")
    if notice.valid_until:
        _sub(info, "expires", cap_time(notice.valid_until))
    _sub(info, "senderName", str(settings.SITE_NAME or _("Campus Logistics Portal")))
    _sub(info, "headline", title[:160])
    _sub(info, "description", plain_text(body, limit=4000) or title)
    _sub(info, "web", f"{settings.SITE_URL}{notice.get_absolute_url()}")
    area = _sub(info, "area")
    names = join_list(areas, language=language) or _("The whole campus")
    _sub(area, "areaDesc", names)


def cap_alert_view(request, pk: int) -> HttpResponse:
    notice = get_object_or_404(Notice.objects.published().select_related("corrects"), pk=pk)
    return HttpResponse(cap_alert(notice), content_type="application/cap+xml; charset=utf-8")


class CapIndexFeed(Feed):
    """An Atom index of the current CAP alerts, each linking to its alert document."""

    feed_type = Atom1Feed

    def title(self) -> str:
        return _("Campus emergency alerts (CAP 1.2)")

    def link(self) -> str:
        return reverse("dorms:cap-index")

    def items(self):
        return cap_alerts()[:FEED_ITEMS]

    def item_title(self, item: Notice) -> str:
        return item.title

    def item_description(self, item: Notice) -> str:
        return plain_text(item.body, limit=1000)

    def item_link(self, item: Notice) -> str:
        return reverse("dorms:cap-alert", args=[item.pk])

    def item_pubdate(self, item: Notice):
        return item.published_at

    def item_guid(self, item: Notice) -> str:
        return cap_identifier(item)

    item_guid_is_permalink = False

    def item_enclosures(self, item):
        return []
