"""Template filters of the dorms pages."""

from django import template

from dorms.richtext import render_markdown

register = template.Library()


@register.filter
def notice_markdown(text: str):
    """A notice body as sanitised HTML."""
    return render_markdown(text)


@register.filter
def follows_outages(user) -> bool:
    """Whether the outages overview is for this user (dispatchers and managers)."""
    from dorms.views.outages import can_follow_outages

    return user.is_authenticated and can_follow_outages(user)
