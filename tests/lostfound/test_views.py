"""The lost-and-found pages: the board, an item's page, reporting, the desk, categories; what
each person may see (others' objects 404) and that hidden traits never leak."""

import re
import uuid
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from lostfound.models import FoundItem, LostReport
from tests.lostfound.factories import (
    FoundItemFactory,
    FoundItemPhotoFactory,
    LostReportFactory,
    category,
)
from tests.repairs.factories import image_upload

pytestmark = pytest.mark.django_db
SECRET = "SECRET-TRAIT"


def client_for(user=None) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    if user is not None:
        client.force_login(user)
    return client


def test_the_board_lists_open_items_newest_first_without_secrets(student, other_student, desk):
    old = FoundItemFactory(finder=other_student, desk=desk, description="旧的雨伞")
    new = FoundItemFactory(finder=other_student, desk=desk, description="新的水杯")
    card = FoundItemFactory(
        finder=other_student,
        desk=desk,
        category=category("card"),
        is_public=False,
        owner_campus_id="2024123456",
        description="一张校园卡",
    )
    page = client_for(student).get(reverse("lostfound:index"))
    html = page.content.decode()
    assert page.status_code == 200
    assert html.index("新的水杯") < html.index("旧的雨伞")
    assert card.description not in html and "3456" not in html
    assert SECRET not in html and other_student.get_display_name() not in html
    assert old.pk and new.pk


def test_the_board_asks_visitors_to_sign_in_unless_public(settings, desk):
    FoundItemFactory(desk=desk, description="蓝色雨伞")
    assert client_for().get(reverse("lostfound:index")).status_code == 302
    settings.LOSTFOUND_BOARD_PUBLIC = True
    page = client_for().get(reverse("lostfound:index"))
    assert page.status_code == 200 and "蓝色雨伞" in page.content.decode()


def test_the_board_searches_chinese_terms(student, desk):
    FoundItemFactory(desk=desk, description="黑色华为手机")
    FoundItemFactory(desk=desk, description="蓝色雨伞")
    html = client_for(student).get(reverse("lostfound:index"), {"q": "华为"}).content.decode()
    assert "黑色华为手机" in html and "蓝色雨伞" not in html


def test_the_board_never_finds_by_a_hidden_trait(student, desk):
    FoundItemFactory(desk=desk, description="钥匙", hidden_traits="小熊挂件")
    html = client_for(student).get(reverse("lostfound:index"), {"q": "小熊"}).content.decode()
    assert "No found item matches" in html


def test_the_board_answers_bad_filters_with_400(student):
    page = client_for(student).get(reverse("lostfound:index"), {"category": "x"})
    assert page.status_code == 400


def test_the_board_costs_the_same_queries_for_more_rows(
    student, desk, django_assert_max_num_queries
):
    for _ in range(3):
        FoundItemFactory(desk=desk)
    client = client_for(student)
    client.get(reverse("lostfound:index"))
    with django_assert_max_num_queries(12) as few:
        client.get(reverse("lostfound:index"))
    for _ in range(10):
        FoundItemFactory(desk=desk)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(reverse("lostfound:index"))


def test_the_board_shows_each_items_first_photo(student, desk, media_root):
    items = [FoundItemFactory(desk=desk) for _ in range(3)]
    first = {item.pk: FoundItemPhotoFactory(item=item) for item in items[:2]}
    later = [FoundItemPhotoFactory(item=item) for item in items[:2]]

    html = client_for(student).get(reverse("lostfound:index")).content.decode()

    for photo in first.values():
        assert f'src="{photo.get_absolute_url()}"' in html
    assert not any(photo.get_absolute_url() in html for photo in later)
    assert html.count('class="lf-thumb"') == 2  # the third item has none


def test_an_items_page_hides_traits_from_all_but_its_desk(
    student, other_student, manager, desk, desk_staff, other_desk_staff
):
    item = FoundItemFactory(finder=student, desk=desk)
    url = item.get_absolute_url()
    for user in (student, other_student, manager, other_desk_staff):
        html = client_for(user).get(url).content.decode()
        assert item.description in html and SECRET not in html, user
    assert SECRET in client_for(desk_staff).get(url).content.decode()


def test_a_card_is_masked_to_all_but_the_desk_and_404_to_strangers(
    student, other_student, desk, desk_staff
):
    card = FoundItemFactory(
        finder=other_student,
        owner=student,
        desk=desk,
        category=category("card"),
        is_public=False,
        owner_campus_id="2024123456",
    )
    url = card.get_absolute_url()
    owner_html = client_for(student).get(url).content.decode()
    assert "******3456" in owner_html and "2024123456" not in owner_html
    assert "2024123456" in client_for(desk_staff).get(url).content.decode()
    stranger = client_for(FoundItemFactory().finder)
    assert stranger.get(url).status_code == 404


def test_returned_items_of_others_are_404(student, other_student, desk):
    item = FoundItemFactory(finder=other_student, desk=desk, status=FoundItem.Status.RETURNED)
    assert client_for(student).get(item.get_absolute_url()).status_code == 404
    assert client_for(other_student).get(item.get_absolute_url()).status_code == 200


def test_photos_are_served_to_those_who_see_the_item(student, other_student, desk, media_root):
    photo = FoundItemPhotoFactory(item=FoundItemFactory(desk=desk, is_public=False, finder=student))
    url = photo.get_absolute_url()
    assert client_for(student).get(url).status_code == 200
    assert client_for(other_student).get(url).status_code == 404


def test_a_finder_reports_a_found_item_through_the_form(student, desk, media_root):
    page = client_for(student).post(
        reverse("lostfound:found-create"),
        {
            "category": category("keys").pk,
            "description": "一串钥匙",
            "hidden_traits": "小熊",
            "place_text": "图书馆门口",
            "found_at": (timezone.localtime() - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
            "custody": "finder",
            "desk": desk.pk,
            "photos": [image_upload()],
        },
    )
    item = FoundItem.objects.get()
    assert page.status_code == 302 and page["Location"] == item.get_absolute_url()
    assert item.custody == "finder" and item.photos.count() == 1


def test_the_found_form_answers_bad_input_with_messages(student, desk):
    page = client_for(student).post(reverse("lostfound:found-create"), {"desk": desk.pk})
    assert page.status_code == 400
    assert "Choose a building or say where." in page.content.decode()
    assert not FoundItem.objects.exists()


def test_an_owner_files_a_lost_report(student):
    now = timezone.localtime()
    page = client_for(student).post(
        reverse("lostfound:lost-create"),
        {
            "category": category("phone").pk,
            "description": "黑色手机",
            "place_text": "图书馆",
            "lost_from": (now - timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M"),
            "lost_until": now.strftime("%Y-%m-%dT%H:%M"),
        },
    )
    report = LostReport.objects.get()
    assert page.status_code == 302 and report.owner == student


def test_a_lost_report_is_its_owners_and_the_desks(student, other_student, desk_staff):
    report = LostReportFactory(owner=student)
    url = report.get_absolute_url()
    assert client_for(student).get(url).status_code == 200
    assert client_for(desk_staff).get(url).status_code == 200
    assert client_for(other_student).get(url).status_code == 404


def test_my_items_lists_only_mine(student, other_student, desk):
    mine = FoundItemFactory(finder=student, desk=desk, description="我的发现")
    FoundItemFactory(finder=other_student, desk=desk, description="别人的发现")
    LostReportFactory(owner=other_student, description="别人的挂失")
    html = client_for(student).get(reverse("lostfound:mine")).content.decode()
    assert "我的发现"[:2] in html and mine.number in html and "别人的发现" not in html
    lost = client_for(student).get(reverse("lostfound:mine"), {"show": "lost"}).content.decode()
    assert "别人的挂失" not in lost


def test_the_desk_pages_are_for_desk_staff(student, manager, desk_staff):
    for name in ("lostfound:desk", "lostfound:intake", "lostfound:labels"):
        assert client_for(student).get(reverse(name)).status_code == 403
        assert client_for(manager).get(reverse(name)).status_code == 403
        assert client_for(desk_staff).get(reverse(name)).status_code == 200


def test_the_inventory_shows_only_the_desks_items_oldest_first(desk, desk_staff, other_desk_staff):
    now = timezone.now()
    FoundItemFactory(
        desk=desk, status="stored", stored_at=now - timedelta(days=1), description="新存的"
    )
    FoundItemFactory(
        desk=desk, status="stored", stored_at=now - timedelta(days=9), description="老存的"
    )
    html = client_for(desk_staff).get(reverse("lostfound:desk")).content.decode()
    assert html.index("老存的") < html.index("新存的")
    other = client_for(other_desk_staff).get(reverse("lostfound:desk")).content.decode()
    assert "老存的" not in other


def test_the_desk_receives_and_prints_a_label(student, desk, desk_staff):
    item = FoundItemFactory(finder=student, desk=desk)
    client = client_for(desk_staff)
    page = client.post(reverse("lostfound:receive", args=[item.pk]), {"storage_place": "A1"})
    assert page.status_code == 302
    item.refresh_from_db()
    assert item.status == "stored" and item.label == "LIB-00001"
    label = client.get(reverse("lostfound:found-label", args=[item.pk]), {"size": "strip"})
    html = label.content.decode()
    assert label.status_code == 200 and "LIB-00001" in html and "<svg" in html
    assert (
        client_for(student).get(reverse("lostfound:found-label", args=[item.pk])).status_code == 403
    )


def test_another_desk_cannot_receive(student, desk, other_desk_staff):
    item = FoundItemFactory(finder=student, desk=desk)
    page = client_for(other_desk_staff).post(reverse("lostfound:receive", args=[item.pk]))
    assert page.status_code == 403


def test_the_desk_intake_stores_and_labels(desk, desk_staff, second_desk_staff):
    client = client_for(desk_staff)
    page = client.post(
        reverse("lostfound:intake"),
        {
            "category": category("phone").pk,
            "description": "黑色手机",
            "hidden_traits": "锁屏是猫",
            "place_text": "图书馆",
            "found_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
            "storage_place": "保险柜",
            "desk": desk.pk,
        },
    )
    item = FoundItem.objects.get()
    assert page.status_code == 302 and item.status == "intake_pending" and item.finder is None
    same = client.post(reverse("lostfound:confirm-intake", args=[item.pk]))
    assert same.status_code == 302
    item.refresh_from_db()
    assert item.status == "intake_pending"
    client_for(second_desk_staff).post(reverse("lostfound:confirm-intake", args=[item.pk]))
    item.refresh_from_db()
    assert item.status == "stored"


def test_a_desk_intake_that_comes_back_keeps_its_photos(desk, desk_staff, media_root):
    client = client_for(desk_staff)
    data = {
        "category": category("phone").pk,
        "description": "黑色手机",
        "found_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "storage_place": "保险柜",
        "desk": desk.pk,
        "photos": [image_upload("front.jpg"), image_upload("back.png", fmt="PNG")],
    }
    first = client.post(reverse("lostfound:intake"), data)  # no place: an error

    html = first.content.decode()
    assert first.status_code == 400 and not FoundItem.objects.exists()
    assert 'alt="front.jpg"' in html and 'alt="back.png"' in html
    tokens = re.findall(r'name="photos_kept" value="([^"]+)"', html)
    assert len(tokens) == 2

    data |= {"place_text": "图书馆", "photos": [], "photos_kept": tokens}
    assert client.post(reverse("lostfound:intake"), data).status_code == 302
    assert FoundItem.objects.get().photos.count() == 2


def test_managers_edit_categories(student, manager):
    keys = category("keys")
    url = reverse("lostfound:category-edit", args=[keys.pk])
    assert client_for(student).get(url).status_code == 403
    data = {
        "name": "钥匙",
        "name_en": "Keys",
        "code": "keys",
        "holding_days": 30,
        "is_active": "on",
        "sort_order": 20,
    }
    assert client_for(manager).post(url, data).status_code == 302
    keys.refresh_from_db()
    assert keys.holding_days == 30
    bad = client_for(manager).post(url, {**data, "holding_days": "-1"})
    assert bad.status_code == 400


def test_the_pages_speak_chinese_by_default(student):
    page = Client().get(reverse("lostfound:index"))
    assert page.status_code == 302
    client = Client()
    client.force_login(student)
    assert "失物" in client.get(reverse("lostfound:index")).content.decode()


def test_the_home_page_lists_my_lost_reports_and_found_items_and_nobody_elses(
    student, other_student, desk
):
    mine = [
        LostReportFactory(owner=student),
        FoundItemFactory(finder=student, desk=desk),
    ]
    others = [
        LostReportFactory(owner=other_student),
        FoundItemFactory(finder=other_student, desk=desk),
    ]
    client = client_for(student)

    html = client.get(reverse("home")).content.decode()

    for row in mine:  # each by its number and link
        assert row.number in html and row.get_absolute_url() in html
    for row in others:
        assert row.number not in html and row.get_absolute_url() not in html
    assert SECRET not in html  # a hidden trait never reaches the home page
    assert reverse("lostfound:mine") in html


def test_the_home_page_says_so_when_i_have_reported_nothing(student):
    html = client_for(student).get(reverse("home"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "You have not reported anything lost." in html
    assert "You have not reported a found item." in html


def test_a_found_item_or_lost_report_sent_twice_is_filed_once(student, desk):
    client = client_for(student)
    now = timezone.localtime()
    found = {
        "category": category("keys").pk,
        "description": "一串钥匙",
        "place_text": "图书馆门口",
        "found_at": (now - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
        "custody": "desk",
        "desk": desk.pk,
        "submission_token": str(uuid.uuid4()),
    }
    first = client.post(reverse("lostfound:found-create"), found)
    second = client.post(reverse("lostfound:found-create"), found)
    assert FoundItem.objects.count() == 1
    assert second.status_code == 302 and second["Location"] == first["Location"]

    lost = {
        "category": category("phone").pk,
        "description": "黑色手机",
        "place_text": "图书馆",
        "lost_from": (now - timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M"),
        "lost_until": now.strftime("%Y-%m-%dT%H:%M"),
        "submission_token": str(uuid.uuid4()),
    }
    first = client.post(reverse("lostfound:lost-create"), lost)
    second = client.post(reverse("lostfound:lost-create"), lost)
    assert LostReport.objects.count() == 1
    assert second.status_code == 302 and second["Location"] == first["Location"]
