"""Forms of the parcels pages: input for the services."""

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from logistics.forms import PhotosField, PortalForm, limit_photos
from logistics.models import Building
from logistics.uploads import clean_image
from parcels.manifest import MAX_BYTES
from parcels.models import Carrier, DeliveryPreference, Shelf, SizeClass


class ScanForm(PortalForm):
    """One scan at the counter: the number (the scanner's field) and what the label says."""

    number = forms.CharField(
        label=_("Tracking number"),
        max_length=60,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "off",
                "autocapitalize": "characters",
                "spellcheck": "false",
                "autofocus": True,
                "enterkeyhint": "send",
            }
        ),
    )
    recipient = forms.CharField(
        label=_("Recipient"),
        max_length=120,
        required=False,
        help_text=_(
            "Name and last four phone digits (张伟 1234), a campus ID, "
            "or building and room (E1 101)."
        ),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    size = forms.ChoiceField(label=_("Size"), choices=SizeClass.choices, initial=SizeClass.SMALL)
    carrier = forms.ChoiceField(
        label=_("Carrier"),
        choices=[("", _("Guess from the number"))] + list(Carrier.choices),
        required=False,
    )


class CarrierForm(PortalForm):
    carrier = forms.ChoiceField(label=_("Carrier"), choices=Carrier.choices)


class ResolveForm(PortalForm):
    """An unknown recipient found: their campus ID."""

    campus_id = forms.CharField(label=_("Campus ID"), max_length=64)

    def clean_campus_id(self):
        value = self.cleaned_data["campus_id"].strip()
        user = get_user_model().objects.filter(username__iexact=value, is_active=True).first()
        if user is None:
            raise ValidationError(_("No account has this campus ID."))
        return user


class LookupForm(PortalForm):
    q = forms.CharField(
        label=_("Pickup code, QR code, last four phone digits or proxy code"),
        max_length=400,
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autofocus": True, "spellcheck": "false"}
        ),
    )


class HandOverForm(PortalForm):
    """The parcels to hand over (from the lookup) and an optional photo as proof."""

    q = forms.CharField(max_length=400, widget=forms.HiddenInput)
    parcels = forms.TypedMultipleChoiceField(
        coerce=int, choices=(), widget=forms.CheckboxSelectMultiple
    )
    photo = PhotosField(label=_("Photo (optional)"), max_files=1)

    def __init__(self, *args, parcels=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["parcels"].choices = [(p.pk, p.pickup_code) for p in parcels]
        limit_photos(self)

    def clean_photo(self):
        photos = self.cleaned_data.get("photo")
        return clean_image(photos[0]) if photos else None


class ProxyForm(PortalForm):
    """A recipient authorises someone: a campus account, or a name (who gets a one-time code)."""

    parcel = forms.TypedChoiceField(
        label=_("Which parcel"), coerce=int, required=False, empty_value=None
    )
    campus_id = forms.CharField(label=_("Collector's campus ID"), max_length=64, required=False)
    name = forms.CharField(label=_("Or the collector's name"), max_length=100, required=False)

    def __init__(self, *args, parcels=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["parcel"].choices = [("", _("All my parcels waiting today"))] + [
            (p.pk, f"{p.pickup_code} · {p.tracking_number}") for p in parcels
        ]

    def clean(self):
        data = super().clean()
        campus_id = (data.get("campus_id") or "").strip()
        data["proxy_user"] = None
        if campus_id:
            user = (
                get_user_model().objects.filter(username__iexact=campus_id, is_active=True).first()
            )
            if user is None:
                self.add_error("campus_id", _("No account has this campus ID."))
            data["proxy_user"] = user
        elif not (data.get("name") or "").strip():
            raise ValidationError(_("Give the collector's campus ID or name."))
        return data


class ReturnForm(PortalForm):
    """The courier's sign-out: which parcels of the carrier's list, and the courier's name."""

    parcels = forms.TypedMultipleChoiceField(
        label=_("Parcels"), coerce=int, choices=(), widget=forms.CheckboxSelectMultiple
    )
    courier_name = forms.CharField(label=_("Courier's name"), max_length=100)
    note = forms.CharField(label=_("Note (optional)"), max_length=200, required=False)

    def __init__(self, *args, parcels=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["parcels"].choices = [(p.pk, p.pickup_code) for p in parcels]
        self.initial.setdefault("parcels", [p.pk for p in parcels])


class MoveForm(PortalForm):
    """Another shelf and layer of the parcel's station."""

    shelf = forms.ModelChoiceField(label=_("Shelf"), queryset=Shelf.objects.none())
    layer = forms.IntegerField(label=_("Layer"), min_value=1, max_value=20)

    def __init__(self, *args, station=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["shelf"].queryset = Shelf.objects.filter(station=station).order_by("number")
        self.fields["shelf"].label_from_instance = lambda shelf: str(shelf.number)


class PreferenceForm(PortalForm):
    """How the recipient receives parcels: at a station, or (staff) at their office."""

    mode = forms.ChoiceField(
        label=_("How I receive parcels"),
        choices=DeliveryPreference.Mode.choices,
        widget=forms.RadioSelect,
    )
    building = forms.ModelChoiceField(
        label=_("Office building"), queryset=Building.objects.none(), required=False
    )
    office = forms.CharField(
        label=_("Office (room)"), max_length=100, required=False, help_text=_("For example 305.")
    )

    def __init__(self, *args, may_choose_office=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["building"].queryset = Building.objects.select_related("campus").order_by(
            "campus__code", "code"
        )
        if not may_choose_office:
            self.fields["mode"].choices = [DeliveryPreference.Mode.choices[0]]
            del self.fields["building"], self.fields["office"]


class DeliverForm(PortalForm):
    """One stop of the delivery run: the parcels handed over and who signed for them."""

    parcels = forms.TypedMultipleChoiceField(
        label=_("Parcels"), coerce=int, choices=(), widget=forms.CheckboxSelectMultiple
    )
    signed_by_name = forms.CharField(label=_("Signed by"), max_length=100)

    def __init__(self, *args, parcels=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["parcels"].choices = [(p.pk, p.pickup_code) for p in parcels]


class ManifestForm(PortalForm):
    """A carrier's manifest: one CSV or XLSX file (its content is checked by the import)."""

    file = forms.FileField(
        label=_("Manifest (CSV or XLSX)"),
        help_text=_("The first row names the columns, as in the template; at most 500 rows."),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx,text/csv"}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_BYTES:
            raise ValidationError(
                _("The file is larger than %(mb)d MB; split it.") % {"mb": MAX_BYTES // 2**20}
            )
        return upload
