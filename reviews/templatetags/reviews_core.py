"""Template helpers of the review pages: the sub-navigation's links, labels of event types and
dimension scores."""

from django import template

from reviews.querysets import can_handle_follow_ups, can_moderate, is_review_staff
from reviews.registry import event_type_label, get_event_type
from reviews.views.common import complaints_url

register = template.Library()


@register.simple_tag(takes_context=True)
def reviews_links(context) -> dict:
    user = context["request"].user
    return {
        "complaints": complaints_url(),
        "staff": is_review_staff(user),
        "follow_ups": can_handle_follow_ups(user),
        "moderation": can_moderate(user),
    }


@register.filter
def event_type_name(key: str) -> str:
    return event_type_label(key)


@register.filter
def score_rows(review) -> list[dict]:
    """The review's dimension scores with their labels, in the event type's order."""
    kind = get_event_type(review.event_type)
    scores = review.scores or {}
    if kind is None:
        return [{"label": k, "value": v} for k, v in scores.items()]
    return [{"label": d.label, "value": scores[d.key]} for d in kind.dimensions if d.key in scores]
