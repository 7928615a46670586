"""What the review pages share: scoped lookups, who may use which page, the page rate limit."""

import time

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from django.urls import reverse

from logistics.cache import database_name
from reviews.models import Review
from reviews.querysets import reviews_for

PAGE_SIZE = 25


def require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


def get_visible_review(user, pk: int) -> Review:
    """The review if `user` may see it; 404 otherwise (never 403: its existence stays private)."""
    return get_object_or_404(reviews_for(user), pk=pk)


def complaints_url() -> str:
    return reverse("reviews:complaint-list")


def create_rate() -> int:
    return settings.REVIEWS_CREATE_PER_HOUR


def _rate_key(user, hour: int) -> str:
    # Namespaced by database: test runs and instances sharing one Redis never count together.
    return f"reviews:created:{database_name()}:{user.pk}:{hour}"


def rate_limited(user) -> bool:
    """Counts one review write of `user` in this hour; True when they are over the limit."""
    key = _rate_key(user, int(time.time() // 3600))
    cache.add(key, 0, timeout=3600)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=3600)
        count = 1
    return count > create_rate()


def query_without_page(request) -> str:
    """The list's query string without its page number, for the pagination links."""
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()
