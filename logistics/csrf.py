"""One CSRF token per request, shared by everything a page draws.

Django's `get_token` masks the secret anew on every call: 32 characters chosen through the
system's random source, about 0.1 ms of CPU a call on the bench's machine. A page asked for it
twice — its layout (the header's sign-out form, the ``csrf-token`` meta tag htmx reads) and a
cached body's forms (`repairs.views.common.with_token`) — and each call was a tenth of what the
bare-Django ceiling spends on a whole request. One masked token serves a whole response as well
as two: the masking protects the secret across responses (BREACH), not across forms of one.
"""

from __future__ import annotations

from django.middleware.csrf import get_token
from django.utils.functional import SimpleLazyObject


def request_token(request) -> str:
    """`get_token(request)`, computed once per request and secret: a secret rotated during the
    request (a sign-in: `rotate_token`) gets a token of its own."""
    kept = request.__dict__.get("_portal_csrf_token")
    if kept is not None and kept[0] == request.META.get("CSRF_COOKIE"):
        return kept[1]
    token = get_token(request)
    request._portal_csrf_token = (request.META.get("CSRF_COOKIE"), token)
    return token


def lazy_token(request) -> SimpleLazyObject:
    """The template's ``csrf_token`` (as Django's own context processor gives it, evaluated
    only where a template shows it), from `request_token`."""
    return SimpleLazyObject(lambda: request_token(request))
