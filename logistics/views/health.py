"""GET /healthz for load balancers: database, cache and broker, as JSON."""

import contextvars
import logging
import secrets
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout

import redis
from django.conf import settings
from django.core.cache import cache
from django.db import connections
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from redis.backoff import NoBackoff
from redis.retry import Retry

from logistics import resilience

logger = logging.getLogger(__name__)

IN_PROCESS = "in-process"
# Load balancers poll often: the cache and broker checks run on a small, long-lived pool so
# their connections are reused, and a dead Redis costs at most the timeout, not a hung worker.
_executor: ThreadPoolExecutor | None = None
_executor_lock = threading.Lock()
_redis_clients: dict[tuple[str, float], redis.Redis] = {}


def _pool() -> ThreadPoolExecutor:
    global _executor
    with _executor_lock:
        if _executor is None:
            _executor = ThreadPoolExecutor(max_workers=4, thread_name_prefix="healthz")
        return _executor


def _timeout() -> float:
    return float(getattr(settings, "HEALTHZ_TIMEOUT", 1.5))


def check_database() -> str:
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return "ok"


def check_cache() -> str:
    key = f"healthz:{secrets.token_hex(8)}"
    # The portal's cache answers a miss for a failing Redis; here the failure is the answer
    # (Unavailable while the breaker keeps the process off Redis).
    with resilience.raising():
        cache.set(key, "1", timeout=10)
        found = cache.get(key)
        cache.delete(key)
    if found != "1":
        raise RuntimeError("cache did not return the value just written")
    return "ok"


def _redis_client(url: str, timeout: float) -> redis.Redis:
    # One client (and connection pool) per process: a ping on an open connection costs little.
    key = (url, timeout)
    if key not in _redis_clients:
        _redis_clients[key] = redis.Redis.from_url(
            url, socket_timeout=timeout, socket_connect_timeout=timeout, retry=Retry(NoBackoff(), 0)
        )
    return _redis_clients[key]


def check_broker() -> str:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return IN_PROCESS
    # Web nodes only publish, so the broker that matters here is the one they publish to.
    url = getattr(settings, "CELERY_BROKER_WRITE_URL", None) or settings.CELERY_BROKER_URL
    timeout = _timeout()
    if url.startswith(("redis://", "rediss://")):
        _redis_client(url, timeout).ping()
        return "ok"
    # Other brokers (sentinel://, amqp://) through kombu, as Celery itself connects.
    from logistics.celery import app

    options = {"socket_timeout": timeout, "socket_connect_timeout": timeout, "max_retries": 0}
    with app.connection_for_write(
        url=url, connect_timeout=timeout, transport_options=options
    ) as conn:
        conn.ensure_connection(max_retries=0)
    return "ok"


def _run(check) -> dict:
    started = time.monotonic()
    try:
        status = check()
    except Exception as exc:
        # The error class is enough for a load balancer; host names and paths stay in the log.
        logger.warning("healthz: %s failed: %r", check.__name__, exc)
        result = {"status": "error", "error": type(exc).__name__}
    else:
        result = {"status": status}
    result["ms"] = round((time.monotonic() - started) * 1000, 1)
    return result


def _collect(future: Future, deadline: float) -> dict:
    try:
        return future.result(timeout=max(0.0, deadline - time.monotonic()))
    except FutureTimeout:
        return {"status": "error", "error": "timeout", "ms": round(_timeout() * 1000, 1)}


def run_checks() -> dict[str, dict]:
    deadline = time.monotonic() + _timeout() + 0.25
    # Each check runs in a copy of this context, so its log lines carry the request id.
    pending = {
        name: _pool().submit(contextvars.copy_context().run, _run, check)
        for name, check in (("cache", check_cache), ("broker", check_broker))
    }
    # The database check stays on the request's thread, which owns the request's connection.
    results = {"database": _run(check_database)}
    results.update({name: _collect(future, deadline) for name, future in pending.items()})
    return results


@require_safe
@never_cache
def healthz(request):
    """200 when the database and the broker answer, 503 otherwise; the cache is informative."""
    checks = run_checks()
    vital_ok = all(checks[name]["status"] in ("ok", IN_PROCESS) for name in ("database", "broker"))
    if not vital_ok:
        status = "error"
    elif checks["cache"]["status"] != "ok":
        status = "degraded"
    else:
        status = "ok"
    return JsonResponse({"status": status, "checks": checks}, status=200 if vital_ok else 503)
