"""Finding the parcels to hand over from what the person at the counter shows or says: the QR
code on their phone (a signed, expiring token for all their waiting parcels), a pickup code,
the last four phone digits, or a proxy's one-time code. Wrong codes are rate-limited per
station and per clerk, and nothing here reveals a full name or phone number."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field

from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.utils import timezone

from logistics.cache import database_name
from parcels.errors import NothingToPickUp, TooManyAttempts
from parcels.models import Parcel, Pickup, Proxy, Station

QR_PREFIX = "PKP1:"
QR_SALT = "parcels.pickup"
CODE = re.compile(r"^\d{1,3}-\d{1,2}-\d{4}$")
TAIL = re.compile(r"^\d{4}$")
PROXY_CODE = re.compile(r"^\d{6}$")


def qr_token(user) -> str:
    """The text of a recipient's pickup QR code: signed, valid PARCELS_PICKUP_QR_MINUTES."""
    return QR_PREFIX + signing.dumps({"u": user.pk}, salt=QR_SALT, compress=True)


def qr_user_id(text: str) -> int | None:
    """The recipient a QR text names, or None when it is forged or expired."""
    try:
        payload = signing.loads(
            text[len(QR_PREFIX) :],
            salt=QR_SALT,
            max_age=settings.PARCELS_PICKUP_QR_MINUTES * 60,
        )
    except signing.BadSignature:
        return None
    return payload.get("u") if isinstance(payload, dict) else None


@dataclass
class Lookup:
    """The parcels a counter lookup found, how they were identified, and the proxy if any."""

    method: str
    parcels: list[Parcel] = field(default_factory=list)
    proxy: Proxy | None = None

    @property
    def recipients(self) -> list[list[Parcel]]:
        """The parcels grouped by recipient (a phone tail may fit several people)."""
        groups: dict = {}
        for parcel in self.parcels:
            groups.setdefault(parcel.recipient_id or f"n{parcel.pk}", []).append(parcel)
        return list(groups.values())


def lookup(*, station: Station, text: str, by) -> Lookup:
    """The waiting parcels at `station` that `text` identifies. Raises NothingToPickUp (and
    counts the miss), TooManyAttempts (the station or the clerk missed too often this hour)."""
    text = (text or "").strip()
    _check_rate(station, by)
    found = _find(station, text)
    if found is None or not found.parcels:
        _count_miss(station, by)
        raise NothingToPickUp()
    return found


def _find(station: Station, text: str) -> Lookup | None:
    waiting = (
        Parcel.objects.with_related()
        .filter(station=station, status=Parcel.Status.WAITING)
        .order_by("recipient_id", "shelf__number", "layer", "id")
    )
    if text.startswith(QR_PREFIX):
        user_id = qr_user_id(text)
        if user_id is None:
            return None
        return Lookup(Pickup.Method.QR, list(waiting.filter(recipient_id=user_id)))
    if CODE.match(text):
        return Lookup(Pickup.Method.CODE, list(waiting.filter(pickup_code=text)))
    if TAIL.match(text):
        return Lookup(Pickup.Method.PHONE, list(waiting.filter(phone_tail=text)[:50]))
    if PROXY_CODE.match(text):
        proxy = (
            Proxy.objects.select_related("recipient", "proxy_user")
            .filter(code=text, valid_on=timezone.localdate(), used_at__isnull=True)
            .filter(revoked_at__isnull=True)
            .first()
        )
        if proxy is None:
            return None
        from parcels.services import proxy_parcels

        return Lookup(Pickup.Method.PROXY, list(proxy_parcels(proxy, station)), proxy=proxy)
    return None


def _keys(station: Station, user) -> list[str]:
    hour = int(time.time() // 3600)
    database = database_name()  # test runs sharing one Redis never mix
    return [
        f"parcels:misses:{database}:station:{station.pk}:{hour}",
        f"parcels:misses:{database}:user:{user.pk}:{hour}",
    ]


def _check_rate(station: Station, user) -> None:
    limit = settings.PARCELS_WRONG_CODES_PER_HOUR
    counts = cache.get_many(_keys(station, user))
    if any((value or 0) >= limit for value in counts.values()):
        raise TooManyAttempts()


def _count_miss(station: Station, user) -> None:
    for key in _keys(station, user):
        cache.add(key, 0, timeout=3600)
        try:
            cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, timeout=3600)
