"""Each person's language: saved when they switch and from CAS, and every notification, e-mail
and webhook written in the recipient's language (logistics.i18n, notify(), the outbox)."""

import datetime
import json

import pytest
from django.core import mail
from django.utils import translation
from django.utils.translation import gettext_lazy

from logistics import i18n, outbox
from logistics.cas import apply_profile, profile_from_attributes
from logistics.models import Notification, OutboxMessage, WebhookEndpoint
from logistics.notifications import notify
from repairs import services as repair_services
from tests.logistics.factories import RoomFactory, UserFactory
from tests.repairs.factories import CategoryFactory, media_root  # noqa: F401  (fixture)

# An msgid the catalogue translates: "Your repair request %(number)s was received".
RECEIVED = gettext_lazy("Your repair request %(number)s was received")


@pytest.fixture
def eager(settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True


def test_it_joins_lists_the_way_each_language_does():
    with i18n.in_language("zh-hans"):
        assert i18n.join_list(["灯具", "水管", "门窗"]) == "灯具、水管、门窗"
    with i18n.in_language("en"):
        assert i18n.join_list(["light", "pipe"]) == "light, pipe"


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("zh_CN", "zh-hans"),
        ("zh-Hans-CN", "zh-hans"),
        ("EN-us", "en"),
        ("en", "en"),
        ("English", "en"),
        ("fr", None),
        ("", None),
        (None, None),
    ],
)
def test_it_normalizes_language_codes(raw, code):
    assert i18n.normalize_language(raw) == code


def test_it_saves_each_recipients_notification_in_their_language(db):
    chinese = UserFactory(language="", email="")
    english = UserFactory(language="en", email="")

    notify(
        recipients=[chinese, english],
        kind="repairs.submitted",
        title=RECEIVED,
        params={"number": "R-1"},
    )

    assert Notification.objects.get(recipient=chinese).title == "我们已收到您的报修单 R-1"
    assert Notification.objects.get(recipient=english).title == (
        "Your repair request R-1 was received"
    )


def test_it_shows_a_notification_in_the_language_of_the_page(db):
    user = UserFactory(language="en", email="")
    (notification,) = notify(
        recipients=[user], kind="repairs.submitted", title=RECEIVED, params={"number": "R-2"}
    )

    with translation.override("zh-hans"):
        assert notification.localized_title == "我们已收到您的报修单 R-2"


def test_it_keeps_plain_strings_as_written(db):
    user = UserFactory(language="en", email="")
    (notification,) = notify(
        recipients=[user], kind="parcels.arrived", title="包裹到了 100%", body="50% off"
    )

    assert (notification.title, notification.body) == ("包裹到了 100%", "50% off")
    assert notification.translations == {}


def test_it_sends_the_email_in_the_recipients_language_at_delivery(db, eager):
    user = UserFactory(language="zh-hans", email="a@example.edu")
    with pytest.MonkeyPatch.context() as patch:
        # Switching after the event but before delivery: the e-mail follows the switch.
        patch.setattr(outbox, "publish_on_commit", lambda ids: None)
        notify(
            recipients=[user], kind="repairs.submitted", title=RECEIVED, params={"number": "R-3"}
        )
    i18n.user_language_set(user=user, language="en")
    message = OutboxMessage.objects.get(channel="email")

    outbox.deliver(str(message.id))

    assert mail.outbox[-1].subject == "Your repair request R-3 was received"


def test_it_delivers_webhooks_in_the_endpoints_language(db, eager, http_receiver):
    WebhookEndpoint.objects.create(name="EN", url=http_receiver.url, secret="s" * 20, language="en")
    quiet = UserFactory(email="")

    notify(recipients=[quiet], kind="repairs.submitted", title=RECEIVED, params={"number": "R-4"})
    outbox.deliver(str(OutboxMessage.objects.get(channel="webhook").id))

    (request,) = http_receiver.received()
    body = json.loads(request.body)
    assert body["title"] == "Your repair request R-4 was received"
    assert body["language"] == "en"
    assert "translations" not in body


def test_it_renders_dates_and_lists_in_each_language(db):
    user = UserFactory(language="en", email="")
    (notification,) = notify(
        recipients=[user],
        kind="dining.favourite_tomorrow",
        title=gettext_lazy("Your favourite dishes tomorrow: %(dishes)s"),
        body=gettext_lazy("On the menu on %(date)s: %(dishes)s"),
        params={"dishes": [gettext_lazy("Rice"), "面"], "date": datetime.date(2026, 12, 6)},
    )

    assert notification.title == "Your favourite dishes tomorrow: Rice, 面"
    assert "2026-12-06" in notification.body
    assert "、" in notification.in_language("zh-hans")["title"]


def test_an_english_user_filing_a_repair_gets_an_english_notification(db, media_root):  # noqa: F811
    student = UserFactory(language="en", roles=["student"])
    repair = repair_services.repair_request_create(
        requester=student, category=CategoryFactory(), room=RoomFactory(), description="灯不亮"
    )

    notification = Notification.objects.get(recipient=student, kind="repairs.submitted")
    assert notification.title == f"Your repair request {repair.number} was received"


def test_switching_language_saves_it_on_the_user(client, student):
    client.force_login(student)

    client.get("/language/", {"language": "en", "next": "/"})

    student.refresh_from_db()
    assert student.language == "en"


def test_switching_language_signed_out_saves_nothing(client):
    response = client.get("/language/", {"language": "en", "next": "/"})

    assert response.status_code == 302


def test_cas_attributes_fill_the_language_of_people_who_chose_none(db):
    fresh = UserFactory(language="")
    chosen = UserFactory(language="zh-hans")
    profile = profile_from_attributes({"preferredLanguage": "en_US"})

    apply_profile(fresh, profile)
    apply_profile(chosen, profile)

    fresh.refresh_from_db()
    chosen.refresh_from_db()
    assert (fresh.language, chosen.language) == ("en", "zh-hans")


def test_cas_ignores_languages_the_portal_does_not_have():
    assert "language" not in profile_from_attributes({"locale": "fr_FR"})
