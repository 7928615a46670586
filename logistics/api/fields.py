"""Serializer fields every app's API shares."""

from collections.abc import Callable

from django.utils.functional import lazy
from django.utils.translation import gettext
from rest_framework import serializers


def _photos_help(max_files: Callable[[], int]) -> str:
    return gettext("Up to %(count)d photos (JPEG, PNG or WebP, at most 10 MB each).") % {
        "count": max_files()
    }


class PhotosField(serializers.ListField):
    """Images (multipart: repeat the `photos` part). The service checks their number, content
    and size; `max_files` (a callable reading the app's setting) is only said in the schema."""

    child = serializers.ImageField()

    def __init__(self, *, max_files: Callable[[], int], **kwargs):
        kwargs.setdefault("required", False)
        # Lazy: the setting and the language are read when the schema is drawn, not at import.
        kwargs.setdefault("help_text", lazy(_photos_help, str)(max_files))
        super().__init__(**kwargs)
