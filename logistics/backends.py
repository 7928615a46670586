"""The signed-in user as every request reads it: one query for the user, their roles and the
bell's unread count.

Every page asks who the user is (the session's user row), which roles they hold (the navigation,
every permission rule) and, on every page with the shared header and every poll of the bell, how
many notifications they have not read. Django reads these in three queries; `get_user` here reads
them in one, as two subqueries of the user's row, and leaves the answers where `User.role_names`
and `logistics.notifications.unread_notification_count` look first. Both are as of the start of
the request, like the user row itself; a request that changes them (marking all read) drops its
copy, and a sign-in reads the roles afresh (`User.role_names` is computed on first use).

`PortalModelBackend` (passwords) and `logistics.cas.PortalCASBackend` (campus CAS) both read the
session's user this way. Django's own ModelBackend stays listed after them in settings only so
that sessions signed in before it keep working (a session names the backend that signed it in);
those read the user the old way until they end. An API token's user comes with its roles the
same way (`role_list`, in logistics.api.authentication's one query for the token).
"""

from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.db.models import Aggregate, CharField, Count, IntegerField, OuterRef, Subquery

from logistics.models import Notification, User

# Role (group) names joined by the ASCII unit separator, which no name holds.
SEPARATOR = "\x1f"


class _Joined(Aggregate):
    """The values of a group of rows as one string joined by SEPARATOR (PostgreSQL's
    STRING_AGG, SQLite's GROUP_CONCAT)."""

    function = "STRING_AGG"
    template = "%(function)s(%(expressions)s, CHR(31))"
    output_field = CharField()

    def as_sqlite(self, compiler, connection, **extra_context):
        return super().as_sql(
            compiler,
            connection,
            function="GROUP_CONCAT",
            template="%(function)s(%(expressions)s, CHAR(31))",
            **extra_context,
        )


def role_list(user_ref: str = "pk") -> Subquery:
    """A subquery of the group names of the user at `user_ref` of the outer query, joined."""
    names = (
        Group.objects.filter(user=OuterRef(user_ref))
        .values("user")
        .annotate(names=_Joined("name"))
        .values("names")
    )
    return Subquery(names, output_field=CharField())


def remember_roles(user: User, joined: str | None) -> User:
    """Puts the roles `role_list` read where `User.role_names` (a cached_property) keeps them."""
    user.__dict__["role_names"] = frozenset(joined.split(SEPARATOR)) if joined else frozenset()
    return user


def session_users():
    """Users with `_role_list` (their group names, joined) and `_unread_count` (their unread
    notifications) read in the same query: two index lookups beside the user's row."""
    unread = (
        Notification.objects.filter(recipient=OuterRef("pk"), read_at__isnull=True)
        .values("recipient")
        .annotate(n=Count("*"))
        .values("n")
    )
    return User._default_manager.annotate(
        _role_list=role_list(),
        _unread_count=Subquery(unread, output_field=IntegerField()),
    )


def read_session_user(backend: ModelBackend, user_id) -> User | None:
    try:
        user = session_users().get(pk=user_id)
    except User.DoesNotExist:
        return None
    if not backend.user_can_authenticate(user):
        return None
    remember_roles(user, user.__dict__.pop("_role_list"))
    user._unread_count = user._unread_count or 0
    return user


class SessionUserMixin:
    """`get_user` (the session's user, once per request) through `read_session_user`."""

    def get_user(self, user_id):
        return read_session_user(self, user_id)


class PortalModelBackend(SessionUserMixin, ModelBackend):
    """Sign-in with a local password (Django's ModelBackend). A wrong password ends the search
    here: Django's ModelBackend, listed after it for older sessions, would check it again."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is None and username is not None and password is not None:
            raise PermissionDenied
        return user
