"""Positions and waits said with the shipped words: transcripts, Polish agreement, coverage."""

from __future__ import annotations

import pytest

from ccterm.ivr import prompts
from ccterm.ivr.speech import minute_form, say_number, say_position, say_wait, wait_minutes


def test_positions() -> None:
    assert say_position(3, "pl") == ["position", "3", "in_line"]
    assert say_position(1, "en") == ["position", "1", "in_line"]
    assert say_position(23, "en") == ["position", "20", "3", "in_line"]
    assert say_position(0, "en") == say_position(1, "en"), "1 is next: never number zero"
    assert say_position(5000, "pl") == ["position", "900", "90", "9", "in_line"]


@pytest.mark.parametrize(
    ("n", "en", "pl"),
    [
        (0, ["0"], ["0"]),
        (13, ["13"], ["13"]),
        (20, ["20"], ["20"]),
        (21, ["20", "1"], ["20", "1"]),
        (40, ["40"], ["40"]),
        (100, ["1", "hundred"], ["100"]),
        (105, ["1", "hundred", "5"], ["100", "5"]),
        (117, ["1", "hundred", "17"], ["100", "17"]),
        (250, ["2", "hundred", "50"], ["200", "50"]),
        (999, ["9", "hundred", "90", "9"], ["900", "90", "9"]),
    ],
)
def test_numbers(n: int, en: list[str], pl: list[str]) -> None:
    assert say_number(n, "en") == en
    assert say_number(n, "pl") == pl


def test_polish_minutes_agree_with_their_number() -> None:
    said = {n: say_wait(n * 60, "pl")[1:] for n in (1, 2, 4, 5, 12, 14, 21, 22, 24, 25, 102, 112)}
    assert said == {
        1: ["1f", "minute"],  # jedna minuta
        2: ["2f", "minutes_few"],  # dwie minuty
        4: ["4", "minutes_few"],  # cztery minuty
        5: ["5", "minutes"],  # pięć minut
        12: ["12", "minutes"],  # dwanaście minut
        14: ["14", "minutes"],  # czternaście minut
        21: ["20", "1", "minutes"],  # dwadzieścia jeden minut
        22: ["20", "2f", "minutes_few"],  # dwadzieścia dwie minuty
        24: ["20", "4", "minutes_few"],  # dwadzieścia cztery minuty
        25: ["20", "5", "minutes"],  # dwadzieścia pięć minut
        102: ["100", "2f", "minutes_few"],  # sto dwie minuty
        112: ["100", "12", "minutes"],  # sto dwanaście minut
    }
    assert [minute_form(n, "en") for n in (1, 2, 5, 22)] == ["minute", *["minutes"] * 3]


def test_waits_round_to_whole_minutes() -> None:
    assert say_wait(0, "en") == ["expected_wait", "less_than_a_minute"]
    assert say_wait(59, "pl") == ["expected_wait", "less_than_a_minute"]
    assert say_wait(60, "en") == ["expected_wait", "1", "minute"]
    assert say_wait(89, "en") == ["expected_wait", "1", "minute"]
    assert say_wait(90, "en") == ["expected_wait", "2", "minutes"]
    assert say_wait(150, "pl") == ["expected_wait", "3", "minutes_few"]
    assert wait_minutes(10**7) == 999


def test_unknown_languages_and_numbers_are_refused() -> None:
    with pytest.raises(ValueError, match="'de'"):
        say_position(3, "de")
    with pytest.raises(ValueError, match="1000"):
        say_number(1000, "en")


@pytest.mark.parametrize("language", ["en", "pl"])
def test_everything_said_is_a_shipped_word(language: str) -> None:
    shipped = prompts.shipped(language)
    said = set()
    for n in range(1, 1000):
        said.update(say_position(n, language))
        said.update(say_wait(n * 60, language))
    said.update(say_wait(5, language))
    assert said <= shipped, sorted(said - shipped)
