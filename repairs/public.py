"""What repairs asks of other apps, without importing them: outages they know of.

An app that announces outages registers one provider from its AppConfig.ready()::

    from repairs.public import register_outage_provider

    register_outage_provider(active_outages)   # callable(room) -> list of dicts

Each dict describes an outage going on now in the room's building: ``title``, ``utility``,
``starts_at``, ``ends_at``, ``url`` (its notice) and ``avoid_url`` (a POST that counts "already
known, I will not file"). The repair form shows them before filing; a provider that fails is
logged and skipped, so the form never breaks because of another app.
"""

import logging
from collections.abc import Callable

logger = logging.getLogger(__name__)

OutageProvider = Callable[[object], list[dict]]
_outage_providers: dict[str, OutageProvider] = {}


def register_outage_provider(provider: OutageProvider) -> None:
    """Adds (or replaces, by its full name) a provider of the outages known in a room."""
    _outage_providers[f"{provider.__module__}.{provider.__qualname__}"] = provider


def known_outages(room) -> list[dict]:
    """The outages every provider knows of in the room's building now."""
    if room is None:
        return []
    found: list[dict] = []
    for name, provider in _outage_providers.items():
        try:
            found.extend(provider(room))
        except Exception:  # another app's fault must not break the repair form
            logger.exception("outage provider %s failed", name)
    return found


def requests_during(*, user, building_ids, start, end):
    """The repair requests `user` may see that were filed in the buildings between `start` and
    `end` (for grouping the reports filed during an outage under it)."""
    from repairs.models import RepairRequest

    return (
        RepairRequest.objects.for_user(user)
        .filter(building_id__in=list(building_ids), created_at__gte=start, created_at__lt=end)
        .select_related("category", "building", "room__building")
        .order_by("created_at", "pk")
    )


def repair_categories() -> list[tuple[int, str]]:
    """The categories a request can be filed under (id, name in the current language), for
    another app's form that files one (a hazard that needs a repair)."""
    from repairs.forms import leaf_categories

    return [(category.pk, str(category)) for category in leaf_categories()]


def repair_file(*, requester, room, category_id: int, description: str) -> dict:
    """Files a repair request for `room` on behalf of `requester` through the repairs service
    (its rules, dispatch and notifications); returns its number and page. Raises
    ValidationError (field errors) or PermissionDenied as repair_request_create does."""
    from repairs.models import Category
    from repairs.services import repair_request_create

    category = Category.objects.filter(pk=category_id).first()
    repair = repair_request_create(
        requester=requester,
        category=category,
        description=description,
        building=room.building,
        room=room,
    )
    return {"number": repair.number, "url": repair.get_absolute_url()}
