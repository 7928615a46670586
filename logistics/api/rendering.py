"""JSON text as the API's JSONRenderer writes it, for answers put together from kept pieces.

A list page whose rows are kept in the cache as their JSON text (repairs' request list) is
joined, not decoded and encoded again row by row: a row is kept cut at the fields that differ
per reader (`json_cut`) and filled in per answer (`json_fill`); the page's envelope is filled
the same way. The text is byte for byte what `JSONRenderer.render` writes for the same data
without indentation (tests compare them); an indented answer is rendered as ever.
"""

import json
from collections.abc import Iterable, Sequence
from functools import cache, lru_cache

from rest_framework.renderers import JSONRenderer


@cache
def _encoder() -> tuple[json.JSONEncoder, str, str]:
    """The renderer's encoder without indentation, and its item and key separators."""
    separators = (",", ":") if JSONRenderer.compact else (", ", ": ")
    encoder = JSONRenderer.encoder_class(
        ensure_ascii=JSONRenderer.ensure_ascii,
        allow_nan=not JSONRenderer.strict,
        separators=separators,
    )
    return encoder, *separators


def json_text(value) -> str:
    """`value` as JSONRenderer writes it without indentation (its separators, ASCII and NaN
    settings; U+2028 and U+2029 escaped, as it escapes them)."""
    text = _encoder()[0].encode(value)
    return text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def json_cut(value: dict, holes: Sequence[str]) -> tuple[str, ...]:
    """The JSON text of the object `value` cut where the values of `holes` (some of its keys)
    go: one piece more than there are holes, for `json_fill` to join with their values in the
    order of `value`'s keys. The holes' own values in `value` are not written."""
    _encoder_, item_separator, key_separator = _encoder()
    pieces, text, first = [], "{", True
    for key, item in value.items():
        text += ("" if first else item_separator) + json_text(key) + key_separator
        first = False
        if key in holes:
            pieces.append(text)
            text = ""
        else:
            text += json_text(item)
    if len(pieces) != len(holes):
        raise ValueError(f"{sorted(set(holes) - set(value))} are not keys of the object")
    return (*pieces, text + "}")


def json_fill(pieces: Sequence[str], values: Iterable) -> str:
    """The text of `json_cut`'s object with these values in its holes, in the same order."""
    parts = [pieces[0]]
    for piece, value in zip(pieces[1:], values, strict=True):
        parts.append(value.text if isinstance(value, Raw) else _small_text(value))
        parts.append(piece)
    return "".join(parts)


class Raw:
    """JSON text given to `json_fill` as it is (a list of rows already written)."""

    __slots__ = ("text",)

    def __init__(self, text: str):
        self.text = text


def json_array(texts: Iterable[str]) -> Raw:
    """An array of values given as their JSON text."""
    return Raw("[" + _encoder()[1].join(texts) + "]")


def _small_text(value) -> str:
    """json_text, with the values a hole takes again and again (a flag, a short list of
    action names) written once."""
    if value is None or isinstance(value, bool):
        return _CONSTANTS[value]
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return _names_text(tuple(value))
    return json_text(value)


_CONSTANTS = {None: "null", True: "true", False: "false"}


@lru_cache(maxsize=512)
def _names_text(names: tuple[str, ...]) -> str:
    return json_text(list(names))
