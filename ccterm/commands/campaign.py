"""`ccterm campaign ...`: create, list, show, start, pause, stop, copy, edit, archive,
restore, delete."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from ccterm.commands import campaign_archive
from ccterm.commands.campaign_settings import (
    AgentOpt,
    AttemptsOpt,
    CallerOpt,
    CapOpt,
    CutOpt,
    DialOrderOpt,
    EndOpt,
    GroupOpt,
    HarborOpt,
    MessageOpt,
    ModeOpt,
    OrderOpt,
    OverrideOpt,
    RatioOpt,
    RetryOpt,
    RingOpt,
    ScriptOpt,
    StartOpt,
    TagOpt,
    TargetOpt,
    WrapDefaultOpt,
    WrapOpt,
    setting_options,
    settings_of,
)
from ccterm.commands.campaign_view import print_campaign
from ccterm.commands.common import (
    ConfigOpt,
    JsonOpt,
    echo,
    emit_json,
    load_config,
    note,
    parse_when,
    request,
    table,
    when,
)
from ccterm.errors import UsageError

app = typer.Typer(
    help="Manage campaigns: their settings, schedule and state (supervisors and admins).",
    no_args_is_help=True,
)

NameArg = Annotated[str, typer.Argument(help="The campaign's name.", show_default=False)]


@app.command("create")
def create(
    name: NameArg,
    mode: ModeOpt = None,
    start: StartOpt = None,
    end: EndOpt = None,
    caller_id: CallerOpt = None,
    group: GroupOpt = None,
    agent: AgentOpt = None,
    ring_timeout: RingOpt = None,
    wrapup: WrapOpt = None,
    wrapup_default: WrapDefaultOpt = None,
    max_attempts: AttemptsOpt = None,
    order: OrderOpt = None,
    retry: RetryOpt = None,
    target_seconds: TargetOpt = None,
    tag: TagOpt = None,
    ratio: RatioOpt = None,
    dial_order: DialOrderOpt = None,
    abandon_cap: CapOpt = None,
    ratio_override: OverrideOpt = None,
    safe_harbor: HarborOpt = None,
    cut_after: CutOpt = None,
    abandon_message: MessageOpt = None,
    script: ScriptOpt = None,
    config: ConfigOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Create a campaign. It is Scheduled until its start, then Running."""
    cfg = load_config(config)
    args: dict[str, Any] = {
        "name": name,
        "settings": settings_of(**setting_options(locals())),
    }
    if start:
        args["start_at"] = parse_when(start, what="--start")
    if end:
        args["end_at"] = parse_when(end, what="--end")
    result = request(cfg, "campaign.create", args)
    if json_out:
        emit_json(result["campaign"])
        return
    c = result["campaign"]
    echo(f"Created campaign '{c['name']}' ({c['status']}, {c['settings']['mode']}).")


@app.command("list")
def list_(
    all_: Annotated[
        bool, typer.Option("--all", help="Archived campaigns too (hidden otherwise).")
    ] = False,
    config: ConfigOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """List the campaigns you can see."""
    cfg = load_config(config)
    result = request(cfg, "campaign.list", {"archived": all_})
    items, hidden = result["campaigns"], result.get("archived_hidden", 0)
    if json_out:
        emit_json(items)
        return
    if not items:
        echo("No campaigns yet. Create one with: ccterm campaign create NAME, or import a list.")
    else:
        rows = [
            [
                c["name"],
                c["status"] if c.get("archived_at") is None else f"archived ({c['status']})",
                c["settings"]["mode"],
                when(c["start_at"]),
                when(c["end_at"]),
                ", ".join(c["settings"]["groups"]) or "-",
            ]
            for c in items
        ]
        echo(table(["name", "status", "mode", "start", "end", "groups"], rows))
    if hidden:
        note(f"{hidden} archived campaign(s) not shown: ccterm campaign list --all")


@app.command("show")
def show(name: NameArg, config: ConfigOpt = None, json_out: JsonOpt = False) -> None:
    """Show a campaign's settings and progress."""
    cfg = load_config(config)
    result = request(cfg, "campaign.show", {"name": name})
    if json_out:
        emit_json(result)
        return
    print_campaign(result["campaign"], result["progress"], result)
    for warning in result.get("warnings", []):
        note(f"warning: {warning}")


def _act(op: str, verb: str, name: str, config: Any, json_out: bool) -> None:
    cfg = load_config(config)
    result = request(cfg, op, {"name": name})
    if json_out:
        emit_json(result["campaign"])
        return
    c = result["campaign"]
    if result["was"] == c["status"]:
        echo(f"'{c['name']}' was already {c['status']}.")
    else:
        echo(f"{verb} '{c['name']}': {result['was']} -> {c['status']}.")


@app.command("start")
def start_(name: NameArg, config: ConfigOpt = None, json_out: JsonOpt = False) -> None:
    """Start (or resume) a campaign now."""
    _act("campaign.start", "Started", name, config, json_out)


@app.command("pause")
def pause(name: NameArg, config: ConfigOpt = None, json_out: JsonOpt = False) -> None:
    """Pause a campaign: no new calls; calls in progress finish."""
    _act("campaign.pause", "Paused", name, config, json_out)


@app.command("stop")
def stop(name: NameArg, config: ConfigOpt = None, json_out: JsonOpt = False) -> None:
    """Stop a campaign by hand (it can be started again)."""
    _act("campaign.stop", "Stopped", name, config, json_out)


@app.command("copy")
def copy(
    name: NameArg,
    new_name: Annotated[str, typer.Argument(help="Name of the copy.", show_default=False)],
    config: ConfigOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Copy a campaign's settings (not its contacts) into a new, paused campaign."""
    cfg = load_config(config)
    c = request(cfg, "campaign.copy", {"name": name, "new_name": new_name})["campaign"]
    if json_out:
        emit_json(c)
        return
    echo(
        f"Copied '{name}' to '{c['name']}' (paused). Import a list, then: "
        f"ccterm campaign start '{c['name']}'"
    )


@app.command("edit")
def edit(
    name: NameArg,
    rename: Annotated[str | None, typer.Option("--rename", help="A new name.")] = None,
    mode: ModeOpt = None,
    start: StartOpt = None,
    end: EndOpt = None,
    no_end: Annotated[bool, typer.Option("--no-end", help="Remove the end time.")] = False,
    caller_id: CallerOpt = None,
    group: GroupOpt = None,
    agent: AgentOpt = None,
    add_agent: Annotated[
        list[str] | None, typer.Option("--add-agent", help="Add an agent (repeat).")
    ] = None,
    remove_agent: Annotated[
        list[str] | None, typer.Option("--remove-agent", help="Remove an agent (repeat).")
    ] = None,
    ring_timeout: RingOpt = None,
    wrapup: WrapOpt = None,
    wrapup_default: WrapDefaultOpt = None,
    max_attempts: AttemptsOpt = None,
    order: OrderOpt = None,
    retry: RetryOpt = None,
    target_seconds: TargetOpt = None,
    tag: TagOpt = None,
    ratio: RatioOpt = None,
    dial_order: DialOrderOpt = None,
    abandon_cap: CapOpt = None,
    ratio_override: OverrideOpt = None,
    safe_harbor: HarborOpt = None,
    cut_after: CutOpt = None,
    abandon_message: MessageOpt = None,
    script: ScriptOpt = None,
    config: ConfigOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Change a campaign's settings; a running campaign picks them up at once.

    List options (--group, --agent, --tag) replace the list; --add-agent and
    --remove-agent change it.
    """
    cfg = load_config(config)
    changes = settings_of(**setting_options(locals()))
    if add_agent or remove_agent:
        current = request(cfg, "campaign.show", {"name": name})["campaign"]["settings"]["agents"]
        agents = list(changes.get("agents", current))
        agents += [a for a in add_agent or [] if a not in agents]
        changes["agents"] = [a for a in agents if a not in (remove_agent or [])]
    args: dict[str, Any] = {"name": name, "settings": changes}
    if rename:
        args["rename"] = rename
    if start:
        args["start_at"] = parse_when(start, what="--start")
    if end:
        args["end_at"] = parse_when(end, what="--end")
    if no_end:
        args["clear_end"] = True
    if len(args) == 2 and not changes:
        raise UsageError("nothing to change", "see: ccterm campaign edit --help")
    c = request(cfg, "campaign.edit", args)["campaign"]
    if json_out:
        emit_json(c)
        return
    echo(f"Updated '{c['name']}' ({c['status']}).")


# After the commands above, so `ccterm campaign --help` lists them last.
app.command("archive")(campaign_archive.archive)
app.command("restore")(campaign_archive.restore)
app.command("delete")(campaign_archive.delete)
