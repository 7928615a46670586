"""The carrier guesser: formats, ambiguous numbers, UPU S10 check digits."""

import pytest

from parcels.carriers import guess, normalize, s10_check_digit


@pytest.mark.parametrize(
    ("number", "carriers"),
    [
        ("SF1234567890123", ("sf",)),
        ("JDVA12345678901", ("jd",)),
        ("JT5012345678901", ("jt",)),
        ("YT1234567890123", ("yto",)),
        ("731234567890", ("zto",)),
        ("7731234567890", ("sto",)),
        ("3112345678901", ("yunda",)),
        ("1012345678901", ("ems",)),
        ("DPK123456789012", ("deppon",)),
        ("LP00123456789012", ("cainiao",)),
        ("4312345678901", ("sto", "yunda")),
        ("5012345678901", ("yunda", "ems")),
        ("EE123456785CN", ("ems",)),
        ("RR123456785GB", ("upu",)),
        ("ABC123", ()),
    ],
)
def test_it_guesses_the_carrier_candidates(number, carriers):
    assert guess(number).candidates == carriers


def test_it_is_certain_only_with_one_candidate():
    assert guess("SF1234567890123").carrier == "sf"
    ambiguous = guess("4312345678901")
    assert ambiguous.ambiguous and ambiguous.carrier == ""


def test_it_computes_the_s10_check_digit_with_its_two_special_cases():
    assert s10_check_digit("12345678") == 5  # 204 mod 11 = 6 → 11 − 6
    assert s10_check_digit("00000001") == 4  # 7 → 11 − 7
    assert s10_check_digit("00000008") == 0  # 56 mod 11 = 1 → 10, written 0
    assert s10_check_digit("00000000") == 5  # 0 → 11, written 5


def test_it_refuses_a_malformed_s10_number_with_the_reason():
    result = guess("EE123456784CN")
    assert result.error and "check digit" in result.error and "5" in result.error
    assert result.candidates == ()


def test_it_normalizes_case_spaces_and_dashes():
    assert normalize(" sf 1234-5678 90123 ") == "SF1234567890123"
    assert guess("sf1234567890123").number == "SF1234567890123"


def test_it_refuses_what_cannot_be_a_tracking_number():
    assert guess("").error
    assert guess("漏水了").error
