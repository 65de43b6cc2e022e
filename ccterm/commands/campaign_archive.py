"""`ccterm campaign archive | restore | delete`: putting a campaign away, or removing a mistake.

Archive is for a campaign with a history: it stops, agents and the dialer no longer
see it, and its contacts, calls and dispositions stay for reports (`report NAME`,
`campaign list --all`). Delete is for a campaign with no history at all (a typo in
`import --campaign`): its leads and the contacts only it held go, so the list can
be imported again where it belongs; the daemon refuses it once any call was made.
Both ask first on a terminal; without one, --yes is required.
"""

from __future__ import annotations

from typing import Annotated

import typer

from ccterm.commands.common import (
    ConfigOpt,
    JsonOpt,
    confirm,
    echo,
    emit_json,
    load_config,
    request,
)

NameArg = Annotated[str, typer.Argument(help="The campaign's name.", show_default=False)]
YesOpt = Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")]


def archive(
    name: NameArg, yes: YesOpt = False, config: ConfigOpt = None, json_out: JsonOpt = False
) -> None:
    """Stop a campaign and put it away: kept for reports, hidden from agents and the dialer.

    Bring it back with: ccterm campaign restore NAME.
    """
    cfg = load_config(config)
    confirm(
        f"Archive campaign '{name}'? It stops now; agents and the dialer no longer see it.",
        yes=yes,
    )
    result = request(cfg, "campaign.archive", {"name": name})
    if json_out:
        emit_json(result["campaign"])
        return
    c = result["campaign"]
    if result["already"]:
        echo(f"'{c['name']}' was already archived.")
        return
    echo(
        f"Archived '{c['name']}' ({result['was']} -> {c['status']}). Its history stays:"
        f" ccterm report '{c['name']}'; bring it back with: ccterm campaign restore '{c['name']}'"
    )


def restore(name: NameArg, config: ConfigOpt = None, json_out: JsonOpt = False) -> None:
    """Bring an archived campaign back, as it was left (stopped or finished)."""
    cfg = load_config(config)
    result = request(cfg, "campaign.restore", {"name": name})
    if json_out:
        emit_json(result["campaign"])
        return
    c = result["campaign"]
    if result["already"]:
        echo(f"'{c['name']}' is not archived ({c['status']}).")
        return
    follow = (
        f"; start it with: ccterm campaign start '{c['name']}'" if c["status"] != "finished" else ""
    )
    echo(f"Restored '{c['name']}' ({c['status']}){follow}.")


def delete(
    name: NameArg, yes: YesOpt = False, config: ConfigOpt = None, json_out: JsonOpt = False
) -> None:
    """Delete a campaign that has no calls, dispositions or notes (a mistake, a typo).

    Its contacts go with it unless another campaign holds them, so the same list can
    be imported again. A campaign with history is refused: archive it instead.
    """
    cfg = load_config(config)
    confirm(f"Delete campaign '{name}' and the contacts only it holds?", yes=yes)
    result = request(cfg, "campaign.delete", {"name": name})
    if json_out:
        emit_json(result)
        return
    echo(
        f"Deleted '{result['campaign']}': {result['leads']:,} lead(s),"
        f" {result['contacts']:,} contact(s) no other campaign held."
    )
