"""What the floor holds: agents and calls, their typed states, and who owns which field.

Every field here is written by the floor core only (floor/*.py); the runner and
the simulator read it and feed events. Times are epoch seconds from the caller's `now`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from ccterm.model import AgentStatus


class CallState(StrEnum):
    DIALING = "dialing"  # sent to the trunk, no answer from the network yet
    RINGING = "ringing"
    SCREENING = "screening"  # answered; answering-machine detection judges the line
    MACHINE = "machine"  # a machine answered: hung up, retried later
    WAITING = "waiting"  # a person answered with no agent free: the safe harbor
    CONNECTED = "connected"  # bridged to an agent
    ABANDONED = "abandoned"  # no agent within the safe harbor: the message plays
    ENDED = "ended"  # hung up while its agent wraps up
    ANSWERING = "answering"  # inbound: we picked up, the media is not up yet
    IVR = "ivr"  # inbound: in a menu, or hearing a message before the hang-up
    QUEUED = "queued"  # inbound: waiting in a queue for an agent


RINGING = (CallState.DIALING, CallState.RINGING)
BUSY = (AgentStatus.ON_CALL, AgentStatus.WRAPUP, AgentStatus.DIALING)


@dataclass(frozen=True, slots=True)
class Lead:
    """An outbound call's contact, taken from the store (attempt row written)."""

    lead_id: int
    attempt_id: int
    attempts: int  # including this one
    e164: str
    name: str


@dataclass(frozen=True, slots=True)
class Outbound:
    campaign_id: int
    lead: Lead


@dataclass(frozen=True, slots=True)
class Inbound:
    """A call to one of our numbers: what its screen pop needs, fixed at arrival (the
    queue and the wait are the Call's; menus and queues are in floor/inbound.py)."""

    did: str
    caller: str  # as the trunk sent it
    e164: str | None = None  # the caller's number, parsed; None when withheld or unreadable
    client: str = ""  # whose number was called ([[inbound]] client)
    script: str = ""  # the [[inbound]] script's text, read once from its file
    language: str = "en"  # the prompt set the caller hears


CallKind = Outbound | Inbound


@dataclass(frozen=True, slots=True)
class Booked:
    """A callback keeping a caller's place in line (its row in queue_callbacks)."""

    id: int
    queue: str
    e164: str
    language: str = "en"


@dataclass(eq=False)
class Call:
    id: str
    kind: CallKind
    mode: str  # manual | power | predictive | precise | inbound
    started_at: float
    agent: str | None = None  # reserved for, then connected to
    state: CallState = CallState.DIALING
    answered_at: float | None = None
    connected_at: float | None = None
    machine: bool = False
    resolved: bool = False  # the pacer knows how its ringing ended
    cut: bool = False  # hung up still ringing by the pacer: no agent would have been free
    early: bool = False  # agent first: the agent's leg hears it ring
    queue: str | None = None  # inbound: the queue it waits or waited in
    entered_at: float | None = None  # inbound: its place in line (kept across an overflow)

    @property
    def outbound(self) -> Outbound:
        assert isinstance(self.kind, Outbound), f"call {self.id} is not outbound"
        return self.kind

    @property
    def campaign_id(self) -> int | None:
        return self.kind.campaign_id if isinstance(self.kind, Outbound) else None

    def to_wire(self) -> dict[str, Any]:
        """The call on the agent's screen; an inbound one carries what its screen pop needs."""
        kind = self.kind
        lead = kind.lead if isinstance(kind, Outbound) else None
        out: dict[str, Any] = {
            "id": self.id,
            "direction": "outbound" if isinstance(kind, Outbound) else "inbound",
            "lead_id": lead.lead_id if lead else None,
            "campaign_id": self.campaign_id,
            "name": lead.name if lead else "",
            "e164": kind.lead.e164 if isinstance(kind, Outbound) else kind.e164 or kind.caller,
            "state": str(self.state),
            "started_at": self.started_at,
            "answered_at": self.answered_at,
        }
        if isinstance(kind, Inbound):
            since = self.entered_at or self.answered_at or self.started_at
            out["inbound"] = {
                "client": kind.client,
                "did": kind.did,
                "caller": kind.caller,
                "e164": kind.e164,
                "queue": self.queue,
                "script": kind.script,
                "waited": round((self.connected_at or since) - since, 1),
            }
        return out


@dataclass(eq=False)
class Agent:
    name: str
    group: str
    phone: str  # "simulated", "down", "ringing", "up", or why it is down
    status: AgentStatus = AgentStatus.OFFLINE
    campaigns: tuple[int, ...] = ()  # what the agent works; empty when logged out
    queues: tuple[str, ...] = ()  # inbound queues they take (the inbound issue fills it)
    since: float = 0.0
    pause_reason: str = ""
    call: Call | None = None  # the call connected, or in wrap-up
    wrapup_until: float | None = None
    wrapup_since: float | None = None
    pause_after_call: bool = False
    clients: int = 0  # connected desks
    waiting_for_phone: bool = False
    idle_since: float = 0.0  # the end of their last call of any kind (the ACD's order)
    callback: str | None = None  # a queue callback held for them: its ACD key, then call id

    @property
    def campaign(self) -> int | None:
        return self.campaigns[0] if self.campaigns else None

    def free(self) -> bool:
        """May take a customer now: counted once, wherever free agents are counted."""
        return (
            self.status in (AgentStatus.READY, AgentStatus.DIALING)
            and self.call is None
            and self.callback is None
            and bool(self.campaigns or self.queues)
            and not self.pause_after_call
        )


@dataclass
class Timers:
    """Named wake-ups: the core asks to be woken; the runner sleeps until the earliest."""

    due: dict[tuple[str, str], float] = field(default_factory=dict)

    def set(self, key: tuple[str, str], at: float) -> None:
        self.due[key] = at

    def cancel(self, key: tuple[str, str]) -> None:
        self.due.pop(key, None)

    def next(self) -> float | None:
        return min(self.due.values(), default=None)

    def pop_due(self, now: float) -> list[tuple[str, str]]:
        keys = sorted((at, key) for key, at in self.due.items() if at <= now)
        for _, key in keys:
            del self.due[key]
        return [key for _, key in keys]
