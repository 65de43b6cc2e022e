"""Prompts as the media loop plays them: a shipped word by name, or an admin's WAV by path.

A bare name such as ``hold`` or ``3`` is a file of the caller's language's
shipped set, ccterm/data/prompts/LANG/NAME.wav (tools/make_prompts.sh makes
them). Anything else (``prompts/welcome.wav``) is an admin's file, relative
to config.toml's directory like every path in it, in any rate and format
ccterm.sip.media.load_wav converts. Each file is read and converted once;
a file that cannot be played is a ConfigError naming it, so the daemon
refuses it at start (or on reload) instead of meeting silence on a call.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from functools import cache
from importlib import resources
from pathlib import Path

from ccterm.errors import ConfigError
from ccterm.ivr import speech
from ccterm.sip.media import FRAME_MS, AudioFileError, load_wav

_NAME = re.compile(r"[a-z0-9_]+")

# The shipped phrases the daemon plays by name (speech.py's words besides).
INVALID = "invalid"  # a key the menu does not know (ivr/menu.py INVALID_PROMPT)
HOLD = "hold"  # "please hold"
HOLD_MUSIC = "hold_music"  # a 10 s loop: a queue without its own `hold`
CALLBACK_OFFER = "callback_offer"  # "press 1 to be called back, keeping your place"
CALLBACK_CONFIRM = "callback_confirm"  # "we will call you back"
VOICEMAIL = "voicemail"  # "leave a message after the tone", then BEEP
BEEP = "beep"
CLOSED = "closed"  # after hours, when the route names no `after_hours`
NOT_IN_SERVICE = "not_in_service"  # a number with no [[inbound]] route
GOODBYE = "goodbye"
CONNECT_TONE = "connect_tone"  # the agent's ear, just before the caller is put through
PHRASES = (
    INVALID,
    HOLD,
    HOLD_MUSIC,
    CALLBACK_OFFER,
    CALLBACK_CONFIRM,
    VOICEMAIL,
    BEEP,
    CLOSED,
    NOT_IN_SERVICE,
    GOODBYE,
    CONNECT_TONE,
    speech.POSITION,
    speech.IN_LINE,
    speech.EXPECTED_WAIT,
    speech.LESS_THAN_A_MINUTE,
    speech.MINUTE,
    speech.MINUTES,
)


def shipped_root() -> Path:
    return Path(str(resources.files("ccterm.data") / "prompts"))


@cache
def languages() -> tuple[str, ...]:
    """The languages with a shipped prompt set: en, pl."""
    return tuple(sorted(p.name for p in shipped_root().iterdir() if p.is_dir()))


@cache
def shipped(language: str) -> frozenset[str]:
    """The names of a language's shipped prompts (empty for a language without a set)."""
    folder = shipped_root() / language
    if language not in languages():
        return frozenset()
    return frozenset(p.stem for p in folder.glob("*.wav"))


def is_name(ref: str) -> bool:
    """A shipped prompt's name (``hold``, ``23``), as against a path (``hold.wav``)."""
    return bool(_NAME.fullmatch(ref))


def language_error(language: str) -> str:
    """Why a language cannot be spoken, or "" when it can."""
    if language in languages():
        return ""
    return f"no prompt set for '{language}' (there are: {', '.join(languages())})"


class PromptLibrary:
    """Prompts for one config: names and paths resolved, files read and converted once."""

    def __init__(self, base: Path) -> None:
        self.base = base  # config.toml's directory: admins' relative paths start there
        self._frames: dict[Path, list[bytes]] = {}

    def path(self, ref: str, language: str = "en") -> Path:
        if is_name(ref):
            return shipped_root() / language / f"{ref}.wav"
        path = Path(ref).expanduser()
        return path if path.is_absolute() else self.base / path

    def frames(self, ref: str, language: str = "en") -> list[bytes]:
        """The prompt as 20 ms frames of 8 kHz mono 16-bit audio (ConfigError if unplayable).

        The list is shared by every call that plays it: read it, never change it.
        """
        path = self.path(ref, language)
        found = self._frames.get(path)
        if found is not None:
            return found
        if is_name(ref) and ref not in shipped(language):
            names = sorted(shipped(language))
            near = difflib.get_close_matches(ref, names, n=1, cutoff=0.6)
            raise ConfigError(
                language_error(language)
                or f"'{ref}' is not a shipped prompt of '{language}'"
                + (f" (did you mean '{near[0]}'?)" if near else ""),
                "a name without / or .wav is a shipped prompt; write a file as a path",
            )
        try:
            frames = load_wav(path)
        except AudioFileError as exc:
            raise ConfigError(str(exc), self._hint(ref)) from None
        if not frames:
            raise ConfigError(f"{path}: holds no audio", self._hint(ref))
        self._frames[path] = frames
        return frames

    def _hint(self, ref: str) -> str:
        if is_name(ref):
            return "the shipped prompts are damaged: reinstall ccterm"
        if not Path(ref).expanduser().is_absolute():
            return f"a relative path starts at config.toml's directory, {self.base}"
        return ""

    def sequence(self, refs: Iterable[str], language: str = "en") -> list[bytes]:
        """Prompts one after another, as one list of frames: ``say_position(3, "pl")``."""
        return [frame for ref in refs for frame in self.frames(ref, language)]

    def seconds(self, ref: str, language: str = "en") -> float:
        return len(self.frames(ref, language)) * FRAME_MS / 1000

    @property
    def loaded(self) -> int:
        """How many files are read and converted."""
        return len(self._frames)
