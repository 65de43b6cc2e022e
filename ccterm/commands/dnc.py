"""`ccterm dnc ...`: the do-not-call list that holds across every campaign."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from ccterm.client import DaemonClient
from ccterm.commands.common import (
    ConfigOpt,
    JsonOpt,
    confirm,
    echo,
    emit_json,
    load_config,
    note,
    request,
    table,
    when,
)
from ccterm.commands.importing import region_hint
from ccterm.errors import Interrupted
from ccterm.importer import CsvLayout, Reject, open_csv, read_batches
from ccterm.numbers import Invalid, NumberBook
from ccterm.phonetext import invalid_message, split_extension

app = typer.Typer(
    help="The do-not-call list: numbers never dialled in any campaign.", no_args_is_help=True
)

NumbersArg = Annotated[list[str], typer.Argument(help="Phone numbers.", show_default=False)]


def _report_invalid(bad: list[dict[str, str]]) -> None:
    for item in bad:
        note(f"skipped {item['number']}: {item['reason']}")


@app.command("add")
def add(
    numbers: NumbersArg,
    reason: Annotated[str, typer.Option("--reason", help="Why (kept with the entry).")] = "",
    config: ConfigOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Add numbers to the do-not-call list (agents may add one a customer asks for)."""
    cfg = load_config(config)
    result = request(cfg, "dnc.add", {"numbers": numbers, "reason": reason})
    if json_out:
        emit_json(result)
        return
    _report_invalid(result["invalid"])
    echo(f"Added {result['added']} number(s); {result['already']} already listed.")
    if result["invalid"]:
        raise typer.Exit(1)


@app.command("remove")
def remove(
    numbers: NumbersArg,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
    config: ConfigOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Remove numbers from the do-not-call list: they may be dialled again."""
    cfg = load_config(config)
    confirm(
        f"Remove {len(numbers)} number(s) from do-not-call? They may be dialled again.", yes=yes
    )
    result = request(cfg, "dnc.remove", {"numbers": numbers})
    if json_out:
        emit_json(result)
        return
    _report_invalid(result["invalid"])
    echo(f"Removed {result['removed']} number(s); {result['not_listed']} were not listed.")


@app.command("list")
def list_(
    search: Annotated[str, typer.Option("--search", help="Only entries containing this.")] = "",
    limit: Annotated[int, typer.Option("--limit", help="At most this many entries.")] = 100,
    config: ConfigOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Show the do-not-call list, newest first."""
    cfg = load_config(config)
    result = request(cfg, "dnc.list", {"search": search, "limit": limit})
    if json_out:
        emit_json(result)
        return
    rows = [[e["e164"], when(e["added_at"]), e["added_by"], e["reason"]] for e in result["entries"]]
    if rows:
        echo(table(["number", "added", "by", "reason"], rows))
    shown = len(rows)
    echo(
        f"{result['total']} number(s) on the list"
        + (f", {shown} shown" if shown < result["total"] else "")
        + "."
    )


@app.command("import")
def import_(
    file: Annotated[
        Path,
        typer.Argument(
            help="A file of numbers: one a line (no header), or a CSV with a phone column.",
            show_default=False,
        ),
    ],
    reason: Annotated[str, typer.Option("--reason", help="Why (kept with each entry).")] = "",
    phone_column: Annotated[
        str | None, typer.Option("--phone-column", help="The phone column's header or number.")
    ] = None,
    region: Annotated[
        str | None, typer.Option("--region", help="Region for numbers without +CC.")
    ] = None,
    encoding: Annotated[str, typer.Option("--encoding", help="The file's encoding.")] = "utf-8-sig",
    config: ConfigOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Load a file of numbers into the do-not-call list.

    Do-not-call lists usually come as plain numbers, one a line, without a header;
    a CSV with a phone column (found by its header, as for ccterm import) works too.
    Numbers are added batch by batch: interrupted, the ones added so far stay listed.
    """
    cfg = load_config(config)
    book = NumberBook(region or cfg.dialer.region)
    totals: dict[str, Any] = {"rows": 0, "added": 0, "already": 0, "invalid": 0}
    rejects: list[Reject] = []

    async def go(layout: CsvLayout) -> None:
        async with DaemonClient(cfg.daemon.socket) as client:
            for batch in read_batches(layout, book):
                totals["rows"] += batch.rows
                totals["invalid"] += len(batch.rejects)
                totals["already"] += batch.duplicates
                rejects.extend(batch.rejects)
                numbers = [lead[1] for lead in batch.leads]
                if numbers:
                    result = await client.request("dnc.add", {"numbers": numbers, "reason": reason})
                    totals["added"] += result["added"]
                    totals["already"] += result["already"]

    try:
        layout = open_csv(file, phone_column=phone_column, encoding=encoding, numbers_only=True)
        asyncio.run(go(layout))
    except KeyboardInterrupt:
        raise Interrupted(
            f"interrupted after {totals['added']:,} number(s) were added to the do-not-call list",
            "run the same import again to add the rest (numbers already listed are skipped)",
        ) from None
    if not json_out:
        for reject in rejects[:_SHOWN_REJECTS]:
            note(f"row {reject.row}: {_reject_words(layout, book, reject)}")
        if len(rejects) > _SHOWN_REJECTS:
            note(f"... and {len(rejects) - _SHOWN_REJECTS:,} more invalid rows")
    if rejects:
        region_hint(layout, rejects, totals["rows"], book)
    if json_out:
        emit_json(totals)
        return
    echo(
        f"Read {totals['rows']} rows: added {totals['added']}, already listed {totals['already']},"
        f" invalid {totals['invalid']}."
    )
    if totals["invalid"] and not sys.stdout.isatty():
        raise typer.Exit(1)


_SHOWN_REJECTS = 20


def _reject_words(layout: CsvLayout, book: NumberBook, reject: Reject) -> str:
    """The refused row's number and why, in one sentence."""
    i = layout.phone_index
    raw = reject.values[i] if len(reject.values) > i else ""
    parsed = book.parse(split_extension(raw)[0])
    return invalid_message(raw, parsed) if isinstance(parsed, Invalid) else reject.reason
