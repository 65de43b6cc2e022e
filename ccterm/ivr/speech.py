"""What a waiting caller is told, as prompt names of the shipped set — pure.

"You are number 23 in line" and "the expected waiting time is 2 minutes" are
said by joining short recorded words (ccterm/data/prompts/LANG/NAME.wav), so
any number from 1 to 999 needs only about 30 of them. Polish numbers agree
with what they count: "jedna minuta", "dwie minuty", "pięć minut",
"dwadzieścia dwie minuty", hence the feminine words ``1f`` and ``2f`` and the
three forms of "minute". A number above 999 is said as 999: no queue is that
long, and a wait that long is better not announced exactly.
"""

from __future__ import annotations

SPOKEN = ("en", "pl")  # the languages these rules know how to say
MOST = 999

POSITION, IN_LINE = "position", "in_line"
EXPECTED_WAIT, LESS_THAN_A_MINUTE = "expected_wait", "less_than_a_minute"
MINUTE, MINUTES, MINUTES_FEW = "minute", "minutes", "minutes_few"  # few: Polish 2-4


def _check(language: str) -> None:
    if language not in SPOKEN:
        raise ValueError(f"no spoken numbers for language {language!r} (known: {SPOKEN})")


def say_number(n: int, language: str, *, feminine: bool = False) -> list[str]:
    """0-999 as word names: en 123 -> 1 hundred 20 3; pl 123 -> 100 20 3.

    `feminine` (Polish) ends in ``1f`` (jedna, only for 1 itself) or ``2f`` (dwie), as for
    minutes; English has no such forms and ignores it.
    """
    _check(language)
    if not 0 <= n <= MOST:
        raise ValueError(f"{n} is outside 0..{MOST}")
    if n <= 20:
        words = [str(n)]
    else:
        hundreds, rest = divmod(n, 100)
        words = []
        if hundreds:
            words += [str(hundreds), "hundred"] if language == "en" else [str(hundreds * 100)]
        if 0 < rest <= 20:
            words.append(str(rest))
        elif rest:
            tens, ones = divmod(rest, 10)
            words += [str(tens * 10)] + ([str(ones)] if ones else [])
    if feminine and language == "pl":
        if n == 1:
            words[-1] = "1f"  # "jedna minuta"; but "dwadzieścia jeden minut"
        elif words[-1] == "2":
            words[-1] = "2f"  # "dwie minuty", "dwadzieścia dwie minuty"
    return words


def minute_form(n: int, language: str) -> str:
    """The word for "minute" that goes with n: Polish has three (minuta, minuty, minut)."""
    _check(language)
    if n == 1:
        return MINUTE
    if language == "pl" and 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14:
        return MINUTES_FEW
    return MINUTES


def say_position(position: int, language: str) -> list[str]:
    """ "You are number N in line" (pl: "Jesteś numer N w kolejce"); 1 is next."""
    n = min(max(position, 1), MOST)
    return [POSITION, *say_number(n, language), IN_LINE]


def wait_minutes(seconds: float) -> int:
    """Whole minutes to announce, rounded half up: 89 s is 1 minute, 90 s is 2."""
    return min(int((max(seconds, 0) + 30) // 60), MOST)


def say_wait(seconds: float, language: str) -> list[str]:
    """ "The expected waiting time is N minutes", or "... less than a minute"."""
    _check(language)
    if seconds < 60:
        return [EXPECTED_WAIT, LESS_THAN_A_MINUTE]
    n = wait_minutes(seconds)
    return [EXPECTED_WAIT, *say_number(n, language, feminine=True), minute_form(n, language)]
