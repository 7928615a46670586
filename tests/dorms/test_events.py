"""The dorms' integration events: a notice published, and an outage started — at publication
when it is under way, else by the sweep, once each."""

from datetime import timedelta

import pytest
from django.utils import timezone

from dorms import events, services
from tests.dorms.test_services import _draft, _outage, building, dorm_manager  # noqa: F401
from tests.fixtures.events import assert_no_personal_data

pytestmark = pytest.mark.django_db


def test_it_announces_a_published_notice(event_log, dorm_manager, building):  # noqa: F811
    notice = _draft(dorm_manager, [building])

    services.notice_publish(notice=notice, by=dorm_manager)

    (published,) = event_log("dorms.notice.published")
    assert published["data"]["notice_id"] == notice.pk
    assert published["data"]["building_ids"] == [building.pk]
    assert event_log("dorms.outage.started") == []
    assert_no_personal_data(published, dorm_manager)


def test_it_announces_an_outage_when_it_starts_once(event_log, dorm_manager, building):  # noqa: F811
    notice = _outage(dorm_manager, building, starts_in=timedelta(hours=30))
    services.notice_publish(notice=notice, by=dorm_manager)
    assert events.outages_announce_started() == 0

    started = notice.starts_at + timedelta(minutes=1)
    assert events.outages_announce_started(now=started) == 1
    assert events.outages_announce_started(now=started + timedelta(minutes=1)) == 0

    (outage,) = event_log("dorms.outage.started")
    assert outage["data"]["notice_id"] == notice.pk
    assert outage["data"]["utility"] == "water"


def test_it_announces_an_outage_under_way_at_publication(event_log, dorm_manager, building):  # noqa: F811
    notice = _outage(dorm_manager, building, starts_in=timedelta(minutes=-5), unplanned=True)
    services.notice_publish(notice=notice, by=dorm_manager, lead_time_reason="爆管")

    assert len(event_log("dorms.outage.started")) == 1
    assert events.outages_announce_started(now=timezone.now()) == 0
