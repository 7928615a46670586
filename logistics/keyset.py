"""Keyset (cursor) pagination: every page costs what the first one costs, at any depth.

OFFSET makes the database walk past every row before the page, and COUNT(*) walks the whole
filtered table, on every request: page 2,000 of a list costs 2,000 first pages. A keyset page
instead remembers where the last page ended — the values of the ordering columns of its last
row — and asks for the rows after them (``WHERE (due, created, id) > (…) ORDER BY … LIMIT n``),
which an index on the ordering answers by reading only the page's rows.

For pages (server-rendered lists)::

    page = keyset_page(request, requests.order_by("-created_at", "-id"), per_page=25)
    # template: {% for r in page %} … {% endfor %} {% include "includes/_keyset_pager.html" %}

A busy list may give a function that builds its queryset and a *shape* naming every input of
its SQL but the cursor; its first page then runs from SQL compiled once per shape
(`KeysetPaginator`, `logistics.models.compiled.CompiledPages`)::

    page = keyset_page(request, build, 25, shape=("repairs:queue", reader, filters), model=M)

For the API, `logistics.api.pagination.PortalPagination` (the default of every list) is built on
the same `KeysetPaginator`: ``{"next": url, "previous": url, "results": [...]}``.

Rules of the ordering (the queryset's ``order_by``, else the model's ``Meta.ordering``, else
``-pk``):

- fields of the model or of related models (``"building__name"``) and ``F(...).asc()/.desc()``
  with ``nulls_first``/``nulls_last``; the primary key is appended when the ordering does not end
  with it, so every row has exactly one position;
- a nullable field keeps PostgreSQL's order on every database (ascending: NULLs last;
  descending: NULLs first) unless the ordering says otherwise;
- for speed, give the list an index on its ordering columns (``Index(fields=["-created_at",
  "-id"])`` or an expression index); the first column gets a range condition the index can
  start from.

Totals: `capped_count` counts at most `cap` rows (``"10,000+"`` beyond) and keeps the count for
a minute per filter in the cache, so a list that shows "N results" does not scan the table on
every request.
"""

from __future__ import annotations

import base64
import binascii
import datetime
import decimal
import hashlib
import json
import uuid
from collections.abc import Callable, Hashable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import cached_property

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import router
from django.db.models import F, Model, OrderBy, Q, QuerySet
from django.db.models.constants import LOOKUP_SEP

from logistics.cache import database_name
from logistics.models.compiled import CompiledPages

CURSOR_PARAM = "cursor"
COUNT_CAP = 10_000
FIRST_PAGES = CompiledPages()


class InvalidCursor(ValueError):
    """The cursor was not written by this paginator, or no longer fits the list's ordering."""


@dataclass(frozen=True)
class Key:
    """One column of a keyset ordering."""

    path: str  # "created_at", "building__name", or "pk"
    descending: bool
    nulls_last: bool  # where NULLs go (only matters for nullable columns)
    nullable: bool
    model_field: object  # the Field, to turn a cursor's JSON value back into Python
    attname: str  # where a row of this model holds the value ("building_id" for "building")

    def order(self) -> OrderBy:
        expression = F(self.path)
        if not self.nullable:
            return expression.desc() if self.descending else expression.asc()
        placement = {"nulls_last": True} if self.nulls_last else {"nulls_first": True}
        return expression.desc(**placement) if self.descending else expression.asc(**placement)

    def reversed(self) -> Key:
        return Key(
            self.path,
            not self.descending,
            not self.nulls_last,
            self.nullable,
            self.model_field,
            self.attname,
        )

    def after(self, value) -> Q:
        """Rows strictly after `value` in this key's order (on this column alone)."""
        if value is None:
            return Q(pk__in=[]) if self.nulls_last else Q(**{f"{self.path}__isnull": False})
        lookup = "lt" if self.descending else "gt"
        condition = Q(**{f"{self.path}__{lookup}": value})
        if self.nullable and self.nulls_last:
            condition |= Q(**{f"{self.path}__isnull": True})
        return condition

    def at_or_after(self, value) -> Q | None:
        """A range the index can start from, or None when there is none to give."""
        if value is None:  # after a NULL: only NULLs (NULLs last), or anything (NULLs first)
            return Q(**{f"{self.path}__isnull": True}) if self.nulls_last else Q()
        if self.nullable and self.nulls_last:
            return None  # "≥ value OR NULL" is no single range
        lookup = "lte" if self.descending else "gte"
        return Q(**{f"{self.path}__{lookup}": value})

    def equal(self, value) -> Q:
        if value is None:
            return Q(**{f"{self.path}__isnull": True})
        return Q(**{self.path: value})


def ordering_keys(queryset: QuerySet) -> list[Key]:
    """The keyset ordering of `queryset`: its ordering, made total by the primary key."""
    model = queryset.model
    query = queryset.query
    default = query.get_meta().ordering if query.default_ordering else ()
    terms: Sequence = query.order_by or default
    keys: list[Key] = []
    for term in terms:
        keys.append(_key(model, term))
        if keys[-1].path in ("pk", model._meta.pk.name):
            break
    if not keys or keys[-1].path not in ("pk", model._meta.pk.name):
        descending = keys[-1].descending if keys else True
        pk = model._meta.pk
        keys.append(Key("pk", descending, True, False, pk, pk.attname))
    return keys


def _key(model: type[Model], term) -> Key:
    if isinstance(term, str):
        descending = term.startswith("-")
        path = term.lstrip("-+")
        nulls_last = None
    elif isinstance(term, OrderBy) and isinstance(term.expression, F):
        descending = term.descending
        path = term.expression.name
        nulls_last = True if term.nulls_last else (False if term.nulls_first else None)
    elif isinstance(term, F):
        descending, path, nulls_last = False, term.name, None
    else:
        raise ValueError(f"Keyset pagination orders by fields only, not {term!r}.")
    found, value_field, nullable = _field(model, path)
    if nulls_last is None:
        nulls_last = not descending  # PostgreSQL's default, on every database
    attname = path if LOOKUP_SEP in path else getattr(found, "attname", path)
    return Key(path, descending, nulls_last, nullable, value_field, attname)


def _field(model: type[Model], path: str):
    """The field `path` names, the field its values have (a foreign key's target's), and
    whether the value can be NULL (a nullable field, or a nullable relation on the way)."""
    if path == "pk":
        return model._meta.pk, model._meta.pk, False
    current = model
    nullable = False
    parts = path.split(LOOKUP_SEP)
    for index, part in enumerate(parts):
        try:
            found = current._meta.get_field(part)
        except FieldDoesNotExist as error:
            raise ValueError(f"Keyset pagination cannot order by {path!r}.") from error
        nullable = nullable or bool(getattr(found, "null", False))
        if found.is_relation and not found.many_to_one:
            raise ValueError(f"Keyset pagination cannot order by {path!r}.")
        if index < len(parts) - 1:
            current = found.related_model
            if current is None:
                raise ValueError(f"Keyset pagination cannot order by {path!r}.")
    if found.is_relation:
        return found, found.target_field, nullable
    return found, found, nullable


def _after_all(keys: Sequence[Key], values: Sequence) -> Q:
    """Rows after the row whose ordering values are `values` (lexicographic order)."""
    condition = Q(pk__in=[])
    for index in range(len(keys) - 1, -1, -1):
        key, value = keys[index], values[index]
        condition = key.after(value) | (key.equal(value) & condition)
    start = keys[0].at_or_after(values[0])
    return condition if start is None else start & condition


# Cursors -------------------------------------------------------------------------------------


def _to_json(value):
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    return value


def encode_cursor(values: Sequence, *, backwards: bool = False) -> str:
    payload = {"v": [_to_json(v) for v in values]}
    if backwards:
        payload["b"] = 1
    raw = json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, keys: Sequence[Key]) -> tuple[list, bool]:
    """The ordering values and direction a cursor holds, as Python values; InvalidCursor else."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        payload = json.loads(raw)
        values = payload["v"]
    except (binascii.Error, ValueError, TypeError, KeyError, UnicodeDecodeError) as error:
        raise InvalidCursor(cursor) from error
    if not isinstance(values, list) or len(values) != len(keys):
        raise InvalidCursor(cursor)
    decoded = []
    for key, value in zip(keys, values, strict=True):
        if value is None:
            if not key.nullable:
                raise InvalidCursor(cursor)
            decoded.append(None)
            continue
        if isinstance(value, dict | list):
            raise InvalidCursor(cursor)
        try:
            decoded.append(key.model_field.to_python(value))
        except (ValidationError, ValueError, TypeError) as error:
            raise InvalidCursor(cursor) from error
    return decoded, bool(payload.get("b"))


# Pages ---------------------------------------------------------------------------------------


@dataclass
class KeysetPage:
    """One page of a keyset list: iterate it; `next_cursor`/`previous_cursor` lead on."""

    object_list: list
    paginator: KeysetPaginator
    has_next: bool = False
    has_previous: bool = False
    next_cursor: str | None = None
    previous_cursor: str | None = None
    cursor: str | None = None  # the cursor this page was asked with (None: the first page)
    extra: dict = field(default_factory=dict)

    def __iter__(self) -> Iterator:
        return iter(self.object_list)

    def __len__(self) -> int:
        return len(self.object_list)

    def __getitem__(self, index):
        return self.object_list[index]

    def has_other_pages(self) -> bool:
        return self.has_next or self.has_previous

    @property
    def is_first(self) -> bool:
        return not self.has_previous

    @property
    def total(self) -> Total:
        """The capped, cached count of the whole list (counted when first asked for)."""
        return self.paginator.total


@dataclass(frozen=True)
class Total:
    value: int
    capped: bool  # True: there are more than `value` rows

    def __str__(self) -> str:
        from django.utils.formats import number_format

        text = number_format(self.value, force_grouping=True)
        return f"{text}+" if self.capped else text

    def __int__(self) -> int:
        return self.value


class KeysetPaginator:
    """Pages of `queryset` in its ordering, by cursor. `per_page` rows a page.

    `queryset` may be a function that builds it (give its `model`), called only when it is
    needed: with a `shape` (every input of its SQL but the cursor and the page size, see
    `logistics.models.compiled.CompiledPages`) the first page is read through SQL compiled once
    per shape, and the queryset is built only for another page or a total the cache lacks."""

    def __init__(
        self,
        queryset: QuerySet | Callable[[], QuerySet],
        per_page: int,
        *,
        count_cap: int = COUNT_CAP,
        count_key: str | None = None,
        shape: Hashable | None = None,
        model: type[Model] | None = None,
    ):
        self._build = queryset if callable(queryset) else None
        if self._build is None:
            self.__dict__["queryset"] = queryset
            model = queryset.model
        elif model is None:
            raise TypeError("A paginator given a function to build its queryset needs its model.")
        self.model = model
        self.per_page = per_page
        self.count_cap = count_cap
        self.count_key = count_key
        self.shape = shape
        self._total: Total | None = None

    @cached_property
    def queryset(self) -> QuerySet:
        return self._build()

    @cached_property
    def keys(self) -> list[Key]:
        return ordering_keys(self.queryset)

    def page(self, cursor: str | None = None) -> KeysetPage:
        """The page `cursor` points at (the first page for None). Raises InvalidCursor."""
        if not cursor:
            rows = self._first_rows()
            return self._page(rows, cursor=None, backwards=False, more=len(rows) > self.per_page)
        values, backwards = decode_cursor(cursor, self.keys)
        keys = [key.reversed() for key in self.keys] if backwards else self.keys
        rows = list(self._ordered(keys).filter(_after_all(keys, values))[: self.per_page + 1])
        more = len(rows) > self.per_page
        rows = rows[: self.per_page]
        if backwards:
            rows.reverse()
        return self._page(rows, cursor=cursor, backwards=backwards, more=more)

    def page_or_first(self, cursor: str | None) -> KeysetPage:
        """As `page`, but a cursor that does not fit (an old or edited link) gives page one."""
        try:
            return self.page(cursor)
        except InvalidCursor:
            return self.page(None)

    def _first_rows(self) -> list:
        if self.shape is None:
            return list(self._ordered(self.keys)[: self.per_page + 1])

        def build() -> QuerySet:
            return self._ordered(self.keys)[: self.per_page + 1]

        # The keys are kept with the compiled page: working them out needs the queryset.
        shape = ("keyset", self.per_page, self.shape)
        alias = router.db_for_read(self.model)
        rows, keys = FIRST_PAGES.read(shape, build, alias, note=lambda: self.keys)
        self.__dict__["keys"] = keys
        return rows

    def _ordered(self, keys: Sequence[Key]) -> QuerySet:
        queryset = self.queryset.order_by(*(key.order() for key in keys))
        aliases = {
            f"keyset_{index}": F(key.path)
            for index, key in enumerate(keys)
            if LOOKUP_SEP in key.path
        }
        return queryset.annotate(**aliases) if aliases else queryset

    def _page(self, rows: list, *, cursor, backwards: bool, more: bool) -> KeysetPage:
        rows = rows[: self.per_page]
        if backwards:
            has_previous, has_next = more, True
        else:
            has_previous, has_next = cursor is not None, more
        page = KeysetPage(rows, self, has_next=has_next, has_previous=has_previous, cursor=cursor)
        if rows and has_next:
            page.next_cursor = encode_cursor(self.values_of(rows[-1]))
        if rows and has_previous:
            page.previous_cursor = encode_cursor(self.values_of(rows[0]), backwards=True)
        return page

    def values_of(self, row) -> list:
        """The ordering values of one row (a model instance or a `.values()` dict)."""
        values = []
        for index, key in enumerate(self.keys):
            if LOOKUP_SEP in key.path:
                name = f"keyset_{index}"
                values.append(row[name] if isinstance(row, dict) else getattr(row, name))
            elif key.path == "pk":
                values.append(
                    row.get("pk", row.get(self.model._meta.pk.attname))
                    if isinstance(row, dict)
                    else row.pk
                )
            elif isinstance(row, dict):
                values.append(row[key.path] if key.path in row else row[key.attname])
            else:
                values.append(getattr(row, key.attname))
        return values

    @property
    def total(self) -> Total:
        if self._total is None:
            # A named count kept in the cache needs no queryset: it is built only to count.
            lazy = self.count_key is not None and "queryset" not in self.__dict__
            self._total = capped_count(
                (lambda: self.queryset) if lazy else self.queryset,
                cap=self.count_cap,
                key=self.count_key,
                alias=router.db_for_read(self.model) if lazy else None,
            )
        return self._total


def keyset_page(
    request,
    queryset: QuerySet | Callable[[], QuerySet],
    per_page: int,
    *,
    count_key: str | None = None,
    shape: Hashable | None = None,
    model: type[Model] | None = None,
) -> KeysetPage:
    """The page of `queryset` that the request's ``?cursor=`` asks for (page one when absent
    or unreadable — a stale link shows the start of the list, not an error). `count_key`: see
    `capped_count`; `shape` and `model`: see `KeysetPaginator`."""
    paginator = KeysetPaginator(queryset, per_page, count_key=count_key, shape=shape, model=model)
    return paginator.page_or_first(request.GET.get(CURSOR_PARAM))


def capped_count(
    queryset: QuerySet | Callable[[], QuerySet],
    *,
    cap: int = COUNT_CAP,
    seconds: int | None = None,
    key: str | None = None,
    alias: str | None = None,
) -> Total:
    """How many rows `queryset` has, counting at most `cap` (then `Total(cap, capped=True)`),
    kept in the cache for `seconds` (default: the LIST_COUNT_SECONDS setting) per query.

    The cache key is the query's SQL unless the caller names the list with `key` (who asks
    and with which filters, e.g. the user and the query string): compiling a list's SQL only
    to find its count in the cache cost a millisecond a request. With `key`, `queryset` may be
    a function that builds it (give the database's `alias`), called only to count."""
    if seconds is None:
        seconds = settings.LIST_COUNT_SECONDS
    if key is not None:
        database = database_name(alias or queryset.db)  # test databases share a cache
        digest = hashlib.sha256(f"{database}|{cap}|{key}".encode()).hexdigest()[:32]
        return _cached_count(queryset, cap, seconds, f"keyset:count:named:{digest}")
    if callable(queryset):
        queryset = queryset()
    database = database_name(queryset.db)
    try:
        sql, params = queryset.order_by().query.sql_with_params()
    except Exception:  # an always-empty query (e.g. pk__in=[]) has no SQL  # noqa: BLE001
        return Total(0, False)
    digest = hashlib.sha256(f"{database}|{cap}|{sql}|{params!r}".encode()).hexdigest()[:32]
    return _cached_count(queryset, cap, seconds, f"keyset:count:{digest}")


def _cached_count(
    queryset: QuerySet | Callable[[], QuerySet], cap: int, seconds: int, cache_key: str
) -> Total:
    cached = cache.get(cache_key) if seconds > 0 else None
    if cached is not None:
        return Total(*cached)
    if callable(queryset):
        queryset = queryset()
    counted = queryset.order_by().values("pk")[: cap + 1].count()
    total = Total(min(counted, cap), counted > cap)
    if seconds > 0:
        cache.set(cache_key, (total.value, total.capped), seconds)
    return total


def other_params(request, *drop: str) -> str:
    """The request's query string without the cursor (and `drop`), for a pager's links."""
    query = request.GET.copy()
    for name in (CURSOR_PARAM, "page", *drop):
        query.pop(name, None)
    return query.urlencode()
