"""Factories of the parcels models."""

import factory
from django.utils import timezone

from logistics.models import StaffScope
from logistics.roles import Role
from parcels.models import Parcel, Shelf, SizeClass, Station
from tests.logistics.factories import BuildingFactory, UserFactory


class StationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Station
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"ST{n}")
    name = factory.Sequence(lambda n: f"东区驿站{n}")
    name_en = factory.Sequence(lambda n: f"East station {n}")
    building = factory.SubFactory(BuildingFactory)


class ShelfFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Shelf

    station = factory.SubFactory(StationFactory)
    number = factory.Sequence(lambda n: n + 1)
    layers = 4
    size_class = SizeClass.SMALL
    capacity_per_layer = 30


class ParcelFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Parcel

    station = factory.SubFactory(StationFactory)
    tracking_number = factory.Sequence(lambda n: f"SF{1000000000000 + n}")
    carrier = "sf"
    recipient = factory.SubFactory(UserFactory)
    recipient_name = factory.LazyAttribute(
        lambda p: p.recipient.get_display_name() if p.recipient else ""
    )
    shelf = factory.SubFactory(ShelfFactory, station=factory.SelfAttribute("..station"))
    layer = 1
    pickup_code = factory.Sequence(lambda n: f"1-1-{n % 10000:04d}")
    arrived_at = factory.LazyFunction(timezone.now)


def station_with_shelves(**kwargs) -> Station:
    """A station with two small shelves, a medium and a large one, and an oversized area."""
    station = StationFactory(**kwargs)
    for number, size, layers in (
        (1, "small", 4),
        (2, "small", 4),
        (3, "medium", 3),
        (4, "large", 2),
        (9, "oversized", 1),
    ):
        Shelf.objects.create(
            station=station, number=number, size_class=size, layers=layers, capacity_per_layer=30
        )
    return station


def clerk_of(station: Station, username: str = "clerk1"):
    clerk = UserFactory(username=username, roles=[Role.MAILROOM_CLERK])
    StaffScope.objects.create(user=clerk, role=Role.MAILROOM_CLERK, building=station.building)
    return clerk
