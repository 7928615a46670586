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
those read the user the old way until they end.
"""

from functools import cache

from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.db import connections, router

from logistics.models import Notification, User

# Role (group) names joined by the ASCII unit separator, which no name holds.
SEPARATOR = "\x1f"
_JOINED = {
    "postgresql": "STRING_AGG({}, CHR(31))",
    "sqlite": "GROUP_CONCAT({}, CHAR(31))",
}


@cache
def session_user_sql(alias: str) -> str:
    """The user's row with `_role_list` (its group names, joined by SEPARATOR) and
    `_unread_count` (its unread notifications): two index lookups beside the row.

    Written once per process rather than built by the ORM per request: compiling the same query
    with its two subqueries took the ORM about 2.5 ms a request (bench/bench_scale.py's
    machine), several times what the database takes to answer it."""
    connection = connections[alias]
    q = connection.ops.quote_name
    through = User.groups.through._meta
    joined = _JOINED[connection.vendor].format(f"g.{q('name')}")
    # Only quoted table and column names of the models go into the text; the id is a parameter.
    return (
        f"SELECT u.*, "  # noqa: S608
        f"(SELECT {joined} FROM {q(Group._meta.db_table)} g "
        f"JOIN {q(through.db_table)} ug ON ug.{q('group_id')} = g.{q('id')} "
        f"WHERE ug.{q('user_id')} = u.{q('id')}) AS {q('_role_list')}, "
        f"(SELECT COUNT(*) FROM {q(Notification._meta.db_table)} n "
        f"WHERE n.{q('recipient_id')} = u.{q('id')} AND n.{q('read_at')} IS NULL) "
        f"AS {q('_unread_count')} "
        f"FROM {q(User._meta.db_table)} u WHERE u.{q('id')} = %s"
    )


def remember_roles(user: User, joined: str | None) -> User:
    """Puts the roles read with the user where `User.role_names` (a cached_property) keeps
    them."""
    user.__dict__["role_names"] = frozenset(joined.split(SEPARATOR)) if joined else frozenset()
    return user


def read_session_user(backend: ModelBackend, user_id) -> User | None:
    """The user `user_id` with its roles and unread count, or None (unknown or inactive)."""
    alias = router.db_for_read(User)
    users = User._default_manager.db_manager(alias).raw(session_user_sql(alias), [user_id])
    user = next(iter(users), None)
    if user is None or not backend.user_can_authenticate(user):
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
