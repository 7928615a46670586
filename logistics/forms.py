"""Form pieces every app's pages share."""

from django import forms


class PortalForm(forms.Form):
    """Labels without a trailing colon, like the rest of the portal."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class MultipleImageInput(forms.FileInput):
    """A file input that takes several images at once (a phone's gallery picker)."""

    allow_multiple_selected = True
