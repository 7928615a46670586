"""The dorms pages: writing and publishing as a manager, reading as a resident, scope and 404s."""

from datetime import timedelta
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from dorms import services
from dorms.models import Notice, NoticeRead
from tests.dorms.factories import dorm_manager_of, published, resident_of, water_outage
from tests.logistics.factories import BuildingFactory, RoomFactory

pytestmark = pytest.mark.django_db

LOCAL = "%Y-%m-%dT%H:%M"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def building():
    return BuildingFactory(code="E1", name="东区1号楼", name_en="East 1")


@pytest.fixture
def other_building(building):
    return BuildingFactory(campus=building.campus, code="E9", name="东区9号楼")


@pytest.fixture
def dorm_manager(building):
    return dorm_manager_of(building)


@pytest.fixture
def resident(building):
    return resident_of(RoomFactory(building=building, number="101", floor=1), "s-e1-101")


def _client(client, user):
    client.force_login(user)
    return client


def _form(building, **extra):
    data = {
        "kind": "general",
        "title": "宿舍安全提示",
        "body": "**注意**用电安全",
        "audience": "buildings",
    }
    data["buildings"] = [building.pk]
    return data | extra


def _local(when):
    return timezone.localtime(when).strftime(LOCAL)


def test_a_dorm_manager_writes_previews_and_publishes(client, dorm_manager, building, resident):
    client = _client(client, dorm_manager)
    response = client.post(reverse("dorms:notice-create"), _form(building))
    notice = Notice.objects.get()
    assert response.status_code == 302 and response["Location"] == notice.get_absolute_url()
    preview = client.get(reverse("dorms:notice-preview", args=[notice.pk]))
    assert "<strong>注意</strong>" in preview.content.decode()
    client.post(reverse("dorms:notice-publish", args=[notice.pk]))
    notice.refresh_from_db()
    assert notice.status == "published"


def test_the_form_offers_only_the_managers_buildings(
    client, dorm_manager, building, other_building
):
    client = _client(client, dorm_manager)
    page = client.get(reverse("dorms:notice-create")).content.decode()
    assert building.name in page and other_building.name not in page
    assert 'name="roles"' not in page
    response = client.post(reverse("dorms:notice-create"), _form(other_building))
    assert response.status_code == 400
    assert not Notice.objects.exists()


def test_an_outage_without_its_utility_is_answered_on_the_form(client, dorm_manager, building):
    client = _client(client, dorm_manager)
    response = client.post(reverse("dorms:notice-create"), _form(building, kind="outage"))
    assert response.status_code == 400
    assert response.context["form"].errors["utility"] == ["请选择停供类型。"]
    assert not Notice.objects.exists()


def test_publishing_a_water_outage_20_hours_ahead_asks_for_a_reason(client, dorm_manager, building):
    client = _client(client, dorm_manager)
    starts = timezone.now() + timedelta(hours=20)
    data = _form(
        building,
        kind="outage",
        utility="water",
        title="东区1号楼停水",
        starts_at=_local(starts),
        ends_at=_local(starts + timedelta(hours=4)),
        valid_until=_local(starts + timedelta(hours=4)),
    )
    client.post(reverse("dorms:notice-create"), data)
    notice = Notice.objects.get()
    response = client.post(reverse("dorms:notice-publish", args=[notice.pk]))
    assert response.status_code == 409
    assert "24" in response.content.decode()
    notice.refresh_from_db()
    assert notice.status == "draft"
    reason = {"lead_time_reason": "管道抢修，无法提前"}
    client.post(reverse("dorms:notice-publish", args=[notice.pk]), reason)
    notice.refresh_from_db()
    assert notice.status == "published" and notice.lead_time_reason == reason["lead_time_reason"]


def test_a_resident_sees_the_outage_banner_at_home_and_in_their_building(
    client, resident, building
):
    outage = water_outage([building], title="东区1号楼停水")
    client = _client(client, resident)
    for url in (reverse("home"), reverse("dorms:my-building")):
        page = client.get(url).content.decode()
        assert outage.title in page and "outage-banner" in page


def test_residents_of_other_buildings_see_no_banner(client, other_student, building):
    water_outage([building], title="东区1号楼停水")
    page = _client(client, other_student).get(reverse("home")).content.decode()
    assert "东区1号楼停水" not in page


def test_reading_is_recorded_and_acknowledging_is_a_button(client, resident, building):
    notice = published(buildings=[building], kind="safety", requires_ack=True, title="消防安全")
    client = _client(client, resident)
    page = client.get(notice.get_absolute_url()).content.decode()
    assert "已阅并确认" in page
    assert NoticeRead.objects.filter(notice=notice, user=resident, acknowledged_at=None).exists()
    client.post(reverse("dorms:notice-acknowledge", args=[notice.pk]))
    assert NoticeRead.objects.get(notice=notice, user=resident).acknowledged_at


def test_other_peoples_notices_are_404(client, other_student, building, resident):
    room_notice = published(audience="rooms", title="仅101")
    room_notice.targets.create(building=building, room=resident.dorm_room)
    draft = published(buildings=[building], status="draft", published_at=None)
    client = _client(client, other_student)
    for notice in (room_notice, draft):
        assert client.get(notice.get_absolute_url()).status_code == 404
        assert client.post(reverse("dorms:notice-acknowledge", args=[notice.pk])).status_code == 404


def test_a_dorm_manager_cannot_see_another_buildings_draft(client, other_building, building):
    draft = published(buildings=[other_building], status="draft", published_at=None)
    manager = dorm_manager_of(building)
    client = _client(client, manager)
    for name in ("notice-detail", "notice-edit", "notice-preview"):
        assert client.get(reverse(f"dorms:{name}", args=[draft.pk])).status_code == 404
    assert client.post(reverse("dorms:notice-publish", args=[draft.pk])).status_code == 404


def test_a_resident_may_not_write(client, resident, building):
    notice = published(buildings=[building])
    client = _client(client, resident)
    assert client.get(reverse("dorms:notice-create")).status_code == 403
    assert client.post(reverse("dorms:notice-correct", args=[notice.pk])).status_code == 403


def test_raw_html_in_a_body_is_shown_as_text(client, resident, building):
    notice = published(
        buildings=[building], body="<script>alert(1)</script> [x](javascript:alert(1))"
    )
    page = _client(client, resident).get(notice.get_absolute_url()).content.decode()
    assert "<script>alert(1)" not in page
    assert 'href="javascript:' not in page


def _pdf():
    return SimpleUploadedFile(
        "plan.pdf", b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n", "application/pdf"
    )


def _png():
    buffer = BytesIO()
    Image.new("RGB", (8, 8), "red").save(buffer, format="PNG")
    return SimpleUploadedFile("map.png", buffer.getvalue(), "image/png")


def test_attachments_are_checked_by_content(client, dorm_manager, building, resident):
    client = _client(client, dorm_manager)
    fake = SimpleUploadedFile("evil.pdf", b"<html><script>x</script></html>", "application/pdf")
    response = client.post(reverse("dorms:notice-create"), _form(building, attachments=[fake]))
    assert response.status_code == 400 and not Notice.objects.exists()
    client.post(reverse("dorms:notice-create"), _form(building, attachments=[_pdf(), _png()]))
    notice = Notice.objects.get()
    files = list(notice.attachments.all())
    assert [f.content_type for f in files] == ["application/pdf", "image/png"]
    client.post(reverse("dorms:notice-publish", args=[notice.pk]))
    client.force_login(resident)
    assert client.get(files[0].get_absolute_url()).status_code == 200


def test_the_list_costs_the_same_for_more_notices(
    client, resident, building, django_assert_num_queries
):
    client = _client(client, resident)
    for index in range(3):
        published(buildings=[building], title=f"通知{index}")
    client.get(reverse("dorms:index"))
    with django_assert_num_queries(5) as few:
        client.get(reverse("dorms:index"))
    for index in range(15):
        published(buildings=[building], title=f"更多{index}", pinned=index < 3)
    with django_assert_num_queries(len(few)):
        client.get(reverse("dorms:index"))


def test_search_finds_chinese_words(client, resident, building):
    published(buildings=[building], title="东区停水通知")
    published(buildings=[building], title="消防演练")
    page = _client(client, resident).get(reverse("dorms:index"), {"q": "停水"}).content.decode()
    assert "东区停水通知" in page and "消防演练" not in page


def test_a_correction_replaces_the_notice_for_readers(client, dorm_manager, building, resident):
    notice = published(buildings=[building], title="旧标题", author=dorm_manager)
    client = _client(client, dorm_manager)
    response = client.post(
        reverse("dorms:notice-correct", args=[notice.pk]), {"title": "新标题", "body": "改正"}
    )
    correction = Notice.objects.get(corrects=notice)
    assert response["Location"] == correction.get_absolute_url()
    client.force_login(resident)
    page = client.get(notice.get_absolute_url()).content.decode()
    assert correction.get_absolute_url() in page


def test_my_building_lists_recent_notices_and_home_asks_for_acknowledgements(
    client, resident, building
):
    expired = published(
        buildings=[building], title="上周停电通知", valid_until=timezone.now() - timedelta(days=1)
    )
    safety = published(
        buildings=[building],
        kind="safety",
        title="消防安全须知",
        requires_ack=True,
        ack_deadline=timezone.now() + timedelta(days=2),
    )
    client = _client(client, resident)
    page = client.get(reverse("dorms:my-building"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    recent = page.split("Recent notices")[1]
    assert expired.title in recent and safety.title not in recent
    home = client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert f"Please acknowledge: {safety.title}" in home
    services.notice_acknowledge(notice=safety, user=resident)
    home = client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Please acknowledge" not in home
