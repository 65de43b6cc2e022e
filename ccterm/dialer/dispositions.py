"""What a disposition does to a lead: pure, so the rules read like SPEC.md's table.

Agents set seven codes with one key each; the dialer sets the outcome of calls
no agent took. Each code gives the lead's next state, when it may be dialled
again, and whether the number gets a mark that holds in every campaign.
"""

from __future__ import annotations

from dataclasses import dataclass

from ccterm.model import LeadState, NumberMark
from ccterm.settings import CampaignSettings, Disposition
from ccterm.sip.trunk import Outcome

HOUR = 3600.0


@dataclass(frozen=True, slots=True)
class LeadUpdate:
    state: LeadState
    next_at: float  # earliest time it may be dialled again (0: whenever it is ready)
    callback_at: float | None
    callback_agent: str | None
    mark: NumberMark | None  # a mark for the number everywhere


class DispositionError(ValueError):
    """The request cannot be applied as asked (a callback without a time, one in the past)."""


def effect(
    code: Disposition,
    *,
    attempts: int,
    settings: CampaignSettings,
    now: float,
    callback_at: float | None = None,
    agent: str | None = None,
) -> LeadUpdate:
    """The lead's new state after `code`, given how many attempts it has had.

    `callback_at` and `agent`: the callback asked for (CALLBACK), or the one already
    booked on the lead (NOT_DISPOSED keeps it).
    """
    if code is Disposition.CALLBACK:
        if callback_at is None:
            raise DispositionError("a new contact needs the date and time of the next call")
        if callback_at <= now - 60:
            raise DispositionError("the next call's time is in the past")
        return LeadUpdate(LeadState.WAITING, callback_at, callback_at, agent, None)
    if code is Disposition.NOT_DISPOSED:
        # Reached but nothing recorded: the callback agreed earlier (`callback_at`, `agent`)
        # stays with its owner; a time already past moves to after the usual rest, so the
        # person is not dialled again the moment they hung up.
        rest = now + settings.retry_minutes.get("no_answer", 120) * 60.0
        if callback_at is not None:
            at = callback_at if callback_at > now else rest
            return LeadUpdate(LeadState.WAITING, at, at, agent, None)
        if attempts >= settings.max_attempts:
            return LeadUpdate(LeadState.EXHAUSTED, 0.0, None, None, None)
        return LeadUpdate(LeadState.WAITING, rest, None, None, None)
    if code in (Disposition.DONE, Disposition.INVALID):
        return LeadUpdate(LeadState.DONE, 0.0, None, None, None)
    if code is Disposition.WRONG_NUMBER:
        return LeadUpdate(LeadState.DONE, 0.0, None, None, NumberMark.WRONG_NUMBER)
    if code is Disposition.FAX:
        return LeadUpdate(LeadState.DONE, 0.0, None, None, NumberMark.FAX)
    if attempts >= settings.max_attempts:
        return LeadUpdate(LeadState.EXHAUSTED, 0.0, None, None, None)
    if code is Disposition.ABANDONED:
        delay = settings.abandon_retry_hours * HOUR
    elif code is Disposition.FAILED:
        delay = settings.retry_minutes.get("no_answer", 120) * 60.0
    else:
        delay = settings.retry_minutes.get(str(code), 120) * 60.0
    return LeadUpdate(LeadState.WAITING, now + delay, None, None, None)


def abandon_rest_until(abandoned_at: float, settings: CampaignSettings) -> float:
    """Until when a number whose call was abandoned rests, in a campaign with `settings`.

    It holds for the number in every campaign (the regulators count the person
    called, not the list), each campaign with its own abandon_retry_hours.
    """
    return abandoned_at + settings.abandon_retry_hours * HOUR


def for_outcome(outcome: Outcome, *, machine: bool = False) -> Disposition:
    """The dialer's own disposition for a call that no agent took."""
    if machine:
        return Disposition.VOICEMAIL
    if outcome in (Outcome.BUSY, Outcome.REJECTED):
        return Disposition.BUSY
    if outcome is Outcome.INVALID:
        return Disposition.INVALID
    if outcome is Outcome.FAILED:
        return Disposition.FAILED
    return Disposition.NO_ANSWER  # no answer, unavailable, cancelled while ringing
