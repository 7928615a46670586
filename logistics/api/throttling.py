"""Throttling of writes: reads are free, each user's writes are limited (rate `write`).

The counts live in the shared cache (Redis). While Redis is away (logistics.resilience: failed in
this request, or its breaker open) they live in this process's memory instead: the limit then
holds per process, never wide open, and comes back to the shared count when Redis answers.
"""

import logging

from django.core.cache import cache
from django.core.cache.backends.locmem import LocMemCache
from rest_framework.permissions import SAFE_METHODS
from rest_framework.settings import api_settings
from rest_framework.throttling import UserRateThrottle

from logistics import resilience

logger = logging.getLogger(__name__)

_local_counts = LocMemCache("write-throttle", {"OPTIONS": {"MAX_ENTRIES": 10_000}})
_counting_locally = False


def reset() -> None:
    """Counting in the shared cache with no count of this process, as a process starts (tests:
    a test that stopped Redis must not leave the next one counting per process)."""
    global _counting_locally
    _counting_locally = False
    _local_counts.clear()


def _note(*, shared: bool) -> None:
    """Logs when the counting moves between the shared cache and this process."""
    global _counting_locally
    if _counting_locally == shared:
        _counting_locally = not shared
        if shared:
            logger.warning("write rate limit: Redis back, counting in the shared cache again")
        else:
            logger.warning("write rate limit: Redis unavailable, counting per process until back")


class WriteRateThrottle(UserRateThrottle):
    scope = "write"

    def get_rate(self):
        # Read at call time (DRF binds the rates at import), so settings changes take effect.
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)

    def allow_request(self, request, view) -> bool:
        if request.method in SAFE_METHODS:
            return True
        if resilience.available(resilience.CACHE):
            self.cache = cache
            allowed = super().allow_request(request, view)
            if not resilience.failed_in_this_request(resilience.CACHE):
                _note(shared=True)
                return allowed
        # Redis is away, or failed during this count: count where it will be kept.
        _note(shared=False)
        self.cache = _local_counts
        return super().allow_request(request, view)
