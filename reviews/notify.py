"""Who hears about what in the reviews system, and the words they get."""

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from logistics.models import User
from logistics.notifications import notify

from .models import FollowUp


def role_holders(role: str, department=None) -> list[User]:
    """Active users holding `role` for `department`: scoped to it, or unscoped (whole campus)."""
    users = User.objects.filter(is_active=True, groups__name=role)
    unscoped = Q(pk__in=users.exclude(staff_scopes__role=role).values("pk"))
    if department is None:
        return list(users.filter(unscoped).distinct())
    here = Q(staff_scopes__role=role, staff_scopes__department=department)
    return list(users.filter(unscoped | here).distinct())


def follow_up_opened(follow_up: FollowUp) -> None:
    review = follow_up.review
    recipients = role_holders(follow_up.role, follow_up.department) if follow_up.role else []
    notify(
        recipients=recipients,
        kind="reviews.follow_up",
        title=_("Low score: call back about %(title)s"),
        body=_("%(stars)d of 5 stars. %(comment)s"),
        params={"title": review.event, "stars": review.stars, "comment": review.comment[:200]},
        url=follow_up.get_absolute_url(),
        department=follow_up.department,
    )
