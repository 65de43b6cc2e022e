"""`ccterm lead why NUMBER`: is this contact being dialled, and if not, every reason why."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from ccterm.commands.common import ConfigOpt, JsonOpt, echo, emit_json, load_config, request

app = typer.Typer(
    help="Look up a contact by number (supervisors see their group's campaigns, admins all).",
    no_args_is_help=True,
)


@app.command("why")
def why(
    number: Annotated[
        str,
        typer.Argument(
            help="The contact's phone number: with +CC, or national for [dialer] region.",
            show_default=False,
        ),
    ],
    campaign: Annotated[
        str | None,
        typer.Option("--campaign", help="Only this campaign (default: every one it is in)."),
    ] = None,
    config: ConfigOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Say whether NUMBER is being dialled now in each of its campaigns, and why not.

    Every reason that applies is listed: the campaign's state and mode, the
    contact's attempts, do-not-call, wrong number or fax, a rest after an
    abandoned call, a retry or callback time, and the calling hours in the
    contact's time zones. Times are shown there and here.
    """
    cfg = load_config(config)
    args: dict[str, Any] = {"number": number}
    if campaign is not None:
        args["campaign"] = campaign
    result = request(cfg, "lead.why", args)
    if json_out:
        emit_json(result)
        return
    for line in render(result):
        echo(line)


def render(result: dict[str, Any]) -> list[str]:
    """The answer as a person reads it: the contact, its clocks, then one block per campaign."""
    name = f"  {result['name']}" if result["name"] else ""
    start, end = result["calling_hours"]
    clocks = ", ".join(f"{z['zone']} {z['time']}" for z in result["zones"])
    lines = [
        f"{result['e164']}{name}",
        f"  local time: {clocks} (here {result['here']}); calling hours {start}–{end}",
    ]
    if not result["campaigns"]:
        lines.append("  It is in no campaign.")
    for item in result["campaigns"]:
        lines.append("")
        lines.append(
            f"{item['campaign']} ({item['mode']}, {item['status']}), contact {item['lead_id']},"
            f" attempts {item['attempts']} of {item['max_attempts']}: {item['summary']}"
        )
        lines.extend(f"  - {reason['text']}" for reason in item["reasons"])
    return lines
