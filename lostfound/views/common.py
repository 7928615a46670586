"""What the lost-and-found pages share: who sees which items, scoped lookups, the sub-navigation."""

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404

from lostfound.models import FoundItem, LostReport
from lostfound.querysets import desk_ids, is_desk_staff

PAGE_SIZE = 20


def board_is_public() -> bool:
    return settings.LOSTFOUND_BOARD_PUBLIC


def visible_items(user):
    """The items `user` may open; visitors without a session see the board when it is public."""
    if not user.is_authenticated:
        return FoundItem.objects.board() if board_is_public() else FoundItem.objects.none()
    return FoundItem.objects.for_user(user)


def get_visible_item(user, pk: int) -> FoundItem:
    """The item if `user` may see it; 404 otherwise (its existence stays private)."""
    return get_object_or_404(visible_items(user).with_related(), pk=pk)


def get_visible_report(user, pk: int) -> LostReport:
    return get_object_or_404(LostReport.objects.for_user(user).with_related(), pk=pk)


def require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


def require_desk(user) -> frozenset[int]:
    """The desks of a desk person; 403 for everyone else."""
    require(is_desk_staff(user))
    return desk_ids(user)


def nav_links(user) -> dict:
    return {"desk": is_desk_staff(user), "manage": user.is_authenticated and user.is_manager}
