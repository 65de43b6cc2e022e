"""A DTMF menu for one caller: prompts, a key, a timeout, repeats, a fallback — pure.

Fed `now` and the caller's events (prompt played, key pressed, timer); returns
commands for the runner (play, stop the prompt, wake me at, go to a route).
Every key and the route taken are in `path`, for the call's record. VICIdial's
call menus are the reference (bench: INBOUND-NOTES.md): timeout 10 s, keys 0-9 * #,
an invalid key or a timeout replays the menu `repeat` times, then `fallback`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

KEYS = frozenset("0123456789*#")
INVALID_PROMPT = "invalid"  # a prompt of the language's shipped set


@dataclass(frozen=True, slots=True)
class Menu:
    name: str
    prompt: tuple[str, ...]  # files, played in order, interruptible by a key
    keys: Mapping[str, str]  # "1" -> "queue:sales" / "menu:main" / "hangup" / "voicemail"
    fallback: str
    timeout: float = 10.0  # seconds to wait for a key after the prompt
    repeat: int = 1  # replays after a timeout or an invalid key, then the fallback


@dataclass(frozen=True, slots=True)
class Play:
    files: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class StopPrompt:
    pass


@dataclass(frozen=True, slots=True)
class WakeAt:
    at: float


@dataclass(frozen=True, slots=True)
class Route:
    target: str  # where the caller goes next


Command = Play | StopPrompt | WakeAt | Route


@dataclass
class MenuRun:
    """One caller in one menu."""

    menu: Menu
    replays: int = 0
    playing: bool = False
    waiting_until: float | None = None
    done: bool = False
    path: list[str] = field(default_factory=list)  # "menu:main", "key:1", "timeout", ...

    def start(self, now: float) -> list[Command]:
        self.path.append(f"menu:{self.menu.name}")
        return self._prompt()

    def _prompt(self) -> list[Command]:
        self.playing, self.waiting_until = True, None
        return [Play(self.menu.prompt)]

    def prompt_done(self, now: float) -> list[Command]:
        """The prompt played to its end: the caller has `timeout` seconds for a key."""
        if self.done or not self.playing:
            return []
        self.playing = False
        self.waiting_until = now + self.menu.timeout
        return [WakeAt(self.waiting_until)]

    def key(self, digit: str, now: float) -> list[Command]:
        """A key (RFC 2833): the prompt stops at once; a known key routes, else replay."""
        if self.done:
            return []
        out: list[Command] = [StopPrompt()] if self.playing else []
        self.playing = False
        self.path.append(f"key:{digit}")
        target = self.menu.keys.get(digit) if digit in KEYS else None
        if target is not None:
            return out + self._route(target)
        self.path.append("invalid")
        return out + self._again(invalid=True)

    def wake(self, now: float) -> list[Command]:
        """A timer: the caller's time for a key is up (stale wake-ups do nothing)."""
        if self.done or self.waiting_until is None or now < self.waiting_until:
            return []
        self.path.append("timeout")
        return self._again(invalid=False)

    def _again(self, *, invalid: bool) -> list[Command]:
        if self.replays >= self.menu.repeat:
            return self._route(self.menu.fallback)
        self.replays += 1
        out = self._prompt()
        if invalid:
            out = [Play((INVALID_PROMPT, *self.menu.prompt))]
        return out

    def _route(self, target: str) -> list[Command]:
        self.done, self.playing, self.waiting_until = True, False, None
        self.path.append(f"to:{target}")
        return [Route(target)]
