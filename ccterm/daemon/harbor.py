"""The safe harbor: a person who answered when no agent was free waits, then hears the message.

The law (FCC/FTC, Ofcom) gives a dialler two seconds from a live answer to put
an agent on the line; after that the call is abandoned and the person must
hear a recorded message saying who called. So the person waits here up to the
campaign's `safe_harbor` (at most 2 s), first answered first served: an agent
who frees in that time takes them (Center._serve_waiting). Otherwise the
abandon is committed and counted, the campaign's `abandon_message` plays and
the line hangs up after it; the call is then disposed ABANDONED, which rests
the number in every campaign.

On the simulated trunk there is no audio: the line is held for the message's
length (8 s without one) and the event says what would have played.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ccterm.config import Config
from ccterm.daemon.server import campaign_audience
from ccterm.errors import Conflict
from ccterm.model import CampaignSettings
from ccterm.sip.media import FRAME_MS, AudioFileError, load_wav

if TYPE_CHECKING:
    from ccterm.daemon.center import Center, LiveAgent, LiveCall

log = logging.getLogger(__name__)

# The message must start within the safe harbor: its timer fires this much earlier, room
# for the commit and the first packet.
MARGIN = 0.1
NO_MESSAGE_HOLD = 8.0  # seconds a simulated line is held when no message is set


def message_path(config: Config, settings: CampaignSettings) -> Path | None:
    """The campaign's abandon message; a relative path is relative to config.toml."""
    if not settings.abandon_message:
        return None
    path = Path(settings.abandon_message).expanduser()
    return path if path.is_absolute() else config.path.resolve().parent / path


def message_seconds(path: Path) -> float:
    """The WAV's length (AudioFileError when it cannot be played)."""
    return len(load_wav(path)) * FRAME_MS / 1000


class SafeHarbor:
    def __init__(self, center: Center) -> None:
        self.center = center
        self._waiting: dict[int, deque[LiveCall]] = {}  # campaign id -> by answer time

    def count(self, campaign_id: int) -> int:
        return len(self._waiting.get(campaign_id, ()))

    def hold(self, call: LiveCall) -> None:
        """No agent free at the answer: the person waits, until an agent or the harbor's end."""
        call.state = "waiting"
        call.agent = None  # whoever frees first, not an agent's own hang-up, ends the wait
        self._waiting.setdefault(call.campaign.id, deque()).append(call)
        harbor = call.campaign.settings.safe_harbor
        loop = asyncio.get_running_loop()
        call.timer = loop.call_later(
            max(0.0, harbor - MARGIN),
            lambda: self.center._spawn(self._expired(call), f"harbor-{call.id}"),
        )
        log.info("call %s: answered, no agent free; waits up to %.1f s", call.id, harbor)

    def next_for(self, agent: LiveAgent) -> LiveCall | None:
        """The person waiting longest in the agent's campaign, taken off the queue."""
        if agent.campaign is None:
            return None
        queue = self._waiting.get(agent.campaign.id)
        if not queue:
            return None
        call = queue.popleft()
        self._stop_timer(call)
        return call

    def _drop(self, call: LiveCall) -> None:
        queue = self._waiting.get(call.campaign.id)
        if queue is not None and call in queue:
            queue.remove(call)
        self._stop_timer(call)

    @staticmethod
    def _stop_timer(call: LiveCall) -> None:
        if call.timer is not None:
            call.timer.cancel()
            call.timer = None

    async def hung_up(self, call: LiveCall) -> None:
        """The person hung up while waiting: abandoned all the same (no message to play)."""
        self._drop(call)
        at = await self.center.abandon(call)
        log.info("call %s: hung up while waiting for an agent; abandoned", call.id)
        self._tell(call, at, message=None, seconds=0.0, hung_up=True)

    async def _expired(self, call: LiveCall) -> None:
        if call.state != "waiting":
            return
        self._drop(call)
        at = await self.center.abandon(call)  # committed before the message plays
        if call.id in self.center.calls:
            self._message(call, at)

    def _message(self, call: LiveCall, at: float) -> None:
        center = self.center
        path = message_path(center.config, call.campaign.settings)
        seconds = 0.0
        if center.audio.enabled:
            if path is None:
                log.warning(
                    "call %s abandoned: campaign %s has no abandon_message, hanging up at once"
                    " (the law expects a recorded message)",
                    call.id,
                    call.campaign.name,
                )
                center.trunk.hangup(call.id)
            else:
                try:
                    seconds = center.audio.play(call.id, path, hang_up=True)
                except Conflict as exc:
                    log.error("call %s abandoned: %s; hanging up", call.id, exc.message)
                    center.trunk.hangup(call.id)
                    path = None
        else:
            seconds = NO_MESSAGE_HOLD
            if path is not None:
                try:
                    seconds = message_seconds(path)
                except AudioFileError as exc:
                    log.warning("call %s: cannot read the abandon message: %s", call.id, exc)
            call.timer = asyncio.get_running_loop().call_later(
                seconds, lambda: center.trunk.hangup(call.id)
            )
            log.info(
                "call %s abandoned: the message %s plays (simulated trunk: the line is held"
                " %.1f s), then hang up",
                call.id,
                path or "(none set)",
                seconds,
            )
        self._tell(call, at, message=path, seconds=seconds, hung_up=False)

    def _tell(
        self, call: LiveCall, at: float, *, message: Path | None, seconds: float, hung_up: bool
    ) -> None:
        center = self.center
        data: dict[str, Any] = {
            "call": call.id,
            "campaign_id": call.campaign.id,
            "lead_id": call.taken.lead_id,
            "e164": call.taken.e164,
            "answered_at": call.answered_at,
            "abandoned_at": at,
            "message": None if message is None else str(message),
            "seconds": round(seconds, 2),
            "simulated": not center.audio.enabled,
            "hung_up": hung_up,
        }
        center.publish("call.abandoned", data, campaign_audience(call.campaign))
