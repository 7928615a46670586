"""logistics.csrf: one masked CSRF token per request and secret."""

from django.middleware.csrf import _unmask_cipher_token, rotate_token
from django.test import RequestFactory

from logistics.csrf import lazy_token, request_token


def test_it_masks_the_secret_once_per_request():
    request = RequestFactory().get("/")
    token = request_token(request)
    assert request_token(request) == token
    assert str(lazy_token(request)) == token
    assert _unmask_cipher_token(token) == request.META["CSRF_COOKIE"]
    # Another request gets its own mask.
    assert request_token(RequestFactory().get("/")) != token


def test_a_secret_rotated_during_the_request_gets_its_own_token():
    request = RequestFactory().get("/")
    before = request_token(request)
    rotate_token(request)  # what a sign-in does
    after = request_token(request)
    assert after != before
    assert _unmask_cipher_token(after) == request.META["CSRF_COOKIE"]
    assert _unmask_cipher_token(before) != request.META["CSRF_COOKIE"]
