"""Where the audio goes: agents' phone legs, customer bridges, recordings, listen/whisper/barge.

Each agent has a SIP phone. The floor (floor/agents.py) decides when it rings
and what a lost leg means; this module places the legs and routes the media.
A customer who answers is bridged into the agent's leg and the bridge is
recorded (customer left, agent right). A supervisor's monitor is another phone
leg, routed by mode: listen hears both sides, whisper also speaks to the agent
only, barge speaks to both. Only when the trunk carries audio (the SIP trunk);
on the simulated trunk the phone is "simulated" and nothing here runs.
"""

from __future__ import annotations

import itertools
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ccterm.clock import Clock, local
from ccterm.config import Config
from ccterm.daemon.tones import ringback
from ccterm.errors import Conflict
from ccterm.sip.media import AudioFileError
from ccterm.sip.trunk import CallAnswered, CallEnded, Trunk, TrunkEvent

log = logging.getLogger(__name__)

PHONE_RING_SECONDS = 30.0
MONITOR_MODES = ("listen", "whisper", "barge")


@dataclass
class PhoneLeg:
    id: str
    user: str
    up: bool = False
    # for a supervisor's monitor leg: whom and how
    agent: str | None = None
    mode: str = ""


@dataclass(frozen=True, slots=True)
class PhoneNews:
    """What a phone leg's event means to the floor: `up`, or lost with the words to show."""

    agent: str
    up: bool
    phone: str = ""
    reason: str = ""
    listening: bool = False  # a supervisor's listening leg ended, not an agent's phone


class Media:
    def __init__(self, trunk: Trunk, config: Config) -> None:
        self.trunk: Any = trunk
        self.config = config
        self.enabled = bool(getattr(trunk, "carries_audio", False))
        self.legs: dict[str, PhoneLeg] = {}
        self.agent_legs: dict[str, str] = {}  # agent -> leg id
        self.monitors: dict[str, str] = {}  # supervisor -> leg id
        self.bridged: dict[str, str] = {}  # customer call id -> agent leg id
        self._ids = itertools.count(1)

    # -- agents' phones -------------------------------------------------------------------

    def phone_leg(self, agent: str) -> str | None:
        leg = self.legs.get(self.agent_legs.get(agent, ""))
        return leg.id if leg is not None and leg.up else None

    def ring(self, agent: str) -> PhoneNews | None:
        """Ring the agent's phone; news for the floor at once when there is no phone to ring."""
        if not self.enabled:
            return None
        old = self.agent_legs.pop(agent, None)
        if old is not None:
            self.legs.pop(old, None)
            self.trunk.hangup(old)
        user = self.config.user(agent)
        uri = user.phone if user is not None else ""
        if not uri:
            reason = "no phone: set phone = ... for you in config.toml"
            return PhoneNews(agent, False, "no phone in config.toml", reason)
        leg = PhoneLeg(f"p{next(self._ids)}-{agent}", agent)
        self.agent_legs[agent] = leg.id
        self._ring(leg, uri)
        return None

    def _ring(self, leg: PhoneLeg, uri: str) -> None:
        """Call a staff phone: an extension or SIP URI, so no toll-fraud check."""
        self.legs[leg.id] = leg
        self.trunk.originate(
            leg.id,
            uri,
            caller_id=self.config.trunk.caller_id,
            ring_timeout=PHONE_RING_SECONDS,
            check=False,
        )

    def release(self, agent: str) -> None:
        """Logged out: hang up the agent's leg."""
        leg_id = self.agent_legs.pop(agent, None)
        if leg_id is not None:
            self.legs.pop(leg_id, None)
            self.trunk.hangup(leg_id)

    # -- customers --------------------------------------------------------------------------

    def bridge(self, call_id: str, agent: str, now: float, *, record: bool) -> Path | None:
        """Put the customer through to the agent's phone; start recording when `record`
        (an early bridge, agent first, records from the answer). The recording's path."""
        leg_id = self.agent_legs.get(agent)
        if not self.enabled or leg_id is None:
            return None
        if self.bridged.get(call_id) != leg_id:
            self.unbridge(call_id)  # agent first: a line another agent heard ring moves
            self.trunk.connect(call_id, leg_id)
            self.trunk.connect(leg_id, call_id)
            self.bridged[call_id] = leg_id
            self._follow(agent)
        if not record:
            return None
        path = self.config.daemon.recordings / local(now).strftime("%Y-%m-%d") / f"{call_id}.wav"
        try:
            self.trunk.record(call_id, path, call_id, leg_id)
        except OSError as exc:  # a full disk or a bad [daemon] recordings must not drop the call
            log.error("call %s: cannot record to %s: %s", call_id, path, exc)
            return None
        return path

    def caller_after(self, call_id: str, seconds: float, clock: Clock) -> None:
        """The bridged customer reaches the agent's ear only after `seconds` (the tone)."""
        leg_id = self.bridged.get(call_id)
        if leg_id is None or seconds <= 0:
            return
        self.trunk.disconnect(call_id, leg_id)

        def join() -> None:
            if self.bridged.get(call_id) == leg_id:
                self.trunk.connect(call_id, leg_id)

        clock.call_later(seconds, join)

    def ringback(self, agent: str, *, on: bool) -> None:
        """Agent first: the agent hears the customer's line ring, made here (no early media)."""
        leg_id = self.agent_legs.get(agent)
        engine = getattr(self.trunk, "media", None)
        if not self.enabled or leg_id is None or engine is None:
            return
        frames = ringback(self.config.dialer.region) if on else []
        engine.play(leg_id, frames)

    def unbridge(self, call_id: str) -> None:
        leg_id = self.bridged.pop(call_id, None)
        if leg_id is None:
            return
        self.trunk.stop_recording(call_id)
        self.trunk.disconnect(call_id, leg_id)
        self.trunk.disconnect(leg_id, call_id)
        agent = self.legs.get(leg_id)
        if agent is not None:
            self._follow(agent.user)

    # -- prompts ------------------------------------------------------------------------------

    def play(self, leg_id: str, path: Path, *, hang_up: bool = False) -> float:
        """Play a WAV to a leg (a prompt, the safe-harbor message); hang up after it if asked.

        The leg still hears its bridge under the prompt. Returns the prompt's length.
        """
        if not self.enabled:
            raise Conflict("the simulated trunk carries no audio", "prompts need kind = 'sip'")

        def played() -> None:
            if hang_up:
                self.trunk.hangup(leg_id)

        try:
            seconds: float = self.trunk.play(leg_id, path, played)
        except AudioFileError as exc:
            raise Conflict(
                f"cannot play {exc}", "a WAV file: PCM or G.711, any rate, mono or stereo"
            ) from exc
        then = ", then hanging up" if hang_up else ""
        log.info("playing %s to %s (%.1f s)%s", path, leg_id, seconds, then)
        return seconds

    # -- supervisors ------------------------------------------------------------------------

    def monitor(self, supervisor: str, agent_name: str, mode: str) -> dict[str, Any]:
        """Listen to, whisper to or barge into an agent's calls, on the supervisor's phone."""
        if mode not in MONITOR_MODES:
            raise Conflict(f"unknown mode '{mode}'", "listen, whisper or barge")
        if not self.enabled:
            raise Conflict("the simulated trunk carries no audio", "listening needs kind = 'sip'")
        user = self.config.user(supervisor)
        uri = user.phone if user is not None else ""
        leg_id = self.monitors.get(supervisor)
        leg = self.legs.get(leg_id or "")
        if leg is None:
            if not uri:
                raise Conflict("you have no phone", "set phone = ... for you in config.toml")
            leg = PhoneLeg(f"s{next(self._ids)}-{supervisor}", supervisor)
            self.monitors[supervisor] = leg.id
            self._ring(leg, uri)
        self._unroute(leg)
        leg.agent, leg.mode = agent_name, mode
        if leg.up:
            self._route(leg)
        phone = "up" if leg.up else "ringing"
        return {"leg": leg.id, "agent": agent_name, "mode": mode, "phone": phone}

    def stop_monitor(self, supervisor: str) -> dict[str, Any]:
        leg_id = self.monitors.pop(supervisor, None)
        leg = self.legs.pop(leg_id or "", None)
        if leg is None:
            raise Conflict("you are not listening to anyone")
        self._unroute(leg)
        self.trunk.hangup(leg.id)
        return {"stopped": leg.id}

    def _customer_of(self, agent: str) -> str | None:
        leg_id = self.agent_legs.get(agent)
        return next((c for c, leg in self.bridged.items() if leg == leg_id), None)

    def _route(self, leg: PhoneLeg) -> None:
        agent_leg = self.agent_legs.get(leg.agent or "")
        if agent_leg is None:
            return
        customer = self._customer_of(leg.agent or "")
        self.trunk.connect(agent_leg, leg.id)  # the supervisor hears the agent ...
        if customer:
            self.trunk.connect(customer, leg.id)  # ... and the customer
        if leg.mode in ("whisper", "barge"):
            self.trunk.connect(leg.id, agent_leg)
        if leg.mode == "barge" and customer:
            self.trunk.connect(leg.id, customer)

    def _unroute(self, leg: PhoneLeg) -> None:
        for other in list(self.agent_legs.values()) + list(self.bridged):
            self.trunk.disconnect(other, leg.id)
            self.trunk.disconnect(leg.id, other)

    def _follow(self, agent: str) -> None:
        """The agent's call changed: re-route the supervisors listening to them."""
        for leg_id in self.monitors.values():
            leg = self.legs.get(leg_id)
            if leg is not None and leg.agent == agent and leg.up:
                self._unroute(leg)
                self._route(leg)

    # -- trunk events for our legs ----------------------------------------------------------

    def handles(self, event: TrunkEvent) -> bool:
        return getattr(event, "call_id", None) in self.legs

    def on_event(self, event: TrunkEvent) -> PhoneNews | None:
        """A leg answered or ended; what it means for an agent, if anything."""
        leg = self.legs.get(getattr(event, "call_id", ""))
        if leg is None:
            return None
        if isinstance(event, CallAnswered):
            leg.up = True
            if leg.agent is not None:  # a monitor
                self._route(leg)
                return None
            return PhoneNews(leg.user, True, "up")
        if not isinstance(event, CallEnded):
            return None
        self.legs.pop(leg.id, None)
        if self.monitors.get(leg.user) == leg.id:  # their phone, not `s`: tell the wallboard
            self.monitors.pop(leg.user, None)
            why = "hung up" if leg.up else f"was not answered ({event.outcome})"
            return PhoneNews(
                leg.user, False, reason=f"your phone {why}: listening stopped", listening=True
            )
        if self.agent_legs.get(leg.user) != leg.id:
            return None
        self.agent_legs.pop(leg.user, None)
        for customer in [c for c, bridged in self.bridged.items() if bridged == leg.id]:
            self.trunk.hangup(customer)  # the agent put the handset down: the call is over
        why = "hung up" if leg.up else f"not answered ({event.outcome})"
        return PhoneNews(
            leg.user, False, f"down: {why}", f"your phone {why}: press r to be called again"
        )
