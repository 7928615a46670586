"""The demo data, seeded once for every test of it: seed_demo (every app's seeder) takes most of
a minute, so the four modules that check it share one seeding, rolled back at the end."""

import io

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings
from django.utils import translation


@pytest.fixture(scope="package")
def demo(django_db_setup, django_db_blocker, tmp_path_factory):
    """Seeds the demo once for the package and rolls everything back at the end; returns what
    the command printed."""
    out = io.StringIO()
    media = tmp_path_factory.mktemp("media")
    settings = override_settings(DEBUG=True, MEDIA_ROOT=media)
    with django_db_blocker.unblock(), settings, transaction.atomic():
        with translation.override("en"):
            call_command("seed_demo", stdout=out)
        yield out.getvalue()
        transaction.set_rollback(True)
    cache.clear()  # menus cached while the rolled-back rows existed


@pytest.fixture(autouse=True)
def empty_cache():
    """Each test starts with an empty cache (a page cached by another test must not answer)."""
    cache.clear()
    yield
    cache.clear()
