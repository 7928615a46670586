"""gunicorn settings of the portal, read from the environment (docs/deployment.md).

Run with `gunicorn logistics.wsgi` from the project folder; gunicorn finds this file itself.
"""

import multiprocessing
import os


def _int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# Django views wait on PostgreSQL and Redis, not the CPU: 2×cores+1 sync workers is the
# usual start, capped so a large machine does not open hundreds of database connections.
workers = _int("GUNICORN_WORKERS", min(2 * multiprocessing.cpu_count() + 1, 12))
threads = _int("GUNICORN_THREADS", 1)
worker_class = "gthread" if threads > 1 else "sync"
timeout = _int("GUNICORN_TIMEOUT", 30)
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 30)
keepalive = _int("GUNICORN_KEEPALIVE", 5)
# Recycle workers now and then so a slow leak in a dependency cannot grow without bound.
max_requests = _int("GUNICORN_MAX_REQUESTS", 20000)
max_requests_jitter = _int("GUNICORN_MAX_REQUESTS_JITTER", 2000)
limit_request_line = 8190

# Which proxies may set X-Forwarded-For/-Proto: the load balancer's addresses, comma-separated.
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1,::1")

accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
errorlog = os.environ.get("GUNICORN_ERROR_LOG", "-")
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# The request id is the one RequestIdMiddleware echoes, so access and application lines match.
access_log_format = '%(h)s [%({x-request-id}o)s] "%(r)s" %(s)s %(B)s %(M)sms "%(f)s" "%(a)s"'
# Masks api_key, token and CAS ticket values in the request line and referrer (Open311 keys).
logger_class = "logistics.access_log.PortalAccessLogger"
proc_name = "campus-portal"
# gunicorn ≥ 25 opens a control socket in $HOME; the portal is managed by systemd signals instead,
# and several instances on one machine (web, bench) would fight over one socket path.
control_socket_disable = True


# Garbage collection tuned for a request server (docs/performance.md, "Garbage collection"):
# gen0 collections every 50,000 allocations rather than 700 (a list page builds hundreds of
# model instances and collected several times per request), and the objects of the loaded
# application — Django, the apps, the URLconf — frozen out of the collector's walks.
# GUNICORN_GC_THRESHOLD="" keeps Python's defaults.
def _gc_thresholds(text: str) -> tuple[int, ...]:
    """GUNICORN_GC_THRESHOLD read when gunicorn loads this file: a wrong value stops the start
    with a message naming it, not every worker at its birth."""
    if not text.strip():
        return ()
    try:
        values = tuple(int(n) for n in text.split(","))
    except ValueError:
        values = ()
    if not 1 <= len(values) <= 3 or min(values) < 0:
        raise SystemExit(
            "GUNICORN_GC_THRESHOLD must be one to three whole numbers of 0 or more separated by "
            f"commas, such as 50000,20,100, or empty for Python's defaults; it is {text!r}"
        )
    return values


_gc_threshold = _gc_thresholds(os.environ.get("GUNICORN_GC_THRESHOLD", "50000,20,100"))


def post_worker_init(worker):
    """After the worker has loaded the application, before its first request."""
    import gc

    if _gc_threshold:
        gc.freeze()
        gc.set_threshold(*_gc_threshold)
