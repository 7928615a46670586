"""The lunchtime cache: public menu pages and the menu API cached per canteen and date.

Services call the invalidation functions (menu_changed, canteen_changed) inside their
transaction; the invalidation happens after commit, so a stale price never shows after the change
is saved.

Design: every cached entry's key contains version tokens, never the entry is deleted.
- `dining:<db>:dv:<canteen>:<date>`: the version of one canteen's menus of one date;
- `dining:<db>:cv:<canteen>`: the version of everything shown on every day of a canteen;
- `dining:<db>:gv`: the version of the list of canteens (any canteen change bumps it too);
- `dining:<db>:ev`: the epoch, replaced by every change of any canteen or date (in the same MSET
  as the tokens it follows). A process that has seen an epoch knows every token as of then, so
  the lunchtime page asks Redis for this one key (`epoch`).
`<db>` names the database (a short digest of its name), so two databases sharing one Redis
(a test run beside a benchmark, staging beside a copy) never read each other's canteen ids.
Rows changed behind the services' back (a restored database, a raw SQL fix) are not seen by the
cache: clear it afterwards (`manage.py shell -c "from django.core.cache import cache;
cache.clear()"`).
A change replaces the token with a new random one after commit, so every fragment, page and
API response built from that canteen and date is unreachable at once. Tokens are random (not
counters): if Redis evicts a version key, the next reader creates a new token instead of
falling back to an old number whose entries may still be cached.

Readers must read the versions BEFORE reading the database: a reader racing a commit then
stores old data under the old token, which nobody reads any more.

If the cache is unreachable, readers build from the database (fail open, never a 500).

Lunchtime fast path: entries whose key holds every version they depend on (the catalogue, whole
pages) are also kept in a small per-process LRU (`local_get_or_build`). A request still reads
the current epoch from the shared cache first, in one round trip (`epoch`); what the process
read under that epoch (selectors.catalogue_and_versions) and the pages it built from it stay
valid until the epoch changes, so a process never serves an entry of a superseded version.
"""

import hashlib
import logging
import os
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable, Iterable

from django.conf import settings
from django.core.cache import cache, caches
from django.core.cache.backends.redis import RedisCache
from django.db import transaction

from logistics import resilience
from logistics.cache import database_name

logger = logging.getLogger(__name__)


def _timeout() -> int:
    return settings.DINING_CACHE_SECONDS


def _namespace() -> str:
    name = str(database_name())
    cached = _NAMESPACES.get(name)
    if cached is None:
        cached = _NAMESPACES[name] = hashlib.blake2b(name.encode(), digest_size=4).hexdigest()
    return cached


_NAMESPACES: dict[str, str] = {}


def _global_key() -> str:
    return f"dining:{_namespace()}:gv"


def _day_key(canteen_id: int, date) -> str:
    return f"dining:{_namespace()}:dv:{canteen_id}:{date.isoformat()}"


def _canteen_key(canteen_id: int) -> str:
    return f"dining:{_namespace()}:cv:{canteen_id}"


def _epoch_key() -> str:
    return f"dining:{_namespace()}:ev"


def _new_token() -> str:
    return uuid.uuid4().hex[:16]


def _bump(*keys: str) -> None:
    try:
        _replace_tokens(keys)
    except Exception as exc:  # noqa: BLE001
        # Redis still holds the old tokens: replace them once it answers, or its entries of
        # the old prices would be served again.
        logger.warning("dining cache: versions not replaced (%r); again when Redis is back", exc)
        resilience.when_back(resilience.CACHE, lambda: _replace_tokens(keys))


def _replace_tokens(keys) -> None:
    # No timeout: a version must outlive every entry stored under it. One MSET (Redis) sets the
    # tokens and the epoch together, so whoever sees the new epoch sees the new tokens.
    tokens = {key: _new_token() for key in keys}
    tokens[_epoch_key()] = _new_token()
    with resilience.raising():
        cache.set_many(tokens, timeout=None)
        # A second command on the primary (PERSIST, a no-op here): Redis answers it only after the
        # invalidation pushes of the MSET went out to every process tracking the epoch.
        cache.touch(_epoch_key(), timeout=None)


def menu_changed(*, canteen_id: int, date) -> None:
    """A menu of this canteen and date changed (items, prices, sold out, publishing)."""
    transaction.on_commit(lambda: _bump(_day_key(canteen_id, date)), robust=True)


def canteen_changed(*, canteen_id: int) -> None:
    """Something shown on every day of this canteen changed (a dish's name, photo, standard
    price, allergens; opening hours; closed days)."""
    transaction.on_commit(lambda: _bump(_canteen_key(canteen_id), _global_key()), robust=True)


def _tokens(keys: list[str]) -> dict[str, str]:
    """The current tokens of `keys`, creating the missing ones (add: first writer wins).
    Raises when the cache is unreachable (an absent token must not be taken for "")."""
    with resilience.raising():
        found = cache.get_many(keys)
        missing = [key for key in keys if key not in found]
        if missing:
            for key in missing:
                cache.add(key, _new_token(), timeout=None)
            found.update(cache.get_many(missing))
    return found


def epoch() -> str | None:
    """The current epoch, one round trip (None when it is missing: `current_epoch` makes one).
    Raises when the cache is unreachable."""
    return epoch_begin()()


def epoch_begin() -> Callable[[], str | None]:
    """Sends the epoch's GET now and returns what reads its reply (and raises like epoch()), so
    the caller can work while Redis answers: the reply is then usually waiting, and the worker
    does not sleep on the socket (on a busy machine each sleep costs a turn of the scheduler).
    The GET goes out when this is called: a reply read later is never older than that."""
    key = _epoch_key()
    backend = caches["default"]
    if not isinstance(backend, RedisCache):
        return lambda: cache.get(key)
    # The held connection bypasses the backend, so it asks and tells the breaker itself.
    if not (resilience.usable(resilience.CACHE) and resilience.repair(resilience.CACHE)):
        raise resilience.Unavailable("dining epoch: Redis failed recently")
    return _held_send(backend, key)


_HELD = threading.local()


def _held_send(backend: RedisCache, key: str) -> Callable[[], str | None]:
    """The epoch from a connection this thread keeps, which Redis tells of every change of it.

    The connection speaks RESP3 with CLIENT TRACKING in broadcast mode on the epoch's key: Redis
    pushes an invalidation on it whenever the key is written. So once this thread has read the
    epoch, it knows it is still current while nothing has arrived on the connection — a look at
    the socket (no round trip, no wait) instead of a GET per request. Anything arriving (the
    push, or the server closing) drops the connection; the next call opens a new one and GETs.
    Redis queues the push while it executes the write, and the writer's next command
    (`_bump`'s touch) is answered only after it went out: the push is on its way before the
    writer's request ends. Without RESP3 (Redis < 6) the connection GETs every time.

    Otherwise a GET without redis-py's pool checkout, checks and retry wrapper per call; any
    error drops the connection, and so does a reply left unread (never taken for the answer to
    a later GET). From the first server (the primary, where changes are written): a replica may
    lag. It uses private parts of Django's RedisCache and of redis-py;
    tests/dining/test_cache.py names them and fails when they change."""
    full = backend.make_and_validate_key(key)
    pool = backend._cache._get_connection_pool(write=True)
    held = getattr(_HELD, "conn", None)
    if held is not None and (held["pending"] or held["id"] != (os.getpid(), pool, full)):
        _drop(held)
        held = None
    if held is not None and held["value"] is not None:
        # Trusted for DINING_EPOCH_TRUST_SECONDS at most: a push that never arrives (a hung
        # Redis, a writer whose bump failed) cannot keep a stale page for longer than that.
        fresh = time.monotonic() - held["read_at"] < settings.DINING_EPOCH_TRUST_SECONDS
        try:
            changed = not fresh or held["conn"].can_read(timeout=0)
        except Exception:  # the server went away: a new connection below
            changed = True
        if not changed:
            value = held["value"]
            return lambda: value
        _drop(held)
        held = None
    if held is None:
        held = _HELD.conn = _connect(pool, full)
    conn = held["conn"]
    try:
        conn.send_packed_command(held["packed"], check_health=False)
    except BaseException as exc:
        _drop(held)
        resilience.failed(resilience.CACHE, exc)
        raise
    held["pending"] = True

    def read() -> str | None:
        try:
            value = conn.read_response()
        except BaseException as exc:
            _drop(held)
            resilience.failed(resilience.CACHE, exc)
            raise
        held["pending"] = False
        resilience.succeeded(resilience.CACHE)
        value = None if value is None else backend._cache._serializer.loads(value)
        if held["tracking"]:
            held["value"], held["read_at"] = value, time.monotonic()
        return value

    return read


def _connect(pool, full: str) -> dict:
    """A new connection for the epoch, tracking its key when the server can (RESP3)."""
    try:
        conn = pool.connection_class(**{**pool.connection_kwargs, "protocol": 3})
        conn.send_command("CLIENT", "TRACKING", "ON", "BCAST", "PREFIX", full)
        tracking = conn.read_response() in (b"OK", "OK")
    except Exception:
        logger.info("dining cache: no RESP3 client tracking, reading the epoch per request")
        conn, tracking = pool.connection_class(**pool.connection_kwargs), False
    return {
        "id": (os.getpid(), pool, full),
        "conn": conn,
        "pending": False,
        "tracking": tracking,
        "value": None,
        "read_at": 0.0,
        "packed": conn.pack_command("GET", full),
    }


def _drop(held: dict) -> None:
    held["conn"].disconnect()
    if getattr(_HELD, "conn", None) is held:
        _HELD.conn = None


def current_epoch() -> str:
    """The epoch, created when missing (add: first writer wins)."""
    key = _epoch_key()
    return _tokens([key])[key]


_LOCAL: OrderedDict = OrderedDict()
_LOCAL_LOCK = threading.Lock()


def local_get(key: str):
    with _LOCAL_LOCK:
        value = _LOCAL.get(key)
        if value is not None:
            _LOCAL.move_to_end(key)
        return value


def local_set(key: str, value) -> None:
    size = settings.DINING_LOCAL_CACHE_ENTRIES
    with _LOCAL_LOCK:
        _LOCAL[key] = value
        _LOCAL.move_to_end(key)
        while len(_LOCAL) > size:
            _LOCAL.popitem(last=False)


def local_get_or_build(key: str, build: Callable[[], object]):
    """get_or_build() behind the per-process LRU; only for keys that hold their versions."""
    value = local_get(key)
    if value is None:
        value = get_or_build(key, build)
        local_set(key, value)
    return value


def global_version() -> str:
    """The version of the list of canteens."""
    key = _global_key()
    return _tokens([key]).get(key, "")


def versions(canteen_ids: Iterable[int], date) -> dict[int, str]:
    """The version of each canteen's data of `date` ("<canteen token>.<day token>")."""
    ids = list(canteen_ids)
    keys = []
    for canteen_id in ids:
        keys += [_canteen_key(canteen_id), _day_key(canteen_id, date)]
    tokens = _tokens(keys)
    return {
        canteen_id: f"{tokens.get(_canteen_key(canteen_id), '')}."
        f"{tokens.get(_day_key(canteen_id, date), '')}"
        for canteen_id in ids
    }


def range_version(canteen_id: int, dates: list) -> str:
    """One version of a canteen's data over several dates (the OpenMensa feed)."""
    keys = [_canteen_key(canteen_id)] + [_day_key(canteen_id, d) for d in dates]
    tokens = _tokens(keys)
    return ".".join(tokens.get(key, "") for key in keys)


def version_key(prefix: str, *parts) -> str:
    """A cache key made of a prefix and a digest of the parts (versions, filters, language)."""
    digest = hashlib.blake2b(repr(parts).encode(), digest_size=16).hexdigest()
    return f"dining:{_namespace()}:{prefix}:{digest}"


def get_or_build(key: str, build: Callable[[], object]):
    """The cached value of `key`, or build() stored under it; the database when Redis fails."""
    try:
        value = cache.get(key)
    except Exception:  # the cache is down: serve from the database
        logger.warning("dining cache unreachable on read", exc_info=True)
        return build()
    if value is None:
        value = build()
        try:
            cache.set(key, value, timeout=_timeout())
        except Exception:
            logger.warning("dining cache unreachable on write", exc_info=True)
    return value


def safe_versions(canteen_ids: Iterable[int], date) -> dict[int, str] | None:
    """versions(), or None when the cache is unreachable (callers then skip the cache)."""
    try:
        return versions(canteen_ids, date)
    except resilience.Unavailable:  # skipped: the failure that caused it was logged
        return None
    except Exception:
        logger.warning("dining cache unreachable on versions", exc_info=True)
        return None


def canteen_fragment(*, canteen_id: int, date, name: str, build: Callable[[], object], extra=()):
    """One canteen's cached value of a date (a fragment, API data) under its current version."""
    found = safe_versions([canteen_id], date)
    if found is None:
        return build()
    key = version_key(name, canteen_id, date.isoformat(), found[canteen_id], *extra)
    return get_or_build(key, build)
