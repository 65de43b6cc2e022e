"""Calling hours in the contact's own zones: the 21:00 cutoff, several zones, DST, fallbacks."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from ccterm.dialer.hours import CallingHours, check, contact_zones, next_open
from ccterm.numbers import Number, NumberBook

DAY_WINDOW = ("08:00", "21:00")


def utc(text: str) -> float:
    """'2026-01-16 02:59' read as UTC."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp()


def shown(ts: float | None) -> str | None:
    return None if ts is None else datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d %H:%M")


def test_the_window_ends_at_21_00_sharp_in_the_contacts_zone() -> None:
    chicago = ("America/Chicago",)  # CST in January: UTC-6
    before = check(chicago, utc("2026-01-16 02:59"), DAY_WINDOW)  # 20:59 there
    assert before.allowed and before.reason == ""
    cutoff = check(chicago, utc("2026-01-16 03:00"), DAY_WINDOW)  # 21:00 there
    assert not cutoff.allowed
    assert cutoff.reason == "it is 21:00 in America/Chicago; calls are allowed 08:00–21:00"
    assert shown(cutoff.opens_at) == "2026-01-16 14:00"  # 08:00 the next morning there
    assert check(chicago, utc("2026-01-16 13:59"), DAY_WINDOW).allowed is False
    assert check(chicago, utc("2026-01-16 14:00"), DAY_WINDOW).allowed


def test_the_same_instant_differs_by_zone() -> None:
    at = utc("2026-01-16 02:30")  # 20:30 in Chicago, 21:30 in New York, 18:30 in Los Angeles
    assert check(("America/Chicago",), at, DAY_WINDOW).allowed
    assert check(("America/Los_Angeles",), at, DAY_WINDOW).allowed
    new_york = check(("America/New_York",), at, DAY_WINDOW)
    assert new_york.reason == "it is 21:30 in America/New_York; calls are allowed 08:00–21:00"
    assert shown(new_york.opens_at) == "2026-01-16 13:00"


def test_a_number_in_two_zones_is_callable_only_while_both_are_inside() -> None:
    number = NumberBook("US").parse("(208) 555-0123")  # Idaho: Mountain and Pacific
    assert isinstance(number, Number)
    zones = number.timezones
    assert zones == ("America/Boise", "America/Los_Angeles")
    morning = check(zones, utc("2026-01-16 15:30"), DAY_WINDOW)  # 08:30 Boise, 07:30 LA
    assert not morning.allowed
    assert morning.reason == (
        "it is 07:30 in America/Los_Angeles; calls are allowed 08:00–21:00"
        " in each of its time zones"
    )
    assert shown(morning.opens_at) == "2026-01-16 16:00"  # 08:00 in Los Angeles
    assert check(zones, utc("2026-01-16 16:00"), DAY_WINDOW).allowed
    assert check(zones, utc("2026-01-17 03:59"), DAY_WINDOW).allowed  # 20:59 Boise
    evening = check(zones, utc("2026-01-17 04:00"), DAY_WINDOW)  # 21:00 Boise, 20:00 LA
    assert evening.reason.startswith("it is 21:00 in America/Boise;")
    assert shown(evening.opens_at) == "2026-01-17 16:00"


def test_zones_that_never_share_the_window_never_open() -> None:
    verdict = check(("Pacific/Guam", "Europe/Warsaw"), utc("2026-01-16 12:00"), ("08:00", "12:00"))
    assert not verdict.allowed and verdict.opens_at is None
    assert verdict.reason == (
        "its time zones (Pacific/Guam, Europe/Warsaw) never share the calling hours 08:00–12:00"
    )


@pytest.mark.parametrize(
    ("zone", "at", "opens"),
    [
        # spring forward in Chicago (2026-03-08): 21:00 CST, then 08:00 CDT is 13:00 UTC
        ("America/Chicago", "2026-03-08 03:00", "2026-03-08 13:00"),
        # fall back (2026-11-01): 21:00 CDT, then 08:00 CST is 14:00 UTC
        ("America/Chicago", "2026-11-01 02:00", "2026-11-01 14:00"),
        # Warsaw goes to CEST on 2026-03-29: 21:00 CET, then 08:00 CEST is 06:00 UTC
        ("Europe/Warsaw", "2026-03-28 20:00", "2026-03-29 06:00"),
    ],
)
def test_the_next_opening_follows_daylight_saving(zone: str, at: str, opens: str) -> None:
    verdict = check((zone,), utc(at), DAY_WINDOW)
    assert verdict.reason.startswith("it is 21:00 in")
    assert shown(verdict.opens_at) == opens


def test_a_window_edge_inside_a_dst_change() -> None:
    chicago = ("America/Chicago",)
    # 02:30 never happens on 2026-03-08: the window opens at the jump (03:00 CDT, 08:00 UTC)
    assert shown(next_open(chicago, utc("2026-03-08 03:00"), ("02:30", "21:00"))) == (
        "2026-03-08 08:00"
    )
    # 01:30 happens twice on 2026-11-01: the window opens at the first (CDT, 06:30 UTC)
    assert shown(next_open(chicago, utc("2026-11-01 03:00"), ("01:30", "21:00"))) == (
        "2026-11-01 06:30"
    )


def test_a_window_to_midnight_is_always_open() -> None:
    for hour in range(24):
        assert check(
            ("Europe/Warsaw",), utc(f"2026-01-16 {hour:02}:30"), ("00:00", "24:00")
        ).allowed


def test_unknown_zones_fall_back_to_the_number_then_the_region() -> None:
    assert contact_zones("America/Chicago|Etc/Unknown", "+13125550123", "PL") == (
        "America/Chicago",
    )
    assert contact_zones("Etc/Unknown", "+13125550123", "PL") == ("America/Chicago",)
    assert contact_zones("", "+48601234567", "US") == ("Europe/Warsaw",)
    assert contact_zones("", "not a number", "PL") == ("Europe/Warsaw",)
    hours = CallingHours("08:00", "21:00", region="GB")
    assert hours.zones("Mars/Olympus", "") == (
        "Europe/Guernsey",
        "Europe/Isle_of_Man",
        "Europe/Jersey",
        "Europe/London",
    )
    # the whole of +1 runs from Guam to Bermuda: only a few hours a day suit all of it
    nanp = contact_zones("", "", "US")
    opens = next_open(nanp, utc("2026-01-16 03:00"), DAY_WINDOW)
    assert shown(opens) == "2026-01-16 22:00"  # 08:00 in Guam, 11:00 in Pago Pago
