"""Keeping off a failing Redis: circuit breakers, a per-request "it failed once" flag, repairs.

Two services can fail apart: "cache" (CACHES, the session cache, the write rate limit, dining's
versions) and "broker" (publishing outbox tasks). For each:
- a request that met one failure (a refused connection, a timeout) does not call it again: the
  rest of the request runs as if it were away, so a hung Redis costs a request one timeout;
- a process-wide circuit breaker opens after REDIS_BREAKER_FAILURES failures in a row and keeps
  every request of the process off it for REDIS_BREAKER_RESET_SECONDS; then one call tries
  (half-open): success closes it, failure opens it again;
- work that must reach Redis once it is back (invalidations a failed call left undone) waits in
  a small per-process queue (`when_back`) and runs before the next call that may go out.
Callers ask `usable(name)` before calling and report with `succeeded(name)` / `failed(name, exc)`;
`logistics.cache.ResilientRedisCache` does so for every cache call.
"""

import contextlib
import contextvars
import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator

from django.conf import settings
from django.core.signals import request_finished, request_started
from django.test.signals import setting_changed

logger = logging.getLogger(__name__)

CACHE = "cache"
BROKER = "broker"
MAX_REPAIRS = 10_000


class Unavailable(Exception):
    """The service is skipped: its breaker is open, or it already failed in this request."""


def describe(exc: BaseException | None) -> str:
    return "" if exc is None else f"{type(exc).__name__}: {exc}"


class CircuitBreaker:
    """Closed → open after `failures` failures in a row → half-open after `reset_after` seconds
    (one trial call) → closed on success, open again on failure. Thread-safe, per process."""

    CLOSED, OPEN, HALF_OPEN = "closed", "open", "half-open"

    def __init__(self, name: str, *, failures=None, reset_after=None, clock=time.monotonic):
        self.name = name
        self._failures = failures
        self._reset_after = reset_after
        self._clock = clock
        self._lock = threading.Lock()
        self.reset()

    @property
    def failures(self) -> int:
        return self._failures if self._failures is not None else settings.REDIS_BREAKER_FAILURES

    @property
    def reset_after(self) -> float:
        if self._reset_after is not None:
            return self._reset_after
        return settings.REDIS_BREAKER_RESET_SECONDS

    def reset(self) -> None:
        with self._lock:
            self.state = self.CLOSED
            self.failed_in_a_row = 0
            self.since = self._clock()

    def is_open(self) -> bool:
        """Whether calls are refused now; unlike allow(), never takes the half-open trial."""
        with self._lock:
            return self.state != self.CLOSED and self._clock() - self.since < self.reset_after

    def allow(self) -> bool:
        """True if a call may go through now (in half-open state: only the one trial)."""
        with self._lock:
            if self.state == self.CLOSED:
                return True
            # Open, or half-open with a trial that never reported back (its caller died).
            if self._clock() - self.since < self.reset_after:
                return False
            self.state, self.since = self.HALF_OPEN, self._clock()
            return True

    def record_success(self) -> None:
        with self._lock:
            if self.state == self.CLOSED and not self.failed_in_a_row:
                return
            if self.state != self.CLOSED:
                logger.warning("redis %s: answering again, circuit closed", self.name)
            self.state, self.failed_in_a_row, self.since = self.CLOSED, 0, self._clock()

    def record_failure(self, exc: BaseException | None = None) -> None:
        with self._lock:
            self.failed_in_a_row += 1
            if self.state == self.HALF_OPEN or (
                self.state == self.CLOSED and self.failed_in_a_row >= self.failures
            ):
                self.state, self.since = self.OPEN, self._clock()
                logger.warning(
                    "redis %s: %d failure(s) in a row (%s), circuit open: no calls for %s s",
                    self.name,
                    self.failed_in_a_row,
                    describe(exc),
                    self.reset_after,
                )


BREAKERS = {CACHE: CircuitBreaker(CACHE), BROKER: CircuitBreaker(BROKER)}

# The services that failed in the current request (None outside a request: tasks, shells).
_failed_here: contextvars.ContextVar[set | None] = contextvars.ContextVar(
    "redis_failed_here", default=None
)
_raising: contextvars.ContextVar[bool] = contextvars.ContextVar("redis_raising", default=False)


def usable(name: str) -> bool:
    """Whether a call to `name` may go out now (not failed in this request, breaker allows)."""
    if failed_in_this_request(name):
        return False
    if getattr(_repairing, "active", False):
        return True  # a repair's own call, inside the call the breaker let through
    return BREAKERS[name].allow()


def available(name: str) -> bool:
    """usable() without taking the breaker's half-open trial: for callers that only choose
    where to go (the call they then make asks usable())."""
    return not failed_in_this_request(name) and not BREAKERS[name].is_open()


def succeeded(name: str) -> None:
    BREAKERS[name].record_success()


def failed(name: str, exc: BaseException | None = None) -> None:
    failed_here = _failed_here.get()
    if failed_here is not None:
        if name not in failed_here:
            logger.warning("redis %s: %s; this request goes on without it", name, describe(exc))
        failed_here.add(name)
    BREAKERS[name].record_failure(exc)


def failed_in_this_request(name: str) -> bool:
    failed_here = _failed_here.get()
    return failed_here is not None and name in failed_here


@contextlib.contextmanager
def raising() -> Iterator[None]:
    """Within the block, the resilient cache raises (Unavailable or the redis error) instead of
    answering a miss: for callers that must tell "absent" from "unreachable"."""
    token = _raising.set(True)
    try:
        yield
    finally:
        _raising.reset(token)


def is_raising() -> bool:
    return _raising.get()


# --- Repairs: what must reach Redis once it answers again ----------------------------------------

_repairs: dict[str, deque] = {CACHE: deque(maxlen=MAX_REPAIRS), BROKER: deque(maxlen=MAX_REPAIRS)}
_repairing = threading.local()


def when_back(name: str, repair: Callable[[], None]) -> None:
    """Runs `repair` (which calls `name`) before the next call to it this process makes."""
    if len(_repairs[name]) == MAX_REPAIRS:
        logger.warning("redis %s: repair queue full, dropping the oldest", name)
    _repairs[name].append(repair)


def repair(name: str) -> bool:
    """Runs the repairs waiting for `name`, oldest first; False if one failed (it and the rest
    wait for the next time). Callers run it before their own call, so nothing reads a copy a
    repair is about to fix."""
    queue = _repairs[name]
    if not queue or getattr(_repairing, "active", False):
        return True  # nothing waits, or this is a repair's own call
    _repairing.active = True
    try:
        for _ in range(len(queue)):  # what is queued meanwhile waits for the next time
            try:
                work = queue.popleft()
            except IndexError:  # another thread took the last one
                break
            try:
                with raising():
                    work()
            except Exception as exc:  # noqa: BLE001 — still away: keep it for the next time
                queue.appendleft(work)
                logger.info("redis %s: repair failed (%s); kept for later", name, describe(exc))
                return False
    finally:
        _repairing.active = False
    return True


def pending_repairs(name: str) -> int:
    return len(_repairs[name])


# --- Request scope and test settings -------------------------------------------------------------


def _begin_request(**kwargs) -> None:
    _failed_here.set(set())


def _end_request(**kwargs) -> None:
    _failed_here.set(None)


def reset() -> None:
    """Closed breakers and no repairs pending, as a process starts (tests)."""
    for breaker in BREAKERS.values():
        breaker.reset()
    for queue in _repairs.values():
        queue.clear()


def _settings_changed(*, setting, **kwargs) -> None:
    # A test pointing the cache or broker elsewhere starts with closed breakers.
    if setting in ("CACHES", "CELERY_BROKER_URL", "CELERY_BROKER_WRITE_URL") or setting.startswith(
        "REDIS_BREAKER_"
    ):
        reset()


request_started.connect(_begin_request, dispatch_uid="logistics.resilience.begin")
request_finished.connect(_end_request, dispatch_uid="logistics.resilience.end")
setting_changed.connect(_settings_changed, dispatch_uid="logistics.resilience.settings")
