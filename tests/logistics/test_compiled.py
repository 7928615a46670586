"""A row by primary key through SQL compiled once per thread (logistics.models.compiled): the
instance the ORM builds, with its select_related objects and converted values, in one query;
what it cannot compile the same way is refused."""

import threading

import pytest
from django.db import connection
from django.db.models import Count
from django.test.utils import CaptureQueriesContext

from logistics.models.compiled import CompiledGet, CompiledPages
from repairs.models import RepairRequest
from tests.repairs.factories import RepairRequestFactory

pytestmark = pytest.mark.django_db


def state(instance) -> dict:
    """The instance's columns and the related objects select_related filled in."""
    fields = {k: v for k, v in instance.__dict__.items() if k != "_state"}
    related = {
        name: state(value) if value is not None else None
        for name, value in instance._state.fields_cache.items()
    }
    return {"type": type(instance), "fields": fields, "related": related, "db": instance._state.db}


def page_rows():
    return RepairRequest.objects.select_related("category", "room").defer("search_tokens")


def test_it_builds_what_the_queryset_builds():
    repair = RepairRequestFactory(answers={"where": ["sink", "厨房"]}, room=None, place_text="操场")
    other = RepairRequestFactory()
    compiled = CompiledGet(page_rows)
    for pk in (repair.pk, other.pk, repair.pk):  # compiled on the first, the same after
        with CaptureQueriesContext(connection) as queries:
            got = compiled.get(pk)
        assert len(queries) == 1
        assert state(got) == state(page_rows().get(pk=pk))
    got = compiled.get(repair.pk)
    assert got.answers == {"where": ["sink", "厨房"]}  # the JSONField's converter ran
    assert got.created_at.tzinfo is not None
    assert got.room is None and got.category.pk == repair.category_id  # no query: joined
    assert got.get_deferred_fields() == {"search_tokens"}
    got.description = "换了"
    got.save(update_fields=["description"])  # an instance like any other
    assert RepairRequest.objects.get(pk=repair.pk).description == "换了"


def test_it_gives_none_for_a_key_without_a_row_or_out_of_range_and_takes_a_key_as_text():
    repair = RepairRequestFactory()
    compiled = CompiledGet(page_rows)
    assert compiled.get(repair.pk + 1000) is None
    assert compiled.get(str(repair.pk)).pk == repair.pk
    # a key out of the column's range is no row, as the ORM answers it (SQLite raised)
    assert compiled.get(10**20) is None and compiled.get(-(10**20)) is None


def test_it_reads_in_another_thread_through_that_thread_s_connection(transactional_db):
    repair = RepairRequestFactory()  # committed: another thread's connection sees it
    compiled = CompiledGet(page_rows)
    assert compiled.get(repair.pk).pk == repair.pk
    found = []

    def read():
        try:
            got = compiled.get(repair.pk)
            found.append((got.pk, got.category.pk, got._state.db))
        finally:
            connection.close()  # this thread's own connection

    thread = threading.Thread(target=read)
    thread.start()
    thread.join()
    assert found == [(repair.pk, repair.category_id, "default")]


@pytest.mark.parametrize(
    "build",
    [
        lambda: RepairRequest.objects.prefetch_related("events"),
        lambda: RepairRequest.objects.values("pk"),
        lambda: RepairRequest.objects.annotate(n=Count("events")),
        lambda: RepairRequest.objects.distinct(),
    ],
    ids=["prefetch_related", "values", "annotate", "distinct"],
)
def test_it_refuses_what_it_would_not_build_as_the_orm_does(build):
    RepairRequestFactory()
    with pytest.raises(ValueError, match="Compiled SQL takes plain rows"):
        CompiledGet(build).get(1)


# --- A list's first page by shape (CompiledPages) ---------------------------------------------


def test_a_shape_s_page_is_compiled_once_and_reads_what_the_queryset_reads():
    first, second = RepairRequestFactory(), RepairRequestFactory()
    pages = CompiledPages()
    built = []

    def build():
        built.append(1)
        return page_rows().order_by("-pk")[:5]

    for _view in range(3):
        with CaptureQueriesContext(connection) as queries:
            rows, noted = pages.read("newest", build, "default", note=lambda: "keys")
        assert len(queries) == 1
        assert [state(row) for row in rows] == [state(row) for row in build()]
        assert noted == "keys"
    assert len(built) == 1 + 3  # compiled on the first view; the rest only compared here
    third = RepairRequestFactory()  # the rows are read on each view, only the SQL is kept
    rows, _noted = pages.read("newest", build, "default")
    assert [row.pk for row in rows] == [third.pk, second.pk, first.pk]


def test_shapes_are_kept_apart_and_a_thread_keeps_at_most_its_size():
    mine, theirs = RepairRequestFactory(), RepairRequestFactory()
    pages = CompiledPages(size=2)
    for _round in range(2):
        for repair in (mine, theirs, mine):
            rows, _ = pages.read(
                ("requester", repair.requester_id),
                lambda r=repair: page_rows().filter(requester_id=r.requester_id),
                "default",
            )
            assert [row.pk for row in rows] == [repair.pk]
    assert len(pages._local.plans) <= 2


def test_a_page_that_can_have_no_rows_is_empty_and_what_cannot_be_compiled_is_read_by_the_orm():
    repair = RepairRequestFactory()
    pages = CompiledPages()
    for _view in range(2):
        with CaptureQueriesContext(connection) as queries:
            rows, _ = pages.read("none", lambda: page_rows().filter(pk__in=[]), "default")
        assert rows == [] and len(queries) == 0
        rows, _ = pages.read(
            "counted", lambda: RepairRequest.objects.annotate(n=Count("events")), "default"
        )
        assert [(row.pk, row.n) for row in rows] == [(repair.pk, 0)]
