"""The lost-and-found services: reporting, intake with labels, the second person, cards."""

from datetime import timedelta

import pytest
from django.utils import timezone

from logistics.models import Notification
from logistics.workflow import InvalidInput, NotAllowed
from lostfound import services
from lostfound.errors import InvalidTransition, SecondPersonRequired
from lostfound.models import FoundItem, mask_campus_id
from tests.logistics.factories import UserFactory
from tests.lostfound.factories import (
    category,
)
from tests.repairs.factories import image_upload

pytestmark = pytest.mark.django_db
Status = FoundItem.Status


def _report(finder, desk, **kwargs):
    values = {
        "finder": finder,
        "category": category("keys"),
        "description": "一串钥匙，蓝色钥匙扣",
        "found_at": timezone.now() - timedelta(hours=1),
        "desk": desk,
        "place_text": "图书馆二楼",
        "hidden_traits": "钥匙扣上有小熊",
    }
    return services.found_item_report(**(values | kwargs))


def test_it_reports_a_found_item_on_the_board_and_tells_the_desk(student, desk, desk_staff):
    item = _report(student, desk)
    assert item.status == Status.REPORTED and item.is_public
    assert item.notice_published_at is not None
    assert item.events.get().action == "reported"
    assert Notification.objects.filter(recipient=desk_staff, kind="lostfound.reported").exists()


def test_it_keeps_photos_reencoded(student, desk, media_root):
    item = _report(student, desk, photos=[image_upload()])
    assert item.photos.count() == 1
    assert item.photos.get().image.name.startswith("lostfound/")


def test_it_refuses_a_non_image_photo(student, desk):
    from django.core.files.uploadedfile import SimpleUploadedFile

    bad = SimpleUploadedFile("x.jpg", b"not an image", content_type="image/jpeg")
    with pytest.raises(InvalidInput) as error:
        _report(student, desk, photos=[bad])
    assert "photos" in error.value.fields
    assert not FoundItem.objects.exists()


def test_it_refuses_a_time_in_the_future(student, desk):
    with pytest.raises(InvalidInput):
        _report(student, desk, found_at=timezone.now() + timedelta(days=1))


def test_it_tells_a_card_owner_directly_and_never_posts_the_card(student, other_student, desk):
    item = _report(other_student, desk, category=category("card"), owner_campus_id=student.username)
    assert not item.is_public and item.owner == student
    note = Notification.objects.get(recipient=student, kind="lostfound.card_found")
    assert "图书馆一楼" in note.title and "8:30–17:00" in note.title
    assert not FoundItem.objects.board().filter(pk=item.pk).exists()


def test_it_records_a_card_whose_owner_is_unknown(student, desk):
    item = _report(student, desk, category=category("card"), owner_campus_id="nobody99")
    assert item.owner is None and not item.is_public
    assert item.events.filter(action="owner_unknown").exists()


def test_it_masks_a_card_number_to_its_last_four_digits():
    assert mask_campus_id("2024123456") == "******3456"
    assert mask_campus_id("1234") == "****1234"
    assert mask_campus_id("") == ""


def test_the_desk_receives_a_reported_item_with_a_label(student, desk, desk_staff):
    item = _report(student, desk)
    services.found_item_receive(item=item, by=desk_staff, storage_place="A架3层")
    item.refresh_from_db()
    assert item.status == Status.STORED and item.label == "LIB-00001"
    assert item.storage_place == "A架3层" and item.stored_at is not None
    second = services.found_item_receive(item=_report(student, desk), by=desk_staff)
    assert second.label == "LIB-00002"


def test_another_desk_may_not_receive(student, desk, other_desk_staff):
    with pytest.raises(NotAllowed):
        services.found_item_receive(item=_report(student, desk), by=other_desk_staff)


def test_receiving_twice_is_refused(student, desk, desk_staff):
    item = _report(student, desk)
    services.found_item_receive(item=item, by=desk_staff)
    stale = FoundItem.objects.get(pk=item.pk)
    with pytest.raises(InvalidTransition):
        services.found_item_receive(item=stale, by=desk_staff)


def test_a_valuable_needs_a_second_desk_person(desk, desk_staff, second_desk_staff):
    item = services.found_item_intake(
        by=desk_staff,
        desk=desk,
        category=category("phone"),
        description="黑色手机",
        found_at=timezone.now(),
        hidden_traits="锁屏是一只猫",
        place_text="图书馆",
    )
    assert item.status == Status.INTAKE_PENDING and item.label.startswith("LIB-")
    assert Notification.objects.filter(
        recipient=second_desk_staff, kind="lostfound.intake_pending"
    ).exists()
    with pytest.raises(SecondPersonRequired):
        services.found_item_confirm_intake(item=item, by=desk_staff)
    services.found_item_confirm_intake(item=item, by=second_desk_staff)
    item.refresh_from_db()
    assert item.status == Status.STORED and item.intake_confirmed_by == second_desk_staff


def test_intake_is_for_the_desk_staff_only(student, desk):
    with pytest.raises(NotAllowed):
        services.found_item_intake(
            by=student,
            desk=desk,
            category=category("keys"),
            description="钥匙",
            found_at=timezone.now(),
        )


def test_it_files_a_lost_report_and_checks_the_window(student):
    now = timezone.now()
    report = services.lost_report_create(
        owner=student,
        category=category("phone"),
        description="丢了黑色手机",
        lost_from=now - timedelta(hours=3),
        lost_until=now,
    )
    assert report.status == "open"
    with pytest.raises(InvalidInput):
        services.lost_report_create(
            owner=student,
            category=category("phone"),
            description="x",
            lost_from=now,
            lost_until=now - timedelta(hours=3),
        )


def test_only_managers_save_categories(student, manager):
    new = category("keys")
    new.holding_days = 30
    with pytest.raises(NotAllowed):
        services.category_save(category=new, by=student)
    services.category_save(category=new, by=manager)
    new.refresh_from_db()
    assert new.holding_days == 30


def test_the_search_tokens_never_hold_the_hidden_traits(student, desk):
    item = _report(student, desk, hidden_traits="秘密小熊")
    assert not FoundItem.objects.filter(pk=item.pk, search_tokens__matches="'秘密'").exists()
    assert FoundItem.objects.filter(pk=item.pk, search_tokens__matches="'钥匙'").exists()


def test_a_user_with_another_campus_id_is_not_told(student, desk):
    other = UserFactory(username="s9999999")
    _report(student, desk, category=category("card"), owner_campus_id="s1234567")
    assert not Notification.objects.filter(recipient=other).exists()
