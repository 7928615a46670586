"""What every new PostgreSQL connection sets for its session (Django's `connection_created`).

**Memoize off.** PostgreSQL 14 added the Memoize plan node, which caches the inner side of a
nested loop by its key. Weighing it costs planning time on every query that joins: the API's
list of repairs (a 50-row page joined to requester, category, building and room) took 4.2 ms
to plan and run with it against 2.4 ms without, while its execution gained nothing (each page
looks up at most 51 keys per table). A page's queries are short, planned on every request and
never prepared, so the portal turns it off for its sessions (docs/performance.md, "Item 4, a
fifth time"). `DATABASE_MEMOIZE=true` keeps PostgreSQL's default. Without psycopg's prepared
statements there is no plan to reuse, so this is where planning time can be saved.
"""

from django.conf import settings

MEMOIZE_SINCE = 140000  # PostgreSQL 14: older servers do not know the setting


def set_up_session(sender, connection, **kwargs) -> None:
    """Connected to `connection_created`: runs once per new connection, not per request."""
    if connection.vendor != "postgresql" or settings.DATABASE_MEMOIZE:
        return
    if connection.pg_version < MEMOIZE_SINCE:
        return
    with connection.cursor() as cursor:
        cursor.execute("SET enable_memoize = off")
