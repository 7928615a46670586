"""Forms of the canteen staff pages: dishes, menu items, publishing, copying, import."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from logistics.forms import (
    IsoDateInput,
    IsoDateTimeInput,
    PhotosField,
    PortalForm,
    PortalModelForm,
    limit_photos,
)
from logistics.tabular import MAX_BYTES
from logistics.uploads import clean_image

from .models import DISH_EDITABLE_FIELDS, Allergen, Dish, DishCategory, MenuTemplate, Window

MONEY = {"required": False, "min_value": 0, "max_digits": 8, "decimal_places": 2}


class DishForm(PortalModelForm):
    """Every field of a dish; the photo is checked and re-encoded (logistics.uploads)."""

    photo_upload = PhotosField(
        label=_("Photo"), max_files=1, help_text=_("JPEG, PNG or WebP, at most 10 MB.")
    )
    photo_clear = forms.BooleanField(label=_("Remove the photo"), required=False)
    reason = forms.CharField(
        label=_("Reason for a price change"),
        required=False,
        max_length=300,
        help_text=_("Optional; shown in the price history."),
    )

    class Meta:
        model = Dish
        fields = list(DISH_EDITABLE_FIELDS)
        widgets = {
            "allergens": forms.CheckboxSelectMultiple,
            "description": forms.Textarea(attrs={"rows": 3}),
            "spicy_level": forms.Select(
                choices=[(0, _("Not spicy")), (1, _("Mild")), (2, _("Medium")), (3, _("Hot"))]
            ),
        }

    def __init__(self, *args, canteen, **kwargs):
        super().__init__(*args, **kwargs)
        self.canteen = canteen
        limit_photos(self)
        self.fields["window"].queryset = Window.objects.filter(canteen=canteen)
        self.fields["category"].queryset = DishCategory.objects.all()
        self.fields["allergens"].queryset = Allergen.objects.all()

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        clash = Dish.objects.filter(canteen=self.canteen, name=name).exclude(pk=self.instance.pk)
        if clash.exists():
            raise ValidationError(_("This canteen already has a dish with this name."))
        return name

    def clean_photo_upload(self):
        uploads = self.cleaned_data.get("photo_upload")
        return clean_image(uploads[0]).file if uploads else None

    def service_data(self) -> dict:
        """The cleaned fields as the data of dining.services.dish_save."""
        data = {name: self.cleaned_data[name] for name in self.Meta.fields}
        if self.cleaned_data.get("photo_upload"):
            data["photo"] = self.cleaned_data["photo_upload"]
        elif self.cleaned_data.get("photo_clear"):
            data["photo"] = ""
        return data


class MenuItemForm(PortalForm):
    """One dish on the menu with that day's prices (empty: the dish's standard price)."""

    dish = forms.IntegerField(widget=forms.HiddenInput)
    price = forms.DecimalField(label=_("Student"), **MONEY)
    price_employee = forms.DecimalField(label=_("Employee"), **MONEY)
    price_other = forms.DecimalField(label=_("Other"), **MONEY)


MenuItemFormSet = forms.formset_factory(
    MenuItemForm, extra=0, can_order=True, can_delete=True, max_num=200, validate_max=True
)


class PublishForm(PortalForm):
    """Publish now or at a time; the reason acknowledges price rule warnings."""

    publish_at = forms.DateTimeField(
        label=_("Publish at"),
        required=False,
        help_text=_("Empty: publish now. At most 14 days ahead."),
        widget=IsoDateTimeInput,
    )
    reason = forms.CharField(
        label=_("Reason for publishing despite the warnings"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class CopyForm(PortalForm):
    """Copy a previous day or week into this date (drafts)."""

    from_date = forms.DateField(label=_("Copy from"), widget=IsoDateInput)
    days = forms.TypedChoiceField(
        label=_("How much"),
        coerce=int,
        choices=[(1, _("That day")), (7, _("That week (7 days from that day)"))],
        initial=1,
    )
    all_meals = forms.BooleanField(label=_("All meals (not only this one)"), required=False)


class TemplateForm(PortalForm):
    """Apply a weekly template to the week of this date."""

    template = forms.ModelChoiceField(label=_("Weekly template"), queryset=MenuTemplate.objects)

    def __init__(self, *args, canteen, templates=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["template"].queryset = MenuTemplate.objects.filter(canteen=canteen)
        if templates is not None:
            # Reuse the list the page already read (no second query while rendering).
            self.fields["template"].choices = [("", "---------")] + [
                (t.pk, t.name) for t in templates
            ]


class ImportForm(PortalForm):
    file = forms.FileField(
        label=_("CSV or XLSX file"),
        help_text=_("The first row names the columns, as in the template."),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx,text/csv"}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_BYTES:
            raise ValidationError(
                _("The file is larger than %(mb)d MB; split it.") % {"mb": MAX_BYTES // 2**20}
            )
        return upload
