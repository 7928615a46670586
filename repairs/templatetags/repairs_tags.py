"""Filters of the repairs templates: overdue flags, trade icons, star ratings."""

from django import template
from django.utils import timezone

from repairs.querysets import OPEN_STATUSES

register = template.Library()

# Decorative icons by trade (the label next to them carries the meaning).
TRADE_ICONS = {
    "electrical": "💡",
    "plumbing": "🚰",
    "carpentry": "🚪",
    "hvac": "❄️",
    "network": "🌐",
    "general": "🔧",
}


@register.filter
def is_overdue(repair) -> bool:
    due = repair.completion_due_at
    return bool(
        due
        and repair.status in OPEN_STATUSES
        and repair.status != "on_hold"
        and due < timezone.now()
    )


@register.filter
def trade_icon(category) -> str:
    return TRADE_ICONS.get(getattr(category, "trade", ""), TRADE_ICONS["general"])


@register.filter
def stars(rating) -> str:
    try:
        rating = int(rating)
    except (TypeError, ValueError):
        return ""
    return "★" * rating + "☆" * (5 - rating)
