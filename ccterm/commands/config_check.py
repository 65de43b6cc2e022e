"""`ccterm config check`: config.toml read as the daemon reads it, without the daemon.

Run it before `systemctl reload ccterm`: a reload keeps the old config when the new
one is wrong, and this says why in the terminal instead of the journal.
"""

from __future__ import annotations

import typer

from ccterm.commands.common import ConfigOpt, echo, load_config
from ccterm.inbound_plan import load_prompts

app = typer.Typer(
    help="config.toml: check it offline, before starting or reloading the daemon.",
    no_args_is_help=True,
)


def _count(n: int, what: str) -> str:
    return f"{n} {what}{'' if n == 1 else 's'}"


@app.command("check")
def check_command(config: ConfigOpt = None) -> None:
    """Read config.toml and every prompt its inbound plan plays, as the daemon would at start.

    Prints "config OK: ..." with what it holds, or the first mistake as one line naming the
    file, the key and the nearest fix, and exits 78 (EX_CONFIG). Needs no daemon.
    """
    cfg = load_config(config)
    plan = cfg.inbound
    library = load_prompts(plan, cfg.path)
    parts = [
        _count(len(plan.routes), "inbound number"),
        _count(len(plan.menus), "menu"),
        _count(len(plan.queues), "queue"),
        _count(len(cfg.users), "user"),
    ]
    echo(f"config OK: {', '.join(parts)} ({_count(library.loaded, 'prompt file')} read)")
