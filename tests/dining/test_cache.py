"""The lunchtime cache: a stale price never shows once the change is committed, on Redis and
in process memory; nothing changes before the commit; a dead cache falls back to the database."""

import gzip
import socket
from decimal import Decimal

import pytest
from django.conf import settings
from django.core.cache import cache as default_cache
from django.db import transaction
from django.test import Client, override_settings
from django.urls import reverse

from dining import cache, services
from dining.selectors import local_now
from tests.dining.factories import (
    DishFactory,
    MenuFactory,
    MenuItemFactory,
    WindowFactory,
    canteen_staff_for,
)

LOCMEM = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}


def _redis():
    return {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": settings.REDIS_URL,
            "KEY_PREFIX": "dining-cache-test",
        }
    }


@pytest.fixture(params=["locmem", pytest.param("redis", marks=pytest.mark.redis)])
def backend(request):
    """Each test runs on LocMemCache and (with REDIS_URL) on Django's RedisCache."""
    caches = LOCMEM if request.param == "locmem" else _redis()
    with override_settings(CACHES=caches):
        default_cache.clear()
        yield request.param
        default_cache.clear()


def _lunch(price="10.00", name="宫保鸡丁"):
    window = WindowFactory()
    menu = MenuFactory(window=window, date=local_now().date())
    dish = DishFactory(canteen=window.canteen, name=name, name_en="", price=Decimal(price))
    return MenuItemFactory(menu=menu, dish=dish, price=Decimal(price))


def _page(client=None) -> str:
    response = (client or Client()).get(reverse("dining:index"))
    if response.get("Content-Encoding") == "gzip":
        return gzip.decompress(response.content).decode()
    return response.content.decode()


def _reprice(item, staff, price: str) -> None:
    services.menu_set_items(
        by=staff,
        menu=item.menu,
        items=[{"dish": item.dish, "price": Decimal(price), "sort_order": 0}],
        reason="涨价",
    )
    services.menu_publish(by=staff, menu=item.menu, acknowledge_reason="成本上涨")


@pytest.mark.django_db(transaction=True)
def test_it_never_shows_a_stale_price_after_the_change_is_committed(backend):
    item = _lunch("10.00")
    staff = canteen_staff_for(item.menu.canteen)
    canteen_url = reverse("dining:canteen", args=[item.menu.canteen.slug])
    feed_url = reverse("dining:openmensa-feed", args=[item.menu.canteen.slug])
    signed_in = Client()
    signed_in.force_login(staff)
    phone = Client(HTTP_ACCEPT_ENCODING="gzip, deflate, br")  # the pre-compressed page
    for client in (Client(), phone, signed_in):  # the whole-page and the fragment cache
        assert "10.00" in _page(client) and "10.00" in _page(client)
    assert "10.00" in Client().get(canteen_url).content.decode()
    assert "10.00" in Client().get(feed_url).content.decode()

    _reprice(item, staff, "13.50")  # two services, each committed

    for client in (Client(), phone, signed_in):
        html = _page(client)
        assert "13.50" in html and "10.00" not in html
    assert "13.50" in Client().get(canteen_url).content.decode()
    assert "13.50" in Client().get(feed_url).content.decode()


@pytest.mark.django_db(transaction=True)
def test_it_invalidates_only_after_commit_and_not_after_a_rollback(backend):
    item = _lunch("10.00")
    staff = canteen_staff_for(item.menu.canteen)
    canteen_id, day = item.menu.canteen_id, item.menu.date
    before = cache.versions([canteen_id], day)
    epoch = cache.current_epoch()
    with pytest.raises(RuntimeError), transaction.atomic():
        services.menu_item_set_sold_out(by=staff, item=item, sold_out=True)
        assert cache.versions([canteen_id], day) == before  # not yet: not committed
        raise RuntimeError("the request failed after the service")
    assert cache.versions([canteen_id], day) == before
    assert cache.epoch() == epoch
    assert (
        "Sold out"
        not in Client(HTTP_ACCEPT_LANGUAGE="en").get(reverse("dining:index")).content.decode()
    )

    services.menu_item_set_sold_out(by=staff, item=item, sold_out=True)
    assert cache.versions([canteen_id], day) != before
    assert cache.epoch() != epoch  # what every process read under the old epoch is dropped
    html = Client(HTTP_ACCEPT_LANGUAGE="en").get(reverse("dining:index")).content.decode()
    assert "Sold out" in html


@pytest.mark.django_db(transaction=True)
def test_it_invalidates_every_day_of_a_canteen_when_a_dish_changes(backend):
    item = _lunch("10.00", name="旧名字")
    staff = canteen_staff_for(item.menu.canteen)
    other = MenuItemFactory(
        menu=MenuFactory(window=item.menu.window, date=item.menu.date.replace(day=1)),
        dish=item.dish,
    )
    assert "旧名字" in _page()
    days = {d: cache.versions([item.menu.canteen_id], d) for d in (item.menu.date, other.menu.date)}
    services.dish_save(by=staff, canteen=item.menu.canteen, data={"name": "新名字"}, dish=item.dish)
    for day, version in days.items():
        assert cache.versions([item.menu.canteen_id], day) != version
    html = _page()
    assert "新名字" in html and "旧名字" not in html


@pytest.mark.django_db
def test_it_does_not_revive_old_entries_when_a_version_key_is_evicted(backend):
    item = _lunch()
    canteen_id, day = item.menu.canteen_id, item.menu.date
    first = cache.versions([canteen_id], day)
    default_cache.delete(cache._day_key(canteen_id, day))
    assert cache.versions([canteen_id], day) != first


@pytest.mark.django_db
def test_it_serves_from_the_database_when_the_cache_is_down(django_capture_on_commit_callbacks):
    item = _lunch("10.00")
    staff = canteen_staff_for(item.menu.canteen)
    dead = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens there
            "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
        }
    }
    with override_settings(CACHES=dead):
        response = Client().get(reverse("dining:index"))
        assert response.status_code == 200 and "10.00" in response.content.decode()
        feed = Client().get(reverse("dining:openmensa-feed", args=[item.menu.canteen.slug]))
        assert feed.status_code == 200
        with django_capture_on_commit_callbacks(execute=True):
            services.menu_item_set_sold_out(by=staff, item=item, sold_out=True)  # no error


@pytest.mark.redis
@pytest.mark.django_db
def test_it_reconnects_when_the_kept_redis_connection_breaks():
    item = _lunch("10.00")
    with override_settings(CACHES=_redis()):
        default_cache.clear()
        assert "10.00" in _page()
        epoch = cache.epoch()
        assert epoch is not None
        cache._HELD.conn["conn"]._sock.shutdown(socket.SHUT_RDWR)  # the server went away
        assert cache.epoch() == epoch  # a new connection, a GET
        assert "10.00" in _page() and item.menu.canteen.name in _page()
        default_cache.clear()


@pytest.mark.redis
@pytest.mark.django_db
def test_it_knows_the_epoch_without_a_round_trip_until_redis_says_it_changed(monkeypatch):
    with override_settings(CACHES=_redis(), DINING_EPOCH_TRUST_SECONDS=60):
        default_cache.clear()
        old = cache.current_epoch()
        assert cache.epoch() == old
        held = cache._HELD.conn
        assert held["tracking"]
        sent = []
        monkeypatch.setattr(held["conn"], "send_packed_command", lambda *a, **k: sent.append(a))
        assert cache.epoch() == old and cache.epoch() == old
        assert sent == []  # no GET: nothing arrived on the tracking connection
        cache._bump(cache._global_key())  # another connection, as another worker would
        new = cache.epoch()
        assert new != old and new == default_cache.get(cache._epoch_key())
        assert cache._HELD.conn is not held  # the invalidation dropped the old connection
        default_cache.clear()


@pytest.mark.redis
@pytest.mark.django_db
def test_it_never_takes_a_reply_left_unread_for_a_later_one():
    with override_settings(CACHES=_redis()):
        default_cache.clear()
        old = cache.current_epoch()
        cache.epoch_begin()  # sent, never read (a request that failed in between)
        default_cache.set(cache._epoch_key(), "new", timeout=None)  # a change meanwhile
        assert cache.epoch() == "new" != old
        default_cache.clear()


@pytest.mark.redis
def test_it_finds_the_private_redis_parts_the_epoch_read_uses():
    # cache._held_send goes past the public API for the lunchtime round trip. These are the parts
    # it uses; when Django or redis-py renames or changes one, this fails before a page does.
    import inspect

    from django.core.cache import caches

    with override_settings(CACHES=_redis()):
        backend = caches["default"]
        client = backend._cache
        assert callable(client._get_connection_pool) and callable(client._serializer.loads)
        pool = client._get_connection_pool(write=True)
        conn = pool.connection_class(**{**pool.connection_kwargs, "protocol": 3})
        for name in ("pack_command", "send_packed_command", "read_response", "can_read"):
            assert callable(getattr(conn, name)), name
        full = backend.make_and_validate_key("parts")
        conn.send_command("CLIENT", "TRACKING", "ON", "BCAST", "PREFIX", full)
        assert conn.read_response() in (b"OK", "OK")
        assert "check_health" in inspect.signature(conn.send_packed_command).parameters
        default_cache.set("parts", {"a": 1})
        conn.send_packed_command(conn.pack_command("GET", full))
        assert client._serializer.loads(conn.read_response()) == {"a": 1}
        assert conn.can_read(timeout=0) is False
        default_cache.set("parts", {"a": 2})  # an invalidation push arrives
        assert conn.can_read(timeout=1) is True
        conn.disconnect()
        default_cache.clear()


@pytest.mark.redis
@pytest.mark.django_db
def test_it_reads_the_tracked_epoch_again_once_its_trust_has_run_out():
    # A push that never comes (a hung Redis, a bump that failed) must not keep a page stale.
    with override_settings(CACHES=_redis(), DINING_EPOCH_TRUST_SECONDS=60):
        default_cache.clear()
        old = cache.current_epoch()
        assert cache.epoch() == old
        held = cache._HELD.conn
        assert held["tracking"]
        # The epoch changes without a push reaching this connection (as if lost on the way).
        held["conn"].send_command("CLIENT", "TRACKING", "OFF")
        assert held["conn"].read_response() in (b"OK", "OK")
        default_cache.set(cache._epoch_key(), "changed-without-a-push", timeout=None)
        assert cache.epoch() == old  # still trusted
        with override_settings(DINING_EPOCH_TRUST_SECONDS=0):
            assert cache.epoch() == "changed-without-a-push"  # trust ran out: read again
        default_cache.clear()
