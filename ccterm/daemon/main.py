"""`ccterm daemon`: the composition root. Picks the trunk, opens the store, serves the socket.

Under systemd (Type=notify) it reports READY once the socket accepts clients,
pings the watchdog from the event loop (so a stuck loop gets restarted), keeps
STATUS current and says STOPPING on SIGTERM, then closes everything in order.
SIGHUP re-reads config.toml (reload.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import logging
import os
import signal
import sys
from collections.abc import Callable
from pathlib import Path
from typing import IO

from ccterm import __version__
from ccterm.clock import Clock, SystemClock
from ccterm.config import Config
from ccterm.daemon.ops import Ops
from ccterm.daemon.reload import reload
from ccterm.daemon.requests import Requests
from ccterm.daemon.runner import Runner
from ccterm.daemon.server import Server
from ccterm.daemon.systemd import Notifier, watchdog_interval
from ccterm.errors import CctermError
from ccterm.inbound_plan import load_prompts
from ccterm.sip.simulated import SimProfile, SimulatedTrunk
from ccterm.sip.trunk import Trunk
from ccterm.store import agent_log, dialing, inbound, sessions
from ccterm.store.db import Store

log = logging.getLogger("ccterm.daemon")


def make_trunk(config: Config, clock: Clock) -> Trunk:
    """The one place that chooses between the real and the simulated trunk."""
    if config.trunk.kind == "sim":
        s = config.sim
        profile = SimProfile(
            p_human=s.p_human,
            p_machine=s.p_machine,
            p_busy=s.p_busy,
            p_invalid=s.p_invalid,
            answer_min=s.answer_min,
            answer_max=s.answer_max,
            busy_seconds=s.busy_seconds,
            invalid_seconds=s.invalid_seconds,
            talk_mean=s.talk_mean,
            inbound_per_hour=s.inbound_per_hour,
            inbound_dids=tuple(f"+{r.did}" for r in config.inbound.routes),
            inbound_callers=s.inbound_callers,
            inbound_keys=s.inbound_keys,
            inbound_first=s.inbound_first,
        )
        return SimulatedTrunk(profile, clock, seed=s.seed)
    from ccterm.numbers import dial_refusal
    from ccterm.sip.voip import VoipTrunk  # late: the simulated trunk needs none of SIP

    allowed = config.dialer.allowed_countries
    return VoipTrunk(config.trunk, guard=lambda number: dial_refusal(number, allowed))


def _lock_database(path: Path) -> IO[str]:
    """One daemon per database: a second one would interleave writes with the first."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = open(path.with_name(path.name + ".lock"), "a")  # noqa: SIM115 - held for the run
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        raise CctermError(
            f"another ccterm daemon is using {path}", "stop it first (systemctl stop ccterm)"
        ) from None
    return handle


def setup_logging(level: str) -> None:
    handler = logging.StreamHandler(sys.stderr)
    # journald stamps time itself; a terminal run gets its own stamp.
    fmt = "%(levelname)s %(name)s: %(message)s"
    if not os.environ.get("JOURNAL_STREAM"):
        fmt = "%(asctime)s " + fmt
    handler.setFormatter(logging.Formatter(fmt))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    logging.getLogger("aiosqlite").setLevel(logging.WARNING)
    logging.captureWarnings(True)  # the SIP library warns; a daemon logs, never prints


async def serve(
    config: Config,
    *,
    clock: Clock | None = None,
    stop: asyncio.Event | None = None,
    expose: Callable[[Runner], None] | None = None,
) -> None:
    """Run until `stop` is set or SIGTERM/SIGINT arrives; `expose` is handed the runner
    (tests on a virtual clock wait for it to be idle)."""
    clock = clock or SystemClock()
    loop = asyncio.get_running_loop()
    stop = stop or asyncio.Event()
    notifier = Notifier()
    lock = _lock_database(config.daemon.database)
    tasks: list[asyncio.Task[None]] = []
    store: Store | None = None
    server: Server | None = None
    trunk: Trunk | None = None
    center: Runner | None = None
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    loop.add_signal_handler(signal.SIGHUP, log.warning, "SIGHUP while starting: ignored")
    try:
        prompts = load_prompts(config.inbound, config.path)  # a bad prompt: refuse to start
        # The socket path first: a daemon refused there has opened no database and
        # registered nothing on the trunk, so the one already running is undisturbed.
        server = Server(config)
        server.claim()
        config.daemon.recordings.mkdir(parents=True, exist_ok=True)
        store = await Store.open(config.daemon.database, clock)
        await _sync_users(store, config)
        await sessions.close_orphans(store)
        await agent_log.close_all(store, clock.now())  # the floor starts empty (after a crash)
        orphans = await inbound.close_orphans(store, clock.now())
        if orphans:
            log.warning("%d inbound call(s) were in progress when the daemon stopped", orphans)
        for callback in await inbound.callbacks_recover(store, clock.now()):
            log.warning(
                "queue callback %s to %s was being placed when the daemon stopped: not redialled,"
                " left for review",
                callback.id,
                callback.e164,
            )
        recovered = await dialing.recover(store)
        if recovered:
            log.warning(
                "%d call(s) were in progress when the daemon stopped; back in line", recovered
            )
        trunk = make_trunk(config, clock)
        center = Runner(store, clock, server, trunk, config, prompts)
        ops = Ops(
            config=config,
            store=store,
            clock=clock,
            trunk=trunk,
            publish=server.publish,
            center=Requests(center),
        )
        server.handler = ops
        _reload_on_sighup(center, server, ops, notifier, tasks)
        await center.load()
        if expose is not None:
            expose(center)
        trunk.set_listener(center.on_trunk_event)
        await trunk.start()
        await server.start()
        tasks.append(asyncio.create_task(center.run(), name="center"))
        interval = watchdog_interval()
        if interval:
            tasks.append(asyncio.create_task(_watchdog(notifier, interval), name="watchdog"))
        log.info(
            "ccterm %s serving %s (trunk: %s)", __version__, config.daemon.socket, config.trunk.kind
        )
        notifier.ready(f"serving {config.daemon.socket}, trunk {config.trunk.kind}")
        await stop.wait()
        log.info("stopping")
        notifier.stopping("stopping")
    finally:
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        if center is not None:
            await center.close()
        if server is not None:
            server.publish("daemon.stopping", {})
            await server.close()
        if trunk is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(trunk.stop(), 10)
        if store is not None:
            await _agents_offline(store, clock.now())
            await store.close()
        for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            loop.remove_signal_handler(sig)
        notifier.close()
        lock.close()


def _reload_on_sighup(
    center: Runner, server: Server, ops: Ops, notifier: Notifier, tasks: list[asyncio.Task[None]]
) -> None:
    """`systemctl reload ccterm`: the new inbound plan for the calls that come next."""

    def swap(new: Config) -> None:  # the socket's and the ops' copies stay the runner's
        server.config = ops.config = new

    async def go() -> None:
        await reload(center, swap, notifier)

    asyncio.get_running_loop().add_signal_handler(
        signal.SIGHUP, lambda: tasks.append(asyncio.create_task(go(), name="reload"))
    )


async def _sync_users(store: Store, config: Config) -> None:
    """The users table mirrors config.toml, so reports can join on it."""
    now = store.clock.now()
    async with store.transaction() as db:
        await db.execute("DELETE FROM users")
        await db.executemany(
            "INSERT INTO users (name, role, grp, phone, updated_at) VALUES (?, ?, ?, ?, ?)",
            [(u.name, str(u.role), u.group, u.phone, now) for u in config.users],
        )


async def _agents_offline(store: Store, at: float) -> None:
    """At a stop: whoever was on the floor is offline from now, not from the next start
    (which closes what a crash left open: there the time down counts as the last state)."""
    try:
        closed = await agent_log.close_all(store, at)
    except Exception:  # a report's detail: the store still closes
        log.exception("agents' states not closed at the stop")
    else:
        if closed:
            log.info("%d agent(s) on the floor at the stop: offline from now", closed)


async def _watchdog(notifier: Notifier, interval: float) -> None:
    while True:
        notifier.watchdog()
        await asyncio.sleep(interval)


def run(config: Config) -> int:
    setup_logging(config.daemon.log_level)
    try:
        asyncio.run(serve(config))
    except CctermError as exc:
        log.error("%s%s", exc.message, f" ({exc.hint})" if exc.hint else "")
        return exc.exit_code
    return 0
