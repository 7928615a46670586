"""Feeds for other systems: Atom per campus and building (read by feedparser), CAP 1.2 alerts
valid against the OASIS schema, with updates and cancellations referencing the earlier alert."""

from datetime import timedelta
from pathlib import Path

import feedparser
import pytest
from django.urls import reverse
from django.utils import timezone
from lxml import etree

from dorms import services
from tests.dorms.factories import dorm_manager_of, published
from tests.logistics.factories import BuildingFactory

# A copy of ../shared/standards/cap/CAP-v1.2.xsd, so the test runs from any checkout.
XSD = Path(__file__).parent / "data" / "CAP-v1.2.xsd"
CAP = {"cap": "urn:oasis:names:tc:emergency:cap:1.2"}

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def schema():
    return etree.XMLSchema(etree.parse(str(XSD)))


@pytest.fixture
def building():
    return BuildingFactory(code="E1", name="东区1号楼", name_en="East 1")


def _parsed(client, url):
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    feed = feedparser.parse(response.content)
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.version == "atom10"
    return feed


def test_the_campus_and_building_feeds_carry_public_notices_only(client, building):
    public = published(buildings=[building], title="东区停水通知", body="**明天**停水")
    private = published(audience="rooms", title="仅限101", campus=building.campus)
    draft = published(buildings=[building], status="draft", published_at=None, title="草稿")
    elsewhere = published(buildings=[BuildingFactory()], title="别的楼")
    campus = _parsed(client, reverse("dorms:feed-campus", args=[building.campus.code]))
    titles = [entry.title for entry in campus.entries]
    assert public.title in titles
    assert private.title not in titles and draft.title not in titles
    assert elsewhere.title not in titles
    entry = campus.entries[0]
    assert entry.summary == "明天停水" and entry.id.startswith("tag:")
    one = _parsed(client, reverse("dorms:feed-building", args=[building.pk]))
    assert [e.title for e in one.entries] == [public.title]


def test_an_unknown_campus_is_404(client):
    assert client.get(reverse("dorms:feed-campus", args=["NOPE"])).status_code == 404


def _emergency(building, **extra):
    extra.setdefault("valid_until", timezone.now() + timedelta(hours=2))
    return published(
        buildings=[building],
        kind="emergency",
        title="东区1号楼火警，请立即疏散",
        title_en="Fire alarm in East 1: leave the building now",
        body="请沿安全通道撤离，不要乘坐电梯。",
        **extra,
    )


def _alert(client, notice, schema):
    response = client.get(reverse("dorms:cap-alert", args=[notice.pk]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/cap+xml")
    document = etree.fromstring(response.content)
    schema.assertValid(document)
    return document


def test_an_emergency_is_a_valid_cap_alert_in_chinese_and_english(client, building, schema):
    notice = _emergency(building)
    alert = _alert(client, notice, schema)
    assert alert.findtext("cap:msgType", namespaces=CAP) == "Alert"
    languages = alert.xpath("cap:info/cap:language/text()", namespaces=CAP)
    assert languages == ["zh-CN", "en-US"]
    headlines = alert.xpath("cap:info/cap:headline/text()", namespaces=CAP)
    assert headlines == [notice.title, notice.title_en]
    assert alert.xpath("cap:info/cap:area/cap:areaDesc/text()", namespaces=CAP)[0] == "东区1号楼"


def test_a_correction_is_an_update_and_an_all_clear_a_cancel(client, building, schema):
    manager = dorm_manager_of(building)
    notice = _emergency(building, author=manager)
    first = _alert(client, notice, schema)
    update = services.notice_correct(
        notice=notice, by=manager, title="火警：东区1号楼已控制", body=""
    )
    second = _alert(client, update, schema)
    assert second.findtext("cap:msgType", namespaces=CAP) == "Update"
    sender = first.findtext("cap:sender", namespaces=CAP)
    reference = ",".join(
        [
            sender,
            first.findtext("cap:identifier", namespaces=CAP),
            first.findtext("cap:sent", namespaces=CAP),
        ]
    )
    assert second.findtext("cap:references", namespaces=CAP) == reference
    clear = services.notice_correct(
        notice=update, by=manager, title="火警解除", body="可以返回宿舍。", withdraws=True
    )
    third = _alert(client, clear, schema)
    assert third.findtext("cap:msgType", namespaces=CAP) == "Cancel"


def test_the_cap_index_lists_current_alerts_only(client, building):
    current = _emergency(building)
    old = _emergency(building, valid_until=timezone.now() - timedelta(days=2))
    type(old).objects.filter(pk=old.pk).update(published_at=timezone.now() - timedelta(days=3))
    published(buildings=[building], title="普通通知")
    index = _parsed(client, reverse("dorms:cap-index"))
    assert [e.title for e in index.entries] == [current.title]
    assert index.entries[0].link.endswith(reverse("dorms:cap-alert", args=[current.pk]))


def test_a_general_notice_has_no_cap_alert(client, building):
    notice = published(buildings=[building])
    assert client.get(reverse("dorms:cap-alert", args=[notice.pk])).status_code == 404
