"""Filters of the repairs templates: overdue flags, trade icons, star ratings."""

from django import template
from django.templatetags.static import static
from django.utils import timezone
from django.utils.html import format_html

from repairs.querysets import OPEN_STATUSES

register = template.Library()

TRADES = {"electrical", "plumbing", "carpentry", "hvac", "network", "general"}
ICON_HTML = (
    '<svg class="icon" aria-hidden="true" focusable="false"><use href="{}#trade-{}"></use></svg>'
)


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
    """A decorative icon of the category's trade (the label next to it carries the meaning)."""
    trade = getattr(category, "trade", "")
    trade = trade if trade in TRADES else "general"
    return format_html(ICON_HTML, static("img/repairs-icons.svg"), trade)


@register.filter
def stars(rating) -> str:
    try:
        rating = int(rating)
    except (TypeError, ValueError):
        return ""
    return "★" * rating + "☆" * (5 - rating)
