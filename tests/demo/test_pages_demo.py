"""Every page of the accessibility sweep (tests/browser/pages.py) opens on the demo data, as
each role listed for it: so the sweep's URLs stay right when the demo or a page changes."""

import pytest
from django.test import Client

from logistics.models import User
from tests.browser.pages import ANON, PAGES

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("page", PAGES, ids=lambda page: page.name)
def test_it_opens_each_page_of_the_sweep_as_each_role(demo, page, settings):
    settings.DEBUG = True
    url = page.url()
    failures = []
    for role in page.roles:
        client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
        if role != ANON:
            client.force_login(User.objects.get(username=role))
        response = client.get(url)
        if response.status_code != 200:
            failures.append(f"{url} as {role}: {response.status_code}")
    assert failures == []
