"""/api/v1/webhooks/: school IT's own endpoints, their delivery log, re-send, a test event, the
catalogue; scope webhooks:manage; another owner's endpoint is not found."""

import json

import pytest

from logistics import events, outbox, webhooks
from logistics.models import OutboxMessage, WebhookEndpoint
from logistics.tokens import api_token_issue
from tests.logistics.factories import UserFactory

WEBHOOKS = "/api/v1/webhooks/"
SECRET = "school-it-secret-0123456789"


def bearer(user, *scopes):
    _, raw = api_token_issue(user=user, name="it", scopes=list(scopes) or ["webhooks:manage"])
    return {"Authorization": f"Bearer {raw}"}


@pytest.fixture
def it_headers(integrator):
    return bearer(integrator)


@pytest.fixture
def endpoint(integrator, http_receiver):
    http_receiver.secret = SECRET
    return webhooks.webhook_endpoint_create(
        owner=integrator,
        name="一卡通",
        url=http_receiver.url,
        secret=SECRET,
        event_types=["webhooks."],
    )


@pytest.fixture
def someone_elses(db):
    owner = UserFactory(username="i2002", roles=["integrator"])
    return webhooks.webhook_endpoint_create(
        owner=owner, name="other", url="https://x.example/", secret=SECRET, event_types=[]
    )


def post(client, url, data, headers):
    return client.post(url, json.dumps(data), content_type="application/json", headers=headers)


def test_it_creates_an_endpoint_for_its_owner_without_showing_the_secret(
    client, integrator, it_headers
):
    data = {
        "name": "一卡通",
        "url": "https://card.example.edu.cn/portal-events",
        "secret": SECRET,
        "event_types": ["repairs.", "parcels.parcel.arrived"],
    }

    response = post(client, WEBHOOKS, data, it_headers)

    assert response.status_code == 201, response.json()
    body = response.json()
    assert "secret" not in body
    assert body["event_types"] == ["repairs.", "parcels.parcel.arrived"]
    endpoint = WebhookEndpoint.objects.get(pk=body["id"])
    assert endpoint.owner == integrator
    assert (endpoint.style, endpoint.notifications, endpoint.secret) == ("generic", False, SECRET)


def test_it_answers_bad_input_field_by_field_in_the_users_language(client, it_headers):
    data = {"name": "x", "url": "ftp://x", "secret": "short", "event_types": ["repairs.nope"]}

    response = post(client, WEBHOOKS, data, it_headers | {"Accept-Language": "zh-hans"})

    assert response.status_code == 400
    fields = response.json()["fields"]
    assert set(fields) == {"url", "secret"}  # the serializer's checks first
    data |= {"url": "https://x.example/", "secret": SECRET}
    response = post(client, WEBHOOKS, data, it_headers | {"Accept-Language": "zh-hans"})
    assert response.status_code == 400
    assert "repairs.nope" in response.json()["fields"]["event_types"][0]
    assert "事件" in response.json()["fields"]["event_types"][0]


def test_it_lists_only_the_users_own_endpoints(client, endpoint, someone_elses, it_headers):
    body = client.get(WEBHOOKS, headers=it_headers).json()

    assert [e["id"] for e in body["results"]] == [endpoint.pk]


@pytest.mark.parametrize(
    ("method", "suffix"),
    [("get", ""), ("patch", ""), ("delete", ""), ("get", "deliveries/"), ("post", "test/")],
)
def test_it_hides_another_owners_endpoint(client, someone_elses, it_headers, method, suffix):
    url = f"{WEBHOOKS}{someone_elses.pk}/{suffix}"

    response = getattr(client, method)(url, headers=it_headers, content_type="application/json")

    assert response.status_code == 404
    assert WebhookEndpoint.objects.filter(pk=someone_elses.pk, is_active=True).exists()


def test_it_needs_the_scope_and_the_role(client, integrator, student, endpoint):
    assert client.get(WEBHOOKS, headers=bearer(integrator, "places:read")).status_code == 403
    assert client.get(WEBHOOKS, headers=bearer(student, "webhooks:manage")).status_code == 403
    assert client.get(WEBHOOKS).status_code == 401


def test_it_lists_the_deliveries_with_the_receivers_answer_at_a_fixed_cost(
    client, endpoint, it_headers, http_receiver, django_assert_num_queries
):
    http_receiver.response_body = b'{"ok":1}'
    for _ in range(3):
        (message,) = events.emit(webhooks.PING, {"endpoint_id": endpoint.pk})
        outbox.deliver(str(message.id))
    url = f"{WEBHOOKS}{endpoint.pk}/deliveries/"

    # the token (with its user), its last use, the user's roles, the endpoint, the page
    with django_assert_num_queries(5):
        body = client.get(url, headers=it_headers).json()
    for _ in range(3):
        events.emit(webhooks.PING, {"endpoint_id": endpoint.pk})
    with django_assert_num_queries(4):  # the token's last use is fresh now
        again = client.get(url, headers=it_headers).json()

    newest = body["results"][0]
    assert newest["id"] == str(message.id)
    assert (newest["status"], newest["response_status"], newest["response_body"]) == (
        "sent",
        200,
        '{"ok":1}',
    )
    assert newest["event_type"] == webhooks.PING
    assert len(again["results"]) == 6


def test_it_resends_a_delivery_and_refuses_one_still_pending(
    client, endpoint, someone_elses, it_headers, http_receiver
):
    (message,) = events.emit(webhooks.PING, {"endpoint_id": endpoint.pk})
    url = f"{WEBHOOKS}{endpoint.pk}/resend/"

    pending = post(client, url, {"delivery": str(message.id)}, it_headers)
    outbox.deliver(str(message.id))
    response = post(client, url, {"delivery": str(message.id)}, it_headers)

    assert pending.status_code == 409
    assert response.status_code == 202
    copy = OutboxMessage.objects.get(id=response.json()["id"])
    assert copy.event_id == message.event_id and copy.status == "pending"
    foreign = events.delivery(someone_elses, events.envelope(webhooks.PING, {"endpoint_id": 1}))
    foreign.save()
    assert post(client, url, {"delivery": str(foreign.id)}, it_headers).status_code == 404
    assert post(client, url, {"delivery": "nope"}, it_headers).status_code == 400


def test_it_sends_a_test_event_signed_for_the_receiver(client, endpoint, it_headers, http_receiver):
    response = post(client, f"{WEBHOOKS}{endpoint.pk}/test/", {}, it_headers)
    assert response.status_code == 202

    assert outbox.deliver(response.json()["id"]) is True
    (request,) = http_receiver.received()
    assert json.loads(request.body)["data"] == {"endpoint_id": endpoint.pk}


def test_it_switches_an_endpoint_on_again_with_a_fresh_count(client, endpoint, it_headers):
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(
        is_active=False, consecutive_failures=5, disabled_at="2026-12-01T08:00:00+08:00"
    )
    url = f"{WEBHOOKS}{endpoint.pk}/"

    off = post(client, f"{url}test/", {}, it_headers)
    response = client.patch(
        url, json.dumps({"is_active": True}), content_type="application/json", headers=it_headers
    )

    assert off.status_code == 409
    assert response.status_code == 200
    assert (response.json()["consecutive_failures"], response.json()["disabled_at"]) == (0, None)


def test_it_lists_the_event_catalogue(client, it_headers):
    body = client.get(f"{WEBHOOKS}event-types/", headers=it_headers).json()

    kinds = {row["key"]: row for row in body}
    assert kinds[webhooks.PING]["schema"] == "docs/events/webhooks.endpoint.ping.v1.json"
    assert {"repairs.request.filed", "reviews.complaint.overdue"} <= set(kinds)
