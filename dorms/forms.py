"""Forms of the dorms pages: input for the services."""

import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from logistics.forms import (
    IsoDateTimeInput,
    MultipleImageInput,
    PortalForm,
    check_documents_in_browser,
)
from logistics.models import Building, Campus, Department, Room
from logistics.roles import Role
from logistics.uploads import clean_document

from .models import Audience, Kind, Utility
from .querysets import managed_building_ids
from .services import EDITABLE, AudienceSpec

MAX_ATTACHMENTS = 5
DATETIME_FORMAT = "%Y-%m-%dT%H:%M"


def _datetime_field(label, *, required=False, help_text=""):
    return forms.DateTimeField(
        label=label,
        required=required,
        help_text=help_text,
        input_formats=[DATETIME_FORMAT, "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"],
        widget=IsoDateTimeInput,
    )


class AttachmentsField(forms.FileField):
    """PDFs and images, each checked by content (logistics.uploads.clean_document)."""

    widget = MultipleImageInput

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)
        self.widget.attrs["multiple"] = True
        check_documents_in_browser(self.widget)

    def clean(self, data, initial=None) -> list:
        files = [f for f in data if f] if isinstance(data, list | tuple) else [data] if data else []
        if len(files) > MAX_ATTACHMENTS:
            raise ValidationError(
                _("Attach at most %(count)d files.") % {"count": MAX_ATTACHMENTS}, code="too_many"
            )
        documents, problems = [], []
        for upload in files:
            try:
                documents.append(clean_document(upload))
            except ValidationError as error:
                problems.extend(f"{upload.name}: {message}" for message in error.messages)
        if problems:
            raise ValidationError(problems)
        return documents


class NoticeForm(PortalForm):
    """A notice: what, to whom, when; outages add the utility and the stoppage's times."""

    title = forms.CharField(label=gettext_lazy("Title"), max_length=200)
    body = forms.CharField(
        label=gettext_lazy("Text"),
        required=False,
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=gettext_lazy("Markdown: **bold**, *italic*, lists, links. No HTML."),
    )
    title_en = forms.CharField(label=gettext_lazy("English title"), max_length=200, required=False)
    body_en = forms.CharField(
        label=gettext_lazy("English text"),
        required=False,
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=gettext_lazy("Optional; feeds and CAP alerts carry it in their English part."),
    )
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=Kind.choices)
    utility = forms.ChoiceField(
        label=gettext_lazy("Utility (outages)"),
        choices=[("", "—"), *Utility.choices],
        required=False,
    )
    starts_at = _datetime_field(gettext_lazy("Outage starts"))
    ends_at = _datetime_field(gettext_lazy("Outage ends"))
    unplanned = forms.BooleanField(
        label=gettext_lazy("Emergency repair (announced while it happens)"), required=False
    )
    audience = forms.ChoiceField(label=gettext_lazy("For"), choices=Audience.choices)
    campus = forms.ModelChoiceField(
        label=gettext_lazy("Campus"), queryset=Campus.objects.all(), required=False
    )
    buildings = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Buildings"),
        queryset=Building.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    floors = forms.CharField(
        label=gettext_lazy("Floors"),
        required=False,
        max_length=100,
        help_text=gettext_lazy("For floors: their numbers, e.g. 1, 3"),
    )
    rooms = forms.CharField(
        label=gettext_lazy("Rooms"),
        required=False,
        max_length=1000,
        help_text=gettext_lazy("For rooms: their numbers in the chosen buildings, e.g. 101 102"),
    )
    roles = forms.MultipleChoiceField(
        label=gettext_lazy("Roles"),
        choices=Role.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    departments = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Departments"), queryset=Department.objects.all(), required=False
    )
    publish_at = _datetime_field(
        gettext_lazy("Publish at"), help_text=gettext_lazy("Empty: publish when you press Publish.")
    )
    valid_until = _datetime_field(
        gettext_lazy("Valid until"), help_text=gettext_lazy("Required for outages and emergencies.")
    )
    pinned = forms.BooleanField(label=gettext_lazy("Pinned"), required=False)
    requires_ack = forms.BooleanField(
        label=gettext_lazy("Ask for an acknowledgement (已阅并确认)"), required=False
    )
    ack_deadline = _datetime_field(pgettext_lazy("notice acknowledgement", "Acknowledge by"))
    attachments = AttachmentsField(
        label=gettext_lazy("Attachments"),
        help_text=gettext_lazy("PDF, JPEG, PNG or WebP; at most 5 files of 10 MB."),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        managed = managed_building_ids(user)
        buildings = Building.objects.select_related("campus").order_by("campus__code", "code")
        if managed is not None:
            buildings = buildings.filter(pk__in=managed)
            for name in ("campus", "roles", "departments"):
                del self.fields[name]
            self.fields["audience"].choices = [
                c for c in Audience.choices if c[0] in ("buildings", "floors", "rooms")
            ]
        self.fields["buildings"].queryset = buildings

    def clean_floors(self) -> list[int]:
        text = self.cleaned_data.get("floors") or ""
        try:
            return sorted({int(part) for part in re.split(r"[\s,，、]+", text) if part})
        except ValueError:
            raise ValidationError(_("Give floor numbers separated by commas.")) from None

    def clean(self):
        data = super().clean()
        if data.get("audience") == Audience.ROOMS:
            data["room_list"] = self._rooms(data)
        if data.get("audience") == Audience.FLOORS and not data.get("floors"):
            self.add_error("floors", _("Give at least one floor."))
        if data.get("audience") == Audience.CAMPUS and not data.get("campus"):
            self.add_error("campus", _("Choose the campus."))
        return data

    def _rooms(self, data) -> list[Room]:
        numbers = [n for n in re.split(r"[\s,，、]+", data.get("rooms") or "") if n]
        buildings = list(data.get("buildings") or [])
        if not numbers or not buildings:
            self.add_error("rooms", _("Choose the buildings and give the room numbers."))
            return []
        rooms = list(
            Room.objects.select_related("building__campus").filter(
                building__in=buildings, number__in=numbers
            )
        )
        missing = set(numbers) - {r.number for r in rooms}
        if missing:
            self.add_error(
                "rooms",
                _("No such room in the chosen buildings: %(rooms)s")
                % {"rooms": ", ".join(sorted(missing))},
            )
        return rooms

    def audience_spec(self) -> AudienceSpec:
        data = self.cleaned_data
        return AudienceSpec(
            audience=data["audience"],
            campus=data.get("campus"),
            buildings=list(data.get("buildings") or []),
            floors=data.get("floors") or [],
            rooms=data.get("room_list") or [],
            roles=data.get("roles") or [],
            departments=list(data.get("departments") or []),
        )

    def notice_data(self) -> dict:
        names = (
            *("title", "body", "title_en", "body_en", "kind", "utility", "starts_at", "ends_at"),
            "unplanned",
            *("publish_at", "valid_until", "pinned", "requires_ack", "ack_deadline"),
        )
        return {name: self.cleaned_data.get(name) for name in names} | {
            "body": self.cleaned_data.get("body") or "",
            "utility": self.cleaned_data.get("utility") or "",
            "title_en": self.cleaned_data.get("title_en") or "",
            "body_en": self.cleaned_data.get("body_en") or "",
        }

    @classmethod
    def initial_for(cls, notice) -> dict:
        targets = list(notice.targets.select_related("room"))
        return {
            **{name: getattr(notice, name) for name in EDITABLE},
            "audience": notice.audience,
            "campus": notice.campus_id,
            "buildings": sorted({t.building_id for t in targets if t.building_id}),
            "floors": ", ".join(sorted({str(t.floor) for t in targets if t.floor is not None})),
            "rooms": " ".join(t.room.number for t in targets if t.room_id),
            "roles": [t.role for t in targets if t.role],
            "departments": [t.department_id for t in targets if t.department_id],
        }


class PublishForm(PortalForm):
    lead_time_reason = forms.CharField(
        label=gettext_lazy("Reason for the short notice"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class CorrectionForm(PortalForm):
    title = forms.CharField(label=gettext_lazy("Title"), max_length=200)
    body = forms.CharField(
        label=gettext_lazy("Text"),
        required=False,
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 8}),
    )
    title_en = forms.CharField(label=gettext_lazy("English title"), max_length=200, required=False)
    body_en = forms.CharField(
        label=gettext_lazy("English text"),
        required=False,
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    withdraws = forms.BooleanField(
        label=gettext_lazy("This calls the notice off (all clear)"), required=False
    )


class NoticeSearchForm(PortalForm):
    q = forms.CharField(label=gettext_lazy("Search"), required=False, max_length=100)
