"""Factories of the lost-and-found models and the desk's cast (desk staff of two desks).

FoundItemFactory writes the row directly (for lists and permissions); tests of the workflow
go through lostfound.services."""

from datetime import timedelta

import factory
from django.utils import timezone

from logistics.models import StaffScope
from logistics.roles import Role
from lostfound.models import Category, Desk, FoundItem, FoundItemPhoto, LostReport
from tests.logistics.factories import BuildingFactory, DepartmentFactory, UserFactory
from tests.repairs.factories import image_upload


def category(code: str) -> Category:
    """One of the categories the data migration adds (transactional tests flush them)."""
    defaults = {"name": code, "name_en": code}
    if code == "card":
        defaults |= {"name": "校园卡/证件", "is_campus_card": True, "is_valuable": True}
    if code == "phone":
        defaults |= {"name": "手机/电子产品", "is_valuable": True}
    return Category.objects.get_or_create(code=code, defaults=defaults)[0]


class DeskFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Desk

    code = factory.Sequence(lambda n: f"LF{n}")
    name = factory.Sequence(lambda n: f"失物招领处{n}")
    department = factory.SubFactory(
        DepartmentFactory, kind="lostfound", code=factory.Sequence(lambda n: f"LFD{n}")
    )
    building = factory.SubFactory(BuildingFactory)
    location = "图书馆一楼"
    opening_hours = "8:30–17:00"


def desk_person(desk: Desk, username: str):
    user = UserFactory(username=username, roles=[Role.LOSTFOUND_DESK])
    StaffScope.objects.get_or_create(
        user=user, role=Role.LOSTFOUND_DESK, department=desk.department
    )
    return user


class FoundItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FoundItem

    finder = factory.SubFactory(UserFactory)
    category = factory.LazyFunction(lambda: category("keys"))
    description = factory.Sequence(lambda n: f"一串钥匙 {n}")
    hidden_traits = "SECRET-TRAIT 挂着小熊"
    place_text = "图书馆二楼"
    found_at = factory.LazyFunction(lambda: timezone.now() - timedelta(hours=2))
    desk = factory.SubFactory(DeskFactory)
    status = FoundItem.Status.REPORTED


class FoundItemPhotoFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FoundItemPhoto

    item = factory.SubFactory(FoundItemFactory)
    image = factory.LazyFunction(lambda: image_upload())


class LostReportFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LostReport

    owner = factory.SubFactory(UserFactory)
    category = factory.LazyFunction(lambda: category("keys"))
    description = "丢了一串钥匙"
    place_text = "图书馆"
    lost_from = factory.LazyFunction(lambda: timezone.now() - timedelta(hours=6))
    lost_until = factory.LazyFunction(lambda: timezone.now() - timedelta(hours=1))
