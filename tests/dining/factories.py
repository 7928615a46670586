"""Factories of the dining models, and a helper for canteen staff scoped to a canteen."""

import datetime
from decimal import Decimal

import factory

from dining.models import (
    Allergen,
    BasketItem,
    Canteen,
    ClosedDay,
    Dish,
    DishCategory,
    Favourite,
    Meal,
    Menu,
    MenuItem,
    MenuTemplate,
    MenuTemplateItem,
    OpeningHours,
    PriceChange,
    PriceRule,
    Window,
)
from logistics.models import Building, StaffScope
from logistics.roles import Role
from tests.logistics.factories import BuildingFactory, UserFactory


class CanteenFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Canteen

    slug = factory.Sequence(lambda n: f"canteen-{n}")
    name = factory.Sequence(lambda n: f"第{n}食堂")
    name_en = factory.Sequence(lambda n: f"Canteen {n}")
    building = factory.SubFactory(BuildingFactory, kind=Building.Kind.CANTEEN, floors=2)


class OpeningHoursFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OpeningHours

    canteen = factory.SubFactory(CanteenFactory)
    meal = Meal.LUNCH
    opens_at = datetime.time(11, 0)
    closes_at = datetime.time(13, 0)


class ClosedDayFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ClosedDay

    canteen = factory.SubFactory(CanteenFactory)
    date = factory.LazyFunction(lambda: datetime.date.today() + datetime.timedelta(days=3))
    reason = "检修"


class WindowFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Window

    canteen = factory.SubFactory(CanteenFactory)
    code = factory.Sequence(lambda n: f"W{n}")
    name = factory.Sequence(lambda n: f"{n}号窗口")
    name_en = factory.Sequence(lambda n: f"Window {n}")


class DishCategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DishCategory
        django_get_or_create = ("code",)

    code = "meat"
    name = factory.LazyAttribute(
        lambda c: {"meat": "荤菜", "veg": "素菜", "staple": "主食"}.get(c.code, c.code)
    )
    name_en = factory.LazyAttribute(lambda c: c.code.title())


class DishFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Dish
        skip_postgeneration_save = True

    canteen = factory.SubFactory(CanteenFactory)
    category = factory.SubFactory(DishCategoryFactory)
    name = factory.Sequence(lambda n: f"菜品{n}")
    name_en = factory.Sequence(lambda n: f"Dish {n}")
    price = Decimal("10.00")
    price_employee = Decimal("12.00")
    price_other = Decimal("15.00")

    @factory.post_generation
    def allergens(self, create, extracted, **kwargs):
        # Codes or Allergen rows; get_or_create because transactional tests flush the migration's.
        if create and extracted:
            self.allergens.set([allergen(a) if isinstance(a, str) else a for a in extracted])


def allergen(code: str) -> Allergen:
    """The allergen with this code (created if a flushed test database lacks it)."""
    return Allergen.objects.get_or_create(code=code, defaults={"name": code, "name_en": code})[0]


class MenuFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Menu

    window = factory.SubFactory(WindowFactory)
    canteen = factory.LazyAttribute(lambda m: m.window.canteen)
    date = factory.LazyFunction(datetime.date.today)
    meal = Meal.LUNCH
    status = Menu.Status.PUBLISHED


class MenuItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MenuItem

    menu = factory.SubFactory(MenuFactory)
    dish = factory.SubFactory(DishFactory, canteen=factory.SelfAttribute("..menu.canteen"))
    price = factory.LazyAttribute(lambda i: i.dish.price)
    price_employee = factory.LazyAttribute(lambda i: i.dish.price_employee)
    price_other = factory.LazyAttribute(lambda i: i.dish.price_other)


class MenuTemplateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MenuTemplate

    canteen = factory.SubFactory(CanteenFactory)
    name = factory.Sequence(lambda n: f"周菜单{n}")


class MenuTemplateItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MenuTemplateItem

    template = factory.SubFactory(MenuTemplateFactory)
    weekday = 0
    meal = Meal.LUNCH
    window = factory.SubFactory(WindowFactory, canteen=factory.SelfAttribute("..template.canteen"))
    dish = factory.SubFactory(DishFactory, canteen=factory.SelfAttribute("..template.canteen"))


class PriceChangeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PriceChange

    dish = factory.SubFactory(DishFactory)
    tier = PriceChange.Tier.STUDENT
    old_price = Decimal("10.00")
    new_price = Decimal("11.00")


class PriceRuleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PriceRule

    name = factory.Sequence(lambda n: f"Rule {n}")
    kind = PriceRule.Kind.CATEGORY_CAP
    severity = PriceRule.Severity.WARNING
    amount = Decimal("15.00")


class BasketItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BasketItem

    dish = factory.SubFactory(DishFactory)
    quantity = Decimal("1")


class FavouriteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Favourite

    user = factory.SubFactory(UserFactory)
    dish = factory.SubFactory(DishFactory)


def canteen_staff_for(canteen, username: str = "cs1001"):
    """A canteen_staff user scoped to the building of `canteen` (so they edit only it)."""
    user = UserFactory(username=username, roles=[Role.CANTEEN_STAFF])
    StaffScope.objects.get_or_create(user=user, role=Role.CANTEEN_STAFF, building=canteen.building)
    return user
