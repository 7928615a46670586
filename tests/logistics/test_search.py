"""logistics.search: the tokens and queries, and that the index finds exactly what icontains
finds for Chinese terms (checked by PostgreSQL itself on random text)."""

import os
import random

import pytest
from django.db import connection

from logistics.search import normalize, terms, tokens, tsquery

pytestmark = pytest.mark.django_db

needs_postgres = pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgres"), reason="needs PostgreSQL"
)


def test_chinese_is_indexed_as_bigrams_and_the_last_character():
    assert tokens("卫生间漏水") == "'卫生':1 '水':5 '漏水':4 '生间':2 '间漏':3"


def test_words_are_lower_cased_and_split_at_letters_and_digits():
    assert tokens("Room A302") == "'302':3 'a':2 'a302':2 'room':1"


def test_full_width_letters_and_digits_fold_to_ascii():
    assert tokens("ＡＢ１２") == tokens("ab12")


def test_sources_are_separated_so_no_chain_crosses_two_fields():
    assert tokens("漏", "水") == "'水':3 '漏':1"


def test_a_term_becomes_the_chain_of_its_bigrams():
    assert tsquery("漏水") == "'漏水'"
    assert tsquery("水管漏水") == "('水管' <-> '管漏' <-> '漏水')"
    assert tsquery("水") == "'水':*"
    assert tsquery("Pump") == "'pump':*"
    assert tsquery("A栋302") == "'a':* & '栋':* & '302':*"
    assert tsquery("——") is None


def test_terms_split_at_spaces_and_lose_edge_punctuation():
    assert terms(" 漏水， 3号楼　R-1 漏水 ") == ["漏水", "3号楼", "R-1"]
    assert terms("a " * 20) == ["a"]
    assert len(terms(" ".join(f"t{i}" for i in range(20)))) == 8


def test_normalize_folds_case_and_width():
    assert normalize("ＡbＣ") == "abc"


def _matches(vector: str, query: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT %s::tsvector @@ %s::tsquery", [vector, query])
        return cursor.fetchone()[0]


@pytest.mark.postgres
@needs_postgres
def test_the_index_finds_exactly_what_icontains_finds_for_chinese_terms():
    """Random texts and terms over a small alphabet (so terms often occur, and often nearly
    occur): for every pair, the tsvector matches the term's tsquery exactly when the text
    contains the term."""
    rng = random.Random(20261204)
    alphabet = "漏水管道灯坏门锁"
    pairs = []
    for _ in range(400):
        text = "".join(rng.choice(alphabet + " ，") for _ in range(rng.randint(1, 14)))
        term = "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 4)))
        pairs.append((text, term))
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT v::tsvector @@ q::tsquery FROM unnest(%s::text[], %s::text[]) AS t(v, q)",
            [[tokens(text) for text, _ in pairs], [tsquery(term) for _, term in pairs]],
        )
        found = [row[0] for row in cursor.fetchall()]
    expected = [term in text for text, term in pairs]
    assert sum(expected) > 40  # the check is not vacuous
    assert found == expected


@pytest.mark.postgres
@needs_postgres
def test_english_words_match_from_their_start():
    vector = tokens("Leaking pump in room A302")
    assert _matches(vector, tsquery("pum"))
    assert _matches(vector, tsquery("302"))
    assert _matches(vector, tsquery("a302"))
    assert not _matches(vector, tsquery("ump"))


@pytest.fixture
def notes():
    """A table with a search index, made for the test (rolled back with it; PostgreSQL's DDL is
    transactional — SQLite's schema editor cannot run inside the test's transaction)."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL")
    from django.db import models
    from django.test.utils import isolate_apps

    from logistics.models import Building
    from logistics.search import SearchIndex, SearchTokensField

    with isolate_apps("logistics"):

        class Note(models.Model):  # noqa: DJ008
            text = models.TextField()
            building = models.ForeignKey(Building, null=True, on_delete=models.CASCADE)
            search_tokens = SearchTokensField(sources=("text",))

            class Meta:
                app_label = "logistics"
                indexes = [SearchIndex(fields=["search_tokens"], name="test_note_search")]

        with connection.schema_editor() as editor:
            editor.create_model(Note)
        yield Note


def test_search_finds_what_icontains_finds_through_own_and_related_fields(notes):
    from logistics.search import search
    from tests.logistics.factories import BuildingFactory

    west = BuildingFactory(name="西区3号楼")
    rows = [
        notes.objects.create(text="卫生间漏水，很急"),
        notes.objects.create(text="水管漏了", building=west),
        notes.objects.create(text="Leaking pump in A302"),
        notes.objects.create(text="灯不亮"),
    ]
    notes.objects.bulk_create([notes(text="漏水漏水")])
    fields = ("text", "building__name")

    def found(text):
        return set(search(notes.objects.all(), text, fields=fields).values_list("text", flat=True))

    assert found("漏水") == {"卫生间漏水，很急", "漏水漏水"}
    assert found("漏") == {"卫生间漏水，很急", "水管漏了", "漏水漏水"}
    assert found("西区") == {"水管漏了"}
    assert found("水管 西区") == {"水管漏了"}
    assert found("PUMP a302") == {"Leaking pump in A302"}
    assert found("——") == {r.text for r in rows} | {"漏水漏水"}
    rows[3].text = "灯不亮，漏水"
    rows[3].save(update_fields=["text", "search_tokens"])
    assert "灯不亮，漏水" in found("漏水")


@pytest.mark.postgres
@needs_postgres
def test_the_search_reads_the_gin_index(notes):
    from django.db import connection

    from logistics.search import search

    notes.objects.bulk_create([notes(text=f"第{i}号 普通报修") for i in range(200)])
    notes.objects.create(text="卫生间漏水")
    with connection.cursor() as cursor:  # a tiny table is scanned; ask whether the index can
        cursor.execute("SET LOCAL enable_seqscan = off")
    plan = search(notes.objects.all(), "漏水", fields=("text",)).explain()
    assert "test_note_search" in plan


def test_a_chinese_term_is_answered_by_the_index_alone_and_others_are_rechecked(notes):
    """The bigram chain is exact for a run of Chinese characters, so no icontains is added
    (it spoils PostgreSQL's row estimate: 5 ms became 500 ms at a million rows); words are
    matched from their start by the index and rechecked as substrings."""
    from logistics.search import search

    notes.objects.create(text="卫生间漏水")
    notes.objects.create(text="漏了水")
    chinese = str(search(notes.objects.all(), "漏水", fields=("text",)).query)
    mixed = str(search(notes.objects.all(), "A栋", fields=("text",)).query)
    assert "LIKE" not in chinese.upper()
    assert "LIKE" in mixed.upper()
    found = search(notes.objects.all(), "漏水", fields=("text",))
    assert list(found.values_list("text", flat=True)) == ["卫生间漏水"]
