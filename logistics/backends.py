"""The signed-in user as every request reads it: one query for the user, their roles, their
staff scopes and the bell's unread count.

Every page asks who the user is (the session's user row), which roles they hold (the navigation,
every permission rule), which units a unit head serves (their StaffScope rows: the navigation's
"Manage", every list narrowed by scope) and, on every page with the shared header and every poll
of the bell, how many notifications they have not read. Django reads these in four queries;
`get_user` here reads them in one, as three subqueries of the user's row, and leaves the answers
where `User.role_names`, `User.scope_rows` and
`logistics.notifications.unread_notification_count` look first. All are as of the start of the
request, like the user row itself; a request that changes them (marking all read) drops its
copy, and a sign-in reads them afresh (the user's cached properties are computed on first use).

`PortalModelBackend` (passwords) and `logistics.cas.PortalCASBackend` (campus CAS) both read the
session's user this way. Django's own ModelBackend stays listed after them in settings only so
that sessions signed in before it keep working (a session names the backend that signed it in);
those read the user the old way until they end.
"""

from functools import cache
from weakref import WeakKeyDictionary

from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.db import connections, router

from logistics.models import Notification, StaffScope, User

# Role (group) names, and staff scopes, joined by the ASCII unit separator, which no name holds;
# a scope's fields (id, role, department, building) by the record separator.
SEPARATOR = "\x1f"
FIELDS = "\x1e"
_JOINED = {
    "postgresql": "STRING_AGG({}, CHR(31))",
    "sqlite": "GROUP_CONCAT({}, CHAR(31))",
}
_FIELD = {"postgresql": "CHR(30)", "sqlite": "CHAR(30)"}
SCOPE_COLUMNS = ("id", "role", "department_id", "building_id")


@cache
def session_user_sql(alias: str) -> str:
    """The user's row with `_role_list` (its group names, joined by SEPARATOR), `_scope_list`
    (its StaffScope rows, joined by SEPARATOR, their fields by FIELDS) and `_unread_count` (its
    unread notifications): three index lookups beside the row.

    Written once per process rather than built by the ORM per request: compiling the same query
    with its subqueries took the ORM about 2.5 ms a request (bench/bench_scale.py's
    machine), several times what the database takes to answer it."""
    connection = connections[alias]
    q = connection.ops.quote_name
    through = User.groups.through._meta
    join = _JOINED[connection.vendor]
    roles = f"g.{q('name')}"
    scope = f" || {_FIELD[connection.vendor]} || ".join(
        f"COALESCE(CAST(s.{q(column)} AS TEXT), '')" for column in SCOPE_COLUMNS
    )
    # The user's columns named, in the model's field order (from_db takes them so); only quoted
    # table and column names of the models go into the text; the id is a parameter.
    columns = ", ".join(f"u.{q(field.column)}" for field in User._meta.concrete_fields)
    return (
        f"SELECT {columns}, "  # noqa: S608
        f"(SELECT {join.format(roles)} FROM {q(Group._meta.db_table)} g "
        f"JOIN {q(through.db_table)} ug ON ug.{q('group_id')} = g.{q('id')} "
        f"WHERE ug.{q('user_id')} = u.{q('id')}) AS {q('_role_list')}, "
        f"(SELECT {join.format(scope)} "
        f"FROM {q(StaffScope._meta.db_table)} s "
        f"WHERE s.{q('user_id')} = u.{q('id')}) AS {q('_scope_list')}, "
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


def remember_scopes(user: User, joined: str | None) -> User:
    """Puts the staff scopes read with the user where `User.scope_rows` (a cached_property)
    keeps them: StaffScope rows with their ids, in the order of their ids; their building and
    department are read when asked for (`logistics.command_centre.access` reads them at once).
    A column the SQL does not read (one added to the model later) is deferred, as `.only()`
    leaves it: read on first use."""
    read = {*SCOPE_COLUMNS, "user_id"}
    # from_db takes the values in the model's field order, leaving out the deferred ones.
    names = [f.attname for f in StaffScope._meta.concrete_fields if f.attname in read]
    rows = []
    for record in joined.split(SEPARATOR) if joined else ():
        pk, role, department_id, building_id = record.split(FIELDS)
        value = {"id": int(pk), "role": role, "user_id": user.pk}
        value |= {"department_id": _id(department_id), "building_id": _id(building_id)}
        row = StaffScope.from_db(user._state.db, names, [value[name] for name in names])
        StaffScope.user.field.set_cached_value(row, user)
        rows.append(row)
    user.__dict__["scope_rows"] = sorted(rows, key=lambda row: row.pk)
    return user


def _id(text: str) -> int | None:
    return int(text) if text else None


def read_session_user(backend: ModelBackend, user_id) -> User | None:
    """The user `user_id` with its roles, staff scopes and unread count, or None (unknown or
    inactive). Read with a cursor and built by `User.from_db`, each column through its
    converters as the ORM would (SQLite's times): a raw() queryset worked out the same column
    mapping again on every request, half the CPU of this read."""
    alias = router.db_for_read(User)
    connection = connections[alias]
    with connection.cursor() as cursor:
        cursor.execute(session_user_sql(alias), [user_id])
        row = cursor.fetchone()
    if row is None:
        return None
    *values, roles, scopes, unread = row
    for index, field, converters in _converters(connection):
        for converter in converters:
            values[index] = converter(values[index], field, connection)
    user = User.from_db(alias, _ATTNAMES, values)
    if not backend.user_can_authenticate(user):
        return None
    remember_roles(user, roles)
    remember_scopes(user, scopes)
    user._unread_count = unread or 0
    return user


_ATTNAMES = [field.attname for field in User._meta.concrete_fields]


def _converters(connection) -> list:
    """The user's columns that the database's values pass through converters (position, the
    column, its converters), as the ORM's compiler finds them (`get_converters`); worked out
    once per connection (each thread has its own)."""
    found = _CONVERTERS.get(connection)
    if found is None:
        found = _CONVERTERS[connection] = _find_converters(connection)
    return found


_CONVERTERS: WeakKeyDictionary = WeakKeyDictionary()


def _find_converters(connection) -> list:
    found = []
    table = User._meta.db_table
    for index, field in enumerate(User._meta.concrete_fields):
        column = field.get_col(table)
        converters = connection.ops.get_db_converters(column)
        converters += column.get_db_converters(connection)
        if converters:
            found.append((index, column, converters))
    return found


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
