"""FloorCore: the one live core of agents and calls, fed events and `now`, returning effects.

The daemon's runner and `ccterm simulate` both drive it: trunk events
(`trunk_event`), client requests (agents.py, calls.py), and the wake-ups it asked
for (`wake_up` at `next_wake()`). After each input the caller takes the effects
(`drain`) and executes them in order; when `pace_wanted` it calls `pace(now)`.
"""

from __future__ import annotations

from collections.abc import Iterable

from ccterm.daemon.floor.base import TICK, Setup
from ccterm.daemon.floor.effects import ClockWork, Effect, Hangup, Publish, Unbridge
from ccterm.daemon.floor.state import CallState, Inbound
from ccterm.daemon.floor.watch import Watch
from ccterm.dialer.pacing import Policy
from ccterm.model import Campaign
from ccterm.sip.trunk import (
    CallAnswered,
    CallEnded,
    CallRinging,
    DigitReceived,
    InboundCall,
    Outcome,
    TrunkEvent,
    TrunkState,
    TrunkStateChanged,
)


class FloorCore(Watch):
    def __init__(self, setup: Setup, now: float) -> None:
        super().__init__(setup, now)
        self.policies: dict[int, Policy] = {}

    def drain(self) -> list[Effect]:
        self.watch()  # what changed for the wallboards, after the effects that changed it
        out, self.out = self.out, []
        return out

    def next_wake(self) -> float | None:
        return self.timers.next()

    # -- what the runner tells the floor -----------------------------------------------------

    def set_campaigns(self, campaigns: Iterable[Campaign]) -> None:
        """The campaigns as the store has them now (settings and status)."""
        for campaign in campaigns:
            self.campaign_changed(campaign)

    def trunk_event(self, event: TrunkEvent, now: float) -> None:
        """An event about a customer's call (the runner routes phone legs and probes itself)."""
        if isinstance(event, TrunkStateChanged):
            if event.state is not self.trunk:
                self.trunk_since = now
            self.trunk = event.state
            self.trunk_detail = event.detail
            self.emit(Publish("trunk.state", {"state": str(event.state), "detail": event.detail}))
            if event.state is TrunkState.UP:
                self.trunk_back(now)
                self.wake()
        elif isinstance(event, InboundCall):
            self.inbound_offered(event.call_id, event.did, event.caller, now)
        elif isinstance(event, DigitReceived):
            self.inbound_digit(event.call_id, event.digit, now)
        elif self.inbound_event(event, now):
            pass
        elif isinstance(event, CallRinging):
            self.call_ringing(event.call_id)
        elif isinstance(event, CallAnswered):
            self.call_answered(event.call_id, event.machine, now)
        elif isinstance(event, CallEnded):
            crossed = event.outcome is not Outcome.ANSWERED and (
                event.code == 200 or 200 in event.responses
            )
            self.call_ended(event.call_id, event.outcome, event.code, now, crossed=crossed)

    def inbound_event(self, event: TrunkEvent, now: float) -> bool:
        """An inbound call answered or ended; False for anything else."""
        call = self.calls.get(getattr(event, "call_id", ""))
        if call is None or not isinstance(call.kind, Inbound):
            return False
        if call.mode == "callback":
            if isinstance(event, CallRinging):
                self.callback_ringing(call)
            answered, ended = isinstance(event, CallAnswered), isinstance(event, CallEnded)
            if ended:
                self.emit(Unbridge(call.id))
            self.callback_event(call, answered, ended, now)
        elif isinstance(event, CallAnswered):
            if call.state is CallState.ANSWERING:
                self.inbound_answered(call, now)
        elif isinstance(event, CallEnded):
            del self.calls[call.id]
            self.emit(Unbridge(call.id))
            self.inbound_ended(call, now)
        return True

    def wake_up(self, now: float) -> None:
        """Every wake-up that has come due, in the order they fell due."""
        for kind, key in self.timers.pop_due(now):
            if kind == "tick":
                self.timers.set(("tick", ""), now + TICK)
                self.exhausted.clear()  # retries and callbacks may have come due
                self.emit(ClockWork())
                self.publish_pacing(now)
                self.publish_queues(now)
                self.check_alerts(now)
                self.wake()
            elif kind == "rate":
                self.wake()
            elif kind == "harbor" and key in self.calls:
                self.harbor_over(self.calls[key], now)
            elif kind == "hangup" and key in self.calls:
                if key in self.legs:
                    self.legs[key].hung_up_by = "system"  # the voicemail's time was up
                self.emit(Hangup(key))
            elif kind == "wrapup" and key in self.agents:
                self.wrapup_expired(self.agents[key], now)
            elif kind == "gone" and key in self.agents:
                self.gone(self.agents[key], now)
            elif kind == "menu":
                self.menu_timeout(key, now)
            elif kind == "acd":
                self.acd_wake(now)

    # -- what requests read ---------------------------------------------------------------------

    def working_on(self, campaign_id: int) -> list[str]:
        return sorted(a.name for a in self.agents.values() if campaign_id in a.campaigns)

    def answered(self, call_id: str) -> bool:
        call = self.calls.get(call_id)
        return call is not None and call.answered_at is not None
