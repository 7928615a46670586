"""Forms of the lost-and-found pages: input for the services."""

from datetime import timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from logistics.forms import (
    IsoDateTimeInput,
    PhotosField,
    PortalForm,
    PortalModelForm,
    limit_photos,
)
from logistics.models import Building
from lostfound.models import Category, Desk, Disposal, FoundItem
from lostfound.services import MAX_PHOTOS


def _now_minute():
    return timezone.localtime().replace(second=0, microsecond=0)


class ItemFieldsForm(PortalForm):
    """What a finder and the desk both enter about a found item."""

    category = forms.ModelChoiceField(
        label=_("What is it"), queryset=Category.objects.filter(is_active=True), empty_label=None
    )
    description = forms.CharField(
        label=_("Public description"),
        max_length=200,
        help_text=_("What everyone may read: colour, brand, kind. Keep the details back."),
    )
    hidden_traits = forms.CharField(
        label=_("Hidden traits (only the desk sees these)"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_(
            "What only the owner would know: the lock-screen picture, what is inside, a scratch,"
            " a sticker. Never shown publicly."
        ),
    )
    owner_campus_id = forms.CharField(
        label=_("Campus ID on the card (学号/工号)"),
        required=False,
        max_length=32,
        help_text=_("For a campus card or ID only: its owner is told directly."),
    )
    building = forms.ModelChoiceField(
        label=_("Building where found"),
        required=False,
        queryset=Building.objects.select_related("campus").order_by("campus__code", "code"),
    )
    place_text = forms.CharField(
        label=_("Where exactly (or a place off the list)"), required=False, max_length=200
    )
    found_at = forms.DateTimeField(label=_("When found"), widget=IsoDateTimeInput)
    photos = PhotosField(label=_("Photos"), max_files=MAX_PHOTOS)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("found_at", _now_minute())
        super().__init__(*args, **kwargs)
        limit_photos(self)

    def clean(self):
        data = super().clean()
        if not (data.get("building") or (data.get("place_text") or "").strip()):
            self.add_error("place_text", _("Choose a building or say where."))
        category = data.get("category")
        if data.get("owner_campus_id") and category and not category.is_campus_card:
            data["owner_campus_id"] = ""  # only cards carry an owner's number
        return data

    def item_kwargs(self) -> dict:
        data = self.cleaned_data
        names = ("category", "description", "hidden_traits", "owner_campus_id", "building")
        return {
            **{name: data[name] for name in names},
            "place_text": data.get("place_text", ""),
            "found_at": data["found_at"],
            "photos": data.get("photos") or [],
        }


class FoundItemForm(ItemFieldsForm):
    """A finder reports a found item: where it is now (a desk, or kept by them)."""

    custody = forms.ChoiceField(
        label=_("Where is it now"),
        choices=FoundItem.Custody.choices,
        initial=FoundItem.Custody.DESK,
        widget=forms.RadioSelect,
        help_text=_(
            "If you keep it, owners write to you through the portal; your phone number is never"
            " shown."
        ),
    )
    desk = forms.ModelChoiceField(
        label=_("Desk"),
        queryset=Desk.objects.order_by("code"),
        empty_label=None,
        help_text=_("The desk you hand it to, or that answers for it if you keep it."),
    )

    finder_wants_it = forms.BooleanField(
        label=_("If nobody claims it, I would like it back"),
        required=False,
        help_text=_("After the holding period (not for valuables or documents)."),
    )

    field_order = ["category", "description", "building", "place_text", "found_at"]

    def service_kwargs(self) -> dict:
        return {
            **self.item_kwargs(),
            "custody": self.cleaned_data["custody"],
            "desk": self.cleaned_data["desk"],
            "finder_wants_it": self.cleaned_data["finder_wants_it"],
        }


class IntakeForm(ItemFieldsForm):
    """The desk logs an item handed in without a prior report."""

    storage_place = forms.CharField(label=_("Storage place"), required=False, max_length=100)

    def __init__(self, *args, desks=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["desk"] = forms.ModelChoiceField(
            label=_("Desk"), queryset=desks, empty_label=None
        )

    def service_kwargs(self) -> dict:
        return {
            **self.item_kwargs(),
            "storage_place": self.cleaned_data["storage_place"],
            "desk": self.cleaned_data["desk"],
        }


class ReceiveForm(PortalForm):
    """The desk receives a reported item: where it is stored, traits the desk notices."""

    storage_place = forms.CharField(label=_("Storage place"), required=False, max_length=100)
    hidden_traits = forms.CharField(
        label=_("Hidden traits the desk notes"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ConfirmForm(PortalForm):
    """An action without input (the second person's confirmation)."""


class LostReportForm(PortalForm):
    category = forms.ModelChoiceField(
        label=_("What did you lose"),
        queryset=Category.objects.filter(is_active=True),
        empty_label=None,
    )
    description = forms.CharField(
        label=_("Description"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Colour, brand, what it looks like. Keep back what only you know."),
    )
    building = forms.ModelChoiceField(
        label=_("Building where lost"),
        required=False,
        queryset=Building.objects.select_related("campus").order_by("campus__code", "code"),
    )
    place_text = forms.CharField(label=_("Where exactly"), required=False, max_length=200)
    lost_from = forms.DateTimeField(label=_("Lost at the earliest"), widget=IsoDateTimeInput)
    lost_until = forms.DateTimeField(label=_("Lost at the latest"), widget=IsoDateTimeInput)
    photo = PhotosField(label=_("Photo (optional)"), max_files=1)

    def __init__(self, *args, **kwargs):
        initial = kwargs.setdefault("initial", {})
        initial.setdefault("lost_until", _now_minute())
        initial.setdefault("lost_from", _now_minute() - timedelta(hours=4))
        super().__init__(*args, **kwargs)
        limit_photos(self)

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        photos = data.get("photo") or []
        return {
            "category": data["category"],
            "description": data["description"],
            "building": data.get("building"),
            "place_text": data.get("place_text", ""),
            "lost_from": data["lost_from"],
            "lost_until": data["lost_until"],
            "photo": photos[0] if photos else None,
        }


class CategoryForm(PortalModelForm):
    class Meta:
        model = Category
        fields = [
            "name",
            "name_en",
            "code",
            "is_campus_card",
            "is_valuable",
            "holding_days",
            "is_active",
            "sort_order",
        ]


class ClaimForm(PortalForm):
    answers = forms.CharField(
        label=_("What only the owner would know"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "In your own words: the lock-screen picture, what is inside, a scratch, a sticker."
            " The desk compares your answer with what the finder noted."
        ),
    )


class ReasonForm(PortalForm):
    reason = forms.CharField(
        label=_("Reason"), required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 2})
    )


class HandOverForm(PortalForm):
    code = forms.CharField(label=_("The owner's one-time code"), required=False, max_length=8)
    identity_checked = forms.BooleanField(
        label=_("The owner is here, signed in with their campus identity"), required=False
    )


class FinderHandOverForm(PortalForm):
    code = forms.CharField(label=_("The owner's one-time code"), max_length=8)


class DisposalForm(PortalForm):
    """A desk person proposes what to do with an unclaimed item past its holding period."""

    method = forms.ChoiceField(label=_("What to do with it"), choices=())
    recipient = forms.CharField(
        label=_("Handed to"),
        required=False,
        max_length=200,
        help_text=_("The police station, the charity, who took it."),
    )
    reason = forms.CharField(
        label=_("Why"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, methods=(), **kwargs):
        super().__init__(*args, **kwargs)
        labels = dict(Disposal.Method.choices)
        self.fields["method"].choices = [(m, labels[m]) for m in methods]


class MessageForm(PortalForm):
    body = forms.CharField(
        label=_("Message"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Your name, phone number and campus ID are not shown. Agree where to meet."),
    )
