"""Phone numbers as people write them: extensions, the words for a bad number, the list's region.

`numbers.NumberBook` answers exactly what the phonenumbers library answers; this
module handles what lists hold around the number. An extension ("wew. 12",
"ext. 12", "x12", "доб. 5") is split off so the number itself is dialled and
the extension kept; `invalid_message` says why a number is refused in one
sentence, without repeating itself; `guess_region` finds the region in which
most of a list's rejected numbers are valid, for a hint like "--region RU".
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from phonenumbers import SUPPORTED_REGIONS, PhoneMetadata, country_code_for_region

from ccterm.numbers import Invalid, Number, NumberBook

__all__ = ["EXTENSION_HINT", "RegionGuess", "guess_region", "invalid_message", "split_extension"]

# Labels people put before an extension, in the languages of our lists. The number
# before the label must end in a digit; the extension is 1 to 7 digits at the very end.
_EXTENSION_LABELS = (
    r"ext|extn|extension|x|#"
    r"|wew|wewn|wewnętrzny|numer wewnętrzny"
    r"|доб|добавочный|вн|внутр|дод|додатковий"
    r"|anexo|ramal|poste|durchwahl|dw|nebenstelle|kl|linka"
    r"|分机|分機|转|轉|内线|內線"
)
_EXTENSION = re.compile(
    rf"(?P<number>.*\d)[\s,;:/()\-]*(?:{_EXTENSION_LABELS})\.?:?\s*(?P<ext>\d{{1,7}})\s*\)?\s*$",
    re.IGNORECASE,
)
# Only a string with something besides digits and the usual punctuation can hold a label.
EXTENSION_HINT = re.compile(r"[^\d\s+\-().]")


def split_extension(raw: str) -> tuple[str, str]:
    """(the number, its extension or ""): "+48 601 234 570 wew. 12" -> ("+48 601 234 570", "12")."""
    if EXTENSION_HINT.search(raw) is None:
        return raw, ""
    match = _EXTENSION.match(raw)
    if match is None:
        return raw, ""
    return match.group("number"), match.group("ext")


def invalid_message(raw: str, invalid: Invalid) -> str:
    """One sentence for a refused number, e.g. "'abc' is not a phone number" or
    "'12' is too short for PL"; the reason's own words are never said twice."""
    reason = invalid.reason
    shown = f"'{raw}'"
    if reason == "empty phone":
        return "the phone number is empty"
    if reason.startswith(("wrong length", "unknown country code")):
        return (
            f"{shown} has the {reason}"
            if reason.startswith("wrong")
            else f"{shown} has an {reason}"
        )
    if reason.startswith("missing area code"):
        return f"{shown} is missing the area code{reason[len('missing area code') :]}"
    if reason.startswith(("not ", "too ")):
        return f"{shown} is {reason}"
    return f"{shown} is not a valid phone number ({reason})"


@dataclass(frozen=True, slots=True)
class RegionGuess:
    """Of `tried` rejected numbers, `valid` are valid numbers when read as `region`'s."""

    region: str
    valid: int
    tried: int

    @property
    def calling_code(self) -> int:
        """The region's country calling code: 7 for RU."""
        return int(country_code_for_region(self.region))


def guess_region(raws: Sequence[str], current: str, *, sample: int = 40) -> RegionGuess | None:
    """The region in which most of `raws` (numbers refused under `current`) are valid.

    Tries every region on an even sample of the numbers (~0.3 s, once, after a bad
    import); None unless one region makes more than half of them valid. Ties (some
    regions take almost any digits) go to the region whose national prefix the
    numbers start with ("8 916 ..." in RU), then to the one the numbers belong to
    (RU, not KZ, which shares +7 and its format).
    """
    cells = [raw for raw in raws if raw.strip()]
    if not cells:
        return None
    step = max(1, len(cells) // sample)
    tried = [split_extension(raw)[0] for raw in cells[::step][:sample]]
    digits = [(raw.lstrip().startswith("+"), re.sub(r"\D", "", raw)) for raw in tried]
    best: tuple[tuple[int, int, int], str] | None = None
    for region in sorted(SUPPORTED_REGIONS):
        if region == current.upper():
            continue
        book = NumberBook(region)
        metadata = PhoneMetadata.metadata_for_region(region)
        prefix = metadata.national_prefix if metadata is not None else None
        valid = prefixed = own = 0
        for raw, (plus, plain) in zip(tried, digits, strict=True):
            parsed = book.parse(raw)
            if isinstance(parsed, Number):
                valid += 1
                own += parsed.region == region
                national = plain[len(prefix) :] if prefix and plain.startswith(prefix) else None
                prefixed += bool(not plus and national and parsed.e164.endswith(national))
        score = (valid, prefixed, own)
        if valid and (best is None or score > best[0]):
            best = (score, region)
    if best is None or best[0][0] * 2 <= len(tried):
        return None
    return RegionGuess(best[1], best[0][0], len(tried))
