"""`ccterm report --queue NAME`: its range read from --from/--to, and the report printed.

The text shows both service levels with what each divides by, since the two
differ exactly by the abandoned calls; --csv prints the per-hour rows.
"""

from __future__ import annotations

import csv
import re
import sys
from typing import Any

from ccterm.clock import format_local
from ccterm.textout import echo, table

DATE = re.compile(r"\d{4}[-/]\d{2}[-/]\d{2}")  # a bare date (report.py: --to)
HOUR_COLUMNS = (
    "hour",
    "offered",
    "answered",
    "abandoned",
    "overflowed",
    "voicemail",
    "callback",
    "other",
    "waiting",
    "answered_within",
    "sl_answered",
    "sl_offered",
    "asa",
    "longest_wait",
    "abandon_wait",
    "abandoned_short",
)


def duration(seconds: float | None) -> str:
    """65.4 -> '1:05'; an hour or more as '1:02:05'; no value: '-'."""
    if seconds is None:
        return "-"
    minutes, secs = divmod(round(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02}:{secs:02}" if hours else f"{minutes}:{secs:02}"


def percent(share: float | None) -> str:
    return "-" if share is None else f"{share * 100:.1f} %"


def _line(label: str, value: str, note: str = "", indent: int = 2) -> str:
    text = f"{' ' * indent}{label:<{26 - indent}}{value:>9}"
    return text + (f"  {note}" if note else "")


def print_csv(data: dict[str, Any]) -> None:
    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow(HOUR_COLUMNS)
    for row in data["hours"]:
        writer.writerow(["" if row[c] is None else row[c] for c in HOUR_COLUMNS])


def print_text(data: dict[str, Any]) -> None:
    sl = f"{data['service_level']:g} s"
    echo(
        f"Queue '{data['queue']}' — {format_local(data['from'])} to {format_local(data['to'])},"
        f" service level {sl}" + ("" if data["configured"] else " (no longer in config.toml)")
    )
    echo("")
    echo("Calls")
    echo(_line("offered", f"{data['offered']:,}", "(each counted once, below)"))
    abandon_note = ""
    if data["abandoned"]:
        abandon_note = (
            f"avg wait {duration(data['abandon_wait'])},"
            f" {data['abandoned_short']:,} within {data['short_abandon']:g} s"
        )
    for key, label, note in (
        ("answered", "answered", ""),
        ("abandoned", "abandoned", abandon_note),
        ("overflowed", "overflowed", "to another queue, or on at the max wait"),
        ("voicemail", "voicemail", ""),
        ("callback", "callback", "took a callback, keeping their place"),
        ("other", "other", "failed or closed"),
        ("waiting", "still waiting", ""),
    ):
        if data[key] or key not in ("other", "waiting"):
            echo(_line(label, f"{data[key]:,}", note if data[key] else "", indent=4))
    within, answered = data["answered_within"], data["answered"]
    echo("")
    echo(f"Service level (answered within {sl})")
    echo(_line("of answered", percent(data["sl_answered"]), f"({within:,} of {answered:,})"))
    echo(
        _line(
            "of answered + abandoned",
            percent(data["sl_offered"]),
            f"({within:,} of {answered + data['abandoned']:,})",
        )
    )
    echo("")
    echo("Waits")
    echo(_line("average speed of answer", duration(data["asa"])))
    echo(_line("longest wait", duration(data["longest_wait"]), "answered or abandoned"))
    if data["callbacks"]:
        parts = ", ".join(f"{n:,} {state}" for state, n in data["callbacks"].items())
        echo("")
        echo(f"Callbacks: {parts}")
    if data["hours"]:
        echo("")
        echo("Per hour")
        print_hours(data["hours"])


def print_hours(hours: list[dict[str, Any]]) -> None:
    one_day = len({h["hour"][:10] for h in hours}) == 1
    rows = [
        [
            h["hour"][11:] if one_day else h["hour"],
            h["offered"],
            h["answered"],
            h["abandoned"],
            h["overflowed"],
            percent(h["sl_answered"]),
            percent(h["sl_offered"]),
            duration(h["asa"]),
            duration(h["longest_wait"]),
        ]
        for h in hours
    ]
    headers = ["hour", "offered", "answered", "abandoned", "overflowed", "SL ans", "SL off"]
    echo(table([*headers, "ASA", "longest"], rows, right=set(range(1, 9))))
