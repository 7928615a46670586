"""The dorms API: notices scoped to the reader, acknowledging, outages; scopes and errors."""

from datetime import timedelta

import pytest

from logistics.tokens import api_token_issue
from tests.dorms.factories import dorm_manager_of, published, resident_of, water_outage
from tests.logistics.factories import BuildingFactory, RoomFactory

NOTICES = "/api/v1/dorms/notices/"
OUTAGES = "/api/v1/dorms/outages/"

pytestmark = pytest.mark.django_db


@pytest.fixture
def building():
    return BuildingFactory(code="E1", name="东区1号楼")


@pytest.fixture
def resident(building):
    return resident_of(RoomFactory(building=building, number="101"), "s-e1-101")


def _bearer(user, *scopes):
    _, raw = api_token_issue(user=user, name="app", scopes=list(scopes))
    return {"Authorization": f"Bearer {raw}"}


def test_a_resident_lists_what_was_addressed_to_them(client, resident, building):
    mine = published(buildings=[building], title="东区通知", body="**注意**")
    published(buildings=[BuildingFactory()], title="别的楼")
    published(buildings=[building], status="draft", published_at=None, title="草稿")
    body = client.get(NOTICES, headers=_bearer(resident, "dorms:read")).json()
    assert [n["title"] for n in body["results"]] == [mine.title]
    assert body["results"][0]["body_html"] == "<p><strong>注意</strong></p>\n"
    assert set(body) == {"next", "previous", "results"}


def test_a_dorm_manager_also_reads_their_drafts(client, building):
    manager = dorm_manager_of(building)
    published(buildings=[building], status="draft", published_at=None, title="草稿")
    client.force_login(manager)
    assert [n["title"] for n in client.get(NOTICES).json()["results"]] == ["草稿"]


def test_another_users_notice_is_404_with_the_common_error_body(client, other_student, building):
    notice = published(buildings=[building])
    client.force_login(other_student)
    response = client.get(f"{NOTICES}{notice.pk}/")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert client.post(f"{NOTICES}{notice.pk}/acknowledge/").status_code == 404


def test_acknowledging_twice_is_a_409(client, resident, building):
    notice = published(buildings=[building], kind="safety", requires_ack=True)
    headers = _bearer(resident, "dorms:read", "dorms:write")
    first = client.post(f"{NOTICES}{notice.pk}/acknowledge/", headers=headers)
    assert first.status_code == 200 and first.json()["acknowledged_at"]
    again = client.post(f"{NOTICES}{notice.pk}/acknowledge/", headers=headers)
    assert again.status_code == 409 and again.json()["code"] == "conflict"


def test_acknowledging_needs_the_write_scope(client, resident, building):
    notice = published(buildings=[building], kind="safety", requires_ack=True)
    response = client.post(
        f"{NOTICES}{notice.pk}/acknowledge/", headers=_bearer(resident, "dorms:read")
    )
    assert response.status_code == 403


def test_outages_lists_active_and_planned_ones(client, integrator, building):
    active = water_outage([building], title="正在停水")
    planned = water_outage([building], starts_in=timedelta(days=2), title="后天停水")
    water_outage([building], starts_in=timedelta(days=-3), title="已结束")
    body = client.get(OUTAGES, headers=_bearer(integrator, "dorms:read")).json()
    assert [o["title"] for o in body["results"]] == [active.title, planned.title]
    assert body["results"][0]["buildings"] == [
        {"id": building.pk, "code": "E1", "name": "东区1号楼"}
    ]


def test_the_notice_list_costs_the_same_for_more_rows(
    client, resident, building, django_assert_num_queries
):
    client.force_login(resident)
    for index in range(2):
        published(buildings=[building], title=f"通知{index}")
    client.get(NOTICES)
    with django_assert_num_queries(5) as few:
        client.get(NOTICES)
    for index in range(10):
        notice = published(buildings=[building], title=f"更多{index}")
        notice.attachments.create(name="a.pdf", content_type="application/pdf")
    with django_assert_num_queries(len(few)):
        client.get(NOTICES)
