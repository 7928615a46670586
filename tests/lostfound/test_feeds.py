"""The Atom feed of new found items per campus: RFC 4287 as feedparser (a third-party parser)
reads it without a bozo error, the board's public facts only, and only while the board is
public."""

import feedparser
import pytest
from django.test import Client
from django.urls import reverse

from tests.logistics.factories import BuildingFactory, CampusFactory
from tests.lostfound.factories import FoundItemFactory, category

pytestmark = pytest.mark.django_db


@pytest.fixture
def campus(desk):
    return desk.building.campus


def test_the_feed_lists_the_campus_board_without_secrets(settings, campus, desk, student):
    settings.LOSTFOUND_BOARD_PUBLIC = True
    library = BuildingFactory(campus=campus, name="图书馆")
    phone = FoundItemFactory(
        desk=desk, building=library, category=category("phone"), description="黑色华为手机"
    )
    no_building = FoundItemFactory(desk=desk, place_text="操场", description="一把蓝色雨伞")
    FoundItemFactory(
        desk=desk,
        building=library,
        category=category("card"),
        is_public=False,
        description="校园卡",
        owner_campus_id="2024123456",
    )
    FoundItemFactory(desk=desk, building=library, status="returned", description="已归还的钥匙")
    FoundItemFactory(building=BuildingFactory(campus=CampusFactory()), description="别的校区")

    response = Client().get(reverse("lostfound:feed-campus", args=[campus.code]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    feed = feedparser.parse(response.content)
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.version == "atom10"
    titles = [entry.title for entry in feed.entries]
    assert len(titles) == 2
    assert any("黑色华为手机" in t for t in titles) and any("蓝色雨伞" in t for t in titles)
    text = response.content.decode()
    for secret in ("SECRET-TRAIT", "校园卡", "3456", "已归还", "别的校区", phone.finder.username):
        assert secret not in text
    entry = next(e for e in feed.entries if "黑色华为手机" in e.title)
    assert entry.link.endswith(phone.get_absolute_url())
    assert entry.id.endswith(f",2026:lostfound/found/{phone.pk}")
    assert no_building.get_absolute_url() in text


def test_there_is_no_feed_while_the_board_is_for_signed_in_users(settings, campus, student):
    settings.LOSTFOUND_BOARD_PUBLIC = False
    url = reverse("lostfound:feed-campus", args=[campus.code])
    assert Client().get(url).status_code == 404


def test_an_unknown_campus_is_404(settings):
    settings.LOSTFOUND_BOARD_PUBLIC = True
    assert Client().get(reverse("lostfound:feed-campus", args=["NOPE"])).status_code == 404
