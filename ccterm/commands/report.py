"""`ccterm report CAMPAIGN`: progress, statuses, attempts and list quality; `--queue NAME`:
an inbound queue's calls, service level and waits (commands/queue_view.py)."""

from __future__ import annotations

import csv
import sys
from typing import Annotated, Any

import typer

from ccterm.commands import agent_view, queue_view
from ccterm.commands.campaign_view import progress_lines
from ccterm.commands.common import ConfigOpt, JsonOpt, echo, emit_json, load_config, request
from ccterm.errors import UsageError


def row(label: str, count: int, note: str = "") -> str:
    """One aligned line of a section, as progress_lines aligns its own."""
    return f"  {label:<18}{count:>9,}" + (f"  {note}" if note else "")


def _pct(share: float) -> str:
    return f"{share * 100:5.1f} %"


def report_command(
    campaign: Annotated[
        str | None,
        typer.Argument(help="The campaign's name (or --queue NAME).", show_default=False),
    ] = None,
    queue: Annotated[
        str | None,
        typer.Option("--queue", help="Report on an inbound queue instead.", show_default=False),
    ] = None,
    agent: Annotated[
        str | None,
        typer.Option(
            "--agent",
            help="Report on an agent instead: time by state, pauses by reason, calls, talk.",
            show_default=False,
        ),
    ] = None,
    start: Annotated[
        str | None,
        typer.Option(
            "--from",
            help="With --queue or --agent: from this time ('2026-03-02 08:00'); default today.",
            show_default=False,
        ),
    ] = None,
    end: Annotated[
        str | None,
        typer.Option(
            "--to",
            help="With --queue or --agent: until this time (a date: its end); default today's end.",
            show_default=False,
        ),
    ] = None,
    csv_out: Annotated[
        bool,
        typer.Option("--csv", help="Print section,metric,value rows (a queue: its hours)."),
    ] = False,
    config: ConfigOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Report on a campaign (progress, dispositions, attempts, list quality) or an inbound
    queue (offered, answered, abandoned, service level, waits, per hour)."""
    if csv_out and json_out:
        raise UsageError("choose one of --json and --csv")
    if [campaign, queue, agent].count(None) != 2:
        raise UsageError(
            "name one campaign, or a queue with --queue NAME, or an agent with --agent NAME",
            "ccterm report spring, ccterm report --queue sales, ccterm report --agent anna",
        )
    if campaign is not None and (start is not None or end is not None):
        raise UsageError(
            "--from and --to go with --queue or --agent: a campaign's report covers it whole"
        )
    cfg = load_config(config)
    if agent is not None:
        agent_data: dict[str, Any] = request(
            cfg, "report.agent", {"name": agent, **queue_view.parse_range(start, end)}
        )
        if json_out:
            emit_json(agent_data)
        elif csv_out:
            agent_view.print_csv(agent_data)
        else:
            agent_view.print_text(agent_data)
        return
    if queue is not None:
        args: dict[str, Any] = {"name": queue, **queue_view.parse_range(start, end)}
        queue_data: dict[str, Any] = request(cfg, "report.queue", args)
        if json_out:
            emit_json(queue_data)
        elif csv_out:
            queue_view.print_csv(queue_data)
        else:
            queue_view.print_text(queue_data)
        return
    data: dict[str, Any] = request(cfg, "report.campaign", {"name": campaign})
    if json_out:
        emit_json(data)
        return
    if csv_out:
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(["section", "metric", "value"])
        writer.writerow(["campaign", "name", data["campaign"]])
        writer.writerow(["campaign", "status", data["status"]])
        writer.writerow(["campaign", "mode", data["mode"]])
        for section in ("progress", "dispositions", "not_disposed_by", "attempts", "quality"):
            for key, value in data[section].items():
                writer.writerow([section, key, value])
        return
    p, q, a = data["progress"], data["quality"], data["attempts"]
    echo(f"Campaign '{data['campaign']}' — {data['status']}, {data['mode']}")
    echo("")
    echo("Progress")
    for line in progress_lines(p):
        echo(line)
    echo("")
    echo("Last disposition")
    for code, count in data["dispositions"].items():
        echo(row(code.replace("_", " "), count))
    if data.get("not_disposed_by"):
        echo("")
        echo("Not disposed (answered, wrap-up ran out): by agent")
        for agent, count in data["not_disposed_by"].items():
            echo(row(agent, count))
    echo("")
    echo("Attempts")
    echo(row("attempts", a["total"], f"on {p['tried']:,} contacts"))
    echo(row("answered", a["answered"]))
    echo("")
    echo("List quality")
    echo(row("rows read", q["rows"], f"in {q['imports']} import(s)"))
    echo(row("invalid", q["invalid"], f"{_pct(q['invalid_share'])} of rows"))
    echo(row("duplicates", q["duplicates"], f"{_pct(q['duplicate_share'])} of rows"))
    for label, key, share in (
        ("wrong number", "wrong_number", "wrong_share"),
        ("fax", "fax", "fax_share"),
        ("do-not-call", "do_not_call", None),
        ("blocked", "blocked", "blocked_share"),
        ("no such number", "no_such_number", "no_such_number_share"),
        ("no more tries", "unreachable", "unreachable_share"),
    ):
        echo(row(label, q[key], f"{_pct(q[share])} of contacts" if share else ""))
