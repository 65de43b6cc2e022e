"""`ccterm agent`: start the agent's desk in this terminal."""

from __future__ import annotations

import os
import signal
import sys
from typing import Annotated

import typer

from ccterm.commands.common import ConfigOpt, load_config


def _hang_up(signum: int, frame: object) -> None:
    """The terminal is gone (SSH dropped): leave at once; the daemon sees the socket close."""
    os._exit(128 + signum)


def agent_command(
    user: Annotated[
        str | None,
        typer.Option("--user", help="Act as this agent (admins only: training and tests)."),
    ] = None,
    campaign: Annotated[
        str | None,
        typer.Option("--campaign", help="The campaign to work (asks if you have several)."),
    ] = None,
    inbound: Annotated[
        bool,
        typer.Option(
            "--inbound", help="Take only your group's inbound queues' callers (no campaign)."
        ),
    ] = False,
    config: ConfigOpt = None,
) -> None:
    """Work as an agent: the contact list, dialling, one key per disposition; the callers of
    your group's inbound queues come to you too (with --inbound, only they)."""
    from ccterm.screens.agent import AgentApp

    if inbound and campaign:
        raise typer.BadParameter("--inbound takes no --campaign: it is inbound only")
    if inbound:
        campaign = ""  # the desk logs in to the queues alone
    cfg = load_config(config)
    signal.signal(signal.SIGHUP, _hang_up)
    app = AgentApp(cfg.daemon.socket, act_as=user, campaign=campaign)
    app.run()
    if app.error_text:
        sys.stderr.write(f"ccterm: {app.error_text}\n")
    raise typer.Exit(app.return_code or 0)
