"""The Trunk interface: what the daemon needs from a telephone line, and what it hears back.

Two implementations exist: the real SIP trunk (voip.py, the asyncio shell of
our sans-io SIP core in ua.py) and SimulatedTrunk (simulated.py) for the demo,
tests and `ccterm simulate`. The daemon's composition root picks one; nothing else cares.
Events are facts, delivered to one listener on the daemon's event loop.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol


class TrunkState(StrEnum):
    DOWN = "down"
    REGISTERING = "registering"
    UP = "up"
    FAILED = "failed"


class Outcome(StrEnum):
    """How an outbound call ended, in the dialer's words."""

    ANSWERED = "answered"  # a person or machine picked up; the call ran and ended
    BUSY = "busy"  # 486, 600
    REJECTED = "rejected"  # 603
    UNAVAILABLE = "unavailable"  # 480
    INVALID = "invalid"  # 404, 484: no such number
    NO_ANSWER = "no_answer"  # rang until the ring timeout; we cancelled
    CANCELLED = "cancelled"  # we hung up before an answer, for another reason
    FAILED = "failed"  # any other code, or no response


@dataclass(frozen=True, slots=True)
class TrunkStateChanged:
    state: TrunkState
    detail: str = ""


@dataclass(frozen=True, slots=True)
class CallRinging:
    call_id: str


@dataclass(frozen=True, slots=True)
class CallAnswered:
    call_id: str
    machine: bool = False  # answering-machine detection's verdict, when the trunk has one


@dataclass(frozen=True, slots=True)
class CallEnded:
    call_id: str
    outcome: Outcome
    code: int | None = None  # the SIP status that ended it, when there was one
    cause: str = ""
    responses: tuple[int, ...] = ()  # every INVITE response seen, in order (SIP trunks)


@dataclass(frozen=True, slots=True)
class InboundCall:
    call_id: str
    did: str  # the number the caller dialled
    caller: str


@dataclass(frozen=True, slots=True)
class DigitReceived:
    call_id: str
    digit: str


TrunkEvent = (
    TrunkStateChanged | CallRinging | CallAnswered | CallEnded | InboundCall | DigitReceived
)
Listener = Callable[[TrunkEvent], None]


class Trunk(Protocol):
    """A line to the telephone network. Trunks that carry audio (`carries_audio`) also
    answer inbound calls and route, play and record media by call id (see voip.py)."""

    @property
    def state(self) -> TrunkState: ...

    @property
    def detail(self) -> str:
        """Why the state is what it is ("retry in 8 s"), for ccterm status."""
        ...

    def set_listener(self, listener: Listener) -> None: ...

    async def start(self) -> None: ...

    async def stop(self) -> None: ...

    def originate(
        self,
        call_id: str,
        number: str,
        *,
        caller_id: str,
        ring_timeout: float,
        check: bool = True,
    ) -> None:
        """Start dialling `number`; progress arrives as events for `call_id`.

        A customer's number (E.164) passes the toll-fraud guard first (`check`);
        an agent's or supervisor's phone (an extension or a SIP URI) does not.
        """
        ...

    def hangup(self, call_id: str) -> None:
        """Cancel a ringing call or end an answered one; a CallEnded follows."""
        ...


def outcome_for_code(code: int) -> Outcome:
    """A final SIP response to an INVITE, as a dialer outcome."""
    if code in (486, 600):
        return Outcome.BUSY
    if code == 603:
        return Outcome.REJECTED
    if code == 480:
        return Outcome.UNAVAILABLE
    if code in (404, 484, 604):
        return Outcome.INVALID
    if code == 487:
        return Outcome.CANCELLED
    return Outcome.FAILED
