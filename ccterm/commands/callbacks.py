"""`ccterm callbacks`: inbound queues' callbacks in line, and review after a restart."""

from __future__ import annotations

from typing import Annotated

import typer

from ccterm.commands.common import (
    ConfigOpt,
    JsonOpt,
    echo,
    emit_json,
    load_config,
    request,
    table,
    when,
)
from ccterm.errors import UsageError

app = typer.Typer(
    help="Callbacks that keep inbound callers' places in line (and voicemails).",
    no_args_is_help=False,
    invoke_without_command=True,
)


@app.callback()
def callbacks(
    ctx: typer.Context,
    queue: Annotated[
        str | None, typer.Option("--queue", help="Only this queue.", show_default=False)
    ] = None,
    config: ConfigOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """List the callbacks in line (waiting, being placed) and those in review."""
    if ctx.invoked_subcommand is not None:
        return
    cfg = load_config(config)
    found = request(cfg, "queue.callbacks", {"queue": queue or ""})["callbacks"]
    if json_out:
        emit_json(found)
        return
    if not found:
        echo("No callbacks waiting.")
        return
    rows = [
        [
            c["id"],
            c["queue"],
            c["e164"],
            c["state"],
            when(c["entered_at"]),
            c["tries"],
            when(c["retry_at"]) if c["retry_at"] else "",
            "voicemail" if c["voicemail"] else "",
            c["note"],
        ]
        for c in found
    ]
    headers = ["id", "queue", "number", "state", "in line since", "tries", "next", "", "note"]
    echo(table(headers, rows, right={0, 5}))
    if any(c["state"] == "review" for c in found):
        echo("In review: the daemon stopped while placing them (they may have rung).")
        echo("  ccterm callbacks resolve ID --again   (back in its place)  or  --close")


@app.command("resolve")
def resolve(
    callback_id: Annotated[int, typer.Argument(help="The callback's id (from the list).")],
    again: Annotated[bool, typer.Option("--again", help="Call it again, in its place.")] = False,
    close: Annotated[bool, typer.Option("--close", help="Close it: no call.")] = False,
    config: ConfigOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Decide on a callback in review: call it again or close it (supervisors)."""
    if again == close:
        raise UsageError("say --again or --close")
    cfg = load_config(config)
    done = request(cfg, "queue.callback.resolve", {"id": callback_id, "again": again})
    if json_out:
        emit_json(done)
        return
    state = done["callback"]["state"]
    echo(f"Callback {callback_id}: {'back in line' if state == 'waiting' else 'closed'}.")
