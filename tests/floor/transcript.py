"""Drive the floor core as a call transcript: each step says what happens and when, and
returns the effects as short lines a person can read (and a test can compare)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from ccterm.daemon.floor.base import Setup
from ccterm.daemon.floor.core import FloorCore
from ccterm.daemon.floor.effects import (
    Abandoned,
    Answer,
    Bridge,
    CallbackDue,
    CallbackResult,
    ClockWork,
    Dispose,
    Effect,
    FinishAttempt,
    Hangup,
    InboundAnswered,
    InboundArrived,
    InboundEnded,
    InboundQueued,
    MarkAbandoned,
    MarkAnswered,
    MarkConnected,
    Originate,
    PlayPrompt,
    Publish,
    QueueCallback,
    RecordCaller,
    ReleasePhone,
    Ringback,
    RingPhone,
    StopPrompt,
    Take,
    Unbridge,
)
from ccterm.daemon.floor.state import Lead
from ccterm.model import Campaign, CampaignSettings, CampaignStatus, DialMode, Disposition
from ccterm.sip.trunk import (
    CallAnswered,
    CallEnded,
    CallRinging,
    Outcome,
    TrunkState,
    TrunkStateChanged,
)

T0 = 1_767_603_600.0


def line(one: Effect) -> str | None:
    """One effect as a transcript line; None for the ones a call's story leaves out."""
    if isinstance(one, Originate):
        return f"dial {one.number} as {one.call_id}"
    if isinstance(one, Hangup):
        return f"hang up {one.call_id}"
    if isinstance(one, Take):
        return f"take {one.count} for {one.agent or 'anyone'}"
    if isinstance(one, Bridge):
        tone = " after a tone" if one.tone else ""
        return f"bridge {one.call_id} to {one.agent}" + (" early" if one.early else "") + tone
    if isinstance(one, Answer):
        return f"answer {one.call_id}"
    if isinstance(one, PlayPrompt):
        return f"play {' '.join(one.prompts)} to {one.call_id}" + (" looped" if one.loop else "")
    if isinstance(one, StopPrompt):
        return f"stop the prompt to {one.call_id}"
    if isinstance(one, RecordCaller):
        return f"record {one.call_id}"
    if isinstance(one, InboundArrived):
        return f"commit arrived {one.call_id} from {one.caller} to {one.did}"
    if isinstance(one, InboundQueued):
        return f"commit {one.call_id} in {one.queue} since {one.entered_at - T0:g}"
    if isinstance(one, InboundAnswered):
        return f"commit {one.call_id} answered by {one.agent}"
    if isinstance(one, InboundEnded):
        return f"commit {one.call_id} {one.outcome} ({one.hung_up_by}): {' '.join(one.path)}"
    if isinstance(one, CallbackDue):
        return f"callback {one.callback_id} due for {one.agent}: check {one.e164}"
    if isinstance(one, CallbackResult):
        return f"commit callback {one.callback_id} {'reached' if one.reached else 'not reached'}"
    if isinstance(one, QueueCallback):
        what = "voicemail" if one.voicemail else "callback"
        return f"commit {what} for {one.caller} in {one.queue} since {one.entered_at - T0:g}"
    if isinstance(one, Ringback):
        return f"ringback {'on' if one.on else 'off'} for {one.agent}"
    if isinstance(one, Unbridge):
        return f"unbridge {one.call_id}"
    if isinstance(one, MarkAnswered):
        return f"commit answered {one.attempt_id}"
    if isinstance(one, MarkConnected):
        return f"commit connected {one.attempt_id} to {one.agent}"
    if isinstance(one, MarkAbandoned):
        return f"commit abandoned {one.attempt_id}"
    if isinstance(one, FinishAttempt):
        return f"commit ended {one.attempt_id} {one.outcome}"
    if isinstance(one, Dispose):
        return f"commit {one.code} {one.lead_id} by {one.actor}"
    if isinstance(one, Abandoned):
        return f"message to {one.call_id}" if one.play else f"abandoned {one.call_id}, no message"
    if isinstance(one, RingPhone):
        return f"ring {one.agent}'s phone"
    if isinstance(one, ReleasePhone):
        return f"release {one.agent}'s phone"
    if isinstance(one, Publish) and one.name == "agent.changed":
        data = one.data
        reason = f" ({data['pause_reason']})" if data["pause_reason"] else ""
        return f"{data['name']} is {data['status']}{reason}"
    if isinstance(one, ClockWork | Publish):
        return None
    raise AssertionError(f"no transcript line for {one!r}")


class Floor:
    """A floor with one campaign (id 1) on a trunk that is up, the clock at T0."""

    def __init__(
        self, mode: DialMode = DialMode.POWER, *, audio: bool = False, **settings: Any
    ) -> None:
        self.now = T0
        self.core = FloorCore(
            Setup(audio=audio, max_lines=100, calls_per_second=100.0, burst=100.0), T0
        )
        defaults: dict[str, Any] = {"mode": mode, "wrapup_seconds": 30, "ring_timeout": 25}
        self.campaign = Campaign(
            1,
            "sales",
            CampaignStatus.RUNNING,
            CampaignSettings(**(defaults | settings)),
            T0,
            None,
            T0,
            T0,
        )
        self.core.set_campaigns([self.campaign])
        self.core.trunk_event(TrunkStateChanged(TrunkState.UP), T0)
        self.core.wake_up(T0)  # the first tick, as the runner's first step
        self.core.drain()
        self.leads_given = 0
        self.asked: list[Take] = []  # the Takes not answered yet, which `leads` answers

    def settings(self, **changes: Any) -> None:
        self.campaign = replace(self.campaign, settings=replace(self.campaign.settings, **changes))
        self.core.campaign_changed(self.campaign)

    def at(self, seconds: float) -> Floor:
        """Move to T0 + seconds, running the wake-ups that fall due on the way."""
        target = T0 + seconds
        while (due := self.core.next_wake()) is not None and due <= target:
            self.now = max(self.now, due)
            self.core.wake_up(self.now)
        self.now = target
        return self

    def lines(self) -> list[str]:
        """What the floor did since the last look, paced as the runner paces."""
        out: list[str] = []
        while True:
            effects = self.core.drain()
            self.asked += [e for e in effects if isinstance(e, Take)]
            out += [text for one in effects if (text := line(one)) is not None]
            if not self.core.pace_wanted:
                return out
            self.core.pace(self.now)

    # -- inputs, each returning the transcript lines it caused ------------------------------

    def login(self, agent: str) -> list[str]:
        self.core.login(agent, "team", self.campaign, self.now, new_client=True)
        return self.lines()

    def leads(self, count: int = 1) -> list[str]:
        """The store answers the floor's first open Take with `count` leads."""
        assert self.asked, "the floor asked for no lead"
        asked = self.asked.pop(0)
        given = []
        for _ in range(count):
            self.leads_given += 1
            n = self.leads_given
            given.append(Lead(n, n, 1, f"+4822000000{n}", f"Lead {n}"))
        self.core.taken(asked.campaign_id, asked.agent, asked.mode, given, asked.count, self.now)
        return self.lines()

    def ringing(self, call: str) -> list[str]:
        self.core.trunk_event(CallRinging(call), self.now)
        return self.lines()

    def answered(self, call: str, *, machine: bool = False) -> list[str]:
        self.core.trunk_event(CallAnswered(call, machine=machine), self.now)
        return self.lines()

    def ended(self, call: str, outcome: Outcome = Outcome.ANSWERED, code: int = 200) -> list[str]:
        self.core.trunk_event(CallEnded(call, outcome, code), self.now)
        return self.lines()

    def dispose(self, agent: str, lead: int, code: Disposition = Disposition.DONE) -> list[str]:
        self.core.dispose(agent, lead, code, self.now, attempts=1, callback_at=None, note="")
        return self.lines()

    def client_closed(self, agent: str) -> list[str]:
        self.core.client_closed(agent, self.now)
        return self.lines()

    def phone(self, agent: str, *, up: bool, why: str = "hung up") -> list[str]:
        if up:
            self.core.phone_answered(agent, self.now)
        else:
            self.core.phone_lost(agent, f"down: {why}", f"your phone {why}", self.now)
        return self.lines()

    def wake(self, seconds: float) -> list[str]:
        self.at(seconds)
        return self.lines()

    def status(self, agent: str) -> str:
        return str(self.core.agents[agent].status)
