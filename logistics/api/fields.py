"""Serializer fields (and the page address of a served file) every app's API shares."""

from collections.abc import Callable

from django.urls import NoReverseMatch, reverse
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


def page_url(view_name: str, *args, request=None) -> str | None:
    """The address of a page view (e.g. one that serves a photo to those who may see it),
    absolute when there is a request; None when the app's pages are not mounted in this setup."""
    try:
        url = reverse(view_name, args=args)
    except NoReverseMatch:
        return None
    return request.build_absolute_uri(url) if request is not None else url
