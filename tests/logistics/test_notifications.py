"""notify(), channel preferences, the daily digest, the notification pages and the API."""

from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from logistics import outbox
from logistics.models import (
    ApiToken,
    Notification,
    NotificationPreference,
    OutboxMessage,
    WebhookEndpoint,
)
from logistics.notifications import (
    notification_digests_enqueue,
    notification_preference_update,
    notify,
    unread_notification_count,
)
from tests.logistics.factories import DepartmentFactory, UserFactory


def channels() -> list[str]:
    return sorted(OutboxMessage.objects.values_list("channel", flat=True))


def notify_student(student, kind="repairs.assigned", title="派单", **kwargs):
    return notify(recipients=[student], kind=kind, title=title, **kwargs)


# --- notify() -----------------------------------------------------------------------------------


def test_it_writes_one_notification_per_distinct_active_recipient(student, other_student):
    inactive = UserFactory(username="gone", is_active=False)

    notify(
        recipients=[student, other_student, student, inactive],
        kind="dorms.checkin",
        title="入住提醒",
        body="请于周五前办理入住。",
        url="/dorms/",
    )

    rows = Notification.objects.order_by("recipient__username")
    assert [(n.recipient, n.kind, n.title, n.url) for n in rows] == [
        (student, "dorms.checkin", "入住提醒", "/dorms/"),
        (other_student, "dorms.checkin", "入住提醒", "/dorms/"),
    ]
    assert channels() == ["email", "email"]


def test_it_refuses_a_malformed_kind(student):
    with pytest.raises(ValueError, match="kind"):
        notify_student(student, kind="Repairs Assigned")
    assert not Notification.objects.exists()


@pytest.mark.parametrize("url", ["javascript:alert(1)", "//evil.example.com/", "repairs/1/"])
def test_it_refuses_a_link_that_is_not_a_path_or_web_address(student, url):
    with pytest.raises(ValueError, match="url"):
        notify_student(student, url=url)
    assert not Notification.objects.exists()


def test_it_cuts_an_overlong_title(student):
    (notification,) = notify_student(student, title="长" * 300)
    assert len(notification.title) == 200


def test_it_sends_no_email_to_a_user_without_address(db):
    notify_student(UserFactory(email=""))
    assert channels() == []


def test_it_honours_email_off(student):
    notification_preference_update(user=student, email_enabled=False, daily_digest=False)
    notify_student(student)
    assert channels() == []
    assert Notification.objects.count() == 1


def test_it_honours_muted_kinds_by_prefix_for_email_only(student):
    notification_preference_update(
        user=student, email_enabled=True, daily_digest=False, muted_kinds=["dining"]
    )

    notify_student(student, kind="dining.menu_published")
    notify_student(student, kind="diningroom.opened")
    notify_student(student, kind="repairs.assigned")

    emailed = OutboxMessage.objects.values_list("notification__kind", flat=True)
    assert sorted(emailed) == ["diningroom.opened", "repairs.assigned"]
    assert Notification.objects.count() == 3


def test_it_holds_back_email_for_digest_users(student):
    notification_preference_update(user=student, email_enabled=True, daily_digest=True)
    notify_student(student)
    assert channels() == []


def test_it_picks_webhooks_by_kind_prefix_and_department(student):
    repairs_unit, dining_unit = DepartmentFactory(code="R1"), DepartmentFactory(code="D1")
    hooks = {
        "all": WebhookEndpoint.objects.create(name="all", url="http://x/1", secret="s"),
        "repairs": WebhookEndpoint.objects.create(
            name="repairs", url="http://x/2", secret="s", kinds=["repairs."]
        ),
        "unit": WebhookEndpoint.objects.create(
            name="unit", url="http://x/3", secret="s", department=repairs_unit
        ),
        "other unit": WebhookEndpoint.objects.create(
            name="other unit", url="http://x/4", secret="s", department=dining_unit
        ),
        "off": WebhookEndpoint.objects.create(
            name="off", url="http://x/5", secret="s", is_active=False
        ),
    }

    notify(recipients=[], kind="repairs.assigned", title="派单", department=repairs_unit)
    notify(recipients=[], kind="dining.menu", title="菜单")

    sent = OutboxMessage.objects.filter(channel="webhook").values_list(
        "payload__kind", "endpoint__name"
    )
    assert sorted(sent) == [
        ("dining.menu", "all"),
        ("repairs.assigned", "all"),
        ("repairs.assigned", "repairs"),
        ("repairs.assigned", "unit"),
    ]
    assert hooks["off"].deliveries.count() == 0


def test_it_counts_unread_in_one_query(student, django_assert_num_queries):
    notify_student(student)
    notify_student(student)
    Notification.objects.filter(pk=Notification.objects.first().pk).update(read_at=timezone.now())
    with django_assert_num_queries(1):
        assert unread_notification_count(student) == 1


# --- Daily digest -------------------------------------------------------------------------------


def test_it_sends_one_daily_digest_of_unread_unmuted_notifications(student):
    notification_preference_update(
        user=student, email_enabled=True, daily_digest=True, muted_kinds=["dining"]
    )
    notify_student(student, title="维修已派单", url="/repairs/3/")
    notify_student(student, kind="parcels.arrived", title="包裹到了")
    notify_student(student, kind="dining.menu", title="今日菜单")
    Notification.objects.filter(title="包裹到了").update(read_at=timezone.now())

    assert notification_digests_enqueue() == 1
    assert notification_digests_enqueue() == 0  # nothing new since: nothing twice

    digest = OutboxMessage.objects.get(channel="digest")
    outbox.deliver(str(digest.id))
    (email,) = mail.outbox
    assert email.to == [student.email]
    assert "维修已派单" in email.body
    assert "http://127.0.0.1:8000/repairs/3/" in email.body
    assert "包裹到了" not in email.body
    assert "今日菜单" not in email.body


def test_it_digests_only_what_came_after_the_last_digest(student):
    notification_preference_update(user=student, email_enabled=True, daily_digest=True)
    notify_student(student, title="昨天的")
    notification_digests_enqueue(now=timezone.now() + timedelta(seconds=1))
    notify_student(student, title="今天的")
    Notification.objects.filter(title="今天的").update(
        created_at=timezone.now() + timedelta(seconds=2)
    )

    assert notification_digests_enqueue(now=timezone.now() + timedelta(seconds=3)) == 1
    latest = OutboxMessage.objects.filter(channel="digest").latest("created_at")
    titles = Notification.objects.filter(id__in=latest.payload["notification_ids"])
    assert list(titles.values_list("title", flat=True)) == ["今天的"]


def test_it_sends_no_digest_to_users_who_did_not_choose_it(student):
    notify_student(student)
    assert notification_digests_enqueue() == 0


# --- Pages --------------------------------------------------------------------------------------


def test_it_shows_my_notifications_with_a_fixed_number_of_queries(
    client, student, other_student, django_assert_num_queries
):
    notify_student(other_student, title="别人的")
    client.force_login(student)
    url = reverse("notifications:list")
    for count in (1, 25):
        Notification.objects.filter(recipient=student).delete()
        for i in range(count):
            notify_student(student, title=f"我的{i}")
        # user with its roles and unread count (the session is cached), page rows (by cursor, no
        # count)
        with django_assert_num_queries(2):
            response = client.get(url)
        assert response.status_code == 200
    assert "我的24" in response.text
    assert "别人的" not in response.text


def test_it_pages_the_list_by_cursor_newest_first_keeping_the_filter(client, student):
    for i in range(45):
        notify_student(student, title=f"第{i:02d}条")
    Notification.objects.filter(title="第44条").update(read_at=timezone.now())
    client.force_login(student)
    url = reverse("notifications:list")

    seen, params = [], {"show": "unread"}
    for _ in range(3):
        response = client.get(url, params)
        assert response.status_code == 200
        page = response.context["page"]
        seen += [n.title for n in page.object_list]
        if not page.has_next:
            break
        assert "show=unread&amp;cursor=" in response.text  # the filter stays on the next page
        params = {"show": "unread", "cursor": page.next_cursor}

    assert seen == [f"第{i:02d}条" for i in range(43, -1, -1)]  # each once, newest first
    assert client.get(url, {"cursor": "not-a-cursor"}).status_code == 200  # a stale link


def test_it_filters_the_list_to_unread(client, student):
    notify_student(student, title="已读的")
    notify_student(student, title="未读的")
    Notification.objects.filter(title="已读的").update(read_at=timezone.now())
    client.force_login(student)

    response = client.get(reverse("notifications:list"), {"show": "unread"})

    assert "未读的" in response.text
    assert "已读的" not in response.text


def test_it_sends_anonymous_visitors_to_login(client):
    response = client.get(reverse("notifications:list"))
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def test_it_marks_read_without_javascript(client, student):
    (notification,) = notify_student(student)
    client.force_login(student)

    response = client.post(reverse("notifications:mark-read", args=[notification.pk]))

    assert response.status_code == 302
    assert response["Location"] == reverse("notifications:list")
    notification.refresh_from_db()
    assert notification.is_read


def test_it_marks_read_with_htmx_and_tells_the_bell(client, student):
    (notification,) = notify_student(student, title="看一下")
    client.force_login(student)

    response = client.post(
        reverse("notifications:mark-read", args=[notification.pk]), headers={"HX-Request": "true"}
    )

    assert response.status_code == 200
    assert response["HX-Trigger"] == "notifications-changed"
    assert response.text.lstrip().startswith(
        f'<li class="notification" id="notification-{notification.pk}"'
    )
    assert "看一下" in response.text
    assert unread_notification_count(student) == 0


def test_it_keeps_the_first_read_time(client, student):
    (notification,) = notify_student(student)
    client.force_login(student)
    url = reverse("notifications:mark-read", args=[notification.pk])
    client.post(url)
    notification.refresh_from_db()
    first = notification.read_at

    client.post(url)

    notification.refresh_from_db()
    assert notification.read_at == first


def test_it_hides_another_users_notification(client, student, other_student):
    (theirs,) = notify_student(other_student)
    client.force_login(student)

    response = client.post(reverse("notifications:mark-read", args=[theirs.pk]))

    assert response.status_code == 404
    theirs.refresh_from_db()
    assert not theirs.is_read


def test_it_refuses_mark_read_by_get(client, student):
    (notification,) = notify_student(student)
    client.force_login(student)
    response = client.get(reverse("notifications:mark-read", args=[notification.pk]))
    assert response.status_code == 405


def test_it_marks_all_read_but_only_mine(client, student, other_student):
    notify_student(student)
    notify_student(student)
    notify_student(other_student)
    client.force_login(student)

    response = client.post(reverse("notifications:mark-all-read"))

    assert response.status_code == 302
    assert unread_notification_count(student) == 0
    assert unread_notification_count(other_student) == 1


def test_it_ignores_an_offsite_next(client, student):
    client.force_login(student)
    response = client.post(
        reverse("notifications:mark-all-read"), {"next": "https://evil.example.com/"}
    )
    assert response["Location"] == reverse("notifications:list")


def test_it_renders_the_bell_with_the_unread_count(client, student, other_student):
    notify_student(student)
    notify_student(student)
    notify_student(other_student)
    client.force_login(student)

    response = client.get(reverse("notifications:bell"))

    assert response.status_code == 200
    assert response.context["unread_notification_count"] == 2
    assert 'id="notification-bell"' in response.text


def test_it_saves_preferences(client, student):
    client.force_login(student)

    response = client.post(
        reverse("notifications:preferences"),
        {"email_enabled": "on", "daily_digest": "on", "muted_kinds": "Dining, repairs.comment\n"},
    )

    assert response.status_code == 302
    pref = NotificationPreference.objects.get(user=student)
    assert (pref.email_enabled, pref.daily_digest) == (True, True)
    assert pref.muted_kinds == ["dining", "repairs.comment"]
    page = client.get(reverse("notifications:preferences"))
    assert "repairs.comment" in page.text


def test_it_explains_a_bad_muted_kind(client, student):
    client.force_login(student)

    response = client.post(reverse("notifications:preferences"), {"muted_kinds": "维修 通知"})

    assert response.status_code == 400
    assert "维修" in response.text
    assert not NotificationPreference.objects.filter(user=student).exists()


# --- API ----------------------------------------------------------------------------------------


def api_token(user, *scopes) -> str:
    raw, prefix, key_hash = ApiToken.generate()
    ApiToken.objects.create(user=user, name="test", prefix=prefix, key_hash=key_hash, scopes=scopes)
    return raw


def test_it_lists_only_my_notifications_in_the_api(
    client, student, other_student, django_assert_num_queries
):
    notify_student(student, title="我的")
    notify_student(other_student, title="别人的")
    client.force_login(student)

    with django_assert_num_queries(2):  # user, page (keyset pages count nothing)
        response = client.get("/api/v1/notifications/")

    assert response.status_code == 200
    assert [n["title"] for n in response.json()["results"]] == ["我的"]


def test_it_filters_the_api_by_unread_and_kind(client, student):
    notify_student(student, kind="repairs.assigned", title="维修")
    notify_student(student, kind="parcels.arrived", title="包裹")
    Notification.objects.filter(title="包裹").update(read_at=timezone.now())
    client.force_login(student)

    unread = client.get("/api/v1/notifications/", {"unread": "true"}).json()["results"]
    parcels = client.get("/api/v1/notifications/", {"kind": "parcels"}).json()["results"]

    assert [n["title"] for n in unread] == ["维修"]
    assert [n["title"] for n in parcels] == ["包裹"]


def test_it_answers_404_for_another_users_notification_in_the_api(client, student, other_student):
    (theirs,) = notify_student(other_student)
    client.force_login(student)

    detail = client.get(f"/api/v1/notifications/{theirs.pk}/")
    mark = client.post(f"/api/v1/notifications/{theirs.pk}/read/")

    assert (detail.status_code, mark.status_code) == (404, 404)
    theirs.refresh_from_db()
    assert not theirs.is_read


def test_it_marks_read_and_all_read_in_the_api(client, student):
    (first,) = notify_student(student)
    notify_student(student)
    notify_student(student)
    client.force_login(student)

    one = client.post(f"/api/v1/notifications/{first.pk}/read/")
    rest = client.post("/api/v1/notifications/read-all/")

    assert one.status_code == 200
    assert one.json()["is_read"] is True
    assert rest.json() == {"marked": 2}
    assert unread_notification_count(student) == 0


def test_it_needs_the_notifications_scope_on_a_token(client, student):
    notify_student(student)
    read_only = api_token(student, "notifications:read")
    other_area = api_token(student, "repairs:read")

    listed = client.get("/api/v1/notifications/", headers={"Authorization": f"Bearer {read_only}"})
    marked = client.post(
        "/api/v1/notifications/read-all/", headers={"Authorization": f"Bearer {read_only}"}
    )
    wrong = client.get("/api/v1/notifications/", headers={"Authorization": f"Bearer {other_area}"})

    assert listed.status_code == 200
    assert (marked.status_code, wrong.status_code) == (403, 403)
    assert unread_notification_count(student) == 1


def test_it_refuses_anonymous_api_calls(client):
    assert client.get("/api/v1/notifications/").status_code in (401, 403)
