"""`ccterm`: the one command. Every subcommand takes --config; errors are one line, no traceback."""

from __future__ import annotations

import sys
import tomllib
from pathlib import Path
from typing import Annotated, Any

import typer

from ccterm import __version__
from ccterm.commands import callbacks as callbacks_cmd
from ccterm.commands import campaign as campaign_cmd
from ccterm.commands import config_check as config_cmd
from ccterm.commands import dnc as dnc_cmd
from ccterm.commands import lead as lead_cmd
from ccterm.commands import trunk as trunk_cmd
from ccterm.commands.agent import agent_command
from ccterm.commands.common import (
    ConfigOpt,
    JsonOpt,
    ago,
    echo,
    emit_json,
    load_config,
    request,
)
from ccterm.commands.importing import import_command
from ccterm.commands.monitor import monitor_command
from ccterm.commands.report import report_command
from ccterm.commands.simulate import simulate_command
from ccterm.commands.supervise import agents_command, listen_command, message_command
from ccterm.errors import CctermError, ConfigError

app = typer.Typer(
    name="ccterm",
    help="A terminal-first contact center: a dialer daemon, agents' and supervisors' screens, "
    "and the admin commands below.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)
app.add_typer(callbacks_cmd.app, name="callbacks")
app.add_typer(campaign_cmd.app, name="campaign")
app.add_typer(config_cmd.app, name="config")
app.add_typer(dnc_cmd.app, name="dnc")
app.add_typer(lead_cmd.app, name="lead")
app.add_typer(trunk_cmd.app, name="trunk")
app.command("import")(import_command)
app.command("report")(report_command)
app.command("agent")(agent_command)
app.command("monitor")(monitor_command)
app.command("simulate")(simulate_command)
app.command("agents")(agents_command)
app.command("listen")(listen_command)
app.command("message")(message_command)


def _version(value: bool) -> None:
    if value:
        echo(f"ccterm {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Print the version."),
    ] = False,
) -> None:
    """ccterm: run `ccterm demo` to see it work, `ccterm init` to start for real."""


@app.command()
def init(
    path: Annotated[Path, typer.Argument(help="Where to write it.", dir_okay=False)] = Path(
        "config.toml"
    ),
    local: Annotated[
        bool,
        typer.Option(
            "--local", help="Keep socket, database and recordings in ./ccterm-data beside the file."
        ),
    ] = False,
    region: Annotated[str, typer.Option("--region", help="Your default region, e.g. PL.")] = "PL",
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing file.")] = False,
) -> None:
    """Write a commented starter config.toml."""
    from ccterm import config as config_mod

    if path.exists() and not force:
        raise ConfigError(f"{path} exists already", "pass --force to overwrite it")
    text = config_mod.starter_text(local=local, region=region)
    config_mod.parse(tomllib.loads(text), path)  # never write a file we cannot read
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    echo(f"Wrote {path}. Edit [trunk] and [[users]], then run: ccterm daemon --config {path}")


@app.command()
def daemon(config: ConfigOpt = None) -> None:
    """Run the daemon in the foreground (systemd runs it as a Type=notify service)."""
    from ccterm.daemon.main import run

    cfg = load_config(config)
    raise typer.Exit(run(cfg))


@app.command()
def status(config: ConfigOpt = None, json_out: JsonOpt = False) -> None:
    """Is the daemon up? Its trunk, campaigns and who you are to it."""
    cfg = load_config(config)
    data = request(cfg, "status")
    if json_out:
        emit_json(data)
        return
    echo(f"ccterm daemon {data['version']}, up {ago(data['uptime_s'])}")
    echo(
        f"you are {data['user']} ({data['role']}"
        + (f", group {data['group']})" if data["group"] else ")")
    )
    trunk = data["trunk"]
    detail = f" ({trunk['detail']})" if trunk.get("detail") else ""
    echo(f"trunk: {trunk['kind']}, {trunk['state']}{detail}")
    if trunk.get("sip"):
        echo(f"sip: {sip_health(trunk['sip'])}")
    counts = ", ".join(f"{n} {s}" for s, n in sorted(data["campaigns"].items())) or "none"
    echo(f"campaigns: {counts}")
    if "sessions" in data:
        echo(f"connected clients: {data['sessions']}")
    if "database" in data:
        echo(f"database: {data['database']}")


def sip_health(sip: dict[str, Any]) -> str:
    """One line of the SIP layer's own counts: is the trunk talking to us, and who is refused."""
    last = sip.get("last_from_trunk_s")
    if last is None:
        heard = "nothing from the trunk yet"
    elif last < 60:
        heard = f"last message from the trunk {last:.0f} s ago"
    else:
        heard = f"last message from the trunk {ago(last)} ago"
    parts = [
        heard,
        f"{sip.get('received', 0):,} received",
        f"{sip.get('malformed', 0):,} malformed",
        f"{sip.get('from_strangers', 0):,} from strangers dropped",
        f"{sip.get('flood_dropped', 0):,} over the flood limit",
    ]
    if sip.get("rebinds"):
        parts.append(f"socket re-opened {sip['rebinds']} times")
    return ", ".join(parts)


@app.command()
def demo(
    directory: Annotated[
        Path | None,
        typer.Option("--dir", help="Keep the demo's files here (default: a temporary directory)."),
    ] = None,
    headless: Annotated[
        bool, typer.Option("--headless", help="No agent screen: keep only the daemon running.")
    ] = False,
    wait: Annotated[
        bool,
        typer.Option(
            "--wait/--no-wait", help="With --headless: run until Ctrl-C, or stop at once."
        ),
    ] = True,
) -> None:
    """Try ccterm: a daemon on the simulated trunk, sample campaigns, and your agent desk.

    Nothing to install or configure. Quitting the agent screen (q) stops the daemon.
    """
    from ccterm.demo import run_demo

    raise typer.Exit(run_demo(directory, headless=headless, wait=wait))


def main() -> None:
    try:
        app()
    except CctermError as exc:
        sys.stderr.write(f"ccterm: {exc.message}\n")
        if exc.hint:
            sys.stderr.write(f"  hint: {exc.hint}\n")
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        sys.stderr.write("ccterm: interrupted\n")
        sys.exit(130)
