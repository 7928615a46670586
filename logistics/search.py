"""Free-text search through an index, Chinese included.

A list's search box used to be ``icontains`` OR'd over several columns: a sequential scan of the
whole table on every search. Here a model keeps its searchable text as *tokens* in one column,
written on every save, and PostgreSQL answers a search from a GIN index on that column; the rows
the index finds are then checked with ``icontains`` on the original columns, so the result is
exactly today's ``icontains`` result for Chinese terms, and the same for English words typed from
their start.

**Tokens.** Chinese (and Japanese/Korean) has no spaces between words, and a dictionary segmenter
(jieba) splits "水管漏水" into words that a user's "管漏" would not find. So text in those scripts
is indexed as overlapping two-character pieces (bigrams — what Lucene's CJK analyzer and
Elasticsearch's ``cjk_bigram`` do): "卫生间漏水" → 卫生 生间 间漏 漏水 (+ 水, its last character).
A search term of two or more characters becomes the chain of its bigrams, each following the one
before (``'漏水'``; ``'漏水' <-> '水管'``), which matches exactly the texts that contain the term;
a one-character term matches any token starting with it. Other text is indexed as lower-cased
words (NFKC: full-width letters and digits fold to ASCII), each also split at letter/digit
boundaries ("A302" → a302, a, 302); a term matches words that start with it. docs/performance.md
has the measurements behind this choice (bigrams against jieba and trigrams).

**Using it** (the pattern every app's list follows)::

    class Parcel(models.Model):
        note = models.TextField()
        search_tokens = SearchTokensField(sources=("tracking_number", "note", "recipient_name"))

        class Meta:
            indexes = [SearchIndex(fields=["search_tokens"], name="parcels_parcel_search")]

    parcels = search(Parcel.objects.all(), "顺丰 漏", fields=("note", "recipient__display_name"))

``sources`` are the model's own attributes (a dotted path follows a relation on write:
``"room.number"``); the field keeps the tokens current on ``save()`` and ``bulk_create`` — code
that saves with ``update_fields`` or writes with ``QuerySet.update``/``bulk_update`` must include
the field (``save(update_fields=[..., "search_tokens"])`` recomputes it), and a new or changed
``sources`` needs a data migration calling `backfill` (or ``manage.py search_reindex``).

``fields`` in `search` are what the result must contain (``icontains``): the model's own columns
are checked on the rows the index found; a path through a relation (``"building__name"``,
``"requester__display_name"``) is searched in the related table first (through its own index when
it has one) and joins the result as ``building_id IN (…)``, so the request table is read through
indexes only. Every whitespace-separated term must match (AND). On SQLite (the embedded default)
there is no index: `search` is the plain ``icontains`` it replaces.

`logistics.filters.SearchFilterSet` uses `search` for its ``q`` on every model that has a
`SearchTokensField`; exact lookups (a request number, an id) belong in the FilterSet's own
``search`` before it, each as a condition an index answers on its own.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from functools import reduce
from operator import or_

from django.db import connections, models
from django.db.models import Lookup, Q, QuerySet
from django.db.models.constants import LOOKUP_SEP

# Scripts written without spaces between words: Han (with extensions and compatibility
# ideographs), kana, Hangul.
CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\U00020000-\U0002ffff"
CJK_RUN = re.compile(f"([{CJK}]+)")
WORD = re.compile(r"[^\W_]+")
PARTS = re.compile(r"\d+|[^\W\d_]+")
EDGE_PUNCTUATION = re.compile(r"^[\W_]+|[\W_]+$")

MAX_TERMS = 8  # more terms than this in one search are ignored
MAX_WORD = 64  # characters kept of one word
MAX_POSITION = 16383  # PostgreSQL's largest tsvector position
MAX_POSITIONS = 255  # positions kept per token
RELATED_IDS = 1000  # related rows a term may match before the search uses a subquery


def normalize(text: str) -> str:
    return unicodedata.normalize("NFKC", text or "").casefold()


def text_pieces(text: str) -> Iterable[tuple[str, list[str]]]:
    """("cjk", [bigrams…, last char]) or ("word", [word, parts…]) for each run of `text`: the
    pieces the index stores, for other code that compares texts the way search does (matching)."""
    for index, segment in enumerate(CJK_RUN.split(normalize(text))):
        if not segment:
            continue
        if index % 2:  # a run of CJK characters
            if len(segment) == 1:
                yield "cjk", [segment]
            else:
                yield "cjk", [segment[i : i + 2] for i in range(len(segment) - 1)] + [segment[-1]]
            continue
        for word in WORD.findall(segment):
            word = word[:MAX_WORD]
            parts = PARTS.findall(word)
            yield "word", [word] + (parts if len(parts) > 1 else [])


def tokens(*texts: str | None) -> str:
    """The tokens of `texts` as a PostgreSQL tsvector literal ("'漏水':3 'a302':1,4 …")."""
    positions: dict[str, list[int]] = {}
    position = 1
    for text in texts:
        if not text:
            continue
        for kind, items in text_pieces(str(text)):
            if kind == "cjk":
                # bigrams at consecutive positions (a term's chain must follow them), the last
                # character after them
                for offset, item in enumerate(items):
                    positions.setdefault(item, []).append(position + offset)
                position += len(items)
            else:
                word, *parts = items
                positions.setdefault(word, []).append(position)
                for offset, part in enumerate(parts):
                    positions.setdefault(part, []).append(position + offset)
                position += max(1, len(parts))
        position += 1  # a gap between sources: no chain crosses from one field to the next
    return " ".join(
        f"'{token}':" + ",".join(str(min(p, MAX_POSITION)) for p in sorted(set(at))[:MAX_POSITIONS])
        for token, at in sorted(positions.items())
    )


def terms(text: str) -> list[str]:
    """The terms of a search box's text: split at spaces, punctuation trimmed from each end."""
    found = []
    for raw in (text or "").split():
        term = EDGE_PUNCTUATION.sub("", raw)
        if term and term not in found:
            found.append(term)
    return found[:MAX_TERMS]


def tsquery(term: str) -> str | None:
    """The tsquery literal that finds `term` in `tokens(...)`, or None (no letters in it)."""
    clauses = []
    for kind, items in text_pieces(term):
        if kind == "cjk":
            bigrams = items[:-1] if len(items) > 1 else []
            if not bigrams:
                clauses.append(f"'{items[0]}':*")
            else:
                chain = " <-> ".join(f"'{bigram}'" for bigram in bigrams)
                clauses.append(f"({chain})" if len(bigrams) > 1 else chain)
        else:
            clauses.append(f"'{items[0]}':*")
    return " & ".join(clauses) or None


class SearchTokensField(models.TextField):
    """The searchable tokens of `sources`, kept current on save; a tsvector on PostgreSQL."""

    description = "Search tokens"

    def __init__(self, *args, sources: Sequence[str] = (), **kwargs):
        self.sources = tuple(sources)
        kwargs.setdefault("editable", False)
        kwargs.setdefault("blank", True)
        kwargs.setdefault("default", "")
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs["sources"] = self.sources
        for key, value in (("editable", False), ("blank", True), ("default", "")):
            if kwargs.get(key, value) == value:
                kwargs.pop(key, None)
        return name, "logistics.search.SearchTokensField", args, kwargs

    def db_type(self, connection):
        if connection.vendor == "postgresql":
            return "tsvector"
        return super().db_type(connection)

    def tokens_for(self, instance) -> str:
        return tokens(*(_attribute(instance, source) for source in self.sources))

    def pre_save(self, model_instance, add):
        value = self.tokens_for(model_instance)
        setattr(model_instance, self.attname, value)
        return value


def _attribute(instance, path: str):
    value = instance
    for name in path.split("."):
        value = getattr(value, name, None)
        if value is None:
            return None
    return value() if callable(value) else value


@SearchTokensField.register_lookup
class TokensMatch(Lookup):
    """``search_tokens__matches="'漏水'"``: the tokens match a tsquery (PostgreSQL only)."""

    lookup_name = "matches"

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} @@ ({rhs})::tsquery", (*lhs_params, *rhs_params)


class SearchIndex(models.Index):
    """The index of a `SearchTokensField`: GIN on PostgreSQL (a plain index elsewhere)."""

    suffix = "search"

    def create_sql(self, model, schema_editor, using="", **kwargs):
        if schema_editor.connection.vendor == "postgresql":
            using = " USING gin"
        return super().create_sql(model, schema_editor, using=using, **kwargs)


def tokens_field(model: type[models.Model]) -> SearchTokensField | None:
    return next((f for f in model._meta.concrete_fields if isinstance(f, SearchTokensField)), None)


def search(queryset: QuerySet, text: str, *, fields: Sequence[str]) -> QuerySet:
    """Rows of `queryset` where every term of `text` is in one of `fields` (``icontains``),
    found through the model's search index where it has one. See the module's docstring."""
    own = [f for f in fields if LOOKUP_SEP not in f]
    related: dict[str, list[str]] = {}
    for path in fields:
        if LOOKUP_SEP in path:
            relation, rest = path.split(LOOKUP_SEP, 1)
            related.setdefault(relation, []).append(rest)
    indexed = tokens_field(queryset.model)
    use_index = indexed is not None and connections[queryset.db].vendor == "postgresql"
    for term in terms(text):
        condition = Q(pk__in=[])
        if own:
            contains = reduce(or_, (Q(**{f"{f}__icontains": term}) for f in own))
            query = tsquery(term) if use_index else None
            matches = Q(**{f"{indexed.name}__matches": query}) if query else None
            if matches is not None and _exact(term):
                # one run of Chinese characters: the chain of bigrams finds exactly the rows
                # that contain it, and an added icontains would only spoil the planner's row
                # estimate (a 5 ms search became 500 ms at a million rows)
                condition = matches
            else:
                condition = matches & contains if matches is not None else contains
        for relation, paths in related.items():
            condition |= Q(**{f"{relation}__in": _related(queryset, relation, paths, term)})
        queryset = queryset.filter(condition)
    return queryset


def _exact(term: str) -> bool:
    """Whether the index alone answers `term` exactly: a single run of CJK characters."""
    pieces = list(text_pieces(term))
    return (
        len(pieces) == 1
        and pieces[0][0] == "cjk"
        and normalize(term) == "".join(CJK_RUN.findall(normalize(term)))
    )


def _related(queryset: QuerySet, relation: str, paths: list[str], term: str):
    """The related rows (ids, or a subquery when there are many) whose `paths` hold `term`."""
    model = queryset.model._meta.get_field(relation).related_model
    matches = search(model._base_manager.using(queryset.db).all(), term, fields=paths)
    ids = list(matches.values_list("pk", flat=True)[: RELATED_IDS + 1])
    return ids if len(ids) <= RELATED_IDS else matches.values("pk")


def backfill(model: type[models.Model], *, batch_size: int = 1000, using: str = "default") -> int:
    """Recompute the search tokens of every row of `model` (in a data migration: pass the
    historical model). Returns the number of rows written."""
    field = tokens_field(model)
    if field is None:
        return 0
    manager = model._base_manager.using(using)
    last, written = None, 0
    while True:
        batch = manager.order_by("pk")
        if last is not None:
            batch = batch.filter(pk__gt=last)
        rows = list(batch[:batch_size])
        if not rows:
            return written
        for row in rows:
            setattr(row, field.attname, field.tokens_for(row))
        manager.bulk_update(rows, [field.name])
        written += len(rows)
        last = rows[-1].pk
