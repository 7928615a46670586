"""Languages of people and things: normalising language codes, rendering a translatable text in
a chosen language (for notifications written in the recipient's language), and lists joined
the way each language joins them."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from django.conf import settings
from django.utils import formats, timezone, translation
from django.utils.functional import Promise


def language_codes() -> list[str]:
    """The portal's languages ("zh-hans", "en"), the default first."""
    codes = [code for code, _name in settings.LANGUAGES]
    codes.sort(key=lambda code: code != settings.LANGUAGE_CODE)
    return codes


def normalize_language(value: str | None) -> str | None:
    """One of the portal's language codes for what a browser, CAS or a person wrote
    ("zh_CN", "zh-Hans-CN", "EN-us", "中文"), or None if it names none of them."""
    raw = (value or "").strip().replace("_", "-").lower()
    if not raw:
        return None
    if raw in ("中文", "简体中文", "chinese") or raw.startswith("zh"):
        return "zh-hans" if "zh-hans" in language_codes() else None
    if raw in ("english", "英文", "英语"):
        raw = "en"
    for code in language_codes():
        if raw == code or raw.startswith(code + "-"):
            return code
    return None


def user_language(user: Any) -> str:
    """The language `user` reads the portal in: their saved choice, else the portal's."""
    return normalize_language(getattr(user, "language", "")) or settings.LANGUAGE_CODE


@contextmanager
def in_language(code: str | None) -> Iterator[str]:
    """Renders everything inside in language `code` (the portal's when None or unknown)."""
    language = normalize_language(code) or settings.LANGUAGE_CODE
    with translation.override(language):
        yield language


def is_chinese(language: str | None = None) -> bool:
    return (language or translation.get_language() or "").lower().startswith("zh")


def join_list(items: Iterable[Any], *, language: str | None = None) -> str:
    """The items as one list in the active language: 、 between Chinese items, ", " in English."""
    separator = "、" if is_chinese(language) else ", "
    return separator.join(str(item) for item in items)


def render_value(value: Any) -> str | int | float:
    """One parameter as text in the active language: lazy texts translated, model objects by
    their __str__, dates in the active format, lists joined, callables called first."""
    if callable(value) and not isinstance(value, Promise):
        value = value()
    if isinstance(value, datetime.datetime):
        return formats.date_format(timezone.localtime(value), "SHORT_DATETIME_FORMAT")
    if isinstance(value, datetime.date):
        return formats.date_format(value, "SHORT_DATE_FORMAT")
    if isinstance(value, list | tuple):
        return join_list(render_value(item) for item in value)
    if isinstance(value, int | float):
        return value  # %(n)d patterns stay numbers
    return str(value)


def render(text: str | Promise, params: Mapping[str, Any] | None = None) -> str:
    """`text` (a lazy translation) filled with `params` (%(name)s) in the active language. A
    plain string is someone's own words (a note, a reason) and is returned as it is."""
    if not isinstance(text, Promise):
        return str(text)
    values = {key: render_value(value) for key, value in (params or {}).items()}
    return str(text) % values if values else str(text)


def is_translatable(text: Any) -> bool:
    return isinstance(text, Promise)


def render_all(texts: Mapping[str, str | Promise], params: Mapping[str, Any] | None = None):
    """{language: {name: text}} — each text rendered in every portal language."""
    result = {}
    for code in language_codes():
        with translation.override(code):
            result[code] = {name: render(text, params) for name, text in texts.items()}
    return result


def pick(translations: Mapping[str, Mapping[str, str]] | None, language: str | None) -> dict:
    """The texts in `language` from render_all's result ({} if it holds none)."""
    if not translations:
        return {}
    code = normalize_language(language) or settings.LANGUAGE_CODE
    return dict(translations.get(code) or translations.get(settings.LANGUAGE_CODE) or {})


def user_language_set(*, user: Any, language: str | None) -> bool:
    """Saves the language `user` chose (switching, or the campus sign-in's attribute); True if
    it changed. An unknown language changes nothing."""
    code = normalize_language(language)
    if code is None or user.language == code:
        return False
    user._meta.model._default_manager.filter(pk=user.pk).update(language=code)
    user.language = code
    return True
