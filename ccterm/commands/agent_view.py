"""`ccterm report --agent NAME`: one agent's day or range, as text, JSON or CSV."""

from __future__ import annotations

import csv
import sys
from typing import Any

from ccterm.clock import format_local
from ccterm.commands.queue_view import duration
from ccterm.textout import echo


def _line(label: str, value: str, note: str = "") -> str:
    return f"  {label:<22}{value:>10}" + (f"  {note}" if note else "")


def print_text(data: dict[str, Any]) -> None:
    start, end = format_local(data["from"]), format_local(data["to"])
    echo(f"Agent '{data['agent']}' — {start} to {end}")
    echo("")
    echo("Time")
    echo(_line("logged in", duration(data["logged_in_s"])))
    echo(_line("ready or dialling", duration(data["ready_s"])))
    echo(_line("on a call", duration(data["on_call_s"])))
    echo(_line("wrap-up", duration(data["wrapup_s"])))
    echo(_line("paused", duration(data["paused_s"])))
    for reason, seconds in data["pauses"].items():
        echo(_line(f"  {reason}", duration(seconds)))
    echo("")
    echo("Calls")
    echo(
        _line(
            "answered",
            f"{data['calls']:,}",
            f"{data['calls_outbound']} out, {data['calls_inbound']} in",
        )
    )
    echo(_line("talk", duration(data["talk_s"])))
    echo(_line("average handle time", duration(data["aht_s"]), "talk + wrap-up per call"))
    occupancy = data["occupancy"]
    echo(
        _line(
            "occupancy",
            "-" if occupancy is None else f"{occupancy * 100:.1f} %",
            "on a call or wrapping up / logged in",
        )
    )
    echo(
        _line(
            "target calls",
            f"{data['target_calls']:,}",
            "talks of at least the campaign's target_seconds",
        )
    )
    if data["dispositions"]:
        echo("")
        echo("Dispositions")
        for code, count in data["dispositions"].items():
            echo(_line(code.replace("_", " "), f"{count:,}"))


def inert(text: str) -> str:
    """Free text (a pause reason) that a spreadsheet would run as a formula, kept as text."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def print_csv(data: dict[str, Any]) -> None:
    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow(["section", "metric", "value"])
    for key in (
        "logged_in_s",
        "ready_s",
        "on_call_s",
        "wrapup_s",
        "paused_s",
        "calls",
        "calls_outbound",
        "calls_inbound",
        "talk_s",
        "aht_s",
        "occupancy",
        "target_calls",
    ):
        writer.writerow(["agent", key, "" if data[key] is None else data[key]])
    for reason, seconds in data["pauses"].items():
        writer.writerow(["pauses", inert(reason), seconds])
    for code, count in data["dispositions"].items():
        writer.writerow(["dispositions", code, count])
