"""`ccterm import FILE`: read and check a CSV here, land it in the daemon in one transaction.

The file is read by this process (with the user's own permissions), numbers are
validated here, and batches stream to the daemon while reading goes on. The
daemon stages them and commits all at once: Ctrl-C, a lost connection or a
killed daemon leaves none of the file behind. Invalid rows go to FILE.rejects.csv.
"""

from __future__ import annotations

import asyncio
import sys
from collections import deque
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

import typer

from ccterm.client import DaemonClient
from ccterm.commands.common import ConfigOpt, JsonOpt, echo, emit_json, load_config, note
from ccterm.config import Config
from ccterm.errors import DaemonUnavailable
from ccterm.importer import CsvLayout, Reject, open_csv, read_batches, reject_path, write_rejects
from ccterm.numbers import NumberBook

IN_FLIGHT = 3  # batches sent ahead of their replies: reading and inserting overlap


@dataclass
class Tally:
    rows: int = 0
    leads: int = 0
    file_duplicates: int = 0
    rejects: list[Reject] = field(default_factory=list)


def _progress(layout: CsvLayout, enabled: bool) -> Any:
    if not enabled:
        return nullcontext(None)
    from rich.console import Console
    from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn

    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TextColumn("{task.fields[rows]:>9,} rows"),
        TimeRemainingColumn(),
        console=Console(stderr=True),
        transient=True,
    )


def _saving(tally: Tally, enabled: bool) -> AbstractContextManager[Any]:
    """A spinner while the daemon commits: a big list takes a few seconds there."""
    if not enabled:
        return nullcontext(None)
    from rich.console import Console

    return Console(stderr=True).status(f"Saving {tally.leads:,} rows in one transaction ...")


async def _stream(
    client: DaemonClient | None,
    import_id: int | None,
    layout: CsvLayout,
    book: NumberBook,
    progress: Any,
) -> Tally:
    """Read the file; send each batch of leads as it is ready, a few ahead of the replies."""
    tally = Tally()
    task = progress.add_task(layout.path.name, total=layout.size, rows=0) if progress else None
    in_flight: deque[asyncio.Future[Any]] = deque()
    try:
        for batch in read_batches(layout, book):
            tally.rows += batch.rows
            tally.leads += len(batch.leads)
            tally.file_duplicates += batch.duplicates
            tally.rejects.extend(batch.rejects)
            if client is not None and batch.leads:
                in_flight.append(
                    client.send("import.rows", {"import_id": import_id, "rows": batch.leads})
                )
                await client.drain()
                while len(in_flight) >= IN_FLIGHT:
                    await in_flight.popleft()
            if progress is not None:
                progress.update(task, completed=batch.bytes_read, rows=tally.rows)
            await asyncio.sleep(0)  # let replies in
        while in_flight:
            await in_flight.popleft()
    finally:
        for future in in_flight:  # after a failure: their error is the same one, already raised
            if future.done():
                future.exception()
            else:
                future.cancel()
    return tally


async def _run(
    cfg: Config,
    layout: CsvLayout,
    book: NumberBook,
    campaign: str,
    *,
    dry_run: bool,
    show_progress: bool,
) -> tuple[dict[str, Any], Tally, bool]:
    """Returns (daemon's answer, local tally, whether the daemon was consulted)."""
    client: DaemonClient | None = DaemonClient(cfg.daemon.socket)
    try:
        assert client is not None
        await client.connect()
    except DaemonUnavailable:
        if not dry_run:
            raise
        client = None
    progress_cm: AbstractContextManager[Any] = _progress(layout, show_progress)
    try:
        import_id = None
        if client is not None:
            begun = await client.request(
                "import.begin",
                {
                    "campaign": campaign,
                    "file_name": layout.path.name,
                    "region": book.region,
                    "columns": list(layout.header),
                    "dry_run": dry_run,
                },
            )
            import_id = begun["import_id"]
        with progress_cm as progress:
            tally = await _stream(client, import_id, layout, book, progress)
        if client is None:
            return {}, tally, False
        with _saving(tally, show_progress and not dry_run):
            result = await client.request(
                "import.commit",
                {
                    "import_id": import_id,
                    "rows": tally.rows,
                    "invalid": len(tally.rejects),
                    "duplicates": tally.file_duplicates,
                },
            )
        return result, tally, True
    finally:
        if client is not None:
            await client.close()


def import_command(
    file: Annotated[
        Path,
        typer.Argument(help="The CSV to import (UTF-8; ';', ',' or tab).", show_default=False),
    ],
    campaign: Annotated[
        str | None,
        typer.Option(
            "--campaign", help="Campaign to add to (created if missing; default: the file's name)."
        ),
    ] = None,
    region: Annotated[
        str | None,
        typer.Option(
            "--region", help="Region for numbers without +CC, e.g. PL (default: [dialer] region)."
        ),
    ] = None,
    phone_column: Annotated[
        str | None,
        typer.Option(
            "--phone-column", help="The phone column's header or number, if not found by name."
        ),
    ] = None,
    encoding: Annotated[
        str, typer.Option("--encoding", help="The file's text encoding, e.g. cp1250.")
    ] = "utf-8-sig",
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Check the file and report; change nothing.")
    ] = False,
    config: ConfigOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Import a list of contacts into a campaign.

    Invalid numbers are reported (row and reason) in FILE.rejects.csv and never
    imported; numbers already in the base (any campaign) are skipped as
    duplicates; numbers on the do-not-call list or marked wrong/fax are imported
    but never dialled (blocked). The whole file lands at once or not at all.
    """
    cfg = load_config(config)
    book = NumberBook(region or cfg.dialer.region)
    layout = open_csv(file, phone_column=phone_column, encoding=encoding)
    name = campaign or layout.path.stem
    show_progress = sys.stderr.isatty()
    result, tally, consulted = asyncio.run(
        _run(cfg, layout, book, name, dry_run=dry_run, show_progress=show_progress)
    )
    rejects_file = reject_path(layout.path)
    if tally.rejects:
        write_rejects(rejects_file, layout.header, tally.rejects)
    elif rejects_file.exists() and not dry_run:
        rejects_file.unlink()  # a stale report from an earlier run would mislead
    if consulted:
        counts = {k: result[k] for k in ("rows", "imported", "duplicates", "invalid", "blocked")}
    else:
        counts = {
            "rows": tally.rows,
            "imported": tally.leads,
            "duplicates": tally.file_duplicates,
            "invalid": len(tally.rejects),
            "blocked": 0,
        }
        note(
            "The daemon is not running: duplicates were checked within this file only,"
            " and the do-not-call list was not consulted."
        )
    if json_out:
        emit_json(counts)
    else:
        verb = "Would import" if dry_run else "Imported"
        target = f"campaign '{name}'"
        if consulted and result.get("campaign_created"):
            target += " (new)" if not dry_run else " (would be created)"
        echo(f"{verb} {counts['imported']:,} of {counts['rows']:,} rows into {target}.")
        echo(f"  duplicates  {counts['duplicates']:>9,}  (in the base or earlier in the file)")
        echo(f"  invalid     {counts['invalid']:>9,}  (never imported)")
        echo(f"  blocked     {counts['blocked']:>9,}  (do-not-call, wrong, fax: never dialled)")
    if tally.rejects:
        note(f"Invalid rows, with reasons: {rejects_file}")
