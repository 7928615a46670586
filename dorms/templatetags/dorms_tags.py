"""Template filters of the dorms pages."""

from django import template

from dorms.richtext import render_markdown

register = template.Library()


@register.filter
def notice_markdown(text: str):
    """A notice body as sanitised HTML."""
    return render_markdown(text)
