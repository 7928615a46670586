"""The reviews admin: anonymous authors shown to administrators only; service rows read-only."""

import pytest
from django.contrib.auth.models import Permission

from tests.logistics.factories import UserFactory
from tests.reviews.factories import ReviewFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def anonymous_review():
    review = ReviewFactory(anonymous=True, comment="cold food")
    review.author.display_name = "Li Si"
    review.author.save(update_fields=["display_name"])
    return review


def test_administrators_see_who_wrote_an_anonymous_review(client, anonymous_review):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    listing = client.get("/admin/reviews/review/").content.decode()
    detail = client.get(f"/admin/reviews/review/{anonymous_review.pk}/change/").content.decode()
    assert "Li Si" in listing and "Li Si" in detail


def test_other_admin_staff_do_not(client, anonymous_review):
    staff = UserFactory(is_staff=True)
    staff.user_permissions.add(Permission.objects.get(codename="view_review"))
    client.force_login(staff)
    listing = client.get("/admin/reviews/review/")
    detail = client.get(f"/admin/reviews/review/{anonymous_review.pk}/change/")
    assert listing.status_code == detail.status_code == 200
    assert "Li Si" not in listing.content.decode() + detail.content.decode()
    assert (
        client.get("/admin/reviews/review/?q=" + anonymous_review.author.username).status_code
        == 200
    )


def test_reviews_cannot_be_added_by_hand(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    assert client.get("/admin/reviews/review/add/").status_code == 403
