"""The low-score journey in a real browser (issue #5, item 10, first journey).

A student rates a completed repair 1 star from the repair's page → the review and its
follow-up exist in the reviews system → the repair dispatcher is told, finds the follow-up of
that repair in their list, opens it and records the outcome of the call.
"""

import pytest

from logistics.models import Notification
from logistics.roles import Role
from repairs import services
from repairs.models import RepairRequest
from reviews.models import FollowUp, Review
from tests.logistics.factories import DepartmentFactory, RoomFactory, UserFactory
from tests.repairs.factories import CategoryFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def completed(db):
    centre = DepartmentFactory(code="REPAIR-J", name="维修中心", name_en="Repair Centre")
    category = CategoryFactory(
        code="water-tap", name="水龙头漏水", name_en="Dripping tap", department=centre
    )
    student = UserFactory(
        username="s2024501", display_name="王同学", phone="13800000001", roles=[Role.STUDENT]
    )
    dispatcher = UserFactory(
        username="d1501", display_name="陈调度", roles=[Role.REPAIR_DISPATCHER]
    )
    technician = UserFactory(username="t1501", display_name="刘师傅", roles=[Role.TECHNICIAN])
    repair = services.repair_request_create(
        requester=student, category=category, room=RoomFactory(), description="水龙头一直滴水"
    )
    services.repair_request_assign(repair=repair, technician=technician, by=dispatcher)
    services.repair_request_start(repair=repair, by=technician)
    services.repair_request_complete(repair=repair, by=technician, note="换了阀芯")
    return {"repair": repair, "student": student, "dispatcher": dispatcher}


def test_it_takes_a_one_star_repair_rating_to_the_dispatchers_follow_up(open_as, completed):
    repair, student, dispatcher = completed["repair"], completed["student"], completed["dispatcher"]

    # 1. The student confirms the repair with one star, a low speed score and a comment.
    mine = open_as(student)
    mine.goto(f"/repairs/{repair.pk}/")
    confirm = mine.locator("form#confirm")
    confirm.locator("label[for=confirm-star-1]").click()
    confirm.locator("summary", has_text="speed").click()
    confirm.locator("label[for=confirm-speed-star-1]").click()
    confirm.locator("textarea[name=comment]").fill("Still dripping the next morning.")
    with mine.expect_navigation():
        confirm.locator("button[type=submit]").click()
    review = Review.objects.get(author=student)
    assert (review.stars, review.scores) == (1, {"speed": 1})
    repair.refresh_from_db()
    assert (repair.status, repair.rating) == (RepairRequest.Status.CONFIRMED, 1)
    # The repair's page links to the review in the reviews system.
    with mine.expect_navigation():
        mine.click("a:has-text('Your review')")
    assert mine.url.endswith(f"/reviews/{review.pk}/")
    assert "Still dripping the next morning." in mine.inner_text("main")

    # 2. The dispatcher is told and finds the follow-up of that repair in their list.
    follow_up = FollowUp.objects.get(review=review)
    assert Notification.objects.filter(recipient=dispatcher, kind="reviews.follow_up").exists()
    desk = open_as(dispatcher)
    desk.goto("/reviews/follow-ups/")
    item = desk.locator("li", has_text=repair.number)
    assert item.is_visible()
    with desk.expect_navigation():
        item.locator("a", has_text=repair.number).click()
    assert desk.url.endswith(f"/reviews/follow-ups/{follow_up.pk}/")
    main = desk.inner_text("main")
    assert "13800000001" in main and "Still dripping the next morning." in main

    # 3. They call back and record the outcome; the follow-up is done.
    desk.fill("textarea[name=note]", "Called back; the technician goes again tomorrow at 9.")
    with desk.expect_navigation():
        desk.click("form[action$='/close/'] button[type=submit]")
    follow_up.refresh_from_db()
    assert follow_up.status == FollowUp.Status.DONE and follow_up.done_by == dispatcher
    assert "technician goes again" in follow_up.note
    desk.goto("/reviews/follow-ups/")
    assert desk.locator("li", has_text=repair.number).count() == 0
    for page in (mine, desk):
        assert page.csp_violations == []
