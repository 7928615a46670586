"""Settings of the test CAS server: mama-cas on its own SQLite file, users from a JSON file.

The test suite sets CAS_TEST_DB and CAS_TEST_USERS and runs this with `django runserver`.
"""

import os

SECRET_KEY = "cas-test-server-only-not-a-secret"  # noqa: S105
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "mama_cas",
]
MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
]
ROOT_URLCONF = "tests.casserver.urls"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.environ.get("CAS_TEST_DB", "cas-test-server.sqlite3"),
    }
}
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
USE_TZ = True
STATIC_URL = "/static/"

AUTHENTICATION_BACKENDS = ["tests.casserver.users.UsersFileBackend"]
# The portal under test runs on localhost; distinct cookie names keep the two sites apart.
SESSION_COOKIE_NAME = "cas_sessionid"
CSRF_COOKIE_NAME = "cas_csrftoken"

# The portal's live server binds a random port, so any port of this machine is a valid service.
MAMA_CAS_SERVICES = [
    {
        "SERVICE": r"^https?://(127\.0\.0\.1|localhost)(:\d+)?/",
        "CALLBACKS": ["tests.casserver.users.released_attributes"],
        "LOGOUT_ALLOW": True,
    },
]
MAMA_CAS_FOLLOW_LOGOUT_URL = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "INFO"},
}
