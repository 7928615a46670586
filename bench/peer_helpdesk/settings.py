"""A minimal Django project for django-helpdesk 2.6.1, the peer of bench/bench_scale.py serve
(bench/bench_helpdesk.py). Set up as django-helpdesk's install docs say: its apps, SITE_ID,
LOGIN_URL, Django's default (startproject) middleware, HELPDESK_* at their defaults except teams
mode, which needs the optional pinax-teams extra (`django-helpdesk[teams]`) and is off.

Runs in its own venv (.venv-helpdesk), never in the portal's; DEBUG off; PostgreSQL from
DATABASE_URL."""

import os
from urllib.parse import urlsplit

SECRET_KEY = os.environ["DJANGO_SECRET_KEY"]
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sites",  # required by helpdesk (domain of the links in e-mails)
    "django.contrib.humanize",  # required by helpdesk (elapsed times)
    "rest_framework",  # required by helpdesk (its API and the ticket list's JSON)
    "helpdesk",
]

# Django 5.2's startproject template, unchanged.
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "peer_helpdesk.urls"
WSGI_APPLICATION = "peer_helpdesk.wsgi.application"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
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

_db = urlsplit(os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/peer_helpdesk"))
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": _db.path.lstrip("/"),
        "USER": _db.username or "postgres",
        "PASSWORD": _db.password or "",
        "HOST": _db.hostname or "127.0.0.1",
        "PORT": str(_db.port or 5432),
        # persistent connections, as the portal's servers have (DATABASE_CONN_MAX_AGE=60)
        "CONN_MAX_AGE": 60,
    }
}

SITE_ID = 1
LOGIN_URL = "/helpdesk/login/"
HELPDESK_TEAMS_MODE_ENABLED = False

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
STATIC_URL = "static/"
STATIC_ROOT = os.environ.get("STATIC_ROOT", "/tmp/peer_helpdesk_static")  # noqa: S108
MEDIA_ROOT = os.environ.get("MEDIA_ROOT", "/tmp/peer_helpdesk_media")  # noqa: S108
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
