"""Sessions in the database, read through the cache; the database is the store, Redis a copy.

Django's cached_db on logistics.cache.ResilientRedisCache: a cache that fails or is skipped is a
miss (the session is read from the database) and a lost copy (the write still goes to the
database). What that leaves is a copy Redis kept from before the outage: a session changed or
ended (sign-out, CAS single logout) while Redis was away would come back from it once Redis
answers. So a cache write or delete that did not happen is repaired by deleting the copy at the
first successful Redis call of this process (logistics.resilience.when_back).
"""

from django.conf import settings
from django.contrib.sessions.backends import cached_db
from django.contrib.sessions.backends.db import SessionStore as DBStore
from django.core.cache import caches

from logistics import resilience


class SessionStore(cached_db.SessionStore):
    def save(self, must_create: bool = False) -> None:
        DBStore.save(self, must_create)
        key = self.cache_key
        self._write_copy(key, lambda: self._cache.set(key, self._session, self.get_expiry_age()))

    def delete(self, session_key: str | None = None) -> None:
        DBStore.delete(self, session_key)
        if session_key is None:
            if self.session_key is None:
                return
            session_key = self.session_key
        key = self.cache_key_prefix + session_key
        self._write_copy(key, lambda: self._cache.delete(key))

    @staticmethod
    def _write_copy(key: str, write) -> None:
        try:
            with resilience.raising():
                write()
        except Exception:  # noqa: BLE001 — logged by the cache; the database has the session
            resilience.when_back(resilience.CACHE, lambda: _drop_copy(key))


def _drop_copy(key: str) -> None:
    caches[settings.SESSION_CACHE_ALIAS].delete(key)
