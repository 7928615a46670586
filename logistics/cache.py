"""The Redis cache backend that degrades: a failing Redis is a cache miss, never an error.

Every operation asks the "cache" breaker first (logistics.resilience): once Redis failed in a
request, or the breaker is open, it answers at once as if the key were absent and the write
lost. A redis error (refused, timed out, reset) is logged once per request, counted by the
breaker, and answered the same way. Inside `resilience.raising()` it raises instead, for the
few callers that must tell "absent" from "unreachable" (dining's version tokens, /healthz).
"""

import socket

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache
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
