"""Factories of the reviews models, and a test event type registered for them."""

from datetime import timedelta

import factory
from django.utils import timezone

from reviews.models import Complaint, IndexRow, Review, ServiceEvent, Subject
from reviews.registry import Dimension, register_event_type
from tests.logistics.factories import DepartmentFactory, UserFactory

# An event type of the tests' own, so reviews tests do not depend on another app's
# registration; the repairs and dining types are tested with their apps' factories.
TEST_EVENT_TYPE = "tests.service"
register_event_type(
    TEST_EVENT_TYPE,
    label="Test service",
    dimensions=(Dimension("speed", "Speed"), Dimension("quality", "Quality")),
    follow_up_at_or_below=2,
    follow_up_role="repair_dispatcher",
)


class SubjectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Subject
        django_get_or_create = ("kind", "ref")

    kind = Subject.Kind.UNIT
    ref = factory.Sequence(lambda n: f"s{n}")
    name = factory.Sequence(lambda n: f"服务单位{n}")
    name_en = factory.Sequence(lambda n: f"Service unit {n}")
    department = factory.SubFactory(DepartmentFactory)


class ServiceEventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ServiceEvent
        skip_postgeneration_save = True

    event_type = TEST_EVENT_TYPE
    source_id = factory.Sequence(str)
    served = factory.SubFactory(UserFactory, roles=["student"])
    occurred_at = factory.LazyFunction(timezone.now)
    title = factory.Sequence(lambda n: f"服务 {n}")
    url = ""
    department = factory.SubFactory(DepartmentFactory)

    @factory.post_generation
    def subjects(self, create, extracted, **kwargs):
        if create and extracted:
            self.subjects.add(*extracted)


class ReviewFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Review

    event = factory.SubFactory(ServiceEventFactory)
    author = factory.LazyAttribute(lambda r: r.event.served)
    event_type = factory.LazyAttribute(lambda r: r.event.event_type)
    stars = 4
    comment = ""
    created_at = factory.LazyFunction(timezone.now)
    updated_at = factory.LazyAttribute(lambda r: r.created_at)
    editable_until = factory.LazyAttribute(lambda r: r.created_at + timedelta(days=7))


class ComplaintFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Complaint

    number = factory.Sequence(lambda n: f"T-{n:06d}")
    kind = Complaint.Kind.COMPLAINT
    author = factory.SubFactory(UserFactory, roles=["student"])
    department = factory.SubFactory(DepartmentFactory)
    title = factory.Sequence(lambda n: f"投诉 {n}")
    body = "菜太咸了"
    created_at = factory.LazyFunction(timezone.now)
    updated_at = factory.LazyAttribute(lambda c: c.created_at)
    acknowledge_due_at = factory.LazyAttribute(lambda c: c.created_at + timedelta(hours=24))
    resolve_due_at = factory.LazyAttribute(lambda c: c.created_at + timedelta(hours=72))


class IndexRowFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = IndexRow

    subject = factory.SubFactory(SubjectFactory)
    kind = factory.LazyAttribute(lambda r: r.subject.kind)
    event_type = ""
    period = IndexRow.Period.DAY
    period_start = factory.LazyFunction(timezone.localdate)
    reviews = 10
    stars_sum = 40
    mean = 4.0
    adjusted_mean = 4.0
    satisfied = 8
    satisfied_share = 0.8
    computed_at = factory.LazyFunction(timezone.now)
