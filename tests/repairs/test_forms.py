"""The repairs forms: the report form's place, photos and category questions, the action forms —
bad input is answered with a clear message in the user's language, never an exception."""

from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.utils import translation
from django.utils.datastructures import MultiValueDict
from PIL import Image

from repairs.forms import (
    BulkAssignForm,
    CommentForm,
    CompleteForm,
    RatingForm,
    RepairRequestForm,
)
from tests.logistics.factories import RoomFactory
from tests.repairs.factories import CategoryFactory, CategoryQuestionFactory, image_upload

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def category(db):
    return CategoryFactory(code="tap", name_en="Taps")


@pytest.fixture
def room(db):
    return RoomFactory(number="410")


def report(category, room=None, files=None, **extra):
    data = {"category": category.pk, "description": "The tap drips all night", "urgency": "normal"}
    if room is not None:
        data.update(building=room.building_id, room_number=room.number)
    data.update(extra)
    return RepairRequestForm(data, MultiValueDict(files or {}))


def test_it_accepts_a_complete_report_and_resolves_the_room(category, room):
    form = report(category, room, visit_windows=["weekend"], visit_note="after 18:00")
    assert form.is_valid(), form.errors
    kwargs = form.service_kwargs()
    assert (kwargs["room"], kwargs["building"], kwargs["category"]) == (
        room,
        room.building,
        category,
    )
    assert kwargs["preferred_windows"] == "Weekends; after 18:00"
    assert kwargs["photos"] == []


def test_it_finds_the_room_whatever_the_case_of_its_number(category):
    room = RoomFactory(number="A12")
    form = report(category, building=room.building_id, room_number="a12")
    assert form.is_valid(), form.errors
    assert form.room == room


def test_it_asks_where_when_neither_room_nor_place_is_given(category):
    form = report(category)
    assert not form.is_valid()
    assert form.errors["place_text"] == [
        "Tell us where: choose a building and room, or describe the place."
    ]


def test_it_asks_for_the_building_of_a_room_number(category):
    form = report(category, room_number="410")
    assert not form.is_valid()
    assert form.errors["building"] == ["Choose the building of room 410."]


def test_it_refuses_a_room_of_another_building(category, room):
    other = RoomFactory()
    form = report(category, building=other.building_id, room_number=room.number)
    assert not form.is_valid()
    assert "There is no room 410 in" in form.errors["room_number"][0]


def test_it_accepts_a_free_text_place_with_a_building(category, room):
    form = report(category, building=room.building_id, place_text="2nd floor washroom")
    assert form.is_valid(), form.errors
    assert form.service_kwargs()["room"] is None


def test_it_refuses_a_category_that_is_a_group_or_inactive(category):
    child = CategoryFactory(code="tap-kitchen", parent=category)
    retired = CategoryFactory(code="old", is_active=False)
    for chosen in (category, retired):
        form = report(chosen, place_text="Lab 3")
        assert not form.is_valid()
        assert "category" in form.errors
    assert report(child, place_text="Lab 3").is_valid()


def test_it_refuses_a_short_description_and_a_bad_phone(category, room):
    form = report(category, room, description="tap", contact_phone="call me")
    assert not form.is_valid()
    assert "at least 5 characters" in form.errors["description"][0]
    assert form.errors["contact_phone"] == ["Enter a valid phone number."]


def test_it_answers_in_chinese_for_a_chinese_user(category, room):
    with translation.override("zh-hans"):
        form = report(category, room, urgency="whenever")
        assert not form.is_valid()
        assert "选择一个有效的选项" in form.errors["urgency"][0]


# --- Photos ------------------------------------------------------------------------------------


def test_it_accepts_jpeg_png_and_webp_by_content(category, room):
    photos = [
        image_upload("a.jpg"),
        image_upload("b.png", fmt="PNG"),
        image_upload("c.webp", fmt="WEBP"),
    ]
    form = report(category, room, files={"photos": photos})
    assert form.is_valid(), form.errors
    assert len(form.cleaned_data["photos"]) == 3
    assert form.cleaned_data["photos"][0].read(2) == b"\xff\xd8"  # rewound for the service


def test_it_refuses_a_file_whose_name_lies_about_its_content(category, room):
    fake = SimpleUploadedFile("tap.png", b"GIF89a not really", content_type="image/png")
    form = report(category, room, files={"photos": [fake]})
    assert not form.is_valid()
    assert form.errors["photos"] == ["“tap.png” is not a JPEG, PNG or WebP photo."]


def test_it_refuses_a_gif_even_though_it_is_an_image(category, room):
    buffer = BytesIO()
    Image.new("RGB", (8, 8)).save(buffer, format="GIF")
    gif = SimpleUploadedFile("anim.gif", buffer.getvalue(), content_type="image/gif")
    form = report(category, room, files={"photos": [gif]})
    assert not form.is_valid()
    assert "is not a JPEG, PNG or WebP photo" in form.errors["photos"][0]


@override_settings(REPAIRS_MAX_PHOTOS=6)
def test_it_refuses_more_than_six_photos(category, room):
    photos = [image_upload(f"p{n}.jpg") for n in range(7)]
    form = report(category, room, files={"photos": photos})
    assert not form.is_valid()
    assert form.errors["photos"] == ["Choose at most 6 photos."]
    assert form.fields["photos"].widget.attrs["data-max-files"] == 6


def test_it_refuses_a_photo_over_ten_megabytes(category, room):
    big = SimpleUploadedFile(
        "huge.jpg", b"\xff\xd8" + b"0" * (10 * 2**20), content_type="image/jpeg"
    )
    form = report(category, room, files={"photos": [big]})
    assert not form.is_valid()
    assert form.errors["photos"] == ["“huge.jpg” is larger than 10 MB."]


def test_it_offers_camera_or_gallery_and_only_the_accepted_types(category):
    html = str(RepairRequestForm()["photos"])
    assert 'accept="image/jpeg,image/png,image/webp"' in html
    assert "multiple" in html
    assert "capture" not in html  # `capture` would hide the gallery on many phones


# --- The category's questions ------------------------------------------------------------------


@pytest.fixture
def questions(category):
    kinds = {
        "model": ("string", [], False),
        "count": ("number", [], True),
        "since": ("datetime", [], False),
        "details": ("text", [], False),
        "where": (
            "singlevaluelist",
            [{"key": "kitchen", "name": "Kitchen"}, {"key": "bath", "name": "Bath"}],
            True,
        ),
        "signs": (
            "multivaluelist",
            [{"key": "drip", "name": "Drips"}, {"key": "noise", "name": "Noisy"}],
            False,
        ),
    }
    return {
        code: CategoryQuestionFactory(
            category=category,
            code=code,
            label_en=code.title(),
            kind=kind,
            choices=choices,
            required=required,
        )
        for code, (kind, choices, required) in kinds.items()
    }


def test_it_renders_each_kind_of_question_as_its_field(category, questions):
    form = RepairRequestForm(initial={"category": category.pk})
    html = {q.code: str(form[f"q_{q.code}"]) for q in questions.values()}
    assert 'type="text"' in html["model"]
    assert 'type="number"' in html["count"]
    assert 'type="datetime-local"' in html["since"]
    assert "<textarea" in html["details"]
    assert 'type="radio"' in html["where"] and 'value="kitchen"' in html["where"]
    assert 'type="checkbox"' in html["signs"] and 'value="noise"' in html["signs"]
    assert [f.name for f in form.question_fields()] == [f"q_{c}" for c in questions]


def test_it_collects_valid_answers_as_json(category, room, questions):
    form = RepairRequestForm(
        MultiValueDict(
            {
                "category": [category.pk],
                "building": [room.building_id],
                "room_number": [room.number],
                "description": ["The tap drips all night"],
                "urgency": ["normal"],
                "q_model": ["Jomoo 3"],
                "q_count": ["2.5"],
                "q_since": ["2026-11-20T08:30"],
                "q_where": ["bath"],
                "q_signs": ["drip", "noise"],
            }
        )
    )
    assert form.is_valid(), form.errors
    answers = form.answers()
    assert answers["model"] == "Jomoo 3"
    assert answers["count"] == 2.5
    assert answers["since"].startswith("2026-11-20T08:30")
    assert (answers["where"], answers["signs"]) == ("bath", ["drip", "noise"])
    assert "details" not in answers  # left empty


def test_it_names_each_bad_or_missing_answer(category, room, questions):
    form = report(category, room, q_count="lots", q_since="yesterday", q_signs=["leak"])
    assert not form.is_valid()
    assert form.errors["q_count"] == ["Enter a number."]
    assert form.errors["q_since"] == ["Enter a valid date/time."]
    assert "leak is not one of the available choices" in form.errors["q_signs"][0]
    assert form.errors["q_where"] == ["This field is required."]


def test_it_asks_no_questions_before_a_category_is_chosen(questions):
    assert RepairRequestForm().question_fields() == []
    assert RepairRequestForm({"category": "not a number"}).question_fields() == []


# --- Action forms ------------------------------------------------------------------------------


def test_it_takes_a_rating_from_one_to_five_or_none():
    assert RatingForm({"rating": "5"}).is_valid()
    empty = RatingForm({})
    assert empty.is_valid() and empty.cleaned_data["rating"] is None
    form = RatingForm({"rating": "0"})
    assert not form.is_valid()
    assert "Select a valid choice" in form.errors["rating"][0]


def test_it_refuses_negative_or_absurd_labour_minutes():
    assert CompleteForm({"labour_minutes": "45"}).is_valid()
    assert (
        "greater than or equal to 0"
        in CompleteForm({"labour_minutes": "-1"}).errors["labour_minutes"][0]
    )
    assert (
        "less than or equal to 10000"
        in CompleteForm({"labour_minutes": "99999"}).errors["labour_minutes"][0]
    )


def test_it_lets_a_comment_be_a_photo_alone():
    form = CommentForm({}, MultiValueDict({"photos": [image_upload()]}))
    assert form.is_valid(), form.errors


def test_it_reads_the_ticked_requests_and_refuses_garbage(technician):
    form = BulkAssignForm(
        MultiValueDict({"requests": ["3", "1", "3"], "technician": [str(technician.pk)]})
    )
    assert form.is_valid(), form.errors
    assert form.cleaned_data["requests"] == [3, 1]
    bad = BulkAssignForm(
        MultiValueDict({"requests": ["1", "x"], "technician": [str(technician.pk)]})
    )
    assert bad.errors["requests"] == ["The ticked requests were not understood."]
    too_many = BulkAssignForm(
        MultiValueDict(
            {"requests": [str(n) for n in range(1, 502)], "technician": [str(technician.pk)]}
        )
    )
    assert too_many.errors["requests"] == ["Assign at most 500 requests at once."]


def test_it_offers_only_active_technicians_with_their_open_jobs(technician, student):
    form = BulkAssignForm()
    choices = [label for value, label in form.fields["technician"].choices if value]
    assert choices == [f"{technician.get_display_name()} (0 open)"]
