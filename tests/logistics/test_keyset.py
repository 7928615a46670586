"""logistics.keyset: every ordering walks forward and back through all rows exactly once, at
one query a page, and the API pages by cursor."""

import pytest
from django.db.models import F

from logistics.keyset import (
    InvalidCursor,
    KeysetPaginator,
    capped_count,
    encode_cursor,
    ordering_keys,
)
from logistics.models import User
from tests.logistics.factories import DepartmentFactory, UserFactory

pytestmark = pytest.mark.django_db

ORDERINGS = [
    ("display_name",),
    ("-display_name",),
    ("-date_joined", "-id"),
    ("department",),
    ("-department",),
    (F("department__name").asc(nulls_first=True), "username"),
    ("department__name", "-display_name"),
    ("phone",),
]


@pytest.fixture
def people():
    departments = [DepartmentFactory(name=name) for name in ("甲", "乙")]
    names = ["张三", "李四", "王五", "张三", "", "Ann", "ann", "李四"]
    for index in range(23):
        UserFactory(
            username=f"k{index:03d}",
            display_name=names[index % len(names)],
            department=departments[index % 3] if index % 3 < 2 else None,
            phone="" if index % 4 else f"1390000{index:04d}",
        )
    return User.objects.filter(username__startswith="k")


def _expected(queryset):
    return list(
        queryset.order_by(*(key.order() for key in ordering_keys(queryset))).values_list(
            "pk", flat=True
        )
    )


@pytest.mark.parametrize("ordering", ORDERINGS, ids=str)
def test_pages_forward_and_back_give_every_row_once_in_order(people, ordering):
    queryset = people.order_by(*ordering)
    expected = _expected(queryset)
    paginator = KeysetPaginator(queryset, per_page=5)
    seen, page, pages = [], paginator.page(None), []
    while True:
        pages.append(page)
        seen += [row.pk for row in page]
        if not page.has_next:
            break
        page = paginator.page(page.next_cursor)
    assert seen == expected
    assert len(pages) == 5
    back = []
    page = pages[-1]
    while page.has_previous:
        page = paginator.page(page.previous_cursor)
        back = [row.pk for row in page] + back
    assert back + [row.pk for row in pages[-1]] == expected


def test_values_querysets_page_too(people):
    queryset = people.order_by("department__name", "username").values("pk", "username")
    paginator = KeysetPaginator(queryset, per_page=10)
    first = paginator.page(None)
    second = paginator.page(first.next_cursor)
    assert [r["pk"] for r in first] + [r["pk"] for r in second] == _expected(queryset)[:20]


def test_a_deep_page_is_one_query(people, django_assert_num_queries):
    paginator = KeysetPaginator(people.order_by("-date_joined"), per_page=5)
    cursor = paginator.page(None).next_cursor
    with django_assert_num_queries(1):
        page = paginator.page(cursor)
    assert len(page) == 5 and page.has_previous and page.has_next


@pytest.mark.parametrize(
    "cursor",
    ["", "!!!", "e30", encode_cursor([1]), encode_cursor(["x", "y"]), encode_cursor([{}, 1])],
)
def test_a_cursor_that_does_not_fit_is_refused(people, cursor):
    paginator = KeysetPaginator(people.order_by("username"), per_page=5)
    if not cursor:
        assert paginator.page(cursor).cursor is None
        return
    with pytest.raises(InvalidCursor):
        paginator.page(cursor)
    assert [u.pk for u in paginator.page_or_first(cursor)] == _expected(
        people.order_by("username")
    )[:5]


def test_capped_count_counts_up_to_the_cap_and_says_so(people):
    total = capped_count(people, cap=5)
    assert (total.value, total.capped, str(total)) == (5, True, "5+")
    assert int(capped_count(people, cap=100)) == 23
    assert not capped_count(people, cap=100).capped
    assert capped_count(people.none()).value == 0


def test_the_count_is_cached_per_query(people, django_assert_num_queries, settings):
    settings.LIST_COUNT_SECONDS = 60
    # this run's primary keys make a query no other test or earlier run has counted
    people = people.filter(pk__in=list(people.values_list("pk", flat=True)))
    assert capped_count(people.filter(display_name="张三")).value == 6
    with django_assert_num_queries(0):
        assert capped_count(people.filter(display_name="张三")).value == 6
