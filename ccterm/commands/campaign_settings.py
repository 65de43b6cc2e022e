"""The settings options `campaign create` and `campaign edit` share, and how they are read.

Units are the user's: the abandon cap in percent ("2.5" or "2.5%"), retry delays
with a unit ("30m", "2h", "1d"); the daemon gets the fraction and the minutes.
"""

from __future__ import annotations

import inspect
from pathlib import Path
from typing import Annotated, Any

import typer

from ccterm.commands.common import parse_minutes
from ccterm.errors import UsageError
from ccterm.settings import MAX_ABANDON_CAP, DialOrder, LeadOrder, outbound_mode

ModeOpt = Annotated[
    str | None,
    typer.Option(
        "--mode",
        metavar="MODE",
        help="How it dials: manual (preview), power, predictive or precise.",
    ),
]
StartOpt = Annotated[
    str | None, typer.Option("--start", help="When it starts: now, +2h, '2026-12-01 09:00'.")
]
EndOpt = Annotated[str | None, typer.Option("--end", help="When it ends by itself (optional).")]
CallerOpt = Annotated[
    str | None,
    typer.Option("--caller-id", help="Outbound caller ID (E.164); default: the trunk's."),
]
GroupOpt = Annotated[
    list[str] | None, typer.Option("--group", help="A group of agents that works it (repeat).")
]
AgentOpt = Annotated[
    list[str] | None, typer.Option("--agent", help="An agent who works it (repeat).")
]
RingOpt = Annotated[
    int | None, typer.Option("--ring-timeout", help="Seconds to ring before 'no answer' (>= 15).")
]
WrapOpt = Annotated[
    int | None,
    typer.Option("--wrapup", help="Seconds of wrap-up after each call (0: no limit)."),
]
WrapDefaultOpt = Annotated[
    str | None,
    typer.Option(
        "--wrapup-default",
        help="What an answered call gets when wrap-up runs out with no disposition:"
        " not_disposed (the default: a callback stays, the supervisor sees it) or done.",
    ),
]
AttemptsOpt = Annotated[
    int | None, typer.Option("--max-attempts", help="Attempts per contact before giving up.")
]
OrderOpt = Annotated[
    LeadOrder | None,
    typer.Option(
        "--order", help="Lead order: oldest, newest, last_attempt, priority, fewest_attempts."
    ),
]
RetryOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--retry",
        help="Retry delay per disposition, with its unit: busy=30m, no_answer=2h,"
        " voicemail=1d (repeat).",
    ),
]
TargetOpt = Annotated[
    int | None,
    typer.Option("--target-seconds", help="A call this long or longer is a target call."),
]
TagOpt = Annotated[list[str] | None, typer.Option("--tag", help="A funnel tag (repeat).")]
RatioOpt = Annotated[
    float | None, typer.Option("--ratio", help="Lines per free agent in power mode (1-10).")
]
DialOrderOpt = Annotated[
    DialOrder | None,
    typer.Option("--dial-order", help="Ring the customer first, or the agent first."),
]
CapOpt = Annotated[
    str | None,
    typer.Option(
        "--abandon-cap",
        metavar="PERCENT",
        help="Abandon-rate cap in percent of answered calls, e.g. 2.5 or 2.5% (at most 3).",
    ),
]
OverrideOpt = Annotated[
    float | None,
    typer.Option(
        "--ratio-override",
        help="Predictive/precise: pace by hand at K lines per free agent (1-10); 0: automatic.",
    ),
]
HarborOpt = Annotated[
    float | None,
    typer.Option(
        "--safe-harbor",
        help="Seconds an answered person may wait for an agent before the message (<= 2).",
    ),
]
CutOpt = Annotated[
    int | None,
    typer.Option(
        "--cut-after",
        help="Predictive/precise: hang up a line ringing this long (>= 15 s) when no agent"
        " is free for it; 0: let it ring to the ring timeout.",
    ),
]
MessageOpt = Annotated[
    str | None,
    typer.Option(
        "--abandon-message",
        help="A WAV played to a person no agent could take, then the call ends ('' for none).",
    ),
]
ScriptOpt = Annotated[
    typer.FileText | None,
    typer.Option("--script", help="A text file with the agents' script ({field} is filled in)."),
]


def settings_of(
    *,
    mode: str | None = None,
    caller_id: str | None = None,
    group: list[str] | None = None,
    agent: list[str] | None = None,
    ring_timeout: int | None = None,
    wrapup: int | None = None,
    wrapup_default: str | None = None,
    max_attempts: int | None = None,
    order: LeadOrder | None = None,
    retry: list[str] | None = None,
    target_seconds: int | None = None,
    tag: list[str] | None = None,
    ratio: float | None = None,
    dial_order: DialOrder | None = None,
    abandon_cap: str | None = None,
    ratio_override: float | None = None,
    safe_harbor: float | None = None,
    cut_after: int | None = None,
    abandon_message: str | None = None,
    script: Any = None,
) -> dict[str, Any]:
    """Only the options given: the daemon validates them and keeps the rest."""
    out: dict[str, Any] = {}
    pairs: list[tuple[str, Any]] = [
        ("mode", None if mode is None else outbound_mode(mode, "--mode")),
        ("caller_id", caller_id),
        ("groups", group),
        ("agents", agent),
        ("ring_timeout", ring_timeout),
        ("wrapup_seconds", wrapup),
        ("wrapup_default", wrapup_default),
        ("max_attempts", max_attempts),
        ("lead_order", order),
        ("target_seconds", target_seconds),
        ("tags", tag),
        ("dial_ratio", ratio),
        ("dial_order", dial_order),
        ("abandon_cap", None if abandon_cap is None else parse_percent(abandon_cap)),
        ("ratio_override", ratio_override),
        ("safe_harbor", safe_harbor),
        ("cut_after", cut_after),
    ]
    for key, value in pairs:
        if value is not None:
            out[key] = str(value) if hasattr(value, "value") else value
    if retry:
        delays: dict[str, int] = {}
        for item in retry:
            code, sep, delay = item.partition("=")
            if not sep:
                raise UsageError(f"--retry: '{item}' should look like busy=30m")
            delays[code.strip()] = parse_minutes(delay, f"--retry {code.strip()}")
        out["retry_minutes"] = delays
    if abandon_message is not None:  # a path from here, not from the daemon's config
        path = Path(abandon_message).expanduser()
        out["abandon_message"] = str(path.resolve()) if abandon_message else ""
    if script is not None:
        out["script"] = script.read()
    return out


def setting_options(given: dict[str, Any]) -> dict[str, Any]:
    """The settings options of a command (create and edit take the same ones)."""
    return {key: given[key] for key in inspect.signature(settings_of).parameters}


def parse_percent(text: str, what: str = "--abandon-cap") -> float:
    """'2.5', '2.5%', '2,5 %' (percent) -> 0.025, the fraction the daemon keeps.

    The CLI takes and shows the abandon cap in percent; a rate past the legal 3 %
    is refused here, in the unit the user typed.
    """
    value = text.strip().removesuffix("%").strip().replace(",", ".")
    try:
        percent = float(value)
    except ValueError:
        raise UsageError(
            f"{what}: '{text}' is not a percentage", "write e.g. 2.5 or 2.5% (at most 3)"
        ) from None
    top = MAX_ABANDON_CAP * 100
    if not 0 <= percent <= top:
        raise UsageError(
            f"{what}: {percent:g} % is outside 0..{top:g} %",
            f"the abandon rate may be at most {top:g} % of answered calls (FCC/FTC, Ofcom)",
        )
    return round(percent / 100, 6)
