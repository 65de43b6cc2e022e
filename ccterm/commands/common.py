"""What every command shares: --config, talking to the daemon, times, and plain-text output."""

from __future__ import annotations

import asyncio
import json
import re
import sys
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from ccterm import config as config_mod
from ccterm.client import DaemonClient
from ccterm.clock import SystemClock
from ccterm.config import Config
from ccterm.errors import Interrupted, UsageError
from ccterm.textout import echo as echo
from ccterm.textout import table as table
from ccterm.textout import when as when

T = TypeVar("T")

ConfigOpt = Annotated[
    Path | None,
    typer.Option(
        "--config",
        "-c",
        help="config.toml to use (default: $CCTERM_CONFIG, else ./config.toml).",
        envvar=config_mod.ENV_VAR,
        show_envvar=False,
        dir_okay=False,
    ),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON object on stdout.")]


def load_config(path: Path | None) -> Config:
    return config_mod.load(path)


def run(coro: Awaitable[T]) -> T:
    """Run a command's requests; Ctrl-C becomes one line and exit code 130 (Typer would
    otherwise exit 130 without a word)."""
    try:
        return asyncio.run(coro)  # type: ignore[arg-type]
    except KeyboardInterrupt:
        raise Interrupted("interrupted") from None


def request(cfg: Config, op: str, args: dict[str, Any] | None = None) -> Any:
    """One request to the daemon, synchronously, for one-shot commands."""

    async def go() -> Any:
        async with DaemonClient(cfg.daemon.socket) as client:
            return await client.request(op, args)

    return run(go())


def with_client(cfg: Config, body: Callable[[DaemonClient], Awaitable[T]]) -> T:
    async def go() -> T:
        async with DaemonClient(cfg.daemon.socket) as client:
            return await body(client)

    return run(go())


def emit_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")


def note(text: str) -> None:
    """A remark for the person at the terminal: stderr, so stdout stays clean for pipes."""
    sys.stderr.write(text + "\n")


_RELATIVE = re.compile(r"\+\s*(\d+)\s*([mhdw])", re.IGNORECASE)
_UNIT_SECONDS = {"m": 60, "h": 3600, "d": 86400, "w": 604800}


def parse_when(text: str, *, now: float | None = None, what: str = "time") -> float:
    """'now', '+30m', '+2h', '+1d', '2026-12-01 09:00' (local), or ISO 8601 with an offset."""
    now = SystemClock().now() if now is None else now
    value = text.strip()
    if value.lower() == "now":
        return now
    match = _RELATIVE.fullmatch(value)
    if match:
        return now + int(match.group(1)) * _UNIT_SECONDS[match.group(2).lower()]
    try:
        moment = datetime.fromisoformat(value.replace("/", "-"))
    except ValueError:
        raise UsageError(
            f"{what}: '{text}' is not a time",
            "write 'now', '+2h', '2026-12-01 09:00' (local time) or an ISO time with offset",
        ) from None
    if moment.tzinfo is None:
        moment = moment.astimezone()  # naive means the machine's local time
    return moment.timestamp()


def parse_minutes(text: str, what: str) -> int:
    """'30m', '2h', '1d' (also '30 min', '2 h') -> minutes. The unit is required: a bare
    '30' could mean minutes or hours, and a retry two hours early is not a typo to guess."""
    value = text.strip()
    match = re.fullmatch(r"(\d+)\s*(m|min|mins|minutes?|h|hours?|d|days?)", value, re.IGNORECASE)
    if match:
        return int(match.group(1)) * {"m": 1, "h": 60, "d": 1440}[match.group(2)[0].lower()]
    if value.isdigit():
        raise UsageError(
            f"{what}: '{text}' has no unit", f"write {value}m for minutes, {value}h for hours"
        )
    raise UsageError(f"{what}: '{text}' is not a delay", "write it like 30m, 2h or 1d")


def ago(seconds: float) -> str:
    return str(timedelta(seconds=int(seconds)))


def confirm(question: str, *, yes: bool) -> None:
    """Ask before something destructive; without a terminal, --yes is required."""
    if yes:
        return
    if not sys.stdin.isatty():
        raise UsageError(f"{question} — refusing without confirmation", "pass --yes to confirm")
    if not typer.confirm(question, default=False, err=True):
        raise typer.Exit(1)
