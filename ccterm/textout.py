"""Plain text out: what the command line prints and the screens show the same way (the
wallboard's reports). No config, no daemon: a screen may import it."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Any

from ccterm.clock import format_local


def echo(text: str = "") -> None:
    sys.stdout.write(text + "\n")


def monitoring(agent: str, mode: str) -> str:
    """Who hears whom now that a supervisor listens to, whispers to or barges in on `agent`."""
    return {
        "listen": f"Listening to {agent}: you hear both sides, nobody hears you.",
        "whisper": f"Whispering to {agent}: they hear you, the customer does not.",
        "barge": f"Barged in on {agent}'s call: they and the customer hear you.",
    }[mode]


STOPPED_LISTENING = "Stopped listening: your phone is hung up."


def when(ts: float | None) -> str:
    return format_local(ts)


def table(
    headers: Sequence[str], rows: Sequence[Sequence[Any]], *, right: set[int] | None = None
) -> str:
    """Plain aligned columns: readable in a terminal, stable in a pipe or a test."""
    right = right or set()
    cells = [[str(h) for h in headers]] + [["" if v is None else str(v) for v in r] for r in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    lines = []
    for n, row in enumerate(cells):
        parts = [
            cell.rjust(widths[i]) if i in right else cell.ljust(widths[i])
            for i, cell in enumerate(row)
        ]
        lines.append("  ".join(parts).rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)
