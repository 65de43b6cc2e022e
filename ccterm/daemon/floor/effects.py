"""What the floor core asks the world to do, in order (DESIGN.md §1: effects, not calls).

The runner executes them one by one and awaits each store write (`Commit`
subclasses) before the next effect, so nothing is published or acknowledged
before the write it reports is committed. The simulator executes the same list
against the simulated trunk and an in-memory count.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ccterm.daemon.floor.state import Lead
from ccterm.model import Disposition
from ccterm.sip.trunk import Outcome


@dataclass(frozen=True, slots=True)
class Originate:
    call_id: str
    number: str
    caller_id: str
    ring_timeout: float


@dataclass(frozen=True, slots=True)
class Hangup:
    call_id: str


@dataclass(frozen=True, slots=True)
class Take:
    """Take the campaign's next `count` leads from the store (for `agent`, or anyone);
    each comes back to FloorCore.taken, an empty list to FloorCore.taken too."""

    campaign_id: int
    count: int
    agent: str | None
    mode: str


@dataclass(frozen=True, slots=True)
class Bridge:
    """The customer to the agent's phone, recorded (`early`: ringing, agent first)."""

    call_id: str
    agent: str
    attempt_id: int | None
    early: bool = False
    tone: bool = False  # the agent hears a short tone first (an inbound caller coming)


@dataclass(frozen=True, slots=True)
class Ringback:
    """Agent first: the agent hears the customer's line ring (`on`), until it is answered."""

    agent: str
    on: bool


@dataclass(frozen=True, slots=True)
class Unbridge:
    call_id: str


@dataclass(frozen=True, slots=True)
class RingPhone:
    agent: str


@dataclass(frozen=True, slots=True)
class ReleasePhone:
    agent: str


@dataclass(frozen=True, slots=True)
class Abandoned:
    """Told after the abandon's commit: on an audio trunk the campaign's message plays
    (`play`) and the line hangs up after it; without audio the floor holds the line
    `hold` seconds itself. Published as call.abandoned."""

    call_id: str
    campaign_id: int
    lead: Lead
    answered_at: float | None
    at: float
    play: bool
    hold: float


@dataclass(frozen=True, slots=True)
class ClockWork:
    """Once a second: campaigns starting and ending, waiting leads coming due."""


@dataclass(frozen=True, slots=True)
class Publish:
    """An event to clients; `campaign_id` or `agent` say who may see it. `staff` events
    (the wallboard's) go to admins and to supervisors who see the campaign or are of one
    of `groups`; with neither set, to every supervisor; never to agents."""

    name: str
    data: dict[str, Any]
    campaign_id: int | None = None
    agent: str | None = None
    groups: frozenset[str] | None = None  # an inbound queue's: its groups and admins see it
    staff: bool = False
    admins: bool = True  # False: a staff event admins do not get (a call gone from a view)


@dataclass(frozen=True, slots=True)
class Answer:
    """Pick up an inbound call; a CallAnswered follows when its media is up."""

    call_id: str


@dataclass(frozen=True, slots=True)
class PlayPrompt:
    """Play prompts in order to a caller: shipped names ("invalid", "7") in `language`, or
    the admin's files. The runner reports the end to FloorCore.prompt_done with `token`
    (a prompt stopped or replaced never reports); `loop` plays until stopped (hold)."""

    call_id: str
    prompts: tuple[str, ...]
    token: int
    language: str = "en"
    loop: bool = False


@dataclass(frozen=True, slots=True)
class StopPrompt:
    call_id: str


@dataclass(frozen=True, slots=True)
class RecordCaller:
    """Voicemail: record what the caller says, until the call ends."""

    call_id: str
    queue: str


@dataclass(frozen=True, slots=True)
class CallbackDue:
    """A callback reached the head of its queue, its agent held: the runner checks the
    number now and claims it in the store, then tells the floor to dial or to hold it."""

    callback_id: int
    agent: str
    e164: str
    queue: str


class Commit:
    """A store write: committed before any later effect runs."""


@dataclass(frozen=True, slots=True)
class MarkAnswered(Commit):
    attempt_id: int
    at: float


@dataclass(frozen=True, slots=True)
class MarkConnected(Commit):
    attempt_id: int
    at: float
    agent: str
    answered_at: float | None


@dataclass(frozen=True, slots=True)
class MarkAbandoned(Commit):
    attempt_id: int
    at: float


@dataclass(frozen=True, slots=True)
class FinishAttempt(Commit):
    attempt_id: int
    outcome: Outcome
    code: int | None
    answered_at: float | None
    ended_at: float


@dataclass(frozen=True, slots=True)
class Dispose(Commit):
    """A disposition, its lead update computed at the commit under the campaign's settings
    of now; `keep_callback` keeps a callback already booked (a wrap-up default); `tags`:
    the campaign's funnel tags the agent set on the call, stored with it."""

    campaign_id: int
    lead_id: int
    code: Disposition
    actor: str
    attempt_id: int | None
    attempts: int
    at: float
    callback_at: float | None = None
    callback_agent: str | None = None
    note: str = ""
    keep_callback: bool = False
    tags: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class InboundArrived(Commit):
    call_id: str
    did: str
    client: str
    caller: str
    at: float
    e164: str | None = None  # a callback's number (a caller's is read by the runner)


@dataclass(frozen=True, slots=True)
class InboundQueued(Commit):
    """The caller joined a queue; `entered_at` is their place, kept across an overflow."""

    call_id: str
    queue: str
    entered_at: float
    path: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class InboundAnswered(Commit):
    call_id: str
    agent: str
    at: float


@dataclass(frozen=True, slots=True)
class InboundEnded(Commit):
    call_id: str
    at: float
    hung_up_by: str  # caller | agent | system
    outcome: str  # answered, abandoned, overflowed, voicemail, callback, closed, ...
    path: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class QueueCallback(Commit):
    """A caller's place kept as a callback (the key, or a voicemail's task)."""

    call_id: str
    queue: str
    caller: str
    entered_at: float
    at: float
    voicemail: bool = False
    language: str = "en"
    not_before: float | None = None  # not dialled before then (the caller is still on)


@dataclass(frozen=True, slots=True)
class CallbackResult(Commit):
    """A placed callback reached the customer (done), or not (the runner retries it)."""

    callback_id: int
    reached: bool
    at: float


Effect = (
    Originate
    | Hangup
    | Take
    | Bridge
    | Unbridge
    | Ringback
    | RingPhone
    | ReleasePhone
    | Abandoned
    | ClockWork
    | Publish
    | MarkAnswered
    | MarkConnected
    | MarkAbandoned
    | FinishAttempt
    | Dispose
    | Answer
    | PlayPrompt
    | StopPrompt
    | RecordCaller
    | InboundArrived
    | InboundQueued
    | InboundAnswered
    | InboundEnded
    | QueueCallback
    | CallbackDue
    | CallbackResult
)
