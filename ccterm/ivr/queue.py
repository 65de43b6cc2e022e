"""Inbound queues (ACD) — pure: who waits, in what order, and which free agent gets whom.

First come, first served across every queue an agent serves: callers keep their
entry time when they overflow to another queue or take a callback (the callback
keeps the caller's place, VICIdial's INBOUND_CALLBACK_QUEUE). The caller at the
head goes to the free agent of the queue's groups who has waited longest since
their last call of any kind. An agent is reserved for one caller at a time, with
a timeout: a reservation not answered in time puts the caller back in their place
(the stuck Reserved agents of mod_callcenter are the bug this avoids).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

RESERVE_SECONDS = 20.0  # an agent's leg must take the caller within this


@dataclass(frozen=True, slots=True)
class QueueSpec:
    name: str
    groups: frozenset[str]
    max_wait: float = 300.0  # then `overflow`
    overflow: str = "voicemail"  # queue:NAME, menu:NAME, voicemail, hangup
    announce_every: float = 60.0  # 0: never
    callback_after: float = 60.0  # 0: never offered


@dataclass(frozen=True, slots=True)
class FreeAgent:
    name: str
    groups: frozenset[str]
    idle_since: float  # the end of their last call of any kind


@dataclass
class Caller:
    id: str
    queue: str
    entered_at: float  # kept across an overflow or a callback: their place in line
    joined_at: float  # in this queue
    callback: bool = False  # called back when their turn comes, agent first
    reserved: str | None = None
    reserved_until: float | None = None
    seq: int = 0
    announced: int = 0
    offered_callback: bool = False
    not_before: float | None = None  # a callback's next try waits until then


@dataclass(frozen=True, slots=True)
class Reserve:
    caller: str
    agent: str
    callback: bool  # dial the customer now, the agent's leg first


@dataclass(frozen=True, slots=True)
class Overflow:
    caller: str
    target: str


@dataclass(frozen=True, slots=True)
class Announce:
    caller: str
    position: int  # 1 = next


@dataclass(frozen=True, slots=True)
class OfferCallback:
    caller: str


Command = Reserve | Overflow | Announce | OfferCallback


@dataclass
class Acd:
    queues: Mapping[str, QueueSpec]
    waiting: dict[str, Caller] = field(default_factory=dict)
    _seq: itertools.count[int] = field(default_factory=itertools.count)

    def join(
        self,
        caller: str,
        queue: str,
        now: float,
        *,
        entered_at: float | None = None,
        callback: bool = False,
    ) -> Caller:
        """A caller (or a callback keeping a caller's place) joins a queue."""
        if queue not in self.queues:
            raise KeyError(f"no queue '{queue}'")
        entry = Caller(
            caller,
            queue,
            now if entered_at is None else entered_at,
            now,
            callback=callback,
            seq=next(self._seq),
        )
        self.waiting[caller] = entry
        return entry

    def leave(self, caller: str) -> Caller | None:
        """The caller hung up, was bridged, or went elsewhere."""
        return self.waiting.pop(caller, None)

    def take_callback(self, caller: str) -> Caller | None:
        """The caller pressed the key: they hang up, and their place is kept as a callback."""
        entry = self.waiting.get(caller)
        if entry is not None:
            entry.callback = True
        return entry

    def in_line(self, queue: str | None = None) -> list[Caller]:
        """Callers in order of their place (entry time, then arrival)."""
        callers = (c for c in self.waiting.values() if queue is None or c.queue == queue)
        return sorted(callers, key=lambda c: (c.entered_at, c.seq))

    def position(self, caller: str) -> int:
        entry = self.waiting[caller]
        return 1 + sum(
            1
            for c in self.in_line(entry.queue)
            if c is not entry
            and c.reserved is None
            and (c.entered_at, c.seq) < (entry.entered_at, entry.seq)
        )

    def match(self, free: Iterable[FreeAgent], now: float) -> list[Reserve]:
        """Free agents to the callers at the front, oldest place first, each agent to
        at most one caller (reserved until answered, or RESERVE_SECONDS)."""
        agents = sorted(free, key=lambda a: a.idle_since)
        taken: set[str] = {c.reserved for c in self.waiting.values() if c.reserved}
        out: list[Reserve] = []
        for entry in self.in_line():
            if entry.reserved is not None or (entry.not_before or 0.0) > now:
                continue
            groups = self.queues[entry.queue].groups
            agent = next((a for a in agents if a.name not in taken and a.groups & groups), None)
            if agent is None:
                continue
            taken.add(agent.name)
            entry.reserved, entry.reserved_until = agent.name, now + RESERVE_SECONDS
            out.append(Reserve(entry.id, agent.name, entry.callback))
        return out

    def unreserve(self, caller: str) -> None:
        """The reserved agent did not take the caller: back to their place in line."""
        entry = self.waiting.get(caller)
        if entry is not None:
            entry.reserved, entry.reserved_until = None, None

    def wake(self, now: float) -> list[Command]:
        """What time brings: reservations that ran out, overflows, announcements, offers."""
        out: list[Command] = []
        for entry in self.in_line():
            spec = self.queues[entry.queue]
            if entry.reserved_until is not None and now >= entry.reserved_until:
                self.unreserve(entry.id)
            if entry.not_before is not None and now >= entry.not_before:
                entry.not_before = None  # its next try may go (the caller matches again)
            if entry.reserved is not None or entry.callback:
                continue
            if now - entry.joined_at >= spec.max_wait:
                self.waiting.pop(entry.id)
                out.append(Overflow(entry.id, spec.overflow))
                continue
            if spec.announce_every and now - entry.joined_at >= spec.announce_every * (
                entry.announced + 1
            ):
                entry.announced += 1
                out.append(Announce(entry.id, self.position(entry.id)))
            if (
                spec.callback_after
                and not entry.offered_callback
                and now - entry.joined_at >= spec.callback_after
            ):
                entry.offered_callback = True
                out.append(OfferCallback(entry.id))
        return out

    def next_wake(self) -> float | None:
        times: list[float] = []
        for entry in self.waiting.values():
            spec = self.queues[entry.queue]
            if entry.reserved_until is not None:
                times.append(entry.reserved_until)
            if entry.not_before is not None and entry.reserved is None:
                times.append(entry.not_before)
            if entry.reserved is not None or entry.callback:
                continue
            times.append(entry.joined_at + spec.max_wait)
            if spec.announce_every:
                times.append(entry.joined_at + spec.announce_every * (entry.announced + 1))
            if spec.callback_after and not entry.offered_callback:
                times.append(entry.joined_at + spec.callback_after)
        return min(times, default=None)


def expected_wait(position: int, agents: int, handle: float) -> float:
    """A caller's expected wait, for the announcement: one handle time per `agents` ahead."""
    return position * handle / max(1, agents)
