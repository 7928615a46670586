"""Forms that create rows are sent once: a second POST of the same form (a double tap, a
resend after a slow answer) leads to what the first one created instead of a second row.

The form carries a token ({% submission_token %} from logistics.templatetags.portal_forms);
the view claims it before creating and records where the created thing lives afterwards. The
tokens live in the cache for a day: when Redis is away the check is skipped (the browser's
guard in static/js/forms.js still holds), never an error.
"""

import uuid

from django.contrib import messages
from django.core.cache import cache
from django.http import HttpRequest, HttpResponseRedirect
from django.utils.translation import gettext as _

PENDING = "pending"
TTL = 24 * 3600


def _key(request: HttpRequest, scope: str) -> str | None:
    try:
        token = uuid.UUID(request.POST.get("submission_token", ""))
    except ValueError:
        return None
    return f"submission:{scope}:{request.user.pk}:{token}"


def claim(request: HttpRequest, scope: str) -> str | None:
    """None when this submission is new (it is now claimed); else the address of what it
    already created, or PENDING while the first one is still being handled."""
    key = _key(request, scope)
    if key is None or cache.add(key, PENDING, TTL):
        return None
    return cache.get(key)  # None (expired, or Redis away): treat it as new


def done(request: HttpRequest, scope: str, url: str) -> None:
    """Records where the submission's result lives, for a repeat of it."""
    if key := _key(request, scope):
        cache.set(key, url, TTL)


def release(request: HttpRequest, scope: str) -> None:
    """The submission created nothing (bad input): the corrected form may use its token."""
    if key := _key(request, scope):
        cache.delete(key)


def repeat_answer(request: HttpRequest, previous: str, fallback: str) -> HttpResponseRedirect:
    """The answer to a repeated submission: what the first one created, said so."""
    messages.info(request, _("This form was already sent; nothing was sent twice."))
    return HttpResponseRedirect(fallback if previous == PENDING else previous)
