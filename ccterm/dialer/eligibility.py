"""May this contact be dialled now? The one rule list.

The dial-time check (store/dialing.py, inside the transaction that marks the
contact as dialling) takes the first rule that refuses; `ccterm lead why`
(dialer/why.py) takes every one and words each with who, when and until when.
Both read the same conditions, so they cannot drift apart. Pure: facts,
settings, calling hours and `now` in.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ccterm.dialer.dispositions import abandon_rest_until
from ccterm.dialer.hours import CallingHours, Verdict
from ccterm.settings import CampaignSettings


@dataclass(frozen=True, slots=True)
class Contact:
    """What the rules look at, however it was gathered (a row at dial time, facts for why)."""

    state: str  # ready | waiting | dialing | done | exhausted
    attempts: int
    next_at: float
    callback_at: float | None
    callback_agent: str | None
    dnc: bool
    mark: str | None  # "wrong_number", "fax" or None
    abandoned_at: float | None  # the number's latest abandoned call, in any campaign
    timezone: str
    e164: str


@dataclass(frozen=True, slots=True)
class Refusal:
    """One rule that stops the dial now.

    code: dnc, wrong_number, fax (the number: block the lead), dialing, done,
    exhausted (the contact's state), callback_owner (someone else's callback),
    callback, retry (its time has not come), abandoned (the number rests),
    calling_hours (outside the window in one of its zones).
    """

    code: str
    block: bool = False
    until: float | None = None  # when it stops holding, when that is known
    verdict: Verdict | None = None  # the calling-hours verdict behind `calling_hours`


@dataclass(frozen=True, slots=True)
class Ask:
    """The question: this contact, for this agent (None: the dialer), under these rules."""

    contact: Contact
    settings: CampaignSettings
    now: float
    agent: str | None
    hours: CallingHours | None  # None leaves calling hours unchecked


def _number(ask: Ask) -> Refusal | None:
    contact = ask.contact
    if contact.dnc:
        return Refusal("dnc", block=True)
    if contact.mark in ("wrong_number", "fax"):
        return Refusal(contact.mark, block=True)
    return None


def _state(ask: Ask) -> Refusal | None:
    contact = ask.contact
    if contact.state in ("dialing", "done"):
        return Refusal(contact.state)
    if contact.state == "exhausted" or contact.attempts >= ask.settings.max_attempts:
        return Refusal("exhausted")
    return None


def _owner(ask: Ask) -> Refusal | None:
    owner = ask.contact.callback_agent
    if owner and ask.agent is not None and owner != ask.agent:
        return Refusal("callback_owner")
    return None


def _timing(ask: Ask) -> Refusal | None:
    contact = ask.contact
    if contact.state == "waiting" and contact.next_at > ask.now:
        code = "callback" if contact.callback_at is not None else "retry"
        return Refusal(code, until=contact.next_at)
    return None


def _abandoned(ask: Ask) -> Refusal | None:
    if ask.contact.abandoned_at is None:
        return None
    until = abandon_rest_until(ask.contact.abandoned_at, ask.settings)
    return Refusal("abandoned", until=until) if until > ask.now else None


def _hours(ask: Ask) -> Refusal | None:
    if ask.hours is None:
        return None
    verdict = ask.hours.check(ask.contact.timezone, ask.contact.e164, ask.now)
    if verdict.allowed:
        return None
    return Refusal("calling_hours", until=verdict.opens_at, verdict=verdict)


# In the order the dialer asks them: the cheapest and the blocking ones first.
RULES: tuple[Callable[[Ask], Refusal | None], ...] = (
    _number,
    _state,
    _owner,
    _timing,
    _abandoned,
    _hours,
)


def first(ask: Ask) -> Refusal | None:
    """The first rule that refuses, or None: the contact may be dialled now."""
    for rule in RULES:
        found = rule(ask)
        if found is not None:
            return found
    return None


def every(ask: Ask) -> list[Refusal]:
    """Every rule that refuses, in order (one answer per rule)."""
    return [found for rule in RULES if (found := rule(ask)) is not None]
