"""The input rules every text and date-time input shares (logistics.validation): characters XML
1.0 forbids are refused by forms, the API and imports; absurd time-zone offsets are a 400."""

import datetime
import io

import pytest
from django import forms
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation
from rest_framework import serializers

from logistics.models import Building
from logistics.places import place_import
from logistics.validation import (
    FORBIDDEN_CHARACTERS,
    check_offset,
    parse_aware_datetime,
    validate_text,
    xml_text,
)
from repairs.models import RepairRequest
from tests.logistics.factories import CampusFactory, RoomFactory
from tests.repairs.factories import CategoryFactory, RepairRequestFactory

# Every character outside XML 1.0's Char production, in the Basic Multilingual Plane.
FORBIDDEN = (
    [chr(c) for c in range(0x20) if c not in (0x9, 0xA, 0xD)]
    + [chr(c) for c in range(0xD800, 0xE000, 0x3F)]
    + ["\ufffe", "\uffff"]
)
ALLOWED = ["\t", "\n", "\r", " ", "漏水", "é", "\u00a0", "\x7f", "\ufffd", "😀", "\U0010ffff"]


def test_the_pattern_is_xml_10s_char_production():
    char = {0x9, 0xA, 0xD, *range(0x20, 0xD800), *range(0xE000, 0xFFFE)}
    for code in range(0x10000):
        assert bool(FORBIDDEN_CHARACTERS.search(chr(code))) == (code not in char), hex(code)


@pytest.mark.parametrize("character", FORBIDDEN, ids=lambda c: f"U+{ord(c):04X}")
def test_it_refuses_and_strips_each_forbidden_character(character):
    with pytest.raises(ValidationError) as error:
        validate_text(f"漏{character}水")
    assert error.value.code == "forbidden_character"
    assert f"U+{ord(character):04X}" in error.value.messages[0]
    assert xml_text(f"漏{character}水") == "漏水"


@pytest.mark.parametrize("text", ALLOWED)
def test_it_lets_ordinary_text_through(text):
    validate_text(text)
    assert xml_text(text) == text


def test_the_message_is_in_the_users_language():
    with pytest.raises(ValidationError) as error:
        validate_text("a\x0bb")
    with translation.override("zh-hans"):
        assert error.value.messages[0] == "请删除不可见的控制字符 U+000B：文本中不能包含它。"


class NoteForm(forms.Form):
    note = forms.CharField()
    email = forms.EmailField(required=False)


class BuildingForm(forms.ModelForm):
    class Meta:
        model = Building
        fields = ["code", "name"]


class NoteSerializer(serializers.Serializer):
    note = serializers.CharField()
    tags = serializers.ListField(child=serializers.CharField(), required=False)


@pytest.mark.parametrize("character", ["\x00", "\x0b", "\x1f", "\uffff"])
def test_every_form_char_field_refuses_it_with_one_field_error(character):
    form = NoteForm(data={"note": f"漏{character}水"})
    assert not form.is_valid()
    assert len(form.errors["note"]) == 1
    assert "control character" in form.errors["note"][0]


@pytest.mark.django_db
def test_a_model_form_refuses_it():
    form = BuildingForm(data={"code": "D1", "name": "学\x0b一楼"})
    assert not form.is_valid()
    assert list(form.errors) == ["name"]


@pytest.mark.parametrize("character", ["\x00", "\x0b", "\ufffe"])
def test_every_serializer_char_field_refuses_it(character):
    serializer = NoteSerializer(data={"note": f"a{character}b", "tags": ["ok", f"x{character}y"]})
    assert not serializer.is_valid()
    assert set(serializer.errors) == {"note", "tags"}
    assert len(serializer.errors["note"]) == 1
    assert serializer.errors["note"][0].code == "forbidden_character"


# --- Through the portal's own inputs ------------------------------------------------------------


@pytest.fixture
def category(db):
    return CategoryFactory(code="tap", name="水龙头", name_en="Tap")


@pytest.mark.django_db
@pytest.mark.parametrize("character", ["\x00", "\x0b"])
def test_the_api_answers_400_naming_the_field(client, student, category, character):
    client.force_login(student)
    room = RoomFactory(number="302")
    data = {"category": category.pk, "room": room.pk, "description": f"漏{character}水"}
    response = client.post("/api/v1/repairs/requests/", data, content_type="application/json")
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["code"] == "invalid"
    assert list(body["fields"]) == ["description"]
    assert not RepairRequest.objects.exists()


@pytest.mark.django_db
def test_the_pages_answer_with_a_field_error(client, student, category):
    client.force_login(student)
    data = {
        "category": category.pk,
        "place_text": "东\x0b门",
        "description": "灯\x00不亮",
        "urgency": "low",
    }
    response = client.post(reverse("repairs:create"), data)
    assert response.status_code in (200, 400)
    errors = response.context["form"].errors
    assert set(errors) == {"place_text", "description"}
    assert not RepairRequest.objects.exists()


@pytest.mark.django_db
def test_an_import_reports_the_row_and_imports_nothing(manager):
    CampusFactory(code="main", name="本部")
    text = "campus,code,name,kind\nmain,D1,学一楼,dormitory\nmain,D2,学\x0b二楼,dormitory\n"
    report = place_import(kind="buildings", upload=io.BytesIO(text.encode()), by=manager)
    assert not report.ok
    assert [(e.line, list(e.messages)) for e in report.errors] == [(3, ["name"])]
    assert not Building.objects.exists()


# --- Time-zone offsets --------------------------------------------------------------------------


@pytest.mark.parametrize("offset", ["+14:00", "-12:00", "+05:45", "Z", "+00:00", ""])
def test_it_accepts_real_offsets(offset):
    value = parse_aware_datetime(f"2026-11-01T00:00:00{offset}")
    assert value.utcoffset() is not None


@pytest.mark.parametrize("offset", ["+23:00", "+23:19", "-12:01", "+14:01", "-23:59"])
def test_it_refuses_unreal_offsets(offset):
    with pytest.raises(ValidationError) as error:
        parse_aware_datetime(f"2026-11-01T00:00:00{offset}")
    assert error.value.code == "offset"
    assert offset in error.value.messages[0]


def test_check_offset_leaves_naive_times_alone():
    moment = datetime.datetime(2026, 11, 1)
    assert check_offset(moment) is moment


class WhenForm(forms.Form):
    when = forms.DateTimeField()


class WhenSerializer(serializers.Serializer):
    when = serializers.DateTimeField()


def test_every_form_and_serializer_date_time_refuses_an_unreal_offset():
    form = WhenForm(data={"when": "2026-11-01T00:00:00+23:00"})
    assert not form.is_valid() and "+23:00" in form.errors["when"][0]
    serializer = WhenSerializer(data={"when": "2026-11-01T00:00:00+23:00"})
    assert not serializer.is_valid() and "+23:00" in serializer.errors["when"][0]
    assert WhenSerializer(data={"when": "2026-11-01T00:00:00+14:00"}).is_valid()


@pytest.mark.django_db
@pytest.mark.parametrize("since", ["2026-11-01T00:00:00+23:19", "2026-11-01T00:00:00-13:00"])
def test_an_api_date_time_filter_answers_400_naming_it(client, manager, since):
    repair = RepairRequestFactory()
    client.force_login(manager)
    url = f"/api/v1/repairs/requests/{repair.pk}/events/"
    response = client.get(url, {"since": since})
    assert response.status_code == 400, response.content
    assert list(response.json()["fields"]) == ["since"]
    assert client.get(url, {"since": "2026-11-01T00:00:00+14:00"}).status_code == 200
