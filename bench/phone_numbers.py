"""µs per number: the phonenumbers library path vs NumberBook, on mixed PL/international input.

Run: .venv/bin/python bench/phone_numbers.py [count]

The library path is the contract NumberBook must equal (parse + is_valid_number +
format E.164 + region + type + time zones); the ratio is what the fast path buys on
a million-row import.
"""

from __future__ import annotations

import random
import statistics
import sys
import time
from collections.abc import Callable

import phonenumbers
from phonenumbers.timezone import time_zones_for_number

from ccterm.numbers import NumberBook

RUNS = 5


def sample(count: int, seed: int = 7) -> list[str]:
    """Shapes seen in real lists: mostly Polish, some foreign, 3% broken.

    Random digits are often not valid numbers (and invalid ones take the slow path),
    so candidates are drawn until the library accepts them, as a real list would be.
    """
    rnd = random.Random(seed)

    def candidate() -> str:
        k = rnd.random()
        pl = str(rnd.randint(120_000_000, 899_999_999))
        if k < 0.30:
            return f"+48 {pl}"
        if k < 0.55:
            return f"{pl[:3]}-{pl[3:6]}-{pl[6:]}"
        if k < 0.65:
            return f"0048{pl}"
        if k < 0.75:
            area, exchange, line = rnd.randint(201, 989), rnd.randint(200, 999), rnd.randrange(9999)
            return f"+1 ({area}) {exchange}-{line:04}"
        if k < 0.85:
            return f"+44 7{rnd.randint(100_000_000, 999_999_999)}"
        if k < 0.92:
            return f"+49 {rnd.randint(1_500_000_000, 1_799_999_999)}"
        return f"+380 {rnd.randint(500_000_000, 999_999_999)}"

    out: list[str] = []
    while len(out) < count:
        if rnd.random() < 0.03:
            out.append(rnd.choice(["", "n/a", "12345", "+999 123 456", "+48 806 850 043"]))
            continue
        raw = candidate()
        if library(raw) is not None:
            out.append(raw)
    return out


def library(raw: str) -> object:
    try:
        p = phonenumbers.parse(raw, "PL")
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(p):
        return None
    return (
        phonenumbers.format_number(p, phonenumbers.PhoneNumberFormat.E164),
        phonenumbers.region_code_for_number(p),
        phonenumbers.number_type(p),
        time_zones_for_number(p),
    )


def per_number(fn: Callable[[str], object], numbers: list[str]) -> float:
    start = time.perf_counter()
    for raw in numbers:
        fn(raw)
    return (time.perf_counter() - start) / len(numbers) * 1e6


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 200_000
    numbers = sample(count)
    book = NumberBook("PL")
    book.parse("+48 601 234 567")  # build the lazily compiled metadata outside the timing
    lib = statistics.median(per_number(library, numbers) for _ in range(RUNS))
    fast = statistics.median(per_number(book.parse, numbers) for _ in range(RUNS))
    print(f"{count} numbers, median of {RUNS} runs")
    print(f"library     {lib:6.2f} µs/number")
    print(f"NumberBook  {fast:6.2f} µs/number")
    print(f"ratio       {lib / fast:6.1f}x")


if __name__ == "__main__":
    main()
