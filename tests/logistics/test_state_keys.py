"""`logistics.cache.state_key` and `state_keys`: a key changes with every part of what was
drawn, and with the database (test databases and a benchmark's share one Redis); the cache
takes any key Redis takes."""

import warnings

import pytest
from django.conf import settings
from django.db import connection

from logistics.cache import state_key, state_keys


@pytest.mark.django_db
def test_it_names_the_database_the_connection_uses():
    # the keys read the settings' name: the same as the connection's, test database included
    assert settings.DATABASES["default"]["NAME"] == connection.settings_dict["NAME"]


def test_a_key_changes_with_every_part_and_with_the_database(monkeypatch):
    key = state_key("p", 1, "2026-12-07T08:00:00+00:00", "zh-hans")
    assert key.startswith("p:") and key == state_key("p", 1, "2026-12-07T08:00:00+00:00", "zh-hans")
    others = {
        state_key("q", 1, "2026-12-07T08:00:00+00:00", "zh-hans"),
        state_key("p", 2, "2026-12-07T08:00:00+00:00", "zh-hans"),
        state_key("p", 1, "2026-12-07T08:00:01+00:00", "zh-hans"),
        state_key("p", 1, "2026-12-07T08:00:00+00:00", "en"),
    }
    assert key not in others and len(others) == 4
    monkeypatch.setitem(settings.DATABASES["default"], "NAME", "another_database")
    assert state_key("p", 1, "2026-12-07T08:00:00+00:00", "zh-hans") != key


@pytest.mark.parametrize(
    "shared, state",
    [
        (("zh-hans", "Asia/Shanghai"), (7, "2026-12-07T08:00:00+00:00")),
        (("en", "UTC", "http://example.edu/"), (7, "漏水 1 楼", None, True)),
    ],
)
def test_the_keys_of_a_page_change_with_what_they_share_and_with_their_own(
    shared, state, monkeypatch
):
    key = state_keys("rows", *shared)(*state)
    assert key == state_keys("rows", *shared)(*state)
    assert key.startswith("rows:") and len(key) < 80 and " " not in key
    assert state_keys("rows", *shared[:-1], "other")(*state) != key
    assert state_keys("rows", *shared)(*state[:-1], "other") != key
    assert state_keys("rows", *shared)(*state, "more") != key
    # what is shared and what is an item's own are kept apart
    assert state_keys("rows", *shared[:-1])(shared[-1], *state) != key
    assert state_keys("other", *shared)(*state) != key
    monkeypatch.setitem(settings.DATABASES["default"], "NAME", "another_database")
    assert state_keys("rows", *shared)(*state) != key


@pytest.mark.redis
def test_the_cache_takes_any_key_redis_takes_without_a_memcached_warning():
    from django.core.cache import caches

    from logistics.cache import ResilientRedisCache

    backend = caches["default"]
    assert isinstance(backend, ResilientRedisCache)
    odd = "a key with spaces, 漏水 and \x01 " + "x" * 300  # memcached would refuse it
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # Django's CacheKeyWarning would fail here
        backend.set(odd, "kept", 30)
        assert backend.get(odd) == "kept"
        assert backend.get_many([odd, "absent"]) == {odd: "kept"}
        backend.delete(odd)
    assert backend.get(odd) is None
