"""The reasons `ccterm lead why` gives, from facts alone: the states the daemon test does not set."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from ccterm.dialer.hours import CallingHours
from ccterm.dialer.why import Entry, LeadFacts, NumberFacts, explain
from ccterm.model import Campaign, CampaignStatus
from ccterm.settings import CampaignSettings, DialMode

NOW = datetime(2026, 1, 16, 2, 59, tzinfo=UTC).timestamp()  # 20:59 in Chicago, 03:59 here
HOURS = CallingHours("08:00", "21:00", region="PL")
NUMBER = NumberFacts(1, "+13125550101", "Ada", "America/Chicago")
READY = LeadFacts(1, "ready", 0, 0.0, None, None, None, None, ahead=0)
POWER = Campaign(
    1, "Spring", CampaignStatus.RUNNING, CampaignSettings(mode=DialMode.POWER), 0, None, 0, 0
)

pytestmark = pytest.mark.usefixtures("here_is_warsaw")


def texts(
    lead: LeadFacts = READY, number: NumberFacts = NUMBER, campaign: Campaign = POWER
) -> tuple[str, list[str]]:
    answer = explain(number, lead, campaign, HOURS, NOW)
    return answer.summary, [r.text for r in answer.reasons]


def test_dialable_and_its_place_in_line() -> None:
    assert texts() == ("next in line", [])
    assert texts(replace(READY, ahead=3)) == (
        "in line: 3 contact(s) ranked ahead of it",
        [],
    )


def test_being_dialled_right_now_says_only_that() -> None:
    dialling = replace(READY, state="dialing", attempts=2)
    assert texts(dialling) == ("being dialled right now (attempt 2 of 5)", [])


def test_a_scheduled_campaign_says_when_it_starts() -> None:
    later = replace(POWER, status=CampaignStatus.SCHEDULED, start_at=NOW + 3600)
    assert texts(campaign=later) == (
        "not dialled now",
        [
            "the campaign is scheduled: it starts 2026-01-15 21:59 America/Chicago (2026-01-16 04:59 here)"
        ],
    )


def test_a_booked_callback_and_a_due_one() -> None:
    booked = replace(READY, state="waiting", next_at=NOW + 600, callback_at=NOW + 600)
    assert texts(replace(booked, callback_agent="anna")) == (
        "not dialled now",
        [
            "a callback is booked for anna at 2026-01-15 21:09 America/Chicago (2026-01-16 04:09 here)"
        ],
    )
    assert texts(booked)[1] == [
        "a callback is booked for any agent at 2026-01-15 21:09 America/Chicago (2026-01-16 04:09 here)"
    ]
    due = replace(READY, callback_at=NOW - 60, callback_agent="anna")
    assert texts(due) == (
        "next in line for anna",
        [
            "its callback for anna is due since 2026-01-15 20:58 America/Chicago (2026-01-16 03:58 here):"
            " only anna dials it"
        ],
    )


def test_a_fax_mark_and_a_due_retry_waiting_for_the_tick() -> None:
    fax = replace(NUMBER, mark=Entry("fax", "piotr", NOW - 86_400))
    assert texts(number=fax)[1] == [
        "the number is marked as a fax since 2026-01-14 20:59 America/Chicago"
        " (2026-01-15 03:59 here), by piotr"
    ]
    due = replace(READY, state="waiting", next_at=NOW - 1, ahead=None)
    assert texts(due) == ("due now: it joins the line within a second", [])


def test_a_two_zone_number_shows_each_clock() -> None:
    idaho = replace(NUMBER, e164="+12085550103", timezone="America/Boise|America/Los_Angeles")
    at_8_30 = datetime(2026, 1, 16, 15, 30, tzinfo=UTC).timestamp()
    answer = explain(idaho, READY, POWER, HOURS, at_8_30)
    assert [r.text for r in answer.reasons] == [
        "outside calling hours: it is 07:30 in America/Los_Angeles; calls are allowed"
        " 08:00–21:00 in each of its time zones (now 08:30 in America/Boise, 07:30 in"
        " America/Los_Angeles); it may be called from 2026-01-16 09:00 America/Boise"
        " (17:00 here)"
    ]


def test_a_rest_that_has_passed_is_not_a_reason() -> None:
    rested = replace(NUMBER, abandoned_at=NOW - 72 * 3600, abandoned_in="Spring")
    assert texts(number=rested) == ("next in line", [])
    resting = replace(rested, abandoned_at=NOW - 72 * 3600 + 1)
    assert texts(number=resting)[0] == "not dialled now"
