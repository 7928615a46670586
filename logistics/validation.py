"""Input rules every text and date-time input shares: characters XML 1.0 forbids, real offsets.

Text: a control character (other than tab, newline and carriage return), a lone surrogate,
U+FFFE or U+FFFF cannot be written into XML 1.0 at all, and NUL cannot be stored by PostgreSQL.
Every form CharField and every DRF CharField (and their subclasses: e-mail, slug, URL …) refuses
them with a field error, through `install()`, called once from `LogisticsConfig.ready`; the
Open311 parser and the importers (whose rows are forms or serializers) use the same check.
Text already stored goes through `xml_text()` in every XML writer, so one bad row never makes a
feed not well-formed.

Date-times: Python parses any offset below 24 hours, PostgreSQL refuses those beyond ±15:59 with
an error (a 500). `check_offset` allows the offsets of real time zones, −12:00 to +14:00; every
form DateTimeField (django-filter's date-time filters are ones) and DRF DateTimeField uses it,
through `install()`, and the Open311 dates and repair answers call it.
"""

import datetime
import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _

# The complement of XML 1.0's Char production (#x9 | #xA | #xD | [#x20-#xD7FF] |
# [#xE000-#xFFFD] | [#x10000-#x10FFFF]).
FORBIDDEN_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
MIN_OFFSET = datetime.timedelta(hours=-12)
MAX_OFFSET = datetime.timedelta(hours=14)

MESSAGES = {
    "forbidden_character": _(
        "Remove the invisible control character %(character)s: text may not contain it."
    ),
    "offset": _("The time-zone offset %(offset)s does not exist; use one from -12:00 to +14:00."),
    "datetime": _("Enter a date and time in ISO 8601, e.g. 2026-09-01T14:30:00+08:00."),
}


def forbidden_character(text: str) -> str | None:
    """The first character of `text` that XML 1.0 forbids, or None."""
    match = FORBIDDEN_CHARACTERS.search(text)
    return match.group() if match else None


def validate_text(value) -> None:
    """Raises ValidationError (code forbidden_character) if `value` holds a forbidden character."""
    if not isinstance(value, str):
        return
    character = forbidden_character(value)
    if character is not None:
        raise ValidationError(
            MESSAGES["forbidden_character"],
            code="forbidden_character",
            params={"character": f"U+{ord(character):04X}"},
        )


def xml_text(value) -> str:
    """`value` as text with the characters XML 1.0 forbids removed (for writers of stored data)."""
    return FORBIDDEN_CHARACTERS.sub("", str(value))


def check_offset(value: datetime.datetime) -> datetime.datetime:
    """`value` if it is naive or its offset is a real one; ValidationError (code offset) if not."""
    offset = value.utcoffset() if isinstance(value, datetime.datetime) else None
    if offset is not None and not MIN_OFFSET <= offset <= MAX_OFFSET:
        hours, rest = divmod(abs(int(offset.total_seconds())), 3600)
        sign = "-" if offset < datetime.timedelta(0) else "+"
        raise ValidationError(
            MESSAGES["offset"],
            code="offset",
            params={"offset": f"{sign}{hours:02d}:{rest // 60:02d}"},
        )
    return value


def parse_aware_datetime(raw: str) -> datetime.datetime:
    """An ISO 8601 date-time (naive means the portal's time zone) with a real offset;
    ValidationError (code datetime or offset) otherwise."""
    try:
        value = parse_datetime(raw.strip())
    except ValueError:
        value = None
    if value is None:
        raise ValidationError(MESSAGES["datetime"], code="datetime")
    check_offset(value)
    return value if timezone.is_aware(value) else timezone.make_aware(value)


def install() -> None:
    """Makes every form and DRF CharField refuse forbidden characters, and every form and DRF
    DateTimeField (django-filter's date-time filters too) refuse an unreal offset.

    The checks sit in methods every subclass calls at validation time (`to_python`,
    `to_internal_value`, `enforce_timezone`), so fields declared before this runs (admin forms,
    filters and serializers built at import) have them too.
    """
    from rest_framework import fields as drf_fields

    if getattr(forms.CharField.to_python, "portal_checks", False):
        return
    forms.CharField.to_python = _checked(forms.CharField.to_python, validate_text)
    forms.DateTimeField.to_python = _checked(forms.DateTimeField.to_python, check_offset)
    drf_fields.CharField.to_internal_value = _checked(
        drf_fields.CharField.to_internal_value, validate_text, drf=True
    )
    drf_fields.DateTimeField.enforce_timezone = _checked_input(
        drf_fields.DateTimeField.enforce_timezone, check_offset
    )


def _drf_error(error: ValidationError):
    from rest_framework.exceptions import ValidationError as DrfValidationError

    return DrfValidationError(error.messages, code=error.code)


def _checked(method, check, *, drf: bool = False):
    """`method` whose result goes through `check` (which raises ValidationError)."""

    def checked(self, value):
        result = method(self, value)
        try:
            check(result)
        except ValidationError as error:
            if drf:
                raise _drf_error(error) from None
            raise
        return result

    checked.portal_checks = True
    return checked


def _checked_input(method, check):
    """`method` of a DRF field whose input goes through `check` first."""

    def checked(self, value):
        try:
            check(value)
        except ValidationError as error:
            raise _drf_error(error) from None
        return method(self, value)

    checked.portal_checks = True
    return checked
