"""Template filters for text in the reader's language: `{{ names|join_list }}`."""

from django import template

from logistics.i18n import join_list as join_items

register = template.Library()


@register.filter
def join_list(items) -> str:
    """The items as one list: 、 between Chinese items, ", " between English ones."""
    return join_items(items)
