"""The portal's user (campus ID as username) and the scopes of staff roles."""

from functools import cached_property

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import F
from django.db.models.functions import Right
from django.utils.translation import gettext_lazy as _

from logistics.roles import Role, role_labels

from .loading import QuickLoad

phone_validator = RegexValidator(r"^\+?[0-9\- ]{5,20}$", _("Enter a valid phone number."))


class User(QuickLoad, AbstractUser):
    """A student, teacher or staff member; the username is the campus ID (学号/工号)."""

    username = models.CharField(
        _("campus ID"),
        max_length=64,
        unique=True,
        help_text=_("Student or staff number (学号/工号), as the campus CAS returns it."),
        validators=[AbstractUser.username_validator],
        error_messages={"unique": _("A user with that campus ID already exists.")},
    )
    display_name = models.CharField(_("display name"), max_length=150, blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True, validators=[phone_validator])
    department = models.ForeignKey(
        "logistics.Department",
        verbose_name=_("department"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="members",
    )
    dorm_room = models.ForeignKey(
        "logistics.Room",
        verbose_name=_("dorm room"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="residents",
    )
    language = models.CharField(
        _("language"),
        max_length=16,
        blank=True,
        choices=settings.LANGUAGES,
        help_text=_(
            "The language notifications, e-mails and pages use for this person; set when they "
            "switch language or from the campus sign-in. Blank: the portal's language."
        ),
    )

    REQUIRED_FIELDS = ["email"]

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["username"]
        indexes = [
            # A parcel's label names its recipient by name and the phone's last four digits
            # (parcels.recipients): one index per name column the lookup ORs.
            models.Index(F("display_name"), Right("phone", 4), name="logistics_user_name_tail"),
            models.Index(F("last_name"), Right("phone", 4), name="logistics_user_last_tail"),
        ]

    def __str__(self) -> str:
        return f"{self.get_display_name()} ({self.username})"

    def get_display_name(self) -> str:
        return self.display_name or self.get_full_name() or self.username

    @cached_property
    def role_names(self) -> frozenset[str]:
        """The names of the roles (groups) this user holds, read once per request."""
        if not self.pk:
            return frozenset()
        return frozenset(self.groups.values_list("name", flat=True))

    @property
    def role_labels(self) -> list[str]:
        """The roles this user holds, named in the active language (Role's labels)."""
        return role_labels(self.role_names)

    def has_role(self, *roles: str) -> bool:
        return bool(self.role_names.intersection(roles))

    @property
    def is_manager(self) -> bool:
        return self.is_superuser or self.has_role(Role.LOGISTICS_MANAGER)

    def scoped(self, role: str) -> "models.QuerySet[StaffScope]":
        return self.staff_scopes.filter(role=role)

    def scopes(self, *roles: str) -> list["StaffScope"]:
        """This user's StaffScope rows of `roles` (of any role when none are named), from
        `scope_rows`: no query of its own."""
        return [scope for scope in self.scope_rows if not roles or scope.role in roles]

    @cached_property
    def scope_rows(self) -> list["StaffScope"]:
        """Every StaffScope of this user (any role), with its building and department, read
        once per request: the navigation's "Manage" and the pages that narrow by scope share
        it. Filter by `role` in Python; `scoped(role)` is the queryset for subqueries."""
        if not self.pk:
            return []
        rows = self.staff_scopes.select_related("building", "department").order_by("pk")
        return list(rows)


class StaffScope(QuickLoad, models.Model):
    """Limits a staff role of a user to the units they serve: a department and/or a building."""

    user = models.ForeignKey(
        User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="staff_scopes"
    )
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    department = models.ForeignKey(
        "logistics.Department",
        verbose_name=_("department"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="staff_scopes",
    )
    building = models.ForeignKey(
        "logistics.Building",
        verbose_name=_("building"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="staff_scopes",
    )

    class Meta:
        verbose_name = _("staff scope")
        verbose_name_plural = _("staff scopes")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(department__isnull=False) | models.Q(building__isnull=False),
                name="staffscope_has_unit",
                violation_error_message=_("Choose a department, a building or both."),
            ),
            models.UniqueConstraint(
                fields=["user", "role", "department", "building"], name="staffscope_unique"
            ),
        ]

    def __str__(self) -> str:
        unit = " / ".join(str(u) for u in (self.department, self.building) if u)
        return f"{self.user.username}: {self.get_role_display()} @ {unit}"
