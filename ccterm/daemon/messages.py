"""A campaign's abandon message: where its file is and how long it holds a line."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from ccterm.config import Config
from ccterm.daemon.floor.base import NO_MESSAGE_HOLD, log
from ccterm.model import CampaignSettings
from ccterm.sip.media import FRAME_MS, AudioFileError, load_wav


def abandon_message(config: Config, settings: CampaignSettings) -> Path | None:
    """The campaign's abandon message; a relative path is relative to config.toml."""
    if not settings.abandon_message:
        return None
    path = Path(settings.abandon_message).expanduser()
    return path if path.is_absolute() else config.path.resolve().parent / path


def message_seconds(path: Path) -> float:
    """The WAV's length (AudioFileError when it cannot be played)."""
    return len(load_wav(path)) * FRAME_MS / 1000


def message_hold(config: Config, settings: CampaignSettings) -> float:
    """How long a line without audio is held for the message: its length, else 8 s."""
    path = abandon_message(config, settings)
    if path is None:
        return NO_MESSAGE_HOLD
    try:
        changed = path.stat().st_mtime
    except OSError:
        changed = 0.0
    return _length(path, changed)


@lru_cache(maxsize=64)
def _length(path: Path, changed: float) -> float:
    """Cached while the file is unchanged (`changed`: its mtime)."""
    try:
        return message_seconds(path)
    except AudioFileError as exc:
        log.warning("cannot read the abandon message %s: %s", path, exc)
        return NO_MESSAGE_HOLD
