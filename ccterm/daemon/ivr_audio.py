"""What an inbound caller hears, executed: pick up, prompts in order (looped for hold),
stopped by a key, the agent's tone, voicemail recorded.

The floor decides (floor/inbound.py); this plays. A prompt's end goes back to the
floor with the token it was started with, so a prompt stopped by a key or replaced by
an announcement never reports. On a trunk without audio (the simulated trunk) a
prompt "plays" for its length on the clock, so menus, timeouts and queues run the
same in the demo.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ccterm.clock import Cancellable, Clock, local
from ccterm.config import Config
from ccterm.daemon.audio import Media
from ccterm.daemon.floor.effects import PlayPrompt
from ccterm.errors import ConfigError
from ccterm.ivr import prompts
from ccterm.ivr.prompts import PromptLibrary
from ccterm.sip import media as rtp

log = logging.getLogger(__name__)

TONE = prompts.CONNECT_TONE  # the agent hears it before an inbound caller is put through
SAFETY = 2.0  # seconds after a prompt's length: its end, if the media never says so


class IvrAudio:
    def __init__(
        self,
        trunk: Any,
        media: Media,
        clock: Clock,
        config: Config,
        library: Callable[[], PromptLibrary],
        done: Callable[[str, int], None],
    ) -> None:
        self.trunk = trunk
        self.media = media
        self.clock = clock
        self.config = config
        self.library = library  # the prompts of now (a reload swaps them)
        self.done = done  # (call id, token): a prompt played to its end
        self._timers: dict[str, Cancellable] = {}  # a prompt's end by the clock, by call
        self._turns: dict[str, int] = {}  # the prompt playing now, by call

    def answer(self, call_id: str) -> None:
        answer = getattr(self.trunk, "answer", None)
        if answer is not None:
            answer(call_id)

    def frames(self, prompt: str, language: str) -> list[bytes]:
        """A shipped prompt by name in the caller's language, or an admin's file, as the
        library of now has it (read and checked at start and on reload; then from memory)."""
        try:
            found: list[bytes] = self.library().frames(prompt, language)
            return found
        except ConfigError as exc:  # checked at load: only a file changed since gets here
            log.error("prompt %s (%s) cannot be played: %s", prompt, language, exc.message)
            return []

    def play(self, one: PlayPrompt) -> None:
        frames = [f for p in one.prompts for f in self.frames(p, one.language)]
        self.stop(one.call_id)
        turn = self._turns[one.call_id] = self._turns.get(one.call_id, 0) + 1

        def ended() -> None:
            # the media's end and the safety timer, whichever comes first; and an end that
            # was already on its way when the prompt was stopped or replaced does nothing
            if self._turns.get(one.call_id) != turn:
                return
            self._turns[one.call_id] = turn + 1
            timer = self._timers.pop(one.call_id, None)
            if timer is not None:
                timer.cancel()
            if one.loop:
                self.play(one)
            else:
                self.done(one.call_id, one.token)

        seconds = max(len(frames) * rtp.FRAME_MS / 1000, 0.5 if one.loop else 0.0)
        if self.media.enabled:
            self.trunk.play_frames(one.call_id, frames, ended)
            seconds += SAFETY  # a leg with no media path never ends a prompt by itself
        self._timers[one.call_id] = self.clock.call_later(seconds, ended)

    def stop(self, call_id: str) -> None:
        if call_id in self._turns:
            self._turns[call_id] += 1  # what played before reports nothing now
        timer = self._timers.pop(call_id, None)
        if timer is not None:
            timer.cancel()
        if self.media.enabled:
            self.trunk.play_frames(call_id, [])  # no end is reported for a stopped prompt

    def ended(self, call_id: str) -> None:
        self.stop(call_id)
        self._turns.pop(call_id, None)

    def tone(self, agent: str) -> float:
        """A short tone in the agent's ear: a caller is coming through. Its length."""
        leg = self.media.phone_leg(agent)
        if leg is None or not self.media.enabled:
            return 0.0
        return float(self.trunk.play_frames(leg, self.frames(TONE, "en")))

    def record(self, call_id: str, queue: str) -> Path | None:
        """Voicemail: the caller's words to a WAV under [daemon] recordings."""
        now = self.clock.now()
        day = local(now).strftime("%Y-%m-%d")
        path = self.config.daemon.recordings / "voicemail" / day / f"{call_id}.wav"
        if not self.media.enabled:
            log.info("voicemail for %s (%s): simulated trunk, nothing recorded", call_id, queue)
            return None
        try:
            self.trunk.record(call_id, path, call_id, call_id)
        except OSError as exc:
            log.error("call %s: cannot record voicemail to %s: %s", call_id, path, exc)
            return None
        return path
