"""phonenumbers' metadata, compiled once for numbers.py's fast path.

Rules hold one region's checks (the type of a national number, its lengths, the
national prefix); a Country holds a calling code's regions and time zones. Each
method names the library step it mirrors, so the fast path answers as the library
would; metadata is built per calling code on first use (all of it costs a second).
"""

from __future__ import annotations

import re
from typing import Final

import phonenumbers
from phonenumbers import (
    COUNTRY_CODE_TO_REGION_CODE,
    PhoneMetadata,
    PhoneNumberType,
    ValidationResult,
)
from phonenumbers.phonemetadata import PhoneNumberDesc

# The time-zone table is data, not an API: timezone.py only exposes lookups that take a
# PhoneNumber and re-derive its type (~10 µs). Reading the same table with the same
# longest-prefix rule (`tz_for_geo`, `tz_for_country`) is the only way to stay fast.
from phonenumbers.tzdata import TIMEZONE_DATA, TIMEZONE_LONGEST_PREFIX

UNKNOWN: Final = PhoneNumberType.UNKNOWN
KIND: Final[dict[int, str]] = {
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
NON_GEO: Final = "001"
UNKNOWN_TZ: Final = ("Etc/Unknown",)


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


CC_BY_PREFIX: Final = _country_codes_by_prefix()

# A desc as the type check uses it: (possible lengths or None for "any", pattern).
_Desc = tuple[frozenset[int] | None, re.Pattern[str]]
# Rules.number_type's per-length plan: (alternation, type of each group), or, with no
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


class Rules:
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
            return self._number_type_in_steps(nsn) if typer[1] is None else UNKNOWN
        pattern, kinds = typer
        match = pattern.fullmatch(nsn)
        if match is None:
            return UNKNOWN
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
        return pattern, (UNKNOWN, *(kind for kind, _ in alternatives))

    def _number_type_in_steps(self, nsn: str) -> int:
        """_number_type_helper, check by check."""
        if not _matches(self.general, nsn):
            return UNKNOWN
        for kind, desc in self.special:
            if _matches(desc, nsn):
                return kind
        if _matches(self.fixed, nsn):
            if self.same_fixed_mobile or _matches(self.mobile, nsn):
                return PhoneNumberType.FIXED_LINE_OR_MOBILE
            return PhoneNumberType.FIXED_LINE
        if not self.same_fixed_mobile and _matches(self.mobile, nsn):
            return PhoneNumberType.MOBILE
        return UNKNOWN

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


class Country:
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
        regions: list[tuple[str, Rules | None]] = []
        for region in COUNTRY_CODE_TO_REGION_CODE[cc]:
            if region == NON_GEO:
                md = PhoneMetadata.metadata_for_nongeo_region(cc, None)
            else:
                md = PhoneMetadata.metadata_for_region(region, None)
            regions.append((region, Rules(md) if md is not None else None))
        self.regions = tuple(regions)
        self.main = regions[0][1]  # parse() uses the main region's metadata
        self.only = regions[0] if len(regions) == 1 else None  # most codes: one region
        # is_valid_number_for_region also insists that a region's own code is `cc`; the
        # fast path assumes it (true of all current metadata) and leaves `cc` to the
        # library otherwise.
        self.consistent = all(
            rules is None or region == NON_GEO or rules.cc == cc for region, rules in regions
        )
        self.geo_types = frozenset(
            t for t in KIND if phonenumbers.is_number_type_geographical(t, cc)
        )
        self.tz_country = tz_for_country(cc)
        self.tz_single = _single_zone(cc)


def tz_for_geo(e164: str) -> tuple[str, ...]:
    """time_zones_for_geographical_number: the longest prefix of the digits in the table."""
    digits = e164[1:]
    for length in range(TIMEZONE_LONGEST_PREFIX, 0, -1):
        zones = TIMEZONE_DATA.get(digits[:length])
        if zones is not None:
            return zones
    return UNKNOWN_TZ


def tz_for_country(cc: int) -> tuple[str, ...]:
    """_country_level_time_zones_for_number, including its prefix quirk."""
    code = str(cc)
    for length in range(TIMEZONE_LONGEST_PREFIX, 0, -1):
        zones = TIMEZONE_DATA.get(code[: 1 + length])
        if zones is not None:
            return zones
    return UNKNOWN_TZ


def _single_zone(cc: int) -> tuple[str, ...] | None:
    """The one answer every number of `cc` gets, or None when it depends on the number.

    There is one when the table has the bare code (so every lookup stops there or at a
    longer key) and every longer key under the code holds the same zones; the
    country-level lookup finds the bare code too, so all number types agree.
    """
    code = str(cc)
    zones = TIMEZONE_DATA.get(code)
    if zones is None or tz_for_country(cc) is not zones:
        return None
    for key, value in TIMEZONE_DATA.items():
        if key.startswith(code) and value != zones:
            return None
    return zones


COUNTRIES: dict[int, Country | None] = {}


def calling_code(cc: int) -> Country | None:
    """The compiled rules of calling code `cc`, built on first use (loading metadata for
    all 245 regions up front would cost a second); None: leave `cc` to the library."""
    if cc not in COUNTRIES:
        built = Country(cc)
        usable = built.main is not None and built.consistent
        COUNTRIES[cc] = built if usable else None
    return COUNTRIES[cc]


def region_and_type(country: Country, nsn: str) -> tuple[str, int]:
    """region_code_for_number + is_valid_number_for_region + _number_type_helper."""
    regions = country.regions
    if len(regions) == 1:
        region, rules = regions[0]
        return region, rules.number_type(nsn) if rules is not None else UNKNOWN
    for region, rules in regions:
        if rules is None:
            continue
        if rules.leading is not None:
            if rules.leading.match(nsn):
                return region, rules.number_type(nsn)
            continue
        kind = rules.number_type(nsn)
        if kind != UNKNOWN:
            return region, kind
    return "", UNKNOWN
