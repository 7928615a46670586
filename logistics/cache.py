"""The Redis cache backend that degrades: a failing Redis is a cache miss, never an error.

Every operation asks the "cache" breaker first (logistics.resilience): once Redis failed in a
request, or the breaker is open, it answers at once as if the key were absent and the write
lost. A redis error (refused, timed out, reset) is logged once per request, counted by the
breaker, and answered the same way. Inside `resilience.raising()` it raises instead, for the
few callers that must tell "absent" from "unreachable" (dining's version tokens, /healthz).

`get_or_build_many` reads many entries in one round trip and builds the missing ones together
(a list page's rows, the queue's dropdowns).
"""

import hashlib
import socket
from collections.abc import Callable, Hashable, Mapping

from django.conf import settings
from django.core.cache import cache
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache
from django.core.signals import setting_changed
from django.db import DEFAULT_DB_ALIAS
from redis.exceptions import RedisError

from logistics import resilience

# redis-py wraps socket errors in its own, but a broken parser can let an OSError through.
REDIS_ERRORS = (RedisError, OSError, socket.timeout)


class ResilientRedisCache(RedisCache):
    """django.core.cache.backends.redis.RedisCache behind the "cache" circuit breaker."""

    def _call(self, fallback, operation, *args, **kwargs):
        # Pending repairs first: a copy a failed delete left behind must not be read before.
        if not (resilience.usable(resilience.CACHE) and resilience.repair(resilience.CACHE)):
            if resilience.is_raising():
                raise resilience.Unavailable("cache skipped: Redis failed recently")
            return fallback
        try:
            result = operation(*args, **kwargs)
        except REDIS_ERRORS as exc:
            resilience.failed(resilience.CACHE, exc)
            if resilience.is_raising():
                raise
            return fallback
        resilience.succeeded(resilience.CACHE)
        return result

    def validate_key(self, key):
        """Nothing to check: Redis takes any key. Django's base class warns about keys that
        memcached would refuse (over 250 characters, spaces, control characters) by walking
        every character of every key: 0.3 ms of a list page's 50 rows read in one get_many."""

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call(False, super().add, key, value, timeout, version)

    def get(self, key, default=None, version=None):
        return self._call(default, super().get, key, default, version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        self._call(None, super().set, key, value, timeout, version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call(False, super().touch, key, timeout, version)

    def delete(self, key, version=None):
        return self._call(False, super().delete, key, version)

    def get_many(self, keys, version=None):
        return self._call({}, super().get_many, keys, version)

    def has_key(self, key, version=None):
        return self._call(False, super().has_key, key, version)

    def incr(self, key, delta=1, version=None):
        # Unreachable reads as absent, which incr() reports with ValueError like a missing key.
        result = self._call(None, super().incr, key, delta, version)
        if result is None:
            raise ValueError(f"Key {key!r} not found (cache unreachable).")
        return result

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call(list(data), super().set_many, data, timeout, version)

    def delete_many(self, keys, version=None):
        self._call(None, super().delete_many, keys, version)

    def clear(self):
        return self._call(False, super().clear)


def get_or_build_many(keys: Mapping[Hashable, str], build: Callable[[list], Mapping], timeout):
    """The cached values of many items in one round trip to the cache (`keys`: item -> its cache
    key, a key that changes whenever the item's value would), the items missing there built
    together by `build(missing items)` (item -> value; one query for all of them, not one each)
    and stored in one more round trip. Returns item -> value in the order of `keys`; an item
    that `build` did not return (deleted meanwhile) is left out. An unreachable cache is a miss
    for every item (ResilientRedisCache): the values are built, never an error."""
    found = cache.get_many(list(keys.values()))
    missing = [item for item, key in keys.items() if key not in found]
    built = build(missing) if missing else {}
    if built:
        cache.set_many({keys[item]: value for item, value in built.items()}, timeout)
    values = {}
    for item, key in keys.items():
        if key in found:
            values[item] = found[key]
        elif item in built:
            values[item] = built[item]
    return values


def state_key(prefix: str, *state) -> str:
    """A cache key for what was drawn from `state` (an object's pk and its updated_at, the
    language, the time zone …): a short digest, with the database's name added, since test
    databases and a benchmark's share one Redis."""
    return f"{prefix}:{_digest((*state, database_name()))}"


def state_keys(prefix: str, *shared) -> Callable[..., str]:
    """`state_key` for the many items of one page, whose state shares a part (the language,
    the time zone, the host): that part is digested once with the database's name, and each
    key adds a digest of the item's own state. A page's 50 keys cost a third of what 50
    state_keys do (0.9 ms on the bench's machine)."""
    common = _digest((*shared, database_name()))
    return lambda *state: f"{prefix}:{common}:{_digest(state)}"


def _digest(parts: tuple) -> str:
    return hashlib.blake2b(repr(parts).encode(), digest_size=12).hexdigest()


def database_name(alias: str = DEFAULT_DB_ALIAS) -> str:
    """The database's name, for cache keys (test databases and a benchmark's share one Redis):
    the settings' name, as the connection's (Django's create_test_db sets both to the test
    database's), without the connection proxy's thread-local lookup (7 µs a key)."""
    return settings.DATABASES[alias]["NAME"]


def settings_table(*names: str) -> dict:
    """An in-process dict for what is worked out from settings and kept (a template tag's
    output): emptied whenever one of the settings `names` changes (tests override them)."""
    table: dict = {}

    def forget(*, setting, **kwargs) -> None:
        if setting in names:
            table.clear()

    setting_changed.connect(forget, weak=False)
    return table
