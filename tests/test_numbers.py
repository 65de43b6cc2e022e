"""NumberBook must give exactly phonenumbers' answer, fast path or not."""

from __future__ import annotations

import random

import phonenumbers
import pytest
from phonenumbers import PhoneNumberFormat, PhoneNumberType
from phonenumbers.timezone import time_zones_for_number

from ccterm.errors import UsageError
from ccterm.numbers import Invalid, Number, NumberBook

REGIONS = ("PL", "US", "GB", "DE", "FR", "RU", "UA", "CN", "IT", "BR", "IN", "AU")
# Regions that share a calling code or use prefix transforms: the fiddly corners.
EXTRA_REGIONS = ("CA", "JE", "AG", "KZ", "AR", "MX")
DIGITS = "0123456789"


def library(raw: str, region: str) -> tuple[str, str, str, tuple[str, ...]] | None:
    """The contract, written with the library alone."""
    try:
        parsed = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(parsed):
        return None
    return (
        phonenumbers.format_number(parsed, PhoneNumberFormat.E164),
        phonenumbers.region_code_for_number(parsed),
        PhoneNumberType.to_string(phonenumbers.number_type(parsed)).lower(),
        tuple(time_zones_for_number(parsed)),
    )


def as_tuple(result: Number | Invalid) -> tuple[str, str, str, tuple[str, ...]] | None:
    if isinstance(result, Invalid):
        return None
    return (result.e164, result.region, result.kind, result.timezones)


def _examples(region: str) -> list[phonenumbers.PhoneNumber]:
    found = (phonenumbers.example_number_for_type(region, t) for t in range(11))
    return [p for p in found if p is not None]


def _format(rnd: random.Random, digits: str) -> str:
    """Spread a digit string with the separators people type."""
    out = []
    for i, ch in enumerate(digits):
        if i and rnd.random() < 0.25:
            out.append(rnd.choice([" ", "-", ".", " ", "\u00a0", ") ", " ("]))
        out.append(ch)
    return "".join(out)


def generate(rnd: random.Random, region: str, count: int) -> list[str]:
    """Raw strings of every shape an import meets, valid and not."""
    meta = phonenumbers.PhoneMetadata.metadata_for_region(region)
    prefix = meta.national_prefix or ""
    examples = _examples(region)
    codes = sorted(phonenumbers.COUNTRY_CODE_TO_REGION_CODE)
    own = meta.country_code
    out: list[str] = []
    for _ in range(count):
        k = rnd.random()
        if k < 0.55:
            example = rnd.choice(examples)
            nsn = phonenumbers.national_significant_number(example)
            keep = len(nsn) - rnd.randint(0, 4)
            tail = "".join(
                rnd.choice(DIGITS) for _ in range(len(nsn) - keep + rnd.choice((0, 0, 0, 1, -1)))
            )
            nsn = nsn[:keep] + tail
            cc = example.country_code
            shape = rnd.randrange(8)
            raw = (
                f"+{cc} {nsn}",
                f"00{cc}{nsn}",
                f"(00{cc}) {nsn}",
                f"{prefix}{nsn}",
                nsn,
                f"0{nsn}",
                f"{cc}{nsn}",
                f"{own}{prefix}{nsn}",
            )[shape]
            out.append(_format(rnd, raw) if rnd.random() < 0.5 else raw)
        elif k < 0.65:
            nsn = "".join(rnd.choice(DIGITS) for _ in range(rnd.randint(0, 14)))
            out.append(f"+{rnd.choice(codes)} {nsn}")
        elif k < 0.85:
            raw = "".join(rnd.choice(DIGITS) for _ in range(rnd.randint(3, 20)))
            out.append(_format(rnd, raw) if rnd.random() < 0.5 else raw)
        elif k < 0.95:
            alphabet = DIGITS + " -.()+\t\u00a0x#/;,extEXTabc*\u202f\uff10"
            out.append("".join(rnd.choice(alphabet) for _ in range(rnd.randint(0, 22))))
        else:
            out.append(
                rnd.choice(
                    (
                        "",
                        " ",
                        "\t",
                        " \u00a0 ",
                        "+",
                        "++48 601 234 567",
                        " +48 601 234 567\t",
                        "601\t234 567",
                        "tel:+48-601-234-567",
                        "+48 601 234 567 ext. 12",
                        "+48 601 234 567 x12",
                        "1-800-FLOWERS",
                        "+800 1234 5678",
                        "+882 3456 7890",
                        "+0 601 234 567",
                        "+01 212 555 0123",
                        "0" * 5,
                        "9" * 25,
                    )
                )
            )
    return out


@pytest.mark.parametrize("region", REGIONS + EXTRA_REGIONS)
def test_equals_the_library_on_generated_input(region: str) -> None:
    rnd = random.Random(f"numbers-{region}")
    book = NumberBook(region)
    count = 2500 if region in REGIONS else 1000
    raws = generate(rnd, region, count)
    valid = 0
    for raw in raws:
        want = library(raw, region)
        got = book.parse(raw)
        assert as_tuple(got) == want, (region, raw)
        valid += want is not None
        fast = book._fast(raw)
        if isinstance(fast, Invalid):
            # An invalid number found on the fast path has the slow path's reason.
            assert fast == book._slow(raw), (region, raw)
        elif fast is not None:
            assert fast == book._slow(raw), (region, raw)
    assert valid > count // 5  # the generator really exercises valid numbers


def test_fast_path_takes_the_common_shapes() -> None:
    book = NumberBook("PL")
    for raw in (
        "+48 601 234 567",
        "601-234-567",
        "0048601234567",
        "48601234567",
        "+44 20 7946 0958",
    ):
        assert isinstance(book._fast(raw), Number), raw


def test_polish_mobile_in_the_usual_shapes() -> None:
    book = NumberBook("PL")
    for raw in (
        "+48 601 234 567",
        "601-234-567",
        "601 234 567",
        "(0048) 601 234 567",
        "0048601234567",
        "+48601234567",
        "48 601 234 567",
        " +48 601 234 567 ",
    ):
        number = book.parse(raw)
        assert isinstance(number, Number), raw
        assert number.e164 == "+48601234567"
        assert number.region == "PL"
        assert number.kind == "mobile"
        assert number.timezones == ("Europe/Warsaw",)


def test_british_national_number_with_trunk_zero() -> None:
    number = NumberBook("GB").parse("020 7946 0958")
    assert number == Number("+442079460958", "GB", "fixed_line", ("Europe/London",))


def test_us_number_in_the_usual_shape() -> None:
    number = NumberBook("US").parse("(212) 555-0123")
    assert isinstance(number, Number)
    assert number.e164 == "+12125550123"
    assert number.region == "US"
    assert number.timezones == ("America/New_York",)


def test_region_is_case_insensitive() -> None:
    assert NumberBook("pl").region == "PL"
    assert NumberBook(" gb ").parse("020 7946 0958") == NumberBook("GB").parse("020 7946 0958")


def test_too_short_and_too_long_say_so() -> None:
    book = NumberBook("PL")
    assert book.parse("60123") == Invalid("too short for PL")
    assert book.parse("+48 601 234 567 890") == Invalid("too long for PL")
    assert book.parse("1" * 30) == Invalid("too long")


def test_other_reasons_are_short_and_do_not_repeat_the_input() -> None:
    book = NumberBook("PL")
    assert book.parse("") == Invalid("empty phone")
    assert book.parse(" \t ") == Invalid("empty phone")
    assert book.parse("call me") == Invalid("not a phone number")
    assert book.parse("601\t234567") == Invalid("not a phone number")
    assert book.parse("+999 123 456 789") == Invalid("unknown country code +999")
    assert book.parse("00999123456789") == Invalid("unknown country code +999")
    assert book.parse("+48 806 850 043") == Invalid("not a valid number for PL")
    assert NumberBook("US").parse("555-0123") == Invalid("missing area code for US")


def test_premium_rate_kind() -> None:
    number = NumberBook("PL").parse("701 234 567")
    assert isinstance(number, Number)
    assert number.kind == "premium_rate"


def test_extension_is_dropped_as_the_library_does() -> None:
    number = NumberBook("PL").parse("601 234 567 ext. 12")
    assert isinstance(number, Number)
    assert number.e164 == "+48601234567"


def test_multi_zone_country_gets_the_zone_of_the_area() -> None:
    book = NumberBook("US")
    assert book.parse("+1 415 555 2671") == Number(
        "+14155552671", "US", "fixed_line_or_mobile", ("America/Los_Angeles",)
    )


def test_unknown_region_is_a_usage_error_with_a_suggestion() -> None:
    with pytest.raises(UsageError, match=r"unknown region 'PLL' \(did you mean 'PL'\?\)"):
        NumberBook("PLL")
    with pytest.raises(UsageError, match="did you mean 'GB'"):
        NumberBook("UK")
