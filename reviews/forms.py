"""Input of the review pages: rating an event (stars, the event type's dimensions, comment,
photos, anonymity), moderation reasons and follow-up outcomes.

Forms only parse; the services check every rule (reviews.services._clean_review) and their
field errors are put back on the form with ``apply_service_errors``.
"""

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from logistics.forms import PhotosField, PortalForm

from .registry import EventType

STAR_CHOICES = [(n, str(n)) for n in range(1, 6)]
SCORE_PREFIX = "score_"


class ReviewForm(PortalForm):
    """A review of one event; `event_type` decides the dimension fields (score_<key>)."""

    stars = forms.TypedChoiceField(
        label=gettext_lazy("Your rating"),
        choices=STAR_CHOICES,
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": gettext_lazy("Give a rating from 1 to 5.")},
    )
    comment = forms.CharField(
        label=gettext_lazy("Comment (optional)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "maxlength": 2000}),
    )
    photos = PhotosField(label=gettext_lazy("Photos (optional)"))
    anonymous = forms.BooleanField(
        label=gettext_lazy("Anonymous to staff"),
        required=False,
        help_text=gettext_lazy(
            "Staff of the service do not see your name. Administrators can, to handle abuse."
        ),
    )

    def __init__(self, *args, event_type: EventType, existing_photos=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.event_type = event_type
        for dimension in event_type.dimensions:
            self.fields[SCORE_PREFIX + dimension.key] = forms.TypedChoiceField(
                label=dimension.label,
                choices=STAR_CHOICES,
                coerce=int,
                required=False,
                empty_value=None,
                widget=forms.RadioSelect,
            )
        self.existing_photos = list(existing_photos)
        room = settings.REVIEWS_MAX_PHOTOS - len(self.existing_photos)
        self.fields["photos"].help_text = _(
            "Up to %(count)d photos (JPEG, PNG or WebP, at most 10 MB each)."
        ) % {"count": max(room, 0)}
        if self.existing_photos:
            self.fields["remove_photos"] = forms.TypedMultipleChoiceField(
                label=gettext_lazy("Remove photos"),
                choices=[(p.pk, str(index)) for index, p in enumerate(self.existing_photos, 1)],
                coerce=int,
                required=False,
                widget=forms.CheckboxSelectMultiple,
            )

    def score_fields(self) -> list:
        return [self[SCORE_PREFIX + d.key] for d in self.event_type.dimensions]

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        scores = {
            d.key: data.get(SCORE_PREFIX + d.key)
            for d in self.event_type.dimensions
            if data.get(SCORE_PREFIX + d.key) is not None
        }
        return {
            "stars": data["stars"],
            "scores": scores,
            "comment": data.get("comment", ""),
            "anonymous": data.get("anonymous", False),
            "photos": data.get("photos", []),
        }


def apply_service_errors(form: forms.Form, error: ValidationError) -> None:
    """Puts the service's field errors on the form (unknown fields as form-wide errors)."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error.messages)
        return
    for field, messages in error.message_dict.items():
        target = field if field in form.fields else None
        for message in messages:
            form.add_error(target, message)


class ReasonForm(PortalForm):
    """Why a moderator hides or shows again a review (recorded)."""

    reason = forms.CharField(
        label=gettext_lazy("Reason (recorded)"),
        max_length=300,
        widget=forms.TextInput(attrs={"maxlength": 300}),
    )


class FollowUpCloseForm(PortalForm):
    """What came of the call-back."""

    note = forms.CharField(
        label=gettext_lazy("Outcome of the call"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
