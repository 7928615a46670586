"""Who a parcel is for: matching what a label says (name and phone tail, campus ID, a room) to
a campus account, and how a recipient is shown to people who hold only a code."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet
from django.db.models.functions import Right

from logistics.models import Room

NAME_AND_TAIL = re.compile(r"^(?P<name>.*?)[\s,，/]*(?P<tail>\d{4})$")
ROOM = re.compile(r"^(?P<building>[0-9A-Za-z]+)[\s\-/]+(?P<room>[0-9A-Za-z]+)$")
CAMPUS_ID = re.compile(r"^[0-9A-Za-z]{5,32}$")


@dataclass(frozen=True)
class Match:
    """The account a label names (None: unknown recipient) and what the label said."""

    user: object | None
    name: str = ""
    phone_tail: str = ""
    how: str = ""  # "name_phone", "campus_id", "room", "" (no match)


def match_recipient(hint: str, *, name: str = "", phone: str = "") -> Match:
    """The one account `hint` (or `name` + `phone`, as a manifest gives them) names.

    A hint is "<name> <last four phone digits>" (张伟 1234), a campus ID (2024001234), or
    "<building code> <room number>" (E1 101) of a room with one resident. More than one match
    is no match: the parcel goes to the unknown-recipient list rather than to the wrong person.
    """
    hint = " ".join((hint or "").split())
    tail = re.sub(r"\D", "", phone or "")[-4:]
    if name and len(tail) == 4:
        return _by_name_and_tail(name.strip(), tail)
    if not hint:
        return Match(None, name=name.strip(), phone_tail=tail)
    if CAMPUS_ID.match(hint) and (user := _by_campus_id(hint)) is not None:
        return Match(user, name=user.get_display_name(), how="campus_id")
    found = NAME_AND_TAIL.match(hint)
    if found and found["name"] and not found["name"].isdigit():
        return _by_name_and_tail(found["name"], found["tail"])
    if ROOM.match(hint) and (match := _by_room(hint)).user is not None:
        return match
    return Match(None, name=hint[:100], phone_tail=tail)


def _by_campus_id(hint: str):
    """The active account whose username is `hint`: the exact spelling through the username's
    unique index first (campus IDs are digits, as CAS returns them); only when none has it,
    any spelling (a scan of the accounts), and then only one account is a match."""
    users = get_user_model().objects.filter(is_active=True)
    user = users.filter(username=hint).first()
    if user is not None:
        return user
    found = list(users.filter(username__iexact=hint)[:2])
    return found[0] if len(found) == 1 else None


def named_with_tail(name: str, tail: str) -> QuerySet:
    """The active accounts of this name whose phone ends in `tail` (four digits), through the
    user's (name, last four digits) indexes; `phone__endswith` could use none. Unordered: the
    caller wants one account or none, and an ORDER BY username could walk that index instead."""
    return (
        get_user_model()
        .objects.alias(tail=Right("phone", 4))
        .filter(Q(display_name=name) | Q(last_name=name), tail=tail, is_active=True)
        .order_by()
    )


def _by_name_and_tail(name: str, tail: str) -> Match:
    users = list(named_with_tail(name, tail)[:2])
    user = users[0] if len(users) == 1 else None
    return Match(user, name=name[:100], phone_tail=tail, how="name_phone" if user else "")


def _by_room(hint: str) -> Match:
    found = ROOM.match(hint)
    room = (
        Room.objects.filter(building__code__iexact=found["building"], number__iexact=found["room"])
        .only("pk")
        .first()
    )
    if room is None:
        return Match(None)
    residents = list(room.residents.filter(is_active=True)[:2])
    if len(residents) != 1:
        return Match(None)
    return Match(residents[0], name=residents[0].get_display_name(), how="room")


def phone_tail(user) -> str:
    return re.sub(r"\D", "", getattr(user, "phone", "") or "")[-4:]


def mask_name(name: str) -> str:
    """张伟 → 张*, 欧阳娜娜 → 欧***: enough for the person to recognise, not to identify."""
    name = (name or "").strip()
    if not name:
        return ""
    return name[0] + "*" * max(1, len(name) - 1)


def mask_phone(phone: str) -> str:
    """13812341234 → 138****1234; a tail alone → ****1234."""
    digits = re.sub(r"\D", "", phone or "")
    if len(digits) >= 11:
        return f"{digits[:3]}****{digits[-4:]}"
    return f"****{digits[-4:]}" if digits else ""


def match_many(requests: list[tuple[str, str, str]]) -> list[Match]:
    """match_recipient for each (hint, name, phone), as a manifest gives them: the hints that
    are campus IDs spelled as stored are looked up in one query, the rest one by one."""
    hints = [" ".join((hint or "").split()) for hint, _name, _phone in requests]
    ids = {
        hint
        for hint, (_h, name, phone) in zip(hints, requests, strict=True)
        if CAMPUS_ID.match(hint) and not (name and len(re.sub(r"\D", "", phone or "")) >= 4)
    }
    users = {
        user.username: user
        for user in get_user_model().objects.filter(username__in=ids, is_active=True)
    }
    return [
        Match(users[hint], name=users[hint].get_display_name(), how="campus_id")
        if hint in users and hint in ids
        else match_recipient(hint, name=name, phone=phone)
        for hint, (_h, name, phone) in zip(hints, requests, strict=True)
    ]
