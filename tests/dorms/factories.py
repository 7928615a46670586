"""Factories of the dorms models, and the cast a dorms test needs."""

from datetime import timedelta

import factory
from django.utils import timezone

from dorms.models import Notice, NoticeTarget
from logistics.models import StaffScope
from logistics.roles import Role
from tests.logistics.factories import BuildingFactory, CampusFactory, RoomFactory, UserFactory


class NoticeFactory(factory.django.DjangoModelFactory):
    """A draft notice; pass `buildings=[...]` to address buildings."""

    class Meta:
        model = Notice
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"通知{n}")
    body = "请注意。"
    campus = factory.SubFactory(CampusFactory)
    author = factory.SubFactory(UserFactory, roles=[Role.LOGISTICS_MANAGER])

    @factory.post_generation
    def buildings(self, create, extracted, **kwargs):
        if create and extracted:
            self.audience, self.campus = "buildings", extracted[0].campus
            self.save(update_fields=["audience", "campus"])
            NoticeTarget.objects.bulk_create(
                [NoticeTarget(notice=self, building=b) for b in extracted]
            )


def published(**kwargs) -> Notice:
    """A notice already published (no delivery run)."""
    now = timezone.now()
    kwargs.setdefault("status", Notice.Status.PUBLISHED)
    kwargs.setdefault("published_at", now)
    return NoticeFactory(**kwargs)


def water_outage(buildings, *, starts_in=timedelta(hours=-1), lasts=timedelta(hours=5), **kw):
    now = timezone.now()
    return published(
        kind="outage",
        utility="water",
        starts_at=now + starts_in,
        ends_at=now + starts_in + lasts,
        valid_until=now + starts_in + lasts,
        buildings=buildings,
        **kw,
    )


def dorm_manager_of(*buildings, username="dm1001"):
    user = UserFactory(username=username, roles=[Role.DORM_MANAGER])
    for building in buildings:
        StaffScope.objects.create(user=user, role=Role.DORM_MANAGER, building=building)
    return user


def resident_of(room, username):
    return UserFactory(username=username, roles=[Role.STUDENT], dorm_room=room)


__all__ = ["BuildingFactory", "RoomFactory", "UserFactory"]
