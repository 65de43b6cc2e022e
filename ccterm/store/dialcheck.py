"""The dial-time check, worded for the agent: the rule list (dialer/eligibility.py) on a
contact row, inside the transaction that marks it as dialling."""

from __future__ import annotations

import sqlite3

from ccterm.clock import local
from ccterm.dialer import eligibility
from ccterm.dialer.hours import DAY, CallingHours
from ccterm.settings import CampaignSettings


class NotDialable(Exception):
    """Why a lead may not be dialled now, in words for the agent."""

    def __init__(self, reason: str, *, block: bool = False, retry_at: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.block = block  # the lead should be flagged blocked (a mark found at dial time)
        self.retry_at = retry_at  # the lead should wait until then (a rest, calling hours)


def _short(ts: float, now: float) -> str:
    """A time on the daemon's clock: HH:MM today, with the date on any other day."""
    moment = local(ts)
    return f"{moment:%H:%M}" if moment.date() == local(now).date() else f"{moment:%Y-%m-%d %H:%M}"


def contact_of(row: sqlite3.Row) -> eligibility.Contact:
    """A _LEAD row as the facts the rule list reads."""
    return eligibility.Contact(
        state=row["state"],
        attempts=row["attempts"],
        next_at=row["next_at"],
        callback_at=row["callback_at"],
        callback_agent=row["callback_agent"],
        dnc=bool(row["dnc"]),
        mark=row["mark"],
        abandoned_at=row["abandoned_at"],
        timezone=row["timezone"],
        e164=row["e164"],
    )


def refusal(
    row: sqlite3.Row,
    settings: CampaignSettings,
    now: float,
    agent: str | None,
    *,
    hours: CallingHours | None = None,
) -> NotDialable | None:
    """None when the lead may be dialled now, else why not (and whether to block or rest it).

    `row` is a _LEAD row; `hours` None leaves calling hours unchecked. The rules are
    dialer/eligibility.py's, the first that refuses; here they are worded for the agent.
    """
    found = eligibility.first(eligibility.Ask(contact_of(row), settings, now, agent, hours))
    if found is None:
        return None
    return NotDialable(
        _words(found, row, settings, now), block=found.block, retry_at=_rest(found, now)
    )


def _words(
    found: eligibility.Refusal, row: sqlite3.Row, settings: CampaignSettings, now: float
) -> str:
    code = found.code
    if code == "exhausted":
        return f"the contact has had its {settings.max_attempts} attempts"
    if code == "callback_owner":
        return f"the callback belongs to {row['callback_agent']}"
    if code == "abandoned":
        until = found.until if found.until is not None else now
        return (
            f"its call was abandoned at {_short(row['abandoned_at'], now)};"
            f" it may be called again after {_short(until, now)}"
        )
    if code == "calling_hours" and found.verdict is not None:
        return found.verdict.reason
    return _REFUSALS[code]


_REFUSALS = {
    "dnc": "the number is on the do-not-call list",
    "wrong_number": "the number is marked as a wrong number",
    "fax": "the number is marked as a fax",
    "dialing": "the contact is being dialled already",
    "done": "the contact is done in this campaign",
    "callback": "its next call is not due yet",
    "retry": "its next call is not due yet",
}


def _rest(found: eligibility.Refusal, now: float) -> float | None:
    """Until when the lead should wait: a rest's end, or when calling hours open (else a day)."""
    if found.code == "abandoned":
        return found.until
    if found.code == "calling_hours":
        return found.until if found.until is not None else now + DAY
    return None


def why_not(
    row: sqlite3.Row,
    settings: CampaignSettings,
    now: float,
    agent: str | None,
    *,
    hours: CallingHours | None = None,
) -> str | None:
    """None when the lead may be dialled now, else the reason it may not."""
    found = refusal(row, settings, now, agent, hours=hours)
    return None if found is None else found.reason
