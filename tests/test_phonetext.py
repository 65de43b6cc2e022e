"""Numbers as people write them: the words for a bad one, and the region a list is from."""

from __future__ import annotations

import time

import pytest

from ccterm.numbers import Invalid, NumberBook
from ccterm.phonetext import guess_region, invalid_message, split_extension


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("abc", "'abc' is not a phone number"),
        ("12", "'12' is too short for PL"),
        ("+48 601 234 567 890", "'+48 601 234 567 890' is too long for PL"),
        ("+999 123 456", "'+999 123 456' has an unknown country code +999"),
        ("", "the phone number is empty"),
        ("+48 111 111 111", "'+48 111 111 111' is not a valid number for PL"),
    ],
)
def test_a_refused_number_is_one_sentence_without_repeats(raw: str, message: str) -> None:
    parsed = NumberBook("PL").parse(raw)
    assert isinstance(parsed, Invalid)
    said = invalid_message(raw, parsed)
    assert said == message
    words = said.replace("'", "").split()
    assert not any(
        words[i : i + 3] == words[j : j + 3] for i in range(len(words)) for j in range(i)
    )


def test_every_reason_the_book_gives_reads_as_one_sentence() -> None:
    for reason in (
        "wrong length for PL",
        "missing area code for US",
        "too short after the international prefix",
        "not a valid number for +882",
        "something new",
    ):
        said = invalid_message("x1", Invalid(reason))
        assert said.count("number") <= 1 and said.startswith("'x1' "), said


def test_a_number_without_a_label_is_left_alone() -> None:
    assert split_extension("+48 601 234 570") == ("+48 601 234 570", "")
    assert split_extension("1-800-FLOWERS") == ("1-800-FLOWERS", "")
    assert split_extension("+7 916 765 43 21 доб. 5") == ("+7 916 765 43 21", "5")


RUSSIAN = [
    "8 (495) 123-45-67",
    "8 916 123 45 67",
    "8-812-555-12-34",
    "+7 903 111 22 33",
    "89261234567",
    "8 (343) 222-33-44",
]


def test_a_russian_list_read_as_polish_points_at_ru() -> None:
    book = NumberBook("PL")
    refused = [raw for raw in RUSSIAN if isinstance(book.parse(raw), Invalid)]
    assert len(refused) == 5, "all but the one with +7"
    started = time.perf_counter()
    guess = guess_region(refused, "PL")
    assert guess is not None and guess.region == "RU", guess  # not KZ: the numbers are Russian
    assert guess.valid == guess.tried == 5
    assert time.perf_counter() - started < 3


def test_no_region_is_named_when_the_rejects_are_just_bad() -> None:
    assert guess_region(["abc", "12", "", "call me"], "PL") is None
    assert guess_region([], "PL") is None
    mostly_bad = ["12", "34", "56", "8 916 123 45 67"]
    assert guess_region(mostly_bad, "PL") is None, "one in four is not most"
