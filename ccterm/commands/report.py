"""`ccterm report CAMPAIGN`: progress, statuses, attempts and list quality."""

from __future__ import annotations

import csv
import sys
from typing import Annotated, Any

import typer

from ccterm.commands.common import ConfigOpt, JsonOpt, echo, emit_json, load_config, request
from ccterm.errors import UsageError


def _pct(share: float) -> str:
    return f"{share * 100:5.1f} %"


def report_command(
    campaign: Annotated[str, typer.Argument(help="The campaign's name.", show_default=False)],
    csv_out: Annotated[
        bool, typer.Option("--csv", help="Print section,metric,value rows.")
    ] = False,
    config: ConfigOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Report on a campaign: progress, dispositions, attempts and the quality of its list."""
    if csv_out and json_out:
        raise UsageError("choose one of --json and --csv")
    cfg = load_config(config)
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
        for section in ("progress", "dispositions", "attempts", "quality"):
            for key, value in data[section].items():
                writer.writerow([section, key, value])
        return
    p, q, a = data["progress"], data["quality"], data["attempts"]
    echo(f"Campaign '{data['campaign']}' — {data['status']}, {data['mode']}")
    echo("")
    echo("Progress")
    echo(f"  contacts     {p['total']:>9,}")
    echo(
        f"  dialable     {p['dialable']:>9,}  (ready {p['ready']:,}, waiting {p['waiting']:,},"
        f" callbacks {p['callbacks']:,})"
    )
    echo(f"  done         {p['done']:>9,}  {_pct(p['done_share'])}")
    echo(f"  exhausted    {p['exhausted']:>9,}  (attempt cap reached)")
    echo(f"  blocked      {p['blocked']:>9,}  (do-not-call, wrong number, fax)")
    echo("")
    echo("Status of contacts")
    for code, count in data["dispositions"].items():
        echo(f"  {code.replace('_', ' '):<12} {count:>9,}")
    echo("")
    echo("Attempts")
    echo(f"  attempts     {a['total']:>9,}  on {p['tried']:,} contacts")
    echo(f"  answered     {a['answered']:>9,}")
    echo("")
    echo("List quality")
    echo(f"  rows read    {q['rows']:>9,}  in {q['imports']} import(s)")
    echo(f"  invalid      {q['invalid']:>9,}  {_pct(q['invalid_share'])} of rows")
    echo(f"  duplicates   {q['duplicates']:>9,}  {_pct(q['duplicate_share'])} of rows")
    echo(f"  wrong number {q['wrong_number']:>9,}  {_pct(q['wrong_share'])} of contacts")
    echo(f"  fax          {q['fax']:>9,}  {_pct(q['fax_share'])} of contacts")
    echo(f"  do-not-call  {q['do_not_call']:>9,}")
    echo(f"  blocked      {q['blocked']:>9,}  {_pct(q['blocked_share'])} of contacts")
    echo(f"  unreachable  {q['unreachable']:>9,}  {_pct(q['unreachable_share'])} of contacts")
