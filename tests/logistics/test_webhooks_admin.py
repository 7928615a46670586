"""The admin of webhook endpoints and deliveries: subscribing to event types, the test event,
switching on again, and re-sending deliveries as new ones."""

import pytest
from django.urls import reverse

from logistics import events, outbox, webhooks
from logistics.models import OutboxMessage, WebhookEndpoint
from tests.logistics.factories import UserFactory

SECRET = "school-it-secret-0123456789"


@pytest.fixture
def admin_client(client, db):
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    return client


def form(endpoint_url, **changes):
    data = {
        "name": "一卡通",
        "url": endpoint_url,
        "style": "generic",
        "secret": SECRET,
        "kinds": "[]",
        "event_types": ["repairs.", "parcels.parcel.arrived"],
        "language": "zh-hans",
        "is_active": "on",
    }
    return {key: value for key, value in (data | changes).items() if value is not None}


def test_it_subscribes_an_endpoint_to_event_types(admin_client):
    page = admin_client.get(reverse("admin:logistics_webhookendpoint_add"))
    assert "repairs.request.filed" in page.content.decode()

    response = admin_client.post(
        reverse("admin:logistics_webhookendpoint_add"), form("https://it.example/")
    )

    assert response.status_code == 302
    endpoint = WebhookEndpoint.objects.get()
    assert endpoint.event_types == ["repairs.", "parcels.parcel.arrived"]
    assert endpoint.notifications is False  # the box was left unticked


def test_it_refuses_events_for_a_robot(admin_client):
    response = admin_client.post(
        reverse("admin:logistics_webhookendpoint_add"), form("https://it.example/", style="wecom")
    )

    assert response.status_code == 200
    assert "只有通用 JSON 格式的端点才能接收集成事件。" in response.content.decode()
    assert not WebhookEndpoint.objects.exists()


def test_it_switches_an_endpoint_on_again_with_a_fresh_count(admin_client, integrator):
    endpoint = webhooks.webhook_endpoint_create(
        owner=integrator, name="一卡通", url="https://it.example/", secret=SECRET, event_types=[]
    )
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(
        is_active=False, consecutive_failures=5, disabled_at="2026-12-01T08:00:00+08:00"
    )
    url = reverse("admin:logistics_webhookendpoint_change", args=[endpoint.pk])

    admin_client.post(url, form("https://it.example/", owner=integrator.pk, event_types=[]))

    endpoint.refresh_from_db()
    assert (endpoint.is_active, endpoint.consecutive_failures, endpoint.disabled_at) == (
        True,
        0,
        None,
    )


def test_it_sends_a_test_event_and_resends_deliveries(admin_client, integrator, http_receiver):
    endpoint = webhooks.webhook_endpoint_create(
        owner=integrator, name="x", url=http_receiver.url, secret=SECRET, event_types=[]
    )
    admin_client.post(
        reverse("admin:logistics_webhookendpoint_changelist"),
        {"action": "send_test_event", "_selected_action": [endpoint.pk]},
    )
    (ping,) = OutboxMessage.objects.filter(endpoint=endpoint)
    outbox.deliver(str(ping.id))
    pending = events.delivery(endpoint, events.envelope(webhooks.PING, {"endpoint_id": 1}))
    pending.save()

    response = admin_client.post(
        reverse("admin:logistics_outboxmessage_changelist"),
        {"action": "resend", "_selected_action": [ping.id, pending.id]},
        follow=True,
    )

    text = response.content.decode()
    assert "已将 1 条投递作为新投递重新发送。" in text  # the admin speaks Chinese
    assert "1 条未发送" in text
    copy = OutboxMessage.objects.exclude(id__in=[ping.id, pending.id]).get()
    assert copy.event_id == ping.event_id
    assert copy.payload == ping.payload
