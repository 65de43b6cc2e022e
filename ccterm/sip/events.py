"""What the SIP core tells its shell: facts about registration and calls, keyed by our call key.

The core (ua.py) speaks SIP; these are the few things the trunk adapter (voip.py)
turns into the daemon's trunk events. Frozen and plain, so a transcript test can
compare them whole.
"""

from __future__ import annotations

from dataclasses import dataclass

from ccterm.sip.sdp import Description
from ccterm.sip.trunk import Outcome, outcome_for_code


@dataclass(frozen=True, slots=True)
class Registered:
    expires: int  # seconds the registrar granted


@dataclass(frozen=True, slots=True)
class RegistrationFailed:
    reason: str
    retry_in: float
    timed_out: bool = False  # nothing came back: the transport may be the trouble


@dataclass(frozen=True, slots=True)
class Unregistered:
    pass


@dataclass(frozen=True, slots=True)
class Progress:
    """A response to one of our INVITEs (provisional or final), in the order seen."""

    key: str
    code: int


@dataclass(frozen=True, slots=True)
class Answered:
    key: str
    remote: Description | None  # the callee's SDP (None if it sent none we could use)


@dataclass(frozen=True, slots=True)
class MediaChanged:
    """A re-INVITE or UPDATE moved the far end's media or put it on hold."""

    key: str
    remote: Description


@dataclass(frozen=True, slots=True)
class Offered:
    """A new call from the trunk, not yet answered (we sent 100 and 180)."""

    key: str
    did: str
    caller: str
    remote: Description | None


@dataclass(frozen=True, slots=True)
class Digit:
    """A key pressed, signalled by SIP INFO (RFC 2833 digits come through the media loop)."""

    key: str
    digit: str


@dataclass(frozen=True, slots=True)
class Ended:
    """A call is over. `how`: final (a final answer to our INVITE), cancelled (we cancelled
    before an answer), remote_cancel (the caller gave up), local_bye, remote_bye, timeout
    (no answer from the far end at all), rejected (we refused an inbound call), error."""

    key: str
    how: str
    code: int | None = None
    detail: str = ""


SipEvent = (
    Registered
    | RegistrationFailed
    | Unregistered
    | Progress
    | Answered
    | MediaChanged
    | Offered
    | Digit
    | Ended
)


def trunk_outcome(event: Ended, *, answered: bool, reason: str) -> tuple[Outcome, str]:
    """How a call ended, in the dialer's words: `reason` is why we ended it ourselves."""
    how = event.how
    if how in ("local_bye", "remote_bye") or (answered and how == "timeout"):
        return Outcome.ANSWERED, event.detail
    if how == "final" and event.code is not None:
        return outcome_for_code(event.code), f"SIP {event.code}"
    if reason == "no_answer":
        return Outcome.NO_ANSWER, "rang out: cancelled"
    if how == "cancelled" or reason:
        return Outcome.CANCELLED, "cancelled"
    if how in ("remote_cancel", "rejected"):
        return Outcome.CANCELLED, event.detail
    if how == "timeout":
        return Outcome.FAILED, "no answer from the trunk (timed out)"
    return Outcome.FAILED, event.detail or "ended with no final response"
