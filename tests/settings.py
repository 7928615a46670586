"""Settings for the test suite: the production settings with a test-only secret key.

DATABASE_URL and REDIS_URL come from the environment as in production; without them the suite
runs on SQLite and skips the tests that need Redis.
"""

import os

os.environ.setdefault("DJANGO_SECRET_KEY", "tests-only-secret-key-not-for-production-0123456789")
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")
os.environ.setdefault("SECURE_SSL_REDIRECT", "false")
os.environ.setdefault("SESSION_COOKIE_SECURE", "false")
os.environ.setdefault("CSRF_COOKIE_SECURE", "false")
os.environ.setdefault("STATIC_MANIFEST", "false")


def _own_redis_database(url: str, worker: str) -> str:
    """Under pytest-xdist, worker gwN uses the Redis database N places after REDIS_URL's (mod 16),
    so one worker's cache.clear() (FLUSHDB), throttle history and Celery queues are not
    another's. Set in the environment once (TESTS_OWN_REDIS marks it), so the Celery worker and
    servers a test starts inherit it as it is, or as the test replaced it."""
    base, _sep, database = url.rpartition("/")
    number = int(database) if database.isdigit() else 0
    return f"{base}/{(number + 1 + int(worker.removeprefix('gw'))) % 16}"


_worker = os.environ.get("PYTEST_XDIST_WORKER")
if _worker and os.environ.get("REDIS_URL") and os.environ.get("TESTS_OWN_REDIS") != _worker:
    os.environ["REDIS_URL"] = _own_redis_database(os.environ["REDIS_URL"], _worker)
    os.environ["TESTS_OWN_REDIS"] = _worker

from logistics.settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] = {"write": "10000/min"}  # noqa: F405
LIST_COUNT_SECONDS = 0  # every test counts what it created (the cache outlives a test)
REPAIRS_CHOICES_SECONDS = 0  # the same for the queue's dropdowns (tests that cache say so)
REPAIRS_LIVE_FIGURES_SECONDS = 0  # and a multi-unit dispatcher's figures
