"""Phone-number normalisation: exactly phonenumbers' answer, at a few µs a number.

The contract: a raw string is valid exactly when ``phonenumbers.parse(raw, region)``
succeeds and ``phonenumbers.is_valid_number`` says so; its E.164 form, region, type
and time zones are then the library's. The library costs ~30 µs a number, too slow
for million-row imports, so `NumberBook.parse` first tries a fast path that replays
the library's parsing and validation steps over its metadata, compiled in phonemeta.py,
for the shapes real files hold ("+48 601 234 567", "601-234-567", "0048…", "020 7946 0958").
Anything it is not sure about goes to the library itself, so the answers are
identical (tests/test_numbers.py compares them on tens of thousands of inputs);
reject reasons are words for the library's own verdicts.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

import phonenumbers
from phonenumbers import (
    SUPPORTED_REGIONS,
    NumberParseException,
    PhoneMetadata,
    PhoneNumberFormat,
    PhoneNumberType,
    ValidationResult,
)
from phonenumbers.timezone import time_zones_for_number

from ccterm.errors import UsageError
from ccterm.phonemeta import (
    CC_BY_PREFIX,
    COUNTRIES,
    KIND,
    NON_GEO,
    UNKNOWN,
    UNKNOWN_TZ,
    Rules,
    calling_code,
    region_and_type,
    tz_for_country,
    tz_for_geo,
)
from ccterm.typos import suggest

__all__ = ["Invalid", "Number", "NumberBook", "number_zones", "region_zones"]


@dataclass(frozen=True, slots=True)
class Number:
    """A valid phone number, as the library sees it."""

    e164: str  # "+48601234567"
    region: str  # the number's ISO region ("PL"), "001" for non-geographic codes
    kind: str  # phonenumbers' type, lower case: "mobile", "fixed_line", ...
    timezones: tuple[str, ...]  # time_zones_for_number(), e.g. ("Europe/Warsaw",)


@dataclass(frozen=True, slots=True)
class Invalid:
    """Why a raw string is not a usable number; short, without the raw value."""

    reason: str


# Mirrors of phonenumberutil's private limits (_MAX_INPUT_STRING_LENGTH,
# _MIN_LENGTH_FOR_NSN, _MAX_LENGTH_FOR_NSN); inputs near them go to the library.
_MAX_INPUT = 250
_MIN_NSN = 2
_MAX_NSN = 17

# Characters the library treats as pure punctuation anywhere in a number (they are in
# its _VALID_PUNCTUATION and in no extension label). Tabs and other white space are NOT:
# "601\t234567" is "not a number" to the library, so white space is only stripped at the
# ends, where the library ignores anything that is not '+', a digit or a letter.
_PUNCT: Final = str.maketrans("", "", " \u00a0-.()")
_PUNCT_ASCII: Final = b" -.()"  # the same, for the (much faster) bytes.translate

# Lengths results for which parse() keeps the national prefix rather than strip it.
_KEEP_PREFIX: Final = (
    ValidationResult.TOO_SHORT,
    ValidationResult.IS_POSSIBLE_LOCAL_ONLY,
    ValidationResult.INVALID_LENGTH,
)
_REGION_ALIASES: Final = {"UK": "GB", "EN": "GB", "EL": "GR"}

_make = object.__new__
# The slots' member descriptors, whose __set__ fills a slot even on a frozen instance.
# Read from the class __dict__ (mypy only knows `Number.e164` as an instance's str),
# with the setter's real signature spelled out.
_set_e164: Callable[[Number, str], None] = Number.__dict__["e164"].__set__
_set_region: Callable[[Number, str], None] = Number.__dict__["region"].__set__
_set_kind: Callable[[Number, str], None] = Number.__dict__["kind"].__set__
_set_timezones: Callable[[Number, tuple[str, ...]], None] = Number.__dict__["timezones"].__set__


def _new_number(e164: str, region: str, kind: str, timezones: tuple[str, ...]) -> Number:
    """Number(e164, region, kind, timezones), 40% cheaper: a frozen dataclass's __init__
    assigns through object.__setattr__ field by field; this fills the slots directly."""
    number: Number = _make(Number)
    _set_e164(number, e164)
    _set_region(number, region)
    _set_kind(number, kind)
    _set_timezones(number, timezones)
    return number


class NumberBook:
    """Normalises raw phone strings for one default region (the campaign's country)."""

    __slots__ = ("_cc_text", "_country", "_idd", "_rules", "region")

    def __init__(self, region: str) -> None:
        code = str(region).strip().upper()
        if code not in SUPPORTED_REGIONS:
            alias = _REGION_ALIASES.get(code)
            hint = (
                f" (did you mean '{alias}'?)" if alias else suggest(code, sorted(SUPPORTED_REGIONS))
            )
            raise UsageError(
                f"unknown region '{region}'{hint}",
                "use a two-letter ISO 3166 country code, e.g. PL, US, GB, DE",
            )
        self.region = code
        md = PhoneMetadata.metadata_for_region(code, None)
        assert md is not None  # every supported region has metadata
        self._rules = Rules(md)
        self._cc_text = str(self._rules.cc)
        self._country = calling_code(self._rules.cc)
        self._idd = self._rules.idd

    def __repr__(self) -> str:
        return f"NumberBook({self.region!r})"

    def parse(self, raw: str) -> Number | Invalid:
        """The library's verdict on `raw`: a Number when valid, else an Invalid with a reason."""
        number = self._fast(raw)
        return number if number is not None else self._slow(raw)

    def _fast(self, raw: str) -> Number | Invalid | None:
        """parse + is_valid_number + type + zones for plain shapes; None means "ask the library".

        Each step mirrors one in phonenumberutil.parse; the comments name it.
        """
        if len(raw) > _MAX_INPUT:
            return None
        if raw.isascii():
            text = raw.encode().translate(None, _PUNCT_ASCII).strip().decode()
        else:
            text = raw.translate(_PUNCT).strip()
        if not text:
            return None
        if text[0] == "+":
            digits = text[1:]
            international = True
        else:
            digits = text
            international = False
        if len(digits) < 3 or not (digits.isdigit() and digits.isascii()):
            return None  # letters, extensions, inner white space, or too short to be viable
        if not international and self._idd is not None:
            # _parse_prefix_as_idd: strip the IDD unless a '0' follows it.
            match = self._idd.match(digits)
            if match is not None:
                end = match.end()
                if end == len(digits) or digits[end] != "0":
                    digits = digits[end:]
                    international = True
        if international:
            # _extract_country_code; failures (and the '+' retry they trigger) -> library.
            if len(digits) <= _MIN_NSN or digits[0] == "0":
                return None
            cc = CC_BY_PREFIX.get(digits[:3])
            if cc is None:
                return None
            country = COUNTRIES.get(cc) or calling_code(cc)
            if country is None:
                return None
            nsn = digits[country.cc_len :]
            rules = country.main
        else:
            # The default-country branch of _maybe_extract_country_code.
            country = self._country
            if country is None:
                return None
            rules = self._rules
            nsn = digits
            if digits.startswith(self._cc_text):
                potential = rules.strip_national_prefix(digits[len(self._cc_text) :])
                if potential is None:
                    return None
                if (
                    not rules.general_match(digits) and rules.general_match(potential)
                ) or rules.length_result(len(digits)) == ValidationResult.TOO_LONG:
                    nsn = potential
                    rules = country.main
        assert rules is not None
        if len(nsn) < _MIN_NSN:
            return None
        if rules.npp is not None:
            potential = rules.strip_national_prefix(nsn)
            if potential is None:
                return None
            if potential is not nsn and rules.length_result(len(potential)) not in _KEEP_PREFIX:
                nsn = potential
        if not _MIN_NSN <= len(nsn) <= _MAX_NSN:
            return None
        # The national number is stored as an int plus a count of leading zeros, which
        # national_significant_number() turns back into exactly this string.
        only = country.only
        if only is not None and only[1] is not None:
            region = only[0]
            kind = only[1].number_type(nsn)
        else:
            region, kind = region_and_type(country, nsn)
        if kind == UNKNOWN:
            # Parsed exactly as the library would, and not valid: say why as _slow would
            # (is_possible_number_with_reason is the main region's length check).
            assert country.main is not None
            length = country.main.length_result(len(nsn))
            return Invalid(_reason(region or country.regions[0][0], country.cc, length))
        e164 = country.plus + nsn
        zones = country.tz_single
        if zones is None:
            zones = tz_for_geo(e164) if kind in country.geo_types else country.tz_country
        return _new_number(e164, region, KIND[kind], zones)

    def _slow(self, raw: str) -> Number | Invalid:
        """The definition itself, plus a reason when the answer is no."""
        if not raw.strip():
            return Invalid("empty phone")
        try:
            parsed = phonenumbers.parse(raw, self.region)
        except NumberParseException as exc:
            return Invalid(self._parse_error(exc, raw))
        if not phonenumbers.is_valid_number(parsed):
            return Invalid(_invalid_reason(parsed))
        region = phonenumbers.region_code_for_number(parsed)
        assert region is not None  # is_valid_number found the number valid for this region
        return Number(
            phonenumbers.format_number(parsed, PhoneNumberFormat.E164),
            region,
            KIND[phonenumbers.number_type(parsed)],
            tuple(time_zones_for_number(parsed)),
        )

    def _parse_error(self, exc: NumberParseException, raw: str) -> str:
        kind = exc.error_type
        if kind == NumberParseException.INVALID_COUNTRY_CODE:
            code = self._country_digits(raw)
            return f"unknown country code +{code}" if code else "unknown country code"
        if kind == NumberParseException.TOO_SHORT_AFTER_IDD:
            return "too short after the international prefix"
        if kind == NumberParseException.TOO_SHORT_NSN:
            return "too short"
        if kind == NumberParseException.TOO_LONG:
            return "too long"
        return "not a phone number"

    def _country_digits(self, raw: str) -> str:
        """The digits a user meant as a country code, for the reason text."""
        plus = raw.find("+")
        tail = raw[plus + 1 :] if plus >= 0 else raw
        digits = "".join(ch for ch in tail if ch.isascii() and ch.isdigit())
        if plus < 0:
            match = self._idd.match(digits) if self._idd is not None else None
            if match is None:
                return ""
            digits = digits[match.end() :]
        return digits[:3]


def _invalid_reason(parsed: phonenumbers.PhoneNumber) -> str:
    """Why a parsed number is not valid: its length, else its digits, for its region."""
    cc = parsed.country_code
    assert cc is not None  # parse() always sets the country code
    region = phonenumbers.region_code_for_number(parsed) or (
        phonenumbers.region_code_for_country_code(cc)
    )
    result = phonenumbers.is_possible_number_with_reason(parsed)
    return _reason(region, cc, result)


def _reason(region: str, cc: int, result: int) -> str:
    """The words for is_possible_number_with_reason's `result` on a number of `region`."""
    where = f"+{cc}" if region in (NON_GEO, "ZZ") else region
    if result == ValidationResult.TOO_SHORT:
        return f"too short for {where}"
    if result == ValidationResult.TOO_LONG:
        return f"too long for {where}"
    if result == ValidationResult.INVALID_LENGTH:
        return f"wrong length for {where}"
    if result == ValidationResult.IS_POSSIBLE_LOCAL_ONLY:
        return f"missing area code for {where}"
    return f"not a valid number for {where}"


def number_zones(e164: str) -> tuple[str, ...]:
    """phonenumbers' time zones for an E.164 number: by its prefix, else its country's.

    () when it is not a number; used when a contact's stored zones are unknown.
    """
    try:
        parsed = phonenumbers.parse(e164, None)
    except NumberParseException:
        return ()
    zones = tuple(time_zones_for_number(parsed))
    if zones == UNKNOWN_TZ and parsed.country_code:
        zones = tz_for_country(parsed.country_code)
    return () if zones == UNKNOWN_TZ else zones


def region_zones(region: str) -> tuple[str, ...]:
    """The time zones of a region's country calling code ("PL" -> Europe/Warsaw); () if none."""
    cc = phonenumbers.country_code_for_region(region.upper())
    zones = tz_for_country(cc) if cc else UNKNOWN_TZ
    return () if zones == UNKNOWN_TZ else zones


# Non-geographic codes of satellite and international networks: costly, and fraud's favourites.
SATELLITE_CODES: Final = frozenset({870, 871, 872, 873, 874, 881, 882, 883})
_COSTLY = {
    PhoneNumberType.PREMIUM_RATE: "a premium-rate number",
    PhoneNumberType.SHARED_COST: "a shared-cost number",
    PhoneNumberType.UAN: "a universal access number",
}


def dial_refusal(e164: str, allowed_countries: tuple[str, ...] = ()) -> str | None:
    """Why the toll-fraud guard will not let this number be dialled, or None when it may be.

    Checked on the exact string that goes to the trunk: valid E.164, a country
    the admin allows (all when the list is empty), not premium rate or the like,
    not a satellite or international network.
    """
    if not e164.startswith("+"):
        return f"'{e164}' is not an E.164 number"
    try:
        parsed = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return f"'{e164}' is not a phone number"
    if parsed.country_code in SATELLITE_CODES:
        return f"{e164} is a satellite or international network number"
    if not phonenumbers.is_valid_number(parsed):
        return f"{e164} is not a valid number"
    region = phonenumbers.region_code_for_number(parsed)
    if allowed_countries and region not in allowed_countries:
        return f"{e164} is in {region}, not in [dialer] allowed_countries"
    kind = phonenumbers.number_type(parsed)
    if kind in _COSTLY:
        return f"{e164} is {_COSTLY[kind]}"
    return None
