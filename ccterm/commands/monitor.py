"""`ccterm monitor`: the supervisor's wallboard in this terminal."""

from __future__ import annotations

import signal
import sys
from typing import Annotated

import typer

from ccterm.commands.agent import _hang_up
from ccterm.commands.common import ConfigOpt, load_config


def _steps(text: str) -> tuple[float, ...]:
    try:
        steps = tuple(float(part) for part in text.split(","))
    except ValueError:
        raise typer.BadParameter("three numbers of seconds, e.g. 10,60,300") from None
    if len(steps) != 3 or list(steps) != sorted(steps) or steps[0] <= 0:
        raise typer.BadParameter("three growing numbers of seconds, e.g. 10,60,300")
    return steps


def monitor_command(
    user: Annotated[
        str | None,
        typer.Option("--user", help="Watch as this supervisor (admins only: training and tests)."),
    ] = None,
    steps: Annotated[
        str,
        typer.Option(
            "--steps", help="Seconds in a state at which its time turns green, yellow, red."
        ),
    ] = "10,60,300",
    config: ConfigOpt = None,
) -> None:
    """Watch the floor live (supervisors: your group; admins: everyone): agents, calls,
    queues, campaigns; listen in, message, pause or log out agents; run campaigns."""
    from ccterm.screens.monitor import MonitorApp

    levels = _steps(steps)
    cfg = load_config(config)
    signal.signal(signal.SIGHUP, _hang_up)
    app = MonitorApp(cfg.daemon.socket, act_as=user, steps=levels)
    app.run()
    if app.error_text:
        sys.stderr.write(f"ccterm: {app.error_text}\n")
    raise typer.Exit(app.return_code or 0)
