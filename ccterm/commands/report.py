"""`ccterm report CAMPAIGN`: progress, the funnel by tag and status, list quality; `--queue NAME`:
an inbound queue's calls, service level and waits (commands/queue_view.py)."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from ccterm.clock import local_day
from ccterm.commands import agent_view, queue_view
from ccterm.commands.campaign_view import print_campaign_csv, print_campaign_text
from ccterm.commands.common import (
    ConfigOpt,
    JsonOpt,
    emit_json,
    load_config,
    parse_when,
    request,
)
from ccterm.errors import UsageError


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
    """Report on a campaign (progress, the funnel by tag and status, list quality) or an inbound
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
            cfg, "report.agent", {"name": agent, **parse_range(start, end)}
        )
        if json_out:
            emit_json(agent_data)
        elif csv_out:
            agent_view.print_csv(agent_data)
        else:
            agent_view.print_text(agent_data)
        return
    if queue is not None:
        args: dict[str, Any] = {"name": queue, **parse_range(start, end)}
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
    elif csv_out:
        print_campaign_csv(data)
    else:
        print_campaign_text(data)


def parse_range(start: str | None, end: str | None) -> dict[str, float]:
    """--from/--to as the op's epoch seconds; a bare date in --to means to that day's end,
    so `--from 2026-03-02 --to 2026-03-02` is the whole day."""
    args: dict[str, float] = {}
    if start is not None:
        args["from"] = parse_when(start, what="--from")
    if end is not None:
        args["to"] = parse_when(end, what="--to")
        if queue_view.DATE.fullmatch(end.strip()):
            args["to"] = local_day(args["to"])[1]
    return args
