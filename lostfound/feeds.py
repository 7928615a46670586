"""The Atom feed (RFC 4287) of new found items per campus, for other systems and feed readers.

It carries what the public board shows — category, public description, place, date — and
nothing else (no hidden trait, no card, no finder). Feed readers do not sign in, so the feed
exists only while the board is public (`LOSTFOUND_BOARD_PUBLIC`); otherwise it is a 404."""

from __future__ import annotations

from urllib.parse import urlparse

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext as _

from logistics.models import Campus
from lostfound.models import FoundItem
from lostfound.views.common import board_is_public

FEED_ITEMS = 50


class FoundItemFeed(Feed):
    """`feeds/campus/<code>.atom`: the campus's newest items on the board."""

    feed_type = Atom1Feed

    def get_object(self, request, code: str):
        if not board_is_public():
            raise Http404
        return get_object_or_404(Campus, code=code)

    def title(self, obj: Campus) -> str:
        return _("Found items: %(campus)s") % {"campus": obj.localized_name}

    def link(self, obj: Campus) -> str:
        return f"{reverse('lostfound:index')}?campus={obj.pk}"

    def subtitle(self, obj: Campus) -> str:
        return _("New found items on the lost-and-found board")

    def items(self, obj: Campus):
        on_campus = Q(building__campus=obj) | Q(building__isnull=True, desk__building__campus=obj)
        return (
            FoundItem.objects.board()
            .filter(on_campus)
            .select_related("category", "building")[:FEED_ITEMS]
        )

    def item_title(self, item: FoundItem) -> str:
        return f"{item.category} · {item.description}"

    def item_description(self, item: FoundItem) -> str:
        found = timezone.localtime(item.found_at).strftime("%Y-%m-%d %H:%M")
        return _("Found at %(place)s on %(when)s.") % {"place": item.place, "when": found}

    def item_link(self, item: FoundItem) -> str:
        return item.get_absolute_url()

    def item_pubdate(self, item: FoundItem):
        return item.notice_published_at or item.created_at

    def item_updateddate(self, item: FoundItem):
        return item.notice_published_at or item.created_at

    def item_guid(self, item: FoundItem) -> str:
        return f"tag:{_host()},2026:lostfound/found/{item.pk}"

    item_guid_is_permalink = False

    def item_categories(self, item: FoundItem):
        return [item.category.code]


def _host() -> str:
    return urlparse(settings.SITE_URL).hostname or "localhost"
