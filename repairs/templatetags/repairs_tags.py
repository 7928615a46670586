"""Filters of the repairs templates: the actions a user may take, trade icons, star ratings.
("Overdue" is the request's own is_overdue property.)"""

from django import template
from django.templatetags.static import static
from django.utils.html import format_html

register = template.Library()

TRADES = {"electrical", "plumbing", "carpentry", "hvac", "network", "general"}
ICON_HTML = (
    '<svg class="icon" aria-hidden="true" focusable="false"><use href="{}#trade-{}"></use></svg>'
)


@register.filter
def actions_for(repair, user) -> list[str]:
    """The actions `user` may take on `repair` now (repairs.workflow.TRANSITIONS)."""
    return repair.allowed_actions(user)


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
