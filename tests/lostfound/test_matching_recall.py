"""Matching recall on the labelled set (bench/lostfound_pairs.py, 160 Chinese and English
pairs written for this purpose): the owner's item is among the first five proposed for at least
90 % of the lost reports. The bench reports the same figures with more distractors."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from bench.lostfound_pairs import PAIRS, load, pairs, score_set
from tests.logistics.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_the_set_is_large_and_mixed():
    labelled = pairs()
    assert len(labelled) == PAIRS >= 150
    english = [p for p in labelled if p.lost_text.isascii()]
    assert 0.15 < len(english) / len(labelled) < 0.45
    assert len({p.category for p in labelled}) == 9
    assert all(p.lost_text != p.found_text for p in labelled)


def test_recall_at_5_is_at_least_0_9(desk):
    start = datetime(2026, 9, 1, 8, tzinfo=ZoneInfo("Asia/Shanghai"))
    loaded = load(pairs(), desk=desk, owner=UserFactory(), start=start)
    result = score_set(loaded)
    assert result["recall_at_5"] >= 0.9, result
    assert result["precision_at_1"] >= 0.6, result
