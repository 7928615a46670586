"""The repairs admin: categories as a tree, rules, and requests whose status it cannot change."""

import pytest
from django.urls import reverse

from logistics.models import CalendarDay
from repairs.models import RepairRequest
from tests.logistics.factories import UserFactory
from tests.repairs.factories import (
    CategoryFactory,
    DispatchRuleFactory,
    RepairEventFactory,
    RepairRequestFactory,
)

Status = RepairRequest.Status


@pytest.fixture
def admin_client(client, db):
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    return client


def test_it_shows_categories_indented_as_a_tree(admin_client):
    parent = CategoryFactory(code="water", name="水电")
    CategoryFactory(code="tap", name="水龙头", parent=parent)
    page = admin_client.get(reverse("admin:repairs_category_changelist"))
    assert page.status_code == 200
    assert "— 水龙头" in page.content.decode()


@pytest.mark.parametrize(
    "name", ["repairs_dispatchrule", "repairs_repairrequest", "logistics_calendarday"]
)
def test_it_lists_rules_requests_and_calendar_days(admin_client, name):
    DispatchRuleFactory()
    RepairRequestFactory()
    CalendarDay.objects.create(date="2026-10-01", name="国庆节")
    assert admin_client.get(reverse(f"admin:{name}_changelist")).status_code == 200
    assert admin_client.get(reverse(f"admin:{name}_add")).status_code in (200, 403)


def test_it_does_not_let_the_admin_change_a_requests_status(admin_client):
    request = RepairRequestFactory(status=Status.SUBMITTED, description="旧描述")
    RepairEventFactory(request=request)
    url = reverse("admin:repairs_repairrequest_change", args=[request.pk])
    page = admin_client.get(url)
    assert page.status_code == 200
    assert 'name="status"' not in page.content.decode()
    data = {
        "description": "新描述",
        "place_text": "",
        "preferred_windows": "",
        "contact_phone": "",
        "status": Status.CLOSED,
        "events-TOTAL_FORMS": "1",
        "events-INITIAL_FORMS": "1",
        "events-MIN_NUM_FORMS": "0",
        "events-MAX_NUM_FORMS": "1000",
        "events-0-id": str(request.events.get().pk),
        "events-0-request": str(request.pk),
        "photos-TOTAL_FORMS": "0",
        "photos-INITIAL_FORMS": "0",
        "photos-MIN_NUM_FORMS": "0",
        "photos-MAX_NUM_FORMS": "1000",
    }
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    request.refresh_from_db()
    assert (request.description, request.status) == ("新描述", Status.SUBMITTED)
    assert admin_client.get(reverse("admin:repairs_repairrequest_add")).status_code == 403


def test_it_closes_confirmed_requests_through_the_service(admin_client):
    confirmed = RepairRequestFactory(completed=True, status=Status.CONFIRMED)
    open_one = RepairRequestFactory()
    response = admin_client.post(
        reverse("admin:repairs_repairrequest_changelist"),
        {"action": "close_confirmed", "_selected_action": [confirmed.pk, open_one.pk]},
    )
    assert response.status_code == 302
    confirmed.refresh_from_db()
    open_one.refresh_from_db()
    assert (confirmed.status, open_one.status) == (Status.CLOSED, Status.SUBMITTED)
    assert confirmed.events.get().action == "closed"
