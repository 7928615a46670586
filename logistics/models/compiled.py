"""A row by primary key through SQL compiled once per thread (`CompiledGet`).

Django compiles a queryset's SQL every time it is evaluated. For a request's page, its row and
category by primary key (one join), that was 0.64 ms of the 0.85 ms of CPU the lookup took,
where the database answered in 0.12 ms (bench/bench_scale.py's machine, 100,000 requests):
the SQL is the same on every view, only the key differs. `CompiledGet` compiles a queryset
once, with a marked key, and on each call runs that SQL with the call's key, building the
instance as Django's ModelIterable does: the model's `from_db`, the fields' converters (a
JSONField's, a time zone's) and select_related's populators.

What it takes: a queryset whose shape never changes between calls (the same filters, joins and
columns), so the reader's permissions are checked on the instance afterwards, not in the
query; select_related and defer/only, no prefetch_related, annotations or values(). Anything
else is refused when it is compiled. Compiled per thread, as each thread has its own database
connection and the converters belong to one.

`CompiledPages` does the same for a list's first page, whose SQL is the same on every view of
one *shape* (who reads it and with which filters): the caller names the shape with every input
the SQL is made from, and the page is built only when that shape is first read in a thread.

`logistics.models.loading.QuickLoad` keeps the instances' cost down; this keeps the query's.
`logistics.backends.session_user_sql` does the same by hand for the session's user.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connections, router
from django.db.models import Model, QuerySet
from django.db.models.query import ModelIterable, get_related_populators

# The key the SQL is compiled with, found among its parameters and replaced on each call.
MARK = 987_654_321_012


@dataclass(frozen=True)
class _Plan:
    """A query's SQL and parameters (`slot`: where the key goes, -1 for none), and how its
    rows become instances."""

    sql: str
    params: tuple
    slot: int
    model: type[Model]
    names: list[str]
    start: int
    end: int
    converters: list
    populators: list


class CompiledGet:
    """`CompiledGet(lambda: Model.objects.select_related(...).defer(...))`; `.get(pk)` gives
    the instance with that primary key, or None."""

    def __init__(self, build: Callable[[], QuerySet]):
        self._build = build
        self._local = threading.local()

    def get(self, pk) -> Model | None:
        queryset = self._build()
        alias = queryset.db or router.db_for_read(queryset.model)
        plans = self._local.__dict__.setdefault("plans", {})
        plan = plans.get(alias)
        if plan is None:
            plan = plans[alias] = _compile(queryset, alias, mark=True)
        connection = connections[alias]
        if not key_fits(plan.model, pk, connection):
            return None
        params = list(plan.params)
        params[plan.slot] = plan.model._meta.pk.get_db_prep_value(pk, connection)
        with connection.cursor() as cursor:
            cursor.execute(plan.sql, params)
            row = cursor.fetchone()
        return None if row is None else _instance(plan, row, alias, connection)


class CompiledPages:
    """Lists' first pages by shape: `.read(shape, build, alias)` gives what `list(build())` gives,
    the SQL compiled only the first time a thread reads `shape` (at most `size` shapes a
    thread, then they are compiled again). `shape` must name every input of the SQL `build()`
    makes — the reader, the filters, the page size — and nothing that changes it may be left
    out: the database's rows (a subquery is SQL; a value read from a table first is not), the
    clock and the time zone included. A queryset this cannot run (see `_compile`) is built and
    read by the ORM every time; one that can have no rows gives an empty list."""

    def __init__(self, size: int = 256):
        self.size = size
        self._local = threading.local()

    def read(
        self,
        shape: Hashable,
        build: Callable[[], QuerySet],
        alias: str,
        *,
        note: Callable[[], Any] = lambda: None,
    ) -> tuple[list[Model], Any]:
        """The rows, and what `note()` gave after `build()` when the shape was compiled (what
        the caller works out from the queryset and keeps with its SQL)."""
        plans = self._local.__dict__.setdefault("plans", {})
        key = (alias, shape)
        kept = plans.get(key)
        queryset = None
        if kept is None:
            queryset = build()
            try:
                plan = _compile(queryset, alias)
            except EmptyResultSet:
                plan = EMPTY
            except ValueError:
                plan = BY_ORM  # built and read by the ORM, this time and every time
            if len(plans) >= self.size:
                plans.clear()
            kept = plans[key] = (plan, note())
        plan, noted = kept
        if plan is EMPTY:
            return [], noted
        if plan is BY_ORM:
            return list(queryset if queryset is not None else build()), noted
        connection = connections[alias]
        with connection.cursor() as cursor:
            cursor.execute(plan.sql, plan.params)
            found = cursor.fetchall()
        return [_instance(plan, row, alias, connection) for row in found], noted


def _instance(plan: _Plan, row, alias: str, connection) -> Model:
    """The instance of one row, as Django's ModelIterable builds it."""
    row = list(row)
    for position, (converters, expression) in plan.converters:
        value = row[position]
        for converter in converters:
            value = converter(value, expression, connection)
        row[position] = value
    instance = plan.model.from_db(alias, plan.names, row[plan.start : plan.end])
    for populator in plan.populators:
        populator.populate(row, instance)
    return instance


def key_fits(model: type[Model], pk, connection) -> bool:
    """Whether `pk` fits `model`'s integer primary key on this database. The ORM answers a
    lookup by a key out of the column's range with no row; a cursor given one raises (SQLite:
    OverflowError), so SQL run without the ORM asks this first (an address like
    /repairs/99999999999999999999/ is a 404, not a 500)."""
    field = model._meta.pk
    ranges = connection.ops.integer_field_ranges
    internal_type = field.get_internal_type()
    if internal_type not in ranges:
        return True
    low, high = ranges[internal_type]
    value = field.to_python(pk)
    return (low is None or value >= low) and (high is None or value <= high)


def _compile(queryset: QuerySet, alias: str, *, mark: bool = False) -> _Plan:
    """The plan of `queryset`'s SQL, by primary key when `mark` (`CompiledGet`: the key
    MARK, its slot among the parameters), else as it is (`CompiledPages`). ValueError for what
    a plan cannot hold; EmptyResultSet when the query can have no rows."""
    query = queryset.query
    if (
        queryset._prefetch_related_lookups
        or queryset._iterable_class is not ModelIterable
        or query.annotations
        or query.combinator
        or query.distinct
        or queryset._known_related_objects
    ):
        raise ValueError(f"Compiled SQL takes plain rows, select_related only: {queryset!r}")
    if mark:
        queryset = queryset.filter(pk=MARK).order_by()
    compiler = queryset.query.get_compiler(using=alias)
    sql, params = compiler.as_sql()
    slots = [index for index, value in enumerate(params) if value == MARK] if mark else [-1]
    if len(slots) != 1:
        raise ValueError(f"CompiledGet could not find its key among the parameters of {sql}")
    select, klass_info = compiler.select, compiler.klass_info
    first, last = klass_info["select_fields"][0], klass_info["select_fields"][-1] + 1
    expressions = [column[0] for column in select[0 : compiler.col_count]]
    return _Plan(
        sql=sql,
        params=tuple(params),
        slot=slots[0],
        model=klass_info["model"],
        names=[column[0].target.attname for column in select[first:last]],
        start=first,
        end=last,
        converters=list(compiler.get_converters(expressions).items()),
        populators=get_related_populators(klass_info, select, alias),
    )


EMPTY = object()  # the plan of a query that can have no rows
BY_ORM = object()  # the plan of a query that cannot be compiled here (see `_compile`)
