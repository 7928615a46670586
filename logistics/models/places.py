"""Campus places (campus, building, room) and departments / service units."""

from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from .loading import QuickLoad

code_validator = RegexValidator(
    r"^[A-Za-z0-9][A-Za-z0-9_\-]*$", _("Use letters, digits, '-' and '_' only.")
)


class BilingualName(QuickLoad, models.Model):
    """A Chinese name with an optional English one, shown by the active language."""

    name = models.CharField(_("name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=100, blank=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.localized_name

    @property
    def localized_name(self) -> str:
        if self.name_en and (get_language() or "").startswith("en"):
            return self.name_en
        return self.name


class Campus(BilingualName):
    """A campus (校区) of the university; its code is the Open311 jurisdiction id."""

    code = models.CharField(_("code"), max_length=32, unique=True, validators=[code_validator])
    address = models.CharField(_("address"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("campus")
        verbose_name_plural = _("campuses")
        ordering = ["code"]


class Building(BilingualName):
    """A building on a campus: dormitory, teaching, canteen, office or other."""

    class Kind(models.TextChoices):
        DORMITORY = "dormitory", _("Dormitory")
        TEACHING = "teaching", _("Teaching")
        CANTEEN = "canteen", _("Canteen")
        OFFICE = "office", _("Office")
        OTHER = "other", _("Other")

    campus = models.ForeignKey(
        Campus, verbose_name=_("campus"), on_delete=models.PROTECT, related_name="buildings"
    )
    code = models.CharField(_("code"), max_length=32, validators=[code_validator])
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.OTHER)
    floors = models.PositiveSmallIntegerField(
        _("floors"), default=1, validators=[MinValueValidator(1)]
    )
    latitude = models.DecimalField(
        _("latitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    longitude = models.DecimalField(
        _("longitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )

    class Meta:
        verbose_name = _("building")
        verbose_name_plural = _("buildings")
        ordering = ["campus__code", "code"]
        constraints = [
            models.UniqueConstraint(fields=["campus", "code"], name="building_code_per_campus")
        ]


class Room(QuickLoad, models.Model):
    """A room in a building (a dorm room, a classroom, an office …)."""

    class Kind(models.TextChoices):
        DORM = "dorm", _("Dorm room")
        CLASSROOM = "classroom", _("Classroom")
        OFFICE = "office", _("Office")
        PUBLIC = "public", _("Public area")
        OTHER = "other", _("Other")

    building = models.ForeignKey(
        Building, verbose_name=_("building"), on_delete=models.CASCADE, related_name="rooms"
    )
    number = models.CharField(_("room number"), max_length=32)
    floor = models.SmallIntegerField(_("floor"), default=1)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.OTHER)
    capacity = models.PositiveSmallIntegerField(_("beds / seats"), null=True, blank=True)

    class Meta:
        verbose_name = _("room")
        verbose_name_plural = _("rooms")
        ordering = ["building_id", "floor", "number"]
        constraints = [
            models.UniqueConstraint(fields=["building", "number"], name="room_number_per_building")
        ]

    def __str__(self) -> str:
        return f"{self.building} {self.number}"


class Department(BilingualName):
    """A department or service unit: 维修中心, 饮食服务中心, 宿舍管理中心, 收发室, a college …"""

    class Kind(models.TextChoices):
        REPAIRS = "repairs", _("Repair centre")
        DINING = "dining", _("Dining services")
        DORMS = "dorms", _("Dormitory management")
        MAIL = "mail", _("Mailroom")
        LOSTFOUND = "lostfound", _("Lost and found")
        LOGISTICS = "logistics", _("Logistics office")
        ACADEMIC = "academic", _("Academic department")
        OTHER = "other", _("Other")

    code = models.CharField(_("code"), max_length=32, unique=True, validators=[code_validator])
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.OTHER)
    campus = models.ForeignKey(
        Campus,
        verbose_name=_("campus"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="departments",
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    buildings = models.ManyToManyField(
        Building, verbose_name=_("buildings served"), blank=True, related_name="departments"
    )
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)

    class Meta:
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        ordering = ["code"]

    @property
    def is_service_unit(self) -> bool:
        return self.kind != self.Kind.ACADEMIC
