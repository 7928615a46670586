"""Factories of the repairs models (categories, requests, events, photos, dispatch rules).

RepairRequestFactory writes the row directly (for lists, filters and figures); tests of the
workflow itself file requests through services.repair_request_create.
"""

import io
from datetime import timedelta

import factory
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from repairs.models import (
    Category,
    CategoryQuestion,
    DispatchRule,
    RepairEvent,
    RepairPhoto,
    RepairRequest,
)
from tests.logistics.factories import BuildingFactory, RoomFactory, UserFactory


@pytest.fixture
def media_root(settings, tmp_path):
    """Photos of the test go to a temporary folder (import this fixture into a test module)."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def image_upload(name="photo.jpg", *, fmt="JPEG", size=(64, 48), color=(200, 60, 40), exif=None):
    """An in-memory image upload as a browser would send it."""
    buffer = io.BytesIO()
    image = Image.new("RGB", size, color)
    kwargs = {"exif": exif} if exif is not None else {}
    image.save(buffer, format=fmt, **kwargs)
    content_type = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}[fmt]
    return SimpleUploadedFile(name, buffer.getvalue(), content_type=content_type)


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"cat{n}")
    name = factory.Sequence(lambda n: f"类别{n}")
    name_en = factory.Sequence(lambda n: f"Category {n}")
    response_hours = 4
    completion_hours = 24


class CategoryQuestionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CategoryQuestion

    category = factory.SubFactory(CategoryFactory)
    code = factory.Sequence(lambda n: f"q{n}")
    label = factory.Sequence(lambda n: f"问题{n}")
    label_en = factory.Sequence(lambda n: f"Question {n}")
    kind = CategoryQuestion.Kind.STRING


class RepairRequestFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RepairRequest

    requester = factory.SubFactory(UserFactory)
    category = factory.SubFactory(CategoryFactory)
    room = factory.SubFactory(RoomFactory)
    building = factory.LazyAttribute(lambda r: r.room.building if r.room else None)
    description = factory.Sequence(lambda n: f"故障描述 {n}")
    status = RepairRequest.Status.SUBMITTED
    response_due_at = factory.LazyFunction(lambda: timezone.now() + timedelta(hours=4))
    completion_due_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=2))

    class Params:
        # RepairRequestFactory(assigned=True) / (completed=True): a request further along.
        assigned = factory.Trait(
            status=RepairRequest.Status.ASSIGNED,
            assignee=factory.SubFactory(UserFactory, roles=["technician"]),
            first_response_at=factory.LazyFunction(timezone.now),
            assigned_at=factory.LazyFunction(timezone.now),
        )
        completed = factory.Trait(
            status=RepairRequest.Status.COMPLETED,
            assignee=factory.SubFactory(UserFactory, roles=["technician"]),
            first_response_at=factory.LazyFunction(timezone.now),
            assigned_at=factory.LazyFunction(timezone.now),
            started_at=factory.LazyFunction(timezone.now),
            completed_at=factory.LazyFunction(timezone.now),
        )


class RepairEventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RepairEvent

    request = factory.SubFactory(RepairRequestFactory)
    actor = factory.LazyAttribute(lambda e: e.request.requester)
    action = "comment"
    note = "备注"


class RepairPhotoFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RepairPhoto

    request = factory.SubFactory(RepairRequestFactory)
    kind = RepairPhoto.Kind.REPORT
    image = factory.django.ImageField(width=32, height=24, format="JPEG")
    width = 32
    height = 24
    uploaded_by = factory.LazyAttribute(lambda p: p.request.requester)


class DispatchRuleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DispatchRule

    category = factory.SubFactory(CategoryFactory)
    building = factory.SubFactory(BuildingFactory)
    technician = factory.SubFactory(UserFactory, roles=["technician"])
    priority = 100
