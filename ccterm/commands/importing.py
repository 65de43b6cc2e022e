"""`ccterm import FILE`: read and check a CSV here, land it in the daemon in one transaction.

The file is read by this process (with the user's own permissions), numbers are
validated here, and batches stream to the daemon while reading goes on. The
daemon stages them and commits all at once: Ctrl-C, a lost connection or a
killed daemon before the commit leaves none of the file behind, and the command
says so. Invalid rows go to FILE.rejects.csv (or --rejects PATH); a dry run
writes nothing unless --rejects is given. A campaign the import creates starts
paused unless --start, so a mistyped name never starts dialling.
"""

from __future__ import annotations

import asyncio
import sys
from collections import Counter, deque
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

import typer

from ccterm.client import DaemonClient
from ccterm.commands.common import ConfigOpt, JsonOpt, echo, emit_json, load_config, note
from ccterm.config import Config
from ccterm.errors import DaemonUnavailable, Interrupted, UsageError
from ccterm.importer import CsvLayout, Reject, open_csv, read_batches
from ccterm.numbers import Invalid, NumberBook
from ccterm.phonetext import guess_region, split_extension
from ccterm.rejects import reject_path, write_rejects

IN_FLIGHT = 3  # batches sent ahead of their replies: reading and inserting overlap


@dataclass
class Tally:
    rows: int = 0
    leads: int = 0
    file_duplicates: int = 0
    rejects: list[Reject] = field(default_factory=list)
    committing: bool = False  # the commit is on its way: from now on the list lands whole


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
    tally: Tally,
) -> None:
    """Read the file; send each batch of leads as it is ready, a few ahead of the replies."""
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
            await asyncio.sleep(0)  # let replies in (and Ctrl-C)
        while in_flight:
            await in_flight.popleft()
    finally:
        for future in in_flight:  # after a failure: their error is the same one, already raised
            if future.done():
                future.exception()
            else:
                future.cancel()


async def send_commit(client: DaemonClient, args: dict[str, Any], tally: Tally) -> dict[str, Any]:
    """Send the commit and wait for it. Once sent it cannot be taken back (the daemon
    finishes a request it has read), so a first Ctrl-C here waits for the result."""
    tally.committing = True
    future = client.send("import.commit", args)
    try:
        result: dict[str, Any] = await asyncio.shield(future)
    except asyncio.CancelledError:
        task = asyncio.current_task()
        if task is None or not task.cancelling():
            raise
        task.uncancel()
        note(
            "The daemon is already saving the list; it lands whole in a moment."
            " (Ctrl-C again stops waiting, not the import.)"
        )
        result = await future
    return result


async def _run(
    cfg: Config,
    layout: CsvLayout,
    book: NumberBook,
    campaign: str,
    tally: Tally,
    *,
    dry_run: bool,
    start: bool,
    show_progress: bool,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """(what import.begin said, the daemon's counts); both {} when no daemon was asked."""
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
        begun: dict[str, Any] = {}
        if client is not None:
            begun = await client.request(
                "import.begin",
                {
                    "campaign": campaign,
                    "file_name": layout.path.name,
                    "region": book.region,
                    "columns": list(layout.header),
                    "dry_run": dry_run,
                    "start": start,
                },
            )
            import_id = begun["import_id"]
        with progress_cm as progress:
            await _stream(client, import_id, layout, book, progress, tally)
        if client is None:
            return {}, {}
        args = {
            "import_id": import_id,
            "rows": tally.rows,
            "invalid": len(tally.rejects),
            "duplicates": tally.file_duplicates,
        }
        if dry_run:  # only counted: a Ctrl-C here loses nothing
            return begun, await client.request("import.commit", args)
        with _saving(tally, show_progress):
            return begun, await send_commit(client, args, tally)
    finally:
        if client is not None:
            await client.close()


def rejected_numbers(layout: CsvLayout, rejects: list[Reject]) -> list[str]:
    """The phone cells of the rejected rows that hold something."""
    i = layout.phone_index
    return [r.values[i] for r in rejects if len(r.values) > i and r.values[i].strip()]


def region_hint(layout: CsvLayout, rejects: list[Reject], rows: int, book: NumberBook) -> None:
    """When most refused numbers are valid in another region, say which and what to do."""
    numbers = [
        raw
        for raw in rejected_numbers(layout, rejects)
        if isinstance(book.parse(split_extension(raw)[0]), Invalid)
    ]
    guess = guess_region(numbers, book.region)
    if guess is None:
        return
    found = (
        f"{guess.valid} of the {guess.tried} refused numbers are valid {guess.region} numbers"
        if guess.tried == len(numbers)
        else f"of {guess.tried} refused numbers sampled, {guess.valid} are valid"
        f" {guess.region} numbers"
    )
    if len(rejects) * 5 >= rows:  # a fifth or more refused: the list's region is likely wrong
        note(
            f"hint: {found}: numbers without +CC were read as {book.region} numbers;"
            f" if the list is from {guess.region}, import it with --region {guess.region}"
        )
    else:
        note(f"note: {found}; write them with +{guess.calling_code} to import them")


def _reject_summary(rejects: list[Reject], target: Path | None) -> None:
    reasons = Counter(r.reason for r in rejects).most_common()
    shown = ", ".join(f"{reason} {n:,}" for reason, n in reasons[:4])
    more = f", and {len(reasons) - 4} other reasons" if len(reasons) > 4 else ""
    note(f"Invalid rows by reason: {shown}{more}.")
    if target is not None:
        note(f"Invalid rows, with their row numbers and reasons: {target}")
    else:
        note("A dry run writes no file: add --rejects PATH to save the invalid rows.")


def _campaign_notes(
    name: str, begun: dict[str, Any], result: dict[str, Any], dry_run: bool, start: bool
) -> None:
    """What the user should know about the campaign the rows went (or would go) into."""
    status = result.get("campaign_status")
    similar = begun.get("similar")
    if begun.get("campaign_exists"):
        if start and status not in (None, "running"):
            note(f"--start only starts a campaign the import creates; '{name}' stays {status}.")
        return
    if dry_run:
        note(f"'{name}' does not exist yet: the import would create it, {_paused(start)}.")
        if similar:
            note(f"Did you mean '{similar}'? Then: --campaign '{similar}'")
        return
    if status == "paused":
        agents = (
            ""
            if result.get("campaign_groups")
            else f" (give it agents first: ccterm campaign edit '{name}' --group GROUP)"
        )
        note(
            f"'{name}' is a new campaign, paused: nothing is dialled until"
            f" ccterm campaign start '{name}'{agents}."
        )
    if similar:
        note(
            f"Did you mean '{similar}'? If '{name}' is a typo: ccterm campaign delete"
            f" '{name}', then import into '{similar}'."
        )


def _paused(start: bool) -> str:
    return "running at once (--start)" if start else "paused until you start it"


def import_command(
    file: Annotated[
        Path,
        typer.Argument(help="The CSV to import (UTF-8; ';', ',' or tab).", show_default=False),
    ],
    campaign: Annotated[
        str | None,
        typer.Option(
            "--campaign",
            help="Campaign to add to (default: the file's name). One that does not exist is"
            " created, paused.",
        ),
    ] = None,
    start: Annotated[
        bool,
        typer.Option("--start", help="Start the campaign at once if the import creates it."),
    ] = False,
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
    rejects: Annotated[
        Path | None,
        typer.Option(
            "--rejects",
            help="Where to write the invalid rows (default: FILE.rejects.csv; a dry run"
            " writes them only here).",
            dir_okay=False,
        ),
    ] = None,
    dry_run: Annotated[
        bool,
        typer.Option("--dry-run", help="Check the file and report; change nothing, write no file."),
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
    if rejects is not None and rejects.resolve() == file.resolve():
        raise UsageError(
            f"--rejects {rejects} is the file being imported", "name another file for the report"
        )
    tally = Tally()
    name = campaign or file.stem
    try:  # Ctrl-C at any point: say what it left behind (nothing, until the commit is sent)
        layout = open_csv(file, phone_column=phone_column, encoding=encoding)
        name = campaign or layout.path.stem
        begun, result = asyncio.run(
            _run(
                cfg,
                layout,
                book,
                name,
                tally,
                dry_run=dry_run,
                start=start,
                show_progress=sys.stderr.isatty(),
            )
        )
    except KeyboardInterrupt:
        if tally.committing:
            raise Interrupted(
                "stopped waiting: the daemon was already saving the list, and lands it whole",
                f"see it with: ccterm campaign show '{name}'",
            ) from None
        said = "a dry run changes nothing" if dry_run else "nothing was imported"
        raise Interrupted(f"interrupted: {said}") from None
    target = rejects if rejects is not None else (None if dry_run else reject_path(layout.path))
    if target is not None and (tally.rejects or rejects is not None):  # asked: even if empty
        write_rejects(target, layout.header, tally.rejects)
    elif target is not None and target.exists():
        target.unlink()  # a stale report from an earlier run would mislead
    if result:
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
        new = " new" if result and not begun.get("campaign_exists") else ""
        state = f" ({result['campaign_status']})" if result.get("campaign_status") else ""
        echo(
            f"{verb} {counts['imported']:,} of {counts['rows']:,} rows into{new} campaign"
            f" '{name}'{state}."
        )
        echo(f"  duplicates  {counts['duplicates']:>9,}  (in the base or earlier in the file)")
        echo(f"  invalid     {counts['invalid']:>9,}  (never imported)")
        echo(f"  blocked     {counts['blocked']:>9,}  (do-not-call, wrong, fax: never dialled)")
    if result:
        _campaign_notes(name, begun, result, dry_run, start)
    if tally.rejects:
        _reject_summary(tally.rejects, target)
        region_hint(layout, tally.rejects, tally.rows, book)
