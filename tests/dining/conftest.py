"""Fixtures of the dining tests."""

import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def empty_cache():
    """Each test starts with an empty cache: rolled-back rows may reuse ids (SQLite), and a
    version token left by another test must not make its cached menus look current."""
    cache.clear()
    yield
    cache.clear()
