"""SIGHUP (`systemctl reload ccterm`): config.toml read again, the inbound plan swapped in.

What is reloaded: the inbound plan ([[inbound]], [menus.*], [queues.*]) and its
prompts, read and converted off the event loop, then swapped in one step on it.
Calls in progress keep the menu, queue and audio they already hold; the next
call meets the new plan. A config that does not load (or a prompt that cannot
be played) is logged and the running one kept. Every other section ([daemon],
[trunk], [sim], [dialer], [[users]]) is live state (the socket, the
registration, the pacer, sessions) and takes a restart: a change there is
logged as waiting for one, and the running values stay.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, replace

from ccterm import config as config_mod
from ccterm.config import Config
from ccterm.daemon.runner import Runner
from ccterm.daemon.systemd import Notifier
from ccterm.errors import CctermError
from ccterm.inbound_plan import load_prompts
from ccterm.ivr.prompts import PromptLibrary

log = logging.getLogger(__name__)
RESTART_ONLY = {
    "daemon": "[daemon]",
    "trunk": "[trunk]",
    "sim": "[sim]",
    "dialer": "[dialer]",
    "users": "[[users]]",
}


@dataclass(frozen=True, slots=True)
class Reread:
    config: Config  # the running config with the new inbound plan, nothing else changed
    prompts: PromptLibrary
    restart: tuple[str, ...]  # sections changed in the file that wait for a restart


def reread(current: Config) -> Reread:
    """config.toml and the plan's prompts, read again (blocking: run it off the loop)."""
    fresh = config_mod.load(current.path)
    prompts = load_prompts(fresh.inbound, fresh.path)
    restart = tuple(
        label for key, label in RESTART_ONLY.items() if getattr(fresh, key) != getattr(current, key)
    )
    return Reread(replace(current, inbound=fresh.inbound), prompts, restart)


def _count(n: int, what: str) -> str:
    return f"{n} {what}{'' if n == 1 else 's'}"


def describe(done: Reread) -> str:
    """One log line: what was reloaded, and what waits for a restart."""
    plan = done.config.inbound
    text = (
        f"reloaded {done.config.path}: inbound plan ({_count(len(plan.routes), 'number')},"
        f" {_count(len(plan.menus), 'menu')}, {_count(len(plan.queues), 'queue')}) and"
        f" {_count(done.prompts.loaded, 'prompt file')}"
    )
    if done.restart:
        return text + f"; {', '.join(done.restart)} changed: kept as running until a restart"
    return text + "; nothing else changed"


async def reload(
    center: Runner,
    swap: Callable[[Config], None] | None = None,
    notifier: Notifier | None = None,
) -> bool:
    """Re-read and swap in (`swap` hands the new config to its other holders); False when
    the file is refused and the running config stays."""
    if notifier:
        notifier.reloading()
    try:
        done = await asyncio.to_thread(reread, center.config)
    except CctermError as exc:
        hint = f" ({exc.hint})" if exc.hint else ""
        log.error("reload refused, the running config stays: %s%s", exc.message, hint)
        return False
    except Exception:
        log.exception("reload failed, the running config stays")
        return False
    finally:
        if notifier:
            notifier.ready()
    center.reload(done.config, done.prompts)
    if swap is not None:
        swap(done.config)
    log.info("%s", describe(done))
    return True
