"""Phone-number normalisation: exactly phonenumbers' answer, at a few µs a number.

The contract: a raw string is valid exactly when ``phonenumbers.parse(raw, region)``
succeeds and ``phonenumbers.is_valid_number`` says so; its E.164 form, region, type
and time zones are then the library's. The library costs ~30 µs a number, too slow
for million-row imports, so `NumberBook.parse` first tries a fast path that replays
the library's parsing and validation steps over pre-compiled public metadata for the
shapes real files hold ("+48 601 234 567", "601-234-567", "0048…", "020 7946 0958").
Anything it is not sure about goes to the library itself, so the answers are
identical (tests/test_numbers.py compares them on tens of thousands of inputs);
reject reasons are words for the library's own verdicts.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

import phonenumbers
from phonenumbers import (
    COUNTRY_CODE_TO_REGION_CODE,
    SUPPORTED_REGIONS,
    NumberParseException,
    PhoneMetadata,
    PhoneNumberFormat,
    PhoneNumberType,
    ValidationResult,
)
from phonenumbers.phonemetadata import PhoneNumberDesc
from phonenumbers.timezone import time_zones_for_number

# The time-zone table is data, not an API: timezone.py only exposes lookups that take a
# PhoneNumber and re-derive its type (~10 µs). Reading the same table with the same
# longest-prefix rule (`_tz_for_geo`, `_tz_for_country`) is the only way to stay fast.
from phonenumbers.tzdata import TIMEZONE_DATA, TIMEZONE_LONGEST_PREFIX

from ccterm.errors import UsageError
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

_UNKNOWN: Final = PhoneNumberType.UNKNOWN
_KIND: Final[dict[int, str]] = {
    value: name.lower()
    for name, value in vars(PhoneNumberType).items()
    if name.isupper() and isinstance(value, int)
}
# _number_type_helper checks these before fixed line / mobile, in this order.
_SPECIAL_TYPES: Final = (
    ("premium_rate", PhoneNumberType.PREMIUM_RATE),
    ("toll_free", PhoneNumberType.TOLL_FREE),
    ("shared_cost", PhoneNumberType.SHARED_COST),
    ("voip", PhoneNumberType.VOIP),
    ("personal_number", PhoneNumberType.PERSONAL_NUMBER),
    ("pager", PhoneNumberType.PAGER),
    ("uan", PhoneNumberType.UAN),
    ("voicemail", PhoneNumberType.VOICEMAIL),
)
# Lengths results for which parse() keeps the national prefix rather than strip it.
_KEEP_PREFIX: Final = (
    ValidationResult.TOO_SHORT,
    ValidationResult.IS_POSSIBLE_LOCAL_ONLY,
    ValidationResult.INVALID_LENGTH,
)
_NON_GEO: Final = "001"
_UNKNOWN_TZ: Final = ("Etc/Unknown",)


def _country_codes_by_prefix() -> dict[str, int]:
    """_extract_country_code's answer for every three-digit start that has one.

    It takes the shortest known code among the first 1, 2 and 3 digits, so with at
    least three digits the answer depends on those three alone.
    """
    table: dict[str, int] = {}
    for start in range(100, 1000):
        text = str(start)
        for length in (1, 2, 3):
            if int(text[:length]) in COUNTRY_CODE_TO_REGION_CODE:
                table[text] = int(text[:length])
                break
    return table


_CC_BY_PREFIX: Final = _country_codes_by_prefix()
_REGION_ALIASES: Final = {"UK": "GB", "EN": "GB", "EL": "GR"}

# A desc as the type check uses it: (possible lengths or None for "any", pattern).
_Desc = tuple[frozenset[int] | None, re.Pattern[str]]
# _Rules.number_type's per-length plan: (alternation, type of each group), or, with no
# alternation, () for "never valid" and None for "check in steps".
_Typer = tuple[re.Pattern[str], tuple[int, ...]] | tuple[None, tuple[()] | None]


def _desc(desc: PhoneNumberDesc | None) -> _Desc | None:
    """A desc that can match, or None (the library's matcher then always says no)."""
    if desc is None or not desc.national_number_pattern:
        return None
    lengths = frozenset(desc.possible_length or ()) or None
    return lengths, re.compile(desc.national_number_pattern)


def _length_ok(desc: _Desc, length: int) -> bool:
    return desc[0] is None or length in desc[0]


def _matches(desc: _Desc | None, nsn: str) -> bool:
    """_is_number_matching_desc: length first, then a full match of the pattern."""
    if desc is None:
        return False
    lengths, pattern = desc
    if lengths is not None and len(nsn) not in lengths:
        return False
    return pattern.fullmatch(nsn) is not None


class _Rules:
    """One region's metadata, compiled once, for the checks parse() and validation do."""

    __slots__ = (
        "cc",
        "fixed",
        "general",
        "general_pattern",
        "idd",
        "leading",
        "lengths",
        "local_lengths",
        "mobile",
        "npp",
        "same_fixed_mobile",
        "special",
        "transform",
        "typers",
    )

    def __init__(self, md: PhoneMetadata) -> None:
        general = md.general_desc
        # Both are set in every region's metadata (the library itself relies on it).
        assert general is not None and md.country_code is not None
        self.cc: int = md.country_code
        self.general = _desc(general)
        self.general_pattern = self.general[1] if self.general is not None else None
        self.lengths: tuple[int, ...] = tuple(general.possible_length)
        self.local_lengths = frozenset(general.possible_length_local_only or ())
        self.special = tuple(
            (kind, d) for attr, kind in _SPECIAL_TYPES if (d := _desc(getattr(md, attr)))
        )
        self.fixed = _desc(md.fixed_line)
        self.mobile = _desc(md.mobile)
        self.same_fixed_mobile: bool = bool(md.same_mobile_and_fixed_line_pattern)
        self.leading = re.compile(md.leading_digits) if md.leading_digits is not None else None
        self.npp = (
            re.compile(md.national_prefix_for_parsing) if md.national_prefix_for_parsing else None
        )
        self.transform = bool(md.national_prefix_transform_rule)
        self.idd = (
            re.compile(md.international_prefix) if md.international_prefix is not None else None
        )
        self.typers: dict[int, _Typer] = {}

    def number_type(self, nsn: str) -> int:
        """_number_type_helper: the first of its checks that passes, in its order.

        The checks a length can pass are compiled into one alternation, in the library's
        order, with the general desc as a look-ahead; a regex alternation reports the
        first alternative that matches, so one call replaces up to eleven.
        """
        typer = self.typers.get(len(nsn))
        if typer is None:
            typer = self.typers[len(nsn)] = self._typer(len(nsn))
        if typer[0] is None:  # narrows `typer`: an alternation comes with its kinds
            return self._number_type_in_steps(nsn) if typer[1] is None else _UNKNOWN
        pattern, kinds = typer
        match = pattern.fullmatch(nsn)
        if match is None:
            return _UNKNOWN
        return kinds[match.lastindex or 0]

    def _typer(self, length: int) -> _Typer:
        """(alternation, type of each group) for numbers of `length`; (None, ()) = never valid.

        Fixed line that is also mobile comes first as fixed-with-a-mobile-look-ahead, so
        "fixed line or mobile" needs no second call either.
        """
        if self.general is None or not _length_ok(self.general, length):
            return None, ()
        alternatives = [
            (kind, desc[1].pattern) for kind, desc in self.special if _length_ok(desc, length)
        ]
        fixed = self.fixed if self.fixed is not None and _length_ok(self.fixed, length) else None
        mobile = (
            self.mobile if self.mobile is not None and _length_ok(self.mobile, length) else None
        )
        if fixed is not None:
            if self.same_fixed_mobile:
                alternatives.append((PhoneNumberType.FIXED_LINE_OR_MOBILE, fixed[1].pattern))
            else:
                if mobile is not None:
                    both = rf"(?=(?:{mobile[1].pattern})\Z)(?:{fixed[1].pattern})"
                    alternatives.append((PhoneNumberType.FIXED_LINE_OR_MOBILE, both))
                alternatives.append((PhoneNumberType.FIXED_LINE, fixed[1].pattern))
        if not self.same_fixed_mobile and mobile is not None:
            alternatives.append((PhoneNumberType.MOBILE, mobile[1].pattern))
        if not alternatives:
            return None, ()
        body = "|".join(f"({source})" for _, source in alternatives)
        try:
            pattern = re.compile(rf"(?=(?:{self.general[1].pattern})\Z)(?:{body})")
        except re.error:
            return None, None
        if pattern.groups != len(alternatives):  # a desc with groups of its own: check in steps
            return None, None
        return pattern, (_UNKNOWN, *(kind for kind, _ in alternatives))

    def _number_type_in_steps(self, nsn: str) -> int:
        """_number_type_helper, check by check."""
        if not _matches(self.general, nsn):
            return _UNKNOWN
        for kind, desc in self.special:
            if _matches(desc, nsn):
                return kind
        if _matches(self.fixed, nsn):
            if self.same_fixed_mobile or _matches(self.mobile, nsn):
                return PhoneNumberType.FIXED_LINE_OR_MOBILE
            return PhoneNumberType.FIXED_LINE
        if not self.same_fixed_mobile and _matches(self.mobile, nsn):
            return PhoneNumberType.MOBILE
        return _UNKNOWN

    def general_match(self, number: str) -> bool:
        """_match_national_number(number, general_desc): the pattern only, no lengths."""
        return (
            self.general_pattern is not None and self.general_pattern.fullmatch(number) is not None
        )

    def length_result(self, length: int) -> int:
        """_test_number_length for the unknown type: the general desc's lengths."""
        if length in self.local_lengths:
            return ValidationResult.IS_POSSIBLE_LOCAL_ONLY
        lengths = self.lengths
        if lengths[0] == length:
            return ValidationResult.IS_POSSIBLE
        if lengths[0] > length:
            return ValidationResult.TOO_SHORT
        if lengths[-1] < length:
            return ValidationResult.TOO_LONG
        return (
            ValidationResult.IS_POSSIBLE
            if length in lengths[1:]
            else ValidationResult.INVALID_LENGTH
        )

    def strip_national_prefix(self, number: str) -> str | None:
        """_maybe_strip_national_prefix_carrier_code's number; None if a transform applies.

        Transform rules (Argentina, NANPA islands, Brazil's carrier codes) are rare and
        fiddly, so those numbers go to the library.
        """
        npp = self.npp
        if npp is None or not number:
            return number
        match = npp.match(number)
        if match is None:
            return number
        if self.transform:
            groups = match.groups()
            if not groups or groups[-1] is not None:
                return None
        rest = number[match.end() :]
        if self.general_match(number) and not self.general_match(rest):
            return number
        return rest


class _Country:
    """Everything about one country calling code the fast path needs."""

    __slots__ = (
        "cc",
        "cc_len",
        "consistent",
        "geo_types",
        "main",
        "only",
        "plus",
        "regions",
        "tz_country",
        "tz_single",
    )

    def __init__(self, cc: int) -> None:
        self.cc = cc
        self.plus = f"+{cc}"
        self.cc_len = len(str(cc))
        regions: list[tuple[str, _Rules | None]] = []
        for region in COUNTRY_CODE_TO_REGION_CODE[cc]:
            if region == _NON_GEO:
                md = PhoneMetadata.metadata_for_nongeo_region(cc, None)
            else:
                md = PhoneMetadata.metadata_for_region(region, None)
            regions.append((region, _Rules(md) if md is not None else None))
        self.regions = tuple(regions)
        self.main = regions[0][1]  # parse() uses the main region's metadata
        self.only = regions[0] if len(regions) == 1 else None  # most codes: one region
        # is_valid_number_for_region also insists that a region's own code is `cc`; the
        # fast path assumes it (true of all current metadata) and leaves `cc` to the
        # library otherwise.
        self.consistent = all(
            rules is None or region == _NON_GEO or rules.cc == cc for region, rules in regions
        )
        self.geo_types = frozenset(
            t for t in _KIND if phonenumbers.is_number_type_geographical(t, cc)
        )
        self.tz_country = _tz_for_country(cc)
        self.tz_single = _single_zone(cc)


def _tz_for_geo(e164: str) -> tuple[str, ...]:
    """time_zones_for_geographical_number: the longest prefix of the digits in the table."""
    digits = e164[1:]
    for length in range(TIMEZONE_LONGEST_PREFIX, 0, -1):
        zones = TIMEZONE_DATA.get(digits[:length])
        if zones is not None:
            return zones
    return _UNKNOWN_TZ


def _tz_for_country(cc: int) -> tuple[str, ...]:
    """_country_level_time_zones_for_number, including its prefix quirk."""
    code = str(cc)
    for length in range(TIMEZONE_LONGEST_PREFIX, 0, -1):
        zones = TIMEZONE_DATA.get(code[: 1 + length])
        if zones is not None:
            return zones
    return _UNKNOWN_TZ


def _single_zone(cc: int) -> tuple[str, ...] | None:
    """The one answer every number of `cc` gets, or None when it depends on the number.

    There is one when the table has the bare code (so every lookup stops there or at a
    longer key) and every longer key under the code holds the same zones; the
    country-level lookup finds the bare code too, so all number types agree.
    """
    code = str(cc)
    zones = TIMEZONE_DATA.get(code)
    if zones is None or _tz_for_country(cc) is not zones:
        return None
    for key, value in TIMEZONE_DATA.items():
        if key.startswith(code) and value != zones:
            return None
    return zones


_COUNTRIES: dict[int, _Country | None] = {}

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


def _country(cc: int) -> _Country | None:
    """The compiled rules of calling code `cc`, built on first use (loading metadata for
    all 245 regions up front would cost a second); None: leave `cc` to the library."""
    if cc not in _COUNTRIES:
        built = _Country(cc)
        usable = built.main is not None and built.consistent
        _COUNTRIES[cc] = built if usable else None
    return _COUNTRIES[cc]


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
        self._rules = _Rules(md)
        self._cc_text = str(self._rules.cc)
        self._country = _country(self._rules.cc)
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
            cc = _CC_BY_PREFIX.get(digits[:3])
            if cc is None:
                return None
            country = _COUNTRIES.get(cc) or _country(cc)
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
            region, kind = _region_and_type(country, nsn)
        if kind == _UNKNOWN:
            # Parsed exactly as the library would, and not valid: say why as _slow would
            # (is_possible_number_with_reason is the main region's length check).
            assert country.main is not None
            length = country.main.length_result(len(nsn))
            return Invalid(_reason(region or country.regions[0][0], country.cc, length))
        e164 = country.plus + nsn
        zones = country.tz_single
        if zones is None:
            zones = _tz_for_geo(e164) if kind in country.geo_types else country.tz_country
        return _new_number(e164, region, _KIND[kind], zones)

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
            _KIND[phonenumbers.number_type(parsed)],
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


def _region_and_type(country: _Country, nsn: str) -> tuple[str, int]:
    """region_code_for_number + is_valid_number_for_region + _number_type_helper."""
    regions = country.regions
    if len(regions) == 1:
        region, rules = regions[0]
        return region, rules.number_type(nsn) if rules is not None else _UNKNOWN
    for region, rules in regions:
        if rules is None:
            continue
        if rules.leading is not None:
            if rules.leading.match(nsn):
                return region, rules.number_type(nsn)
            continue
        kind = rules.number_type(nsn)
        if kind != _UNKNOWN:
            return region, kind
    return "", _UNKNOWN


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
    where = f"+{cc}" if region in (_NON_GEO, "ZZ") else region
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
    if zones == _UNKNOWN_TZ and parsed.country_code:
        zones = _tz_for_country(parsed.country_code)
    return () if zones == _UNKNOWN_TZ else zones


def region_zones(region: str) -> tuple[str, ...]:
    """The time zones of a region's country calling code ("PL" -> Europe/Warsaw); () if none."""
    cc = phonenumbers.country_code_for_region(region.upper())
    zones = _tz_for_country(cc) if cc else _UNKNOWN_TZ
    return () if zones == _UNKNOWN_TZ else zones


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
