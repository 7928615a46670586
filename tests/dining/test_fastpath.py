"""The lunchtime fast path (dining.fastpath): the cached /dining/ page before most middleware,
the same bytes and headers as through the whole stack; anything uncertain goes the normal way."""

import gzip
from decimal import Decimal

import pytest
from django.conf import settings
from django.test import Client, override_settings
from django.urls import reverse

from dining import services
from dining.models import Menu
from dining.selectors import local_now
from tests.dining.factories import (
    DishFactory,
    MenuFactory,
    MenuItemFactory,
    WindowFactory,
    canteen_staff_for,
)

pytestmark = [pytest.mark.django_db, pytest.mark.redis]

FAST = "dining.fastpath.DiningFastPathMiddleware"
PHONE = {
    "HTTP_ACCEPT_ENCODING": "gzip, deflate, br",
    "HTTP_ACCEPT_LANGUAGE": "zh-CN,zh;q=0.9,en;q=0.8",
    "HTTP_USER_AGENT": "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X)",
    "HTTP_X_REQUEST_ID": "fastpath-test-1",
}


@pytest.fixture(autouse=True)
def redis_cache():
    if "Redis" not in settings.CACHES["default"]["BACKEND"]:
        pytest.skip("the lunchtime path needs the Redis epoch (REDIS_URL)")


def _lunch(price="10.00"):
    window = WindowFactory()
    menu = MenuFactory(window=window, date=local_now().date(), status=Menu.Status.PUBLISHED)
    dish = DishFactory(canteen=window.canteen, name="宫保鸡丁", name_en="", price=Decimal(price))
    return MenuItemFactory(menu=menu, dish=dish, price=Decimal(price))


def _fast(response) -> bool:
    """Whether the response skipped the stack: AuthenticationMiddleware gives every request
    that goes through it a user."""
    return not hasattr(response.wsgi_request, "user")


def _html(response) -> str:
    if response.get("Content-Encoding") == "gzip":
        return gzip.decompress(response.content).decode()
    return response.content.decode()


@pytest.mark.parametrize(
    "headers", [PHONE, {"HTTP_ACCEPT_LANGUAGE": "en", "HTTP_X_REQUEST_ID": "fastpath-test-2"}]
)
def test_it_sends_the_same_bytes_and_headers_as_the_whole_stack(headers):
    _lunch()
    first = Client(**headers).get(reverse("dining:index"))  # builds the page
    assert not _fast(first)
    fast = Client(**headers).get(reverse("dining:index"))
    assert _fast(fast)
    without = [name for name in settings.MIDDLEWARE if name != FAST]
    with override_settings(MIDDLEWARE=without):
        normal = Client(**headers).get(reverse("dining:index"))
    assert not _fast(normal)
    assert fast.status_code == normal.status_code == 200
    assert fast.content == normal.content == first.content
    # Every header, security ones included (CSP, X-Frame-Options, nosniff, Referrer-Policy,
    # COOP, Permissions-Policy, HSTS when on), Vary, Content-Language, the request id.
    assert dict(fast.headers) == dict(normal.headers)
    for name in (
        "Content-Security-Policy",
        "X-Frame-Options",
        "X-Content-Type-Options",
        "Referrer-Policy",
        "Cross-Origin-Opener-Policy",
        "Permissions-Policy",
        "X-Request-ID",
        "Content-Language",
    ):
        assert fast.has_header(name), name
    assert "Accept-Language" in fast["Vary"] and "Cookie" in fast["Vary"]
    assert not fast.cookies
    assert "宫保鸡丁" in _html(fast)


def test_a_signed_in_visitor_a_query_or_a_head_goes_through_the_stack(student):
    _lunch()
    assert not _fast(Client().get(reverse("dining:index")))
    assert _fast(Client().get(reverse("dining:index")))
    signed_in = Client()
    signed_in.force_login(student)
    response = signed_in.get(reverse("dining:index"))
    assert not _fast(response) and student.username in _html(response)
    with_messages = Client()
    with_messages.cookies["messages"] = "x"
    assert not _fast(with_messages.get(reverse("dining:index")))
    for query in ({"meal": "lunch"}, {"meal": "lunch"}):  # the second is cached: still the stack
        response = Client().get(reverse("dining:index"), query)
        assert not _fast(response) and response.status_code == 200
    assert Client().head(reverse("dining:index")).status_code == 405  # as the view: GET only
    assert not _fast(Client().get(reverse("dining:search")))


def test_an_unknown_host_is_refused_as_by_the_stack():
    _lunch()
    Client().get(reverse("dining:index"))
    assert Client().get(reverse("dining:index"), HTTP_HOST="evil.example").status_code == 400


def test_a_changed_menu_goes_through_the_stack_with_the_new_price(
    django_capture_on_commit_callbacks,
):
    item = _lunch("10.00")
    Client().get(reverse("dining:index"))
    assert _fast(response := Client().get(reverse("dining:index")))
    assert "10.00" in _html(response)
    staff = canteen_staff_for(item.menu.canteen)
    with django_capture_on_commit_callbacks(execute=True):
        services.menu_item_set_sold_out(by=staff, item=item, sold_out=True)
    stale = Client().get(reverse("dining:index"))  # the epoch changed: the page is rebuilt
    assert not _fast(stale) and "宫保鸡丁" in _html(stale)
    assert _html(stale) != _html(response)
    again = Client().get(reverse("dining:index"))
    assert _fast(again) and _html(again) == _html(stale)


def test_a_redis_failure_goes_through_the_stack():
    _lunch()
    Client().get(reverse("dining:index"))
    assert _fast(Client().get(reverse("dining:index")))
    dead = {
        "default": {
            "BACKEND": "logistics.cache.ResilientRedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens there
            "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
        }
    }
    with override_settings(CACHES=dead):
        response = Client().get(reverse("dining:index"))
        assert response.status_code == 200 and not _fast(response)
        assert "宫保鸡丁" in _html(response)
