"""Masking what identifies a person in text shown to the public (Open311, the complaints board)."""

import re

PHONE_RE = re.compile(r"(?<!\d)(?:\+?\d[\d \-]{5,}\d)(?!\d)")
EMAIL_RE = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# Student and staff numbers (学号/工号) and other long digit runs.
DIGITS_RE = re.compile(r"\d{5,}")


def mask(text: str) -> str:
    """The text with e-mail addresses, phone numbers and long digit runs masked."""
    text = EMAIL_RE.sub("***", text or "")
    return DIGITS_RE.sub("***", PHONE_RE.sub("***", text))
