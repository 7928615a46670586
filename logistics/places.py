"""Services of campus places: managers' create/update/delete and the CSV/XLSX import.

Import semantics (documented in docs/api.md and on the import page):

- Buildings are matched on (campus code, building code); rooms on (campus code, building code,
  room number). A matching row updates the existing record, any other row creates one. An import
  never deletes anything.
- A building or room is updated with every column the file has; a blank cell in an optional
  column sets that field's default (no English name, kind "other", 1 floor, no coordinates, no
  capacity). Columns the file lacks leave existing values alone.
- The campus (for buildings) and the building (for rooms) must exist already. A room's floor
  must lie between -5 and the building's number of floors.
- If any row is bad, nothing is imported and every bad row is reported with its line number.
"""

from django import forms
from django.core.exceptions import PermissionDenied
from django.db import models, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from logistics.models import Building, Campus, Room, User
from logistics.tabular import Column, ImportReport, TabularImport, run_import

LOWEST_FLOOR = -5
BATCH_SIZE = 500


def _require_manager(user: User) -> None:
    if not (user and user.is_authenticated and user.is_manager):
        raise PermissionDenied(_("Only logistics managers may change campus places."))


# --- Create, update, delete ------------------------------------------------------------------


@transaction.atomic
def place_create(*, model: type[models.Model], data: dict, by: User) -> models.Model:
    """Creates a campus, building, room or department from validated data."""
    _require_manager(by)
    many = {k: data.pop(k) for k in list(data) if _is_many(model, k)}
    place = model(**data)
    place.full_clean()
    place.save()
    for name, values in many.items():
        getattr(place, name).set(values)
    return place


@transaction.atomic
def place_update(*, place: models.Model, data: dict, by: User) -> models.Model:
    """Changes the given fields of a place; locks the row so concurrent edits do not interleave."""
    _require_manager(by)
    place = type(place).objects.select_for_update().get(pk=place.pk)
    many = {k: data.pop(k) for k in list(data) if _is_many(type(place), k)}
    for name, value in data.items():
        setattr(place, name, value)
    place.full_clean()
    if data:
        place.save(update_fields=list(data))
    for name, values in many.items():
        getattr(place, name).set(values)
    return place


@transaction.atomic
def place_delete(*, place: models.Model, by: User) -> None:
    """Deletes a place; raises ProtectedError while other records still point at it."""
    _require_manager(by)
    place.delete()


def _is_many(model, name: str) -> bool:
    return any(f.name == name for f in model._meta.many_to_many)


# --- Import ------------------------------------------------------------------------------------


class BuildingRowForm(forms.ModelForm):
    """One row of a buildings file."""

    campus = forms.CharField(max_length=32)
    kind = forms.ChoiceField(choices=Building.Kind.choices, required=False)
    floors = forms.IntegerField(min_value=1, max_value=200, required=False)

    class Meta:
        model = Building
        fields = ["code", "name", "name_en", "kind", "floors", "latitude", "longitude"]

    def __init__(self, *args, campuses: dict, **kwargs):
        super().__init__(*args, **kwargs)
        self.campuses = campuses

    def clean_campus(self):
        code = self.cleaned_data["campus"]
        if code not in self.campuses:
            raise forms.ValidationError(_("No campus has the code %(code)s.") % {"code": code})
        return self.campuses[code]

    def clean_kind(self):
        return self.cleaned_data["kind"] or Building.Kind.OTHER

    def clean_floors(self):
        return self.cleaned_data["floors"] or 1

    def validate_unique(self):
        """Existing (campus, code) pairs are updates, not duplicates."""


class RoomRowForm(forms.ModelForm):
    """One row of a rooms file."""

    campus = forms.CharField(max_length=32)
    building = forms.CharField(max_length=32)
    floor = forms.IntegerField(required=False, min_value=LOWEST_FLOOR, max_value=200)
    kind = forms.ChoiceField(choices=Room.Kind.choices, required=False)

    class Meta:
        model = Room
        fields = ["number", "floor", "kind", "capacity"]

    def __init__(self, *args, buildings: dict, **kwargs):
        super().__init__(*args, **kwargs)
        self.buildings = buildings

    def clean(self):
        data = super().clean()
        campus, code = data.get("campus"), data.get("building")
        if campus and code:
            building = self.buildings.get((campus, code))
            if building is None:
                message = _("No building %(building)s on campus %(campus)s.")
                self.add_error("building", message % {"building": code, "campus": campus})
            else:
                data["building"] = building
                self._check_floor(building, data)
        data["kind"] = data.get("kind") or Room.Kind.OTHER
        return data

    def _check_floor(self, building: Building, data: dict) -> None:
        floor = data.get("floor")
        if floor is None:
            data["floor"] = 1
        elif floor > building.floors:
            message = _("Building %(building)s has only %(floors)d floors.")
            self.add_error(
                "floor", message % {"building": building.code, "floors": building.floors}
            )

    def validate_unique(self):
        """Existing (building, number) pairs are updates, not duplicates."""


BUILDING_COLUMNS = (
    Column("campus", gettext_lazy("campus"), True, gettext_lazy("Campus code"), "main"),
    Column("code", gettext_lazy("code"), True, gettext_lazy("Building code"), "D1"),
    Column("name", gettext_lazy("name"), True, gettext_lazy("Name (Chinese)"), "学一楼"),
    Column("name_en", gettext_lazy("English name"), False, "", "Dormitory 1"),
    Column("kind", gettext_lazy("kind"), False, ", ".join(Building.Kind.values), "dormitory"),
    Column("floors", gettext_lazy("floors"), False, gettext_lazy("Number of floors"), "6"),
    Column("latitude", gettext_lazy("latitude"), False, "", "39.999000"),
    Column("longitude", gettext_lazy("longitude"), False, "", "116.326000"),
)
ROOM_COLUMNS = (
    Column("campus", gettext_lazy("campus"), True, gettext_lazy("Campus code"), "main"),
    Column("building", gettext_lazy("building"), True, gettext_lazy("Building code"), "D1"),
    Column("number", gettext_lazy("room number"), True, "", "301"),
    Column("floor", gettext_lazy("floor"), False, gettext_lazy("Default 1"), "3"),
    Column("kind", gettext_lazy("kind"), False, ", ".join(Room.Kind.values), "dorm"),
    Column("capacity", gettext_lazy("beds / seats"), False, "", "4"),
)
BUILDING_FIELDS = ("name", "name_en", "kind", "floors", "latitude", "longitude")
ROOM_FIELDS = ("floor", "kind", "capacity")


def _save_buildings(rows: list[dict], present: set[str]) -> tuple[int, int]:
    existing = set(Building.objects.values_list("campus_id", "code"))
    buildings = [
        Building(campus=r["campus"], code=r["code"], **{f: r[f] for f in BUILDING_FIELDS})
        for r in rows
    ]
    updated = sum((b.campus.pk, b.code) in existing for b in buildings)
    Building.objects.bulk_create(
        buildings,
        batch_size=BATCH_SIZE,
        update_conflicts=True,
        unique_fields=["campus", "code"],
        update_fields=[f for f in BUILDING_FIELDS if f in present or f == "name"],
    )
    return len(buildings) - updated, updated


def _save_rooms(rows: list[dict], present: set[str]) -> tuple[int, int]:
    existing = set(Room.objects.values_list("building_id", "number"))
    rooms = [
        Room(building=r["building"], number=r["number"], **{f: r[f] for f in ROOM_FIELDS})
        for r in rows
    ]
    updated = sum((r.building.pk, r.number) in existing for r in rooms)
    fields = [f for f in ROOM_FIELDS if f in present]
    Room.objects.bulk_create(
        rooms,
        batch_size=BATCH_SIZE,
        update_conflicts=bool(fields),
        ignore_conflicts=not fields,
        unique_fields=["building", "number"] if fields else None,
        update_fields=fields or None,
    )
    return len(rooms) - updated, updated


def building_import_spec() -> TabularImport:
    return TabularImport(
        columns=BUILDING_COLUMNS,
        form_class=BuildingRowForm,
        form_kwargs=lambda: {"campuses": Campus.objects.in_bulk(field_name="code")},
        key=lambda r: (r["campus"].pk, r["code"]),
        save=_save_buildings,
    )


def room_import_spec() -> TabularImport:
    return TabularImport(
        columns=ROOM_COLUMNS,
        form_class=RoomRowForm,
        form_kwargs=lambda: {"buildings": _buildings_by_code()},
        key=lambda r: (r["building"].pk, r["number"]),
        save=_save_rooms,
    )


def _buildings_by_code() -> dict:
    buildings = Building.objects.select_related("campus")
    return {(b.campus.code, b.code): b for b in buildings}


IMPORT_KINDS = {"buildings": building_import_spec, "rooms": room_import_spec}


def place_import(*, kind: str, upload, by: User) -> ImportReport:
    """Imports a buildings or rooms file all-or-nothing; see the module docstring."""
    _require_manager(by)
    return run_import(IMPORT_KINDS[kind](), upload)
