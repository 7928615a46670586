"""Photos kept when a form comes back with errors (logistics.kept, logistics.forms.PhotosField):
the corrected form attaches them without choosing them again; a token is its owner's only,
good once, and refused when tampered with or expired; expired photos are swept."""

import re
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.urls import reverse
from django.utils import timezone

from logistics import kept
from logistics.models import PendingUpload
from logistics.schedule import BEAT_SCHEDULE
from lostfound.models import FoundItem, LostReport
from repairs.models import RepairRequest
from tests.logistics.factories import RoomFactory
from tests.lostfound.factories import DeskFactory, category
from tests.repairs.factories import (
    CategoryFactory,
    image_upload,
    media_root,  # noqa: F401  (fixture)
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_root", "english")]


@pytest.fixture
def english(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


@pytest.fixture
def room(db):
    return RoomFactory(number="305")


@pytest.fixture
def light(db):
    return CategoryFactory(code="light", name="灯具", name_en="Lights")


def repair_data(light, room, **extra) -> dict:
    data = {
        "category": light.pk,
        "building": room.building_id,
        "room_number": room.number,
        "description": "The ceiling light flickers and goes out",
        "urgency": "normal",
    }
    return data | extra


def tokens(response, field="photos") -> list[str]:
    return re.findall(rf'name="{field}_kept" value="([^"]+)"', response.text)


def test_a_corrected_repair_report_attaches_the_photo_chosen_before_the_error(
    client, student, light, room
):
    client.force_login(student)
    data = repair_data(light, room, description="", photos=[image_upload("leak.jpg")])
    response = client.post(reverse("repairs:create"), data)

    assert response.status_code == 400 and not RepairRequest.objects.exists()
    [token] = tokens(response)
    pending = PendingUpload.objects.get()
    assert (pending.owner, pending.original_name) == (student, "leak.jpg")
    assert "kept from before" in response.text and 'alt="leak.jpg"' in response.text
    thumbnail = client.get(reverse("kept-photo", kwargs={"token": token}))
    assert thumbnail.status_code == 200 and thumbnail["Content-Type"] == "image/jpeg"

    response = client.post(reverse("repairs:create"), repair_data(light, room, photos_kept=token))

    repair = RepairRequest.objects.get()
    assert response.status_code == 302 and response.url == repair.get_absolute_url()
    assert repair.photos.count() == 1
    assert not PendingUpload.objects.exists()
    assert not default_storage.exists(pending.image.name)  # the kept copy is gone too


def test_a_kept_photo_and_a_new_one_together_respect_the_limit(
    client, student, light, room, settings
):
    settings.REPAIRS_MAX_PHOTOS = 2
    client.force_login(student)
    first = client.post(
        reverse("repairs:create"), repair_data(light, room, description="", photos=[image_upload()])
    )
    [token] = tokens(first)
    extra = [image_upload("b.jpg"), image_upload("c.jpg")]
    second = client.post(
        reverse("repairs:create"), repair_data(light, room, photos_kept=token, photos=extra)
    )
    assert second.status_code == 400
    assert "Choose at most 2 photos." in second.text
    assert len(tokens(second)) == 3  # all three kept: the user removes one, chooses none again

    third = client.post(
        reverse("repairs:create"), repair_data(light, room, photos_kept=tokens(second)[:2])
    )
    assert third.status_code == 302
    assert RepairRequest.objects.get().photos.count() == 2


def test_a_photo_that_fails_the_checks_is_not_kept(client, student, light, room):
    client.force_login(student)
    data = repair_data(light, room, photos=[image_upload("good.jpg"), image_upload("bad.gif")])
    data["photos"][1].file.write(b"not an image")
    data["photos"][1].file.seek(0)
    data["photos"][1].file.truncate(12)
    response = client.post(reverse("repairs:create"), data)
    assert response.status_code == 400
    assert "“bad.gif” is not a JPEG, PNG or WebP photo." in response.text
    assert list(PendingUpload.objects.values_list("original_name", flat=True)) == ["good.jpg"]


def test_another_persons_token_is_refused(client, student, other_student, light, room):
    client.force_login(student)
    first = client.post(
        reverse("repairs:create"), repair_data(light, room, description="", photos=[image_upload()])
    )
    [token] = tokens(first)

    client.force_login(other_student)
    assert client.get(reverse("kept-photo", kwargs={"token": token})).status_code == 404
    response = client.post(reverse("repairs:create"), repair_data(light, room, photos_kept=token))

    assert response.status_code == 400 and not RepairRequest.objects.exists()
    assert "A photo chosen earlier could not be kept: choose it again." in response.text
    assert PendingUpload.objects.get().owner == student  # still the owner's, untouched


def test_a_tampered_or_used_token_is_refused(client, student, light, room):
    client.force_login(student)
    first = client.post(
        reverse("repairs:create"), repair_data(light, room, description="", photos=[image_upload()])
    )
    [token] = tokens(first)
    pk, owner_pk = kept.signing.loads(token, salt=kept.SALT)
    forged = kept.signing.dumps([pk + 1, owner_pk], salt="another salt")
    for bad in (token[:-2] + "xx", forged):
        response = client.post(reverse("repairs:create"), repair_data(light, room, photos_kept=bad))
        assert response.status_code == 400
        assert "could not be kept" in response.text

    assert (
        client.post(
            reverse("repairs:create"), repair_data(light, room, photos_kept=token)
        ).status_code
        == 302
    )
    # the same token again (a form sent twice, or replayed): already taken
    again = client.post(reverse("repairs:create"), repair_data(light, room, photos_kept=token))
    assert again.status_code == 400 and RepairRequest.objects.get().photos.count() == 1


def test_expired_photos_are_refused_and_swept(client, student, light, room):
    client.force_login(student)
    first = client.post(
        reverse("repairs:create"), repair_data(light, room, description="", photos=[image_upload()])
    )
    [token] = tokens(first)
    fresh = kept.keep(owner=student, upload=image_upload("fresh.jpg"))
    PendingUpload.objects.exclude(original_name="fresh.jpg").update(
        expires_at=timezone.now() - timedelta(minutes=1)
    )
    stale = PendingUpload.objects.get(original_name="photo.jpg")

    response = client.post(reverse("repairs:create"), repair_data(light, room, photos_kept=token))
    assert response.status_code == 400
    assert "is no longer kept (after 24 hours)" in response.text
    assert not default_storage.exists(stale.image.name)  # deleted on access

    old = kept.keep(owner=student, upload=image_upload("old.jpg"))
    PendingUpload.objects.filter(original_name="old.jpg").update(
        expires_at=timezone.now() - timedelta(hours=1)
    )
    old_row = PendingUpload.objects.get(original_name="old.jpg")
    assert kept.sweep() >= 1
    assert list(PendingUpload.objects.values_list("original_name", flat=True)) == ["fresh.jpg"]
    assert not default_storage.exists(old_row.image.name)
    assert old.token and fresh.token
    assert BEAT_SCHEDULE["kept-photos-sweep"]["task"] == "logistics.tasks.bulk_sweep_kept_photos"


def test_a_token_past_its_signature_age_is_expired(student, settings, monkeypatch):
    photo = kept.keep(owner=student, upload=image_upload())
    monkeypatch.setattr(kept, "KEEP_FOR", timedelta(seconds=-1))
    with pytest.raises(ValidationError) as error:
        kept.take(owner=student, token=photo.token)
    assert error.value.code == "expired"


def test_a_lost_report_keeps_its_photo(client, student):
    client.force_login(student)
    now = timezone.localtime()
    data = {
        "category": category("phone").pk,
        "description": "Black phone",
        "place_text": "Library",
        "lost_from": now.strftime("%Y-%m-%dT%H:%M"),
        "lost_until": (now - timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M"),  # before "from"
        "photo": [image_upload()],
    }
    first = client.post(reverse("lostfound:lost-create"), data)
    assert first.status_code == 400 and not LostReport.objects.exists()
    [token] = tokens(first, "photo")

    data |= {"lost_until": now.strftime("%Y-%m-%dT%H:%M"), "photo": [], "photo_kept": token}
    data["lost_from"] = (now - timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M")
    assert client.post(reverse("lostfound:lost-create"), data).status_code == 302
    assert LostReport.objects.get().photo


def test_a_found_item_keeps_its_photos(client, student):
    desk = DeskFactory()
    client.force_login(student)
    data = {
        "category": category("keys").pk,
        "description": "Keys",
        "found_at": (timezone.localtime() - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
        "custody": "desk",
        "desk": desk.pk,
        "photos": [image_upload("a.jpg"), image_upload("b.png", fmt="PNG")],
    }
    first = client.post(reverse("lostfound:found-create"), data)  # no place: an error
    assert first.status_code == 400
    assert "data-error-summary" in first.text and 'href="#id_place_text"' in first.text
    data |= {"place_text": "Library door", "photos": [], "photos_kept": tokens(first)}
    assert client.post(reverse("lostfound:found-create"), data).status_code == 302
    assert FoundItem.objects.get().photos.count() == 2
