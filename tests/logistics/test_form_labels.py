"""Every form a page shows has labels without a trailing colon (PortalForm, PortalModelForm):
Django's default suffix is an ASCII ':' in Chinese too ("开始日期:"), beside the portal's forms
that have none. Forms that are never drawn are listed with why."""

from django import forms
from django.urls import get_resolver

from logistics.forms import PortalForm, PortalModelForm

APPS = ("logistics", "repairs", "dining", "dorms", "lostfound", "parcels", "reviews")

# Forms that no page draws, and why.
NOT_DRAWN = {
    "dining.imports.MenuImportRowForm": "checks one row of an imported file",
    "logistics.places.BuildingRowForm": "checks one row of an imported file",
    "logistics.places.RoomRowForm": "checks one row of an imported file",
    "logistics.cas.LocalOnlyForAdminsForm": "login.html writes its own labels",
    "logistics.cas.AdminLoginForm": "Django admin's login page",
}


def project_forms() -> list[type]:
    get_resolver().url_patterns  # noqa: B018  (imports every view, and so every form)
    found, todo = [], [forms.BaseForm]
    while todo:
        for cls in todo.pop().__subclasses__():
            todo.append(cls)
            if cls.__module__.split(".")[0] in APPS and "admin" not in cls.__module__:
                found.append(cls)
    return found


def test_it_finds_the_forms():
    names = {f"{cls.__module__}.{cls.__qualname__}" for cls in project_forms()}
    assert {"repairs.forms.CompleteForm", "dining.forms.DishForm"} <= names


def test_every_drawn_form_has_labels_without_a_colon():
    plain = [
        f"{cls.__module__}.{cls.__qualname__}"
        for cls in project_forms()
        if not issubclass(cls, PortalForm | PortalModelForm)
        and f"{cls.__module__}.{cls.__qualname__}" not in NOT_DRAWN
    ]
    assert plain == [], "make these PortalForm or PortalModelForm (or list them in NOT_DRAWN)"
