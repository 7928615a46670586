"""Matching a label's "name + last four phone digits" to one account, through an index."""

import os

import factory
import pytest
from django.db import connection

from parcels.recipients import match_recipient, named_with_tail
from tests.logistics.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_it_matches_the_display_name_or_the_last_name_and_the_phone_tail():
    zhang = UserFactory(display_name="张伟", phone="138-1234-5678")
    li = UserFactory(display_name="", last_name="李娜", phone="+86 139 0000 4321")
    UserFactory(display_name="张伟", phone="13812340000")  # the same name, another tail
    UserFactory(display_name="王芳", phone="13800005678")  # the same tail, another name

    assert match_recipient("张伟 5678").user == zhang
    assert match_recipient("", name="李娜", phone="139-0000-4321").user == li
    assert match_recipient("张伟 9999").user is None


def test_it_matches_nobody_when_two_accounts_fit_or_the_account_is_inactive():
    UserFactory(display_name="赵敏", phone="13800001111")
    UserFactory(display_name="赵敏", phone="13900001111")
    UserFactory(display_name="孙丽", phone="13800002222", is_active=False)

    assert match_recipient("赵敏 1111").user is None
    assert match_recipient("孙丽 2222").user is None


@pytest.mark.postgres
@pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgres"), reason="needs PostgreSQL"
)
def test_the_lookup_reads_the_name_and_phone_tail_indexes():
    UserFactory.create_batch(300, phone=factory.Faker("phone_number", locale="zh_CN"))
    with connection.cursor() as cursor:  # a tiny table is scanned; ask whether the indexes can
        cursor.execute("ANALYZE logistics_user")  # what these rows are, not an earlier test's
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
    plan = named_with_tail("张伟", "1234")[:2].explain()
    name_and_tail = (
        "(((display_name)::text = '张伟'::text) AND (\"right\"((phone)::text, 4) = '1234'"
    )
    assert "BitmapOr" in plan and name_and_tail in plan, plan
    assert "Bitmap Index Scan on logistics_user_name_tail" in plan
    assert "Bitmap Index Scan on logistics_user_last_tail" in plan
