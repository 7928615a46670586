"""/api/v1/lostfound/claims/ and /matches/: the claimant and the item's desk see a claim (the
desk alone with the hidden traits, the claimant alone with the handover code), the report's
owner and the item's desk see a match; everyone else gets 404; scopes; query counts pinned."""

import json

import pytest
from django.core.cache import cache
from django.test import Client

from logistics.tokens import api_token_issue
from lostfound import services
from lostfound.models import Claim, Match
from tests.logistics.factories import UserFactory
from tests.lostfound.factories import FoundItemFactory, LostReportFactory

pytestmark = pytest.mark.django_db
CLAIMS = "/api/v1/lostfound/claims/"
MATCHES = "/api/v1/lostfound/matches/"
SECRET = "SECRET-TRAIT"


@pytest.fixture(autouse=True)
def no_throttle_left_over():
    cache.clear()


def as_user(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def post(client, url, data=None):
    return client.post(url, json.dumps(data or {}), content_type="application/json")


def test_an_owner_claims_through_the_api_and_the_desk_decides(
    student, other_student, desk, desk_staff
):
    item = FoundItemFactory(desk=desk, finder=other_student, status="stored")
    response = post(as_user(student), CLAIMS, {"item": item.pk, "answers": "钥匙扣是小熊"})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "pending" and body["handover_code"] is None
    assert SECRET not in response.content.decode() and "claimant" not in body
    claim = Claim.objects.get(pk=body["id"])

    seen = as_user(desk_staff).get(f"{CLAIMS}{claim.pk}/").json()
    assert seen["hidden_traits"].startswith(SECRET) and seen["claimant"] == student.username
    assert seen["answers"] == "钥匙扣是小熊"
    approved = post(as_user(desk_staff), f"{CLAIMS}{claim.pk}/approve/", {"reason": "对得上"})
    assert approved.status_code == 200 and approved.json()["status"] == "approved"
    assert approved.json()["handover_code"] is None  # never to the desk
    claim.refresh_from_db()
    mine = as_user(student).get(f"{CLAIMS}{claim.pk}/").json()
    assert mine["handover_code"] == claim.handover_code and len(claim.handover_code) == 6
    # The claimant cannot decide their own claim; a finished one cannot be decided again.
    assert post(as_user(student), f"{CLAIMS}{claim.pk}/reject/", {"reason": "x"}).status_code == 403
    again = post(as_user(desk_staff), f"{CLAIMS}{claim.pk}/reject/", {"reason": "x"})
    assert again.status_code == 409


def test_a_rejection_needs_a_reason_and_bad_input_is_400(student, desk, desk_staff):
    item = FoundItemFactory(desk=desk, status="stored")
    assert post(as_user(student), CLAIMS, {"item": item.pk}).status_code == 400
    assert post(as_user(student), CLAIMS, {"item": "x", "answers": "a"}).status_code == 400
    claim = services.claim_create(item=item, claimant=student, answers="蓝色")
    response = post(as_user(desk_staff), f"{CLAIMS}{claim.pk}/reject/", {"reason": " "})
    assert response.status_code == 400 and "reason" in response.json()["fields"]
    done = post(as_user(desk_staff), f"{CLAIMS}{claim.pk}/reject/", {"reason": "锁屏不对"})
    assert done.json()["status"] == "rejected" and done.json()["reason"] == "锁屏不对"
    # A second claim on the same item by the same person while one is pending: 409.
    services.claim_create(item=item, claimant=student, answers="再试一次")
    assert post(as_user(student), CLAIMS, {"item": item.pk, "answers": "又一次"}).status_code == 409


def test_another_persons_claim_is_404(student, other_student, desk, desk_staff, other_desk_staff):
    claim = services.claim_create(
        item=FoundItemFactory(desk=desk, status="stored"), claimant=student, answers="小熊"
    )
    for user in (other_student, other_desk_staff):
        assert as_user(user).get(f"{CLAIMS}{claim.pk}/").status_code == 404
        assert as_user(user).get(CLAIMS).json()["results"] == []
    assert as_user(desk_staff).get(CLAIMS).json()["results"][0]["id"] == claim.pk


def test_an_item_the_caller_cannot_see_cannot_be_claimed(student, other_student, desk):
    card = FoundItemFactory(desk=desk, finder=other_student, is_public=False, status="stored")
    response = post(as_user(student), CLAIMS, {"item": card.pk, "answers": "我的卡"})
    assert response.status_code == 400 and "item" in response.json()["fields"]
    assert not Claim.objects.exists()


def test_matches_are_the_report_owners_and_the_desks(
    student, other_student, desk, desk_staff, other_desk_staff
):
    item = FoundItemFactory(desk=desk, status="stored")
    report = LostReportFactory(owner=student)
    match = Match.objects.create(lost_report=report, found_item=item, score=0.8)
    body = as_user(student).get(MATCHES).json()["results"]
    assert [m["id"] for m in body] == [match.pk]
    assert body[0]["description"] == item.description and SECRET not in json.dumps(body)
    assert as_user(desk_staff).get(f"{MATCHES}{match.pk}/").status_code == 200
    for user in (other_student, other_desk_staff):
        assert as_user(user).get(f"{MATCHES}{match.pk}/").status_code == 404
    assert post(as_user(desk_staff), f"{MATCHES}{match.pk}/decline/").status_code == 403
    declined = post(as_user(student), f"{MATCHES}{match.pk}/decline/")
    assert declined.status_code == 200 and declined.json()["status"] == "declined"
    assert Match.objects.get(pk=match.pk).status == "declined"
    filtered = as_user(student).get(MATCHES, {"status": "proposed"}).json()["results"]
    assert filtered == []


def test_scopes_read_and_write(student, desk):
    item = FoundItemFactory(desk=desk, status="stored")
    _, read = api_token_issue(user=student, name="r", scopes=["lostfound:read"])
    _, write = api_token_issue(user=student, name="w", scopes=["lostfound:read", "lostfound:write"])
    data = json.dumps({"item": item.pk, "answers": "小熊"})

    def call(token, method, url, body=None):
        kwargs = {"headers": {"Authorization": f"Bearer {token}"}}
        if body is not None:
            kwargs |= {"data": body, "content_type": "application/json"}
        return getattr(Client(), method)(url, **kwargs)

    assert call(read, "get", CLAIMS).status_code == 200
    assert call(read, "get", MATCHES).status_code == 200
    assert call(read, "post", CLAIMS, data).status_code == 403
    assert call(write, "post", CLAIMS, data).status_code == 201
    assert Client().get(CLAIMS).status_code == 401


def test_the_lists_cost_a_fixed_number_of_queries(desk, desk_staff, django_assert_num_queries):
    def add(n):
        for _ in range(n):
            owner = UserFactory()
            item = FoundItemFactory(desk=desk, status="stored")
            services.claim_create(item=item, claimant=owner, answers="小熊")
            Match.objects.create(
                lost_report=LostReportFactory(owner=owner), found_item=item, score=0.5
            )

    add(3)
    client = as_user(desk_staff)
    client.get(CLAIMS)
    # The user with their roles, their desks, the page of rows (joined, never one per row).
    with django_assert_num_queries(3):
        assert len(client.get(CLAIMS).json()["results"]) == 3
    with django_assert_num_queries(3):
        assert len(client.get(MATCHES).json()["results"]) == 3
    add(7)
    with django_assert_num_queries(3):
        assert len(client.get(CLAIMS).json()["results"]) == 10
    with django_assert_num_queries(3):
        assert len(client.get(MATCHES).json()["results"]) == 10
