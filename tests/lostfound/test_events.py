"""The lost-and-found's integration event: an item returned, without its owner or finder."""

import pytest

from lostfound import services
from lostfound.models import FoundItem
from tests.fixtures.events import assert_no_personal_data
from tests.lostfound.factories import category
from tests.lostfound.test_matching_claims import _claim, _found

pytestmark = pytest.mark.django_db


def test_it_announces_an_item_handed_back(event_log, student, other_student, desk, desk_staff):
    item = _found(other_student, desk, category=category("keys"), description="钥匙")
    services.found_item_receive(item=item, by=desk_staff)
    claim = _claim(FoundItem.objects.get(pk=item.pk), student)
    services.claim_approve(claim=claim, by=desk_staff)
    assert event_log("lostfound.item.returned") == []

    services.claim_hand_over(claim=claim, by=desk_staff, identity_checked=True)

    (returned,) = event_log("lostfound.item.returned")
    assert returned["data"]["item_id"] == item.pk
    assert returned["data"]["desk_id"] == desk.pk
    assert returned["data"]["proof"] == "identity"
    assert student.username not in str(returned)
    assert_no_personal_data(returned, student, other_student, desk_staff)
