"""Forms of the inspection pages: planning a round, recording a room, re-checking a hazard."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy

from logistics.forms import IsoDateInput, IsoDateTimeInput, PhotosField, PortalForm, limit_photos
from logistics.models import Building, User
from logistics.roles import Role
from logistics.uploads import clean_image
from repairs.public import repair_categories

from ..querysets import managed_building_ids
from .models import HazardKind
from .services import HazardSpec

INSPECTOR_ROLES = (Role.DORM_MANAGER, Role.LOGISTICS_MANAGER)


class RoundForm(PortalForm):
    title = forms.CharField(label=gettext_lazy("Title"), max_length=200)
    buildings = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Buildings"),
        queryset=Building.objects.none(),
        widget=forms.CheckboxSelectMultiple,
    )
    inspectors = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Inspectors"),
        queryset=User.objects.none(),
        widget=forms.CheckboxSelectMultiple,
    )
    starts_on = forms.DateField(label=gettext_lazy("From"), widget=IsoDateInput)
    ends_on = forms.DateField(label=gettext_lazy("Until"), widget=IsoDateInput)
    notice_body = forms.CharField(
        label=gettext_lazy("Notice to residents"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=gettext_lazy("Empty: a standard text with the dates."),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        buildings = Building.objects.filter(kind=Building.Kind.DORMITORY).order_by("code")
        managed = managed_building_ids(user)
        if managed is not None:
            buildings = buildings.filter(pk__in=managed)
        self.fields["buildings"].queryset = buildings
        self.fields["inspectors"].queryset = (
            User.objects.filter(groups__name__in=INSPECTOR_ROLES, is_active=True)
            .distinct()
            .order_by("username")
        )
        self.fields["inspectors"].label_from_instance = lambda u: u.get_display_name()


class HazardForm(PortalForm):
    """One hazard in the room, with its photo; the inspector sends one form per hazard."""

    kind = forms.ChoiceField(label=gettext_lazy("Hazard"), choices=HazardKind.choices)
    note = forms.CharField(label=gettext_lazy("Note"), required=False, max_length=500)
    photo = PhotosField(label=gettext_lazy("Photo"), max_files=1)
    deadline = forms.DateTimeField(
        label=gettext_lazy("Fix by"),
        required=False,
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        widget=IsoDateTimeInput,
        help_text=gettext_lazy("Empty: 1 to 7 days by the kind of hazard."),
    )
    repair_category = forms.TypedChoiceField(
        label=gettext_lazy("Needs a repair"),
        required=False,
        coerce=int,
        empty_value=None,
        help_text=gettext_lazy("Files a repair request for the room."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["repair_category"].choices = [("", "—"), *repair_categories()]
        # On a phone the camera opens directly: the hazard is photographed on the spot.
        self.fields["photo"].widget.attrs["capture"] = "environment"
        limit_photos(self)

    def clean_photo(self):
        uploads = self.cleaned_data.get("photo")
        if not uploads:
            return None
        try:
            return clean_image(uploads[0])
        except ValidationError as error:
            raise ValidationError(error.messages) from None

    def spec(self) -> HazardSpec:
        data = self.cleaned_data
        return HazardSpec(
            kind=data["kind"],
            note=data.get("note") or "",
            photo=data.get("photo"),
            deadline=data.get("deadline"),
            repair_category_id=data.get("repair_category"),
        )


class RecheckForm(PortalForm):
    fixed = forms.TypedChoiceField(
        choices=[("1", gettext_lazy("Fixed")), ("0", gettext_lazy("Still there"))],
        coerce=lambda v: v == "1",
    )
