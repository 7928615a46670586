"""Every form that shows stars, in a real browser: tapping the n-th star from the left lights
n stars and saves n — whatever order the form field lists its choices in (issue 12, item 1:
the complaint's satisfaction was saved reversed, 4 stars tapped → 2 stored).

Stars are found by where they are drawn (sorted by their x on the page), never by their ids,
which carry the value and so cannot catch a reversed widget.
"""

import datetime

import pytest
from django.utils import timezone

from logistics.roles import Role
from reviews.complaints.services import complaint_create, complaint_resolve
from reviews.models import Complaint, Review
from tests.logistics.factories import DepartmentFactory, UserFactory
from tests.repairs.factories import RepairRequestFactory
from tests.reviews.complaints.conftest import staff_of
from tests.reviews.factories import ServiceEventFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

LIT = "rgb(161, 92, 0)"  # #a15c00, the colour of a lit star


def tap_star(page, group, n: int) -> None:
    """Taps the n-th star from the left of a star group and checks that n stars are lit."""
    labels = group.locator(".star-rating label")
    assert labels.count() == 5
    from_left = sorted(range(5), key=lambda i: labels.nth(i).bounding_box()["x"])
    labels.nth(from_left[n - 1]).click()
    page.mouse.move(0, 0)  # no hover: only what is checked lights stars
    colours = [labels.nth(i).evaluate("e => getComputedStyle(e).color") for i in from_left]
    assert colours == [LIT] * n + [colours[-1]] * (5 - n) and LIT not in colours[n:]


@pytest.fixture
def student(db):
    return UserFactory(username="s2024777", roles=[Role.STUDENT])


def _repair(student, **fields):
    technician = UserFactory(roles=[Role.TECHNICIAN])
    now = timezone.now()
    return RepairRequestFactory(
        requester=student,
        assignee=technician,
        completed_at=now - datetime.timedelta(hours=1),
        **fields,
    )


@pytest.mark.parametrize("n", [2, 4])
def test_it_saves_the_tapped_stars_when_a_repair_is_confirmed(open_as, student, n):
    repair = _repair(student, status="completed")
    page = open_as(student)
    page.goto(f"/repairs/{repair.pk}/")
    form = page.locator("form#confirm")
    tap_star(page, form.locator("fieldset").first, n)
    form.locator("summary").click()
    dimensions = form.locator(".rating-details fieldset")
    assert dimensions.count() == 3
    for index, stars in enumerate((n, 6 - n, n)):  # speed, quality, attitude
        tap_star(page, dimensions.nth(index), stars)
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    repair.refresh_from_db()
    review = Review.objects.get(author=student)
    assert repair.rating == review.stars == n
    assert review.scores == {"speed": n, "quality": 6 - n, "attitude": n}
    assert page.csp_violations == []


@pytest.mark.parametrize("n", [2, 4])
def test_it_saves_the_tapped_stars_when_a_confirmed_repair_is_rated(open_as, student, n):
    repair = _repair(student, status="confirmed", confirmed_at=timezone.now())
    page = open_as(student)
    page.goto(f"/repairs/{repair.pk}/")
    form = page.locator("form#rate")
    tap_star(page, form.locator("fieldset").first, n)
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    repair.refresh_from_db()
    assert repair.rating == Review.objects.get(author=student).stars == n
    assert page.csp_violations == []


@pytest.mark.parametrize("n", [2, 4])
def test_it_saves_the_tapped_stars_of_a_review_and_its_scores(open_as, student, n):
    event = ServiceEventFactory(served=student)  # the tests' event type: speed and quality
    page = open_as(student)
    page.goto(f"/reviews/events/{event.pk}/review/")
    groups = page.locator("main form fieldset.star-rating-group")
    assert groups.count() == 3
    tap_star(page, groups.nth(0), n)
    tap_star(page, groups.nth(1), 6 - n)
    tap_star(page, groups.nth(2), n)
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    review = Review.objects.get(event=event)
    assert (review.stars, review.scores) == (n, {"speed": 6 - n, "quality": n})
    assert page.csp_violations == []


@pytest.mark.parametrize("n", [2, 4])
def test_it_saves_the_tapped_satisfaction_of_a_resolved_complaint(open_as, student, n):
    department = DepartmentFactory(code="repair-centre")
    staff = staff_of(department, "d2777")
    complaint = complaint_create(
        author=student, kind="complaint", title="Tap", body="It leaks.", department=department
    )
    complaint_resolve(complaint=complaint, by=staff, note="New washer fitted.")
    page = open_as(student)
    page.goto(complaint.get_absolute_url())
    form = page.locator("form#confirm")
    tap_star(page, form.locator("fieldset").first, n)
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    complaint.refresh_from_db()
    assert complaint.status == Complaint.Status.CLOSED and complaint.satisfaction == n
    assert page.csp_violations == []
