"""/api/v1/lostfound/: scopes, what each person may read (others' objects 404), hidden traits
only for the item's desk, writes through the services, query counts pinned."""

import json
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from logistics.tokens import api_token_issue
from lostfound.models import FoundItem
from tests.lostfound.factories import (
    FoundItemFactory,
    LostReportFactory,
    category,
)

pytestmark = pytest.mark.django_db
ITEMS = "/api/v1/lostfound/found-items/"
REPORTS = "/api/v1/lostfound/lost-reports/"
SECRET = "SECRET-TRAIT"


@pytest.fixture(autouse=True)
def no_throttle_left_over():
    cache.clear()


def as_user(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def test_it_answers_401_to_anonymous_callers():
    assert Client().get(ITEMS).status_code == 401


def test_hidden_traits_never_leave_except_to_the_desk(
    student, other_student, manager, desk, desk_staff, other_desk_staff
):
    item = FoundItemFactory(finder=student, desk=desk, owner_campus_id="")
    for user in (student, other_student, manager, other_desk_staff):
        for url in (ITEMS, f"{ITEMS}{item.pk}/"):
            body = as_user(user).get(url).content.decode()
            assert SECRET not in body and "hidden_traits" not in body, (user, url)
    body = as_user(desk_staff).get(f"{ITEMS}{item.pk}/").json()
    assert body["hidden_traits"].startswith(SECRET)


def test_a_card_never_appears_to_strangers_and_is_masked_to_its_owner(
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
    stranger = as_user(FoundItemFactory().finder)
    assert stranger.get(f"{ITEMS}{card.pk}/").status_code == 404
    assert "3456" not in stranger.get(ITEMS).content.decode()
    mine = as_user(student).get(f"{ITEMS}{card.pk}/").json()
    assert mine["campus_id_masked"] == "******3456" and "owner_campus_id" not in mine
    assert as_user(desk_staff).get(f"{ITEMS}{card.pk}/").json()["owner_campus_id"] == "2024123456"


def test_it_reports_a_found_item_with_a_write_token(student, desk):
    _, raw = api_token_issue(user=student, name="app", scopes=["lostfound:write"])
    data = {
        "category": "keys",
        "description": "一串钥匙",
        "hidden_traits": SECRET,
        "place_text": "图书馆",
        "found_at": (timezone.now() - timedelta(hours=1)).isoformat(),
        "custody": "desk",
        "desk": desk.code,
    }
    category("keys")
    response = Client().post(
        ITEMS,
        json.dumps(data),
        content_type="application/json",
        headers={"Authorization": f"Bearer {raw}"},
    )
    assert response.status_code == 201, response.content
    assert SECRET not in response.content.decode()
    assert FoundItem.objects.get().hidden_traits == SECRET


def test_a_read_token_may_not_write(student, desk):
    _, raw = api_token_issue(user=student, name="app", scopes=["lostfound:read"])
    headers = {"Authorization": f"Bearer {raw}"}
    assert Client().get(ITEMS, headers=headers).status_code == 200
    assert Client().post(ITEMS, {}, headers=headers).status_code == 403


def test_bad_input_is_a_400_with_field_errors(student, desk):
    response = as_user(student).post(
        ITEMS, json.dumps({"category": "nope"}), content_type="application/json"
    )
    assert response.status_code == 400


def test_lost_reports_are_their_owners(student, other_student, desk_staff):
    report = LostReportFactory(owner=student)
    assert as_user(other_student).get(f"{REPORTS}{report.pk}/").status_code == 404
    assert as_user(other_student).get(REPORTS).json()["results"] == []
    assert as_user(student).get(f"{REPORTS}{report.pk}/").status_code == 200
    assert as_user(desk_staff).get(f"{REPORTS}{report.pk}/").status_code == 200


def test_it_files_a_lost_report(student):
    category("phone")
    now = timezone.now()
    data = {
        "category": "phone",
        "description": "黑色手机",
        "lost_from": (now - timedelta(hours=2)).isoformat(),
        "lost_until": now.isoformat(),
    }
    response = as_user(student).post(REPORTS, json.dumps(data), content_type="application/json")
    assert response.status_code == 201, response.content
    backwards = {**data, "lost_from": data["lost_until"], "lost_until": data["lost_from"]}
    response = as_user(student).post(
        REPORTS, json.dumps(backwards), content_type="application/json"
    )
    assert response.status_code == 400


def test_the_list_costs_the_same_queries_for_more_rows(
    student, desk, desk_staff, django_assert_max_num_queries
):
    for _ in range(3):
        FoundItemFactory(desk=desk)
    client = as_user(desk_staff)
    client.get(ITEMS)
    with django_assert_max_num_queries(12) as few:
        client.get(ITEMS)
    for _ in range(10):
        FoundItemFactory(desk=desk)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(client.get(ITEMS).json()["results"]) == 13
