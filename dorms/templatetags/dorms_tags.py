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


@register.filter
def inspects(user) -> bool:
    """Whether the inspections pages are for this user (managers and named inspectors)."""
    from dorms.inspections.models import InspectionRound
    from dorms.querysets import is_notice_manager

    if not user.is_authenticated:
        return False
    return is_notice_manager(user) or InspectionRound.objects.filter(inspectors=user).exists()
