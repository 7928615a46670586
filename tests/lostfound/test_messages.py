"""Portal messages with the finder who keeps an item: the only way to reach them, without
names on either side; another person's conversation is 404; query count pinned."""

import pytest
from django.test import Client
from django.urls import reverse

from logistics.models import Notification
from logistics.workflow import InvalidInput, NotAllowed
from lostfound.models import Conversation, Message
from lostfound.services.messages import message_send
from tests.logistics.factories import UserFactory
from tests.lostfound.factories import FoundItemFactory

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


@pytest.fixture
def kept(desk):
    finder = UserFactory(username="2024777", display_name="拾到者小李", phone="13900001111")
    return FoundItemFactory(desk=desk, finder=finder, custody="finder", description="蓝色雨伞")


def test_an_owner_writes_to_the_finder_and_gets_an_answer_without_names(kept, student):
    asker = client_for(student)
    url = reverse("lostfound:messages", args=[kept.pk])
    assert "Write to the finder" in asker.get(kept.get_absolute_url()).content.decode()
    response = asker.post(url, {"body": "伞柄上有白色胶带吗？"})
    conversation = Conversation.objects.get(item=kept, asker=student)
    assert response.status_code == 302 and response.url == conversation.get_absolute_url()
    told = Notification.objects.get(recipient=kept.finder, kind="lostfound.message")
    assert student.username not in told.title and student.get_display_name() not in told.title

    finder = client_for(kept.finder)
    listing = finder.get(url).content.decode()
    assert "Person 1" in listing and student.username not in listing
    thread = finder.get(conversation.get_absolute_url()).content.decode()
    assert "伞柄上有白色胶带吗" in thread and student.get_display_name() not in thread
    finder.post(conversation.get_absolute_url(), {"body": "有的，明天中午图书馆门口见"})
    assert Notification.objects.filter(recipient=student, kind="lostfound.message").exists()
    page = asker.get(url).content.decode()
    assert "明天中午图书馆门口见" in page and "The finder" in page
    for secret in ("拾到者小李", "13900001111", "2024777"):
        assert secret not in page
    assert [m.from_finder for m in Message.objects.order_by("id")] == [False, True]


def test_another_persons_conversation_is_404(kept, student, other_student):
    message = message_send(item=kept, by=student, body="是我的伞")
    url = message.conversation.get_absolute_url()
    assert client_for(other_student).get(url).status_code == 404
    # Writing there opens their own conversation, never joins the other one.
    client_for(other_student).post(reverse("lostfound:messages", args=[kept.pk]), {"body": "我的"})
    assert Conversation.objects.filter(item=kept).count() == 2
    assert message.conversation.messages.count() == 1


def test_only_a_finder_who_keeps_it_can_be_written_to(desk, student):
    at_desk = FoundItemFactory(desk=desk, custody="desk")
    with pytest.raises(NotAllowed):
        message_send(item=at_desk, by=student, body="在吗")
    assert (
        client_for(student).get(reverse("lostfound:messages", args=[at_desk.pk])).status_code == 403
    )
    returned = FoundItemFactory(desk=desk, custody="finder", status="returned", owner=student)
    with pytest.raises(NotAllowed):
        message_send(item=returned, by=student, body="在吗")


def test_bad_input_is_answered(kept, student):
    with pytest.raises(InvalidInput):
        message_send(item=kept, by=student, body="   ")
    response = client_for(student).post(
        reverse("lostfound:messages", args=[kept.pk]), {"body": "x" * 1001}
    )
    assert response.status_code == 400 and not Message.objects.exists()
    with pytest.raises(NotAllowed):
        message_send(item=kept, by=kept.finder, body="你好")  # the finder answers a conversation


def test_a_thread_costs_the_same_queries_for_more_messages(
    kept, student, django_assert_max_num_queries
):
    first = message_send(item=kept, by=student, body="第一条")
    url = first.conversation.get_absolute_url()
    client = client_for(student)
    client.get(url)
    with django_assert_max_num_queries(12) as few:
        client.get(url)
    for n in range(8):
        message_send(item=kept, by=student, body=f"消息 {n}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(url)
