"""Which carrier a tracking number belongs to, guessed from its format.

Chinese carriers do not publish their number formats; these are the shapes their waybills have
had for years. Several carriers share some shapes (13 digits starting 43: STO or Yunda; 13
digits starting 5: Yunda or EMS), so a guess is a list of candidates and the clerk picks.
International post numbers follow UPU S10 (two letters, eight digits, a check digit, the
country): a number of that shape with a wrong check digit is refused with the reason.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from parcels.models import Carrier

# (carrier, pattern) in the order candidates are offered.
FORMATS: tuple[tuple[str, re.Pattern], ...] = tuple(
    (carrier, re.compile(pattern))
    for carrier, pattern in (
        (Carrier.SF, r"^SF\d{12,13}$"),
        (Carrier.JD, r"^JD[0-9A-Z]{11,15}$"),
        (Carrier.JT, r"^JT\d{13}$"),
        (Carrier.YTO, r"^YT\d{11,15}$"),
        (Carrier.ZTO, r"^7\d{11}$|^7\d{13}$"),
        (Carrier.STO, r"^(?:77|88|43)\d{11}$|^77\d{13}$"),
        (Carrier.YUNDA, r"^(?:43|46|31|33|5\d)\d{11}$|^(?:31|46)\d{13}$"),
        (Carrier.EMS, r"^(?:1|5|9)\d{12}$"),
        (Carrier.DEPPON, r"^DPK\d{12}$|^DP\d{10,13}$"),
        (Carrier.CAINIAO, r"^LP\d{14}$|^CN\d{13,15}$"),
    )
)
S10_SHAPE = re.compile(r"^([A-Z]{2})(\d{8})(\d)([A-Z]{2})$")
S10_WEIGHTS = (8, 6, 4, 2, 3, 5, 9, 7)
CLEAN = re.compile(r"[\s\-]+")
VALID = re.compile(r"^[0-9A-Z]{6,40}$")


@dataclass(frozen=True)
class Guess:
    """What a tracking number says about its carrier: the candidates (one when certain, none
    when nothing fits), or the error that makes the number unacceptable."""

    number: str
    candidates: tuple[str, ...] = ()
    error: str = ""
    details: dict = field(default_factory=dict)

    @property
    def carrier(self) -> str:
        """The carrier when exactly one fits, else ""."""
        return self.candidates[0] if len(self.candidates) == 1 else ""

    @property
    def ambiguous(self) -> bool:
        return len(self.candidates) > 1


def normalize(number: str) -> str:
    """The number as carriers print it: upper case, without spaces and dashes."""
    return CLEAN.sub("", number or "").upper()


def s10_check_digit(serial: str) -> int:
    """The UPU S10 check digit of eight serial digits."""
    total = sum(int(digit) * weight for digit, weight in zip(serial, S10_WEIGHTS, strict=True))
    check = 11 - total % 11
    return {10: 0, 11: 5}.get(check, check)


def guess(number: str) -> Guess:
    """The carrier candidates of `number` (normalised first). See the module's docstring."""
    number = normalize(number)
    if not VALID.match(number):
        return Guess(number, error=_("A tracking number has 6 to 40 letters and digits."))
    if s10 := S10_SHAPE.match(number):
        prefix, serial, check, country = s10.groups()
        expected = s10_check_digit(serial)
        if int(check) != expected:
            return Guess(
                number,
                error=_(
                    "%(number)s is not a valid international (UPU S10) number: its check digit "
                    "is %(given)s, but the digits before it need %(expected)s."
                )
                % {"number": number, "given": check, "expected": expected},
            )
        carrier = Carrier.EMS if country == "CN" else Carrier.UPU
        return Guess(number, (carrier,), details={"country": country, "service": prefix})
    return Guess(number, tuple(c for c, pattern in FORMATS if pattern.match(number)))
