"""`manage.py seed_demo` as a command: refused with DEBUG off unless forced, app seeders run
after the core in order and all-or-nothing, old notifications read. Only the core is seeded here
(no app seeders), so each test is quick; the full demo is tested in test_seed_demo.py."""

import io

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from logistics import demo
from logistics.models import Campus, Notification, User
from tests.logistics.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def no_app_seeders(monkeypatch):
    monkeypatch.setattr(demo, "_seeders", {})


def test_it_leaves_each_user_only_their_newest_notifications_unread(db):
    user = UserFactory()
    for n in range(8):
        Notification.objects.create(recipient=user, kind="tests.demo", title=f"n{n}")
    assert demo.settle_notifications(keep_unread=5) == 3
    unread = Notification.objects.filter(read_at__isnull=True).order_by("id")
    assert [n.title for n in unread] == ["n3", "n4", "n5", "n6", "n7"]


def test_it_refuses_with_debug_off(settings):
    settings.DEBUG = False
    with translation.override("en"), pytest.raises(CommandError, match="DJANGO_DEBUG off"):
        call_command("seed_demo", stdout=io.StringIO())
    assert not User.objects.filter(username="student").exists()


def test_it_runs_with_debug_off_when_forced(settings, no_app_seeders):
    settings.DEBUG = False
    call_command("seed_demo", "--force", stdout=io.StringIO())
    assert User.objects.filter(username="student").exists()


def test_it_runs_app_seeders_after_the_core_in_order(settings, no_app_seeders):
    settings.DEBUG = True
    calls = []

    def seed_second(data):
        calls.append(("second", data.users["student"].username))

    def seed_first(data):
        calls.append(("first", data.buildings["MH-C1"].name))

    demo.register_demo_seeder(20, seed_second)
    demo.register_demo_seeder(10, seed_first)
    demo.register_demo_seeder(10, seed_first)  # registering twice runs it once
    call_command("seed_demo", stdout=io.StringIO())
    assert calls == [("first", "第一食堂"), ("second", "student")]


def test_it_writes_nothing_when_an_app_seeder_fails(settings, no_app_seeders):
    settings.DEBUG = True

    def seed_broken(data):
        raise RuntimeError("broken demo data")

    demo.register_demo_seeder(10, seed_broken)
    with pytest.raises(RuntimeError):
        call_command("seed_demo", stdout=io.StringIO())
    assert not Campus.objects.exists()
    assert not User.objects.exists()
