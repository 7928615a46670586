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

from logistics.settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] = {"write": "10000/min"}  # noqa: F405
LIST_COUNT_SECONDS = 0  # every test counts what it created (the cache outlives a test)
REPAIRS_CHOICES_SECONDS = 0  # the same for the queue's dropdowns (tests that cache say so)
REPAIRS_LIVE_FIGURES_SECONDS = 0  # and a multi-unit dispatcher's figures
