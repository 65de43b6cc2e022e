"""Shared by the desk tests: a daemon whose simulated customers behave as a test needs."""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

from ccterm import config as config_mod
from ccterm.client import DaemonClient
from ccterm.clock import VirtualClock
from ccterm.daemon.floor.state import Call, CallState, Inbound
from ccterm.model import AgentStatus
from tests.conftest import STEP, VIRTUAL, RunningDaemon, start_daemon, write_config

DESK_USERS = """
[[users]]
name = "anna"
role = "agent"
group = "sales"

[[users]]
name = "piotr"
role = "agent"
group = "sales"

[[users]]
name = "sam"
role = "supervisor"
group = "sales"
"""

HUMAN = """
[sim]
seed = 3
p_human = 1.0
p_machine = 0.0
p_busy = 0.0
p_invalid = 0.0
answer_min = 0.2
answer_max = 0.3
talk_mean = 600.0
"""
BUSY = (
    HUMAN.replace("p_human = 1.0", "p_human = 0.0").replace("p_busy = 0.0", "p_busy = 1.0")
    + "busy_seconds = 0.2\n"
)


async def desk(workdir: Path, sim: str) -> RunningDaemon:
    """A daemon on a virtual clock (starting at the real time): time moves when a test waits."""
    cfg = config_mod.load(write_config(workdir, users=DESK_USERS, extra=sim))
    return await start_daemon(cfg, VirtualClock(time.time()))


async def as_agent(daemon: RunningDaemon, name: str, campaign: str | None = "c") -> DaemonClient:
    client = await daemon.client()
    await client.hello(act_as=name)
    if campaign:
        await client.request("agent.login", {"campaign": campaign})
    return client


async def load(
    daemon: RunningDaemon,
    campaign: str,
    numbers: list[str],
    *,
    names: list[str] | None = None,
    fields: list[dict[str, str]] | None = None,
    **settings: Any,
) -> list[int]:
    """Create the campaign and import the numbers through the real import ops; lead ids in order.

    Contacts are "Contact N" in Kraków unless `names` / `fields` say otherwise."""
    await daemon.request(
        "campaign.create", {"name": campaign, "settings": {"groups": ["sales"], **settings}}
    )
    async with DaemonClient(daemon.socket) as c:
        begun = await c.request(
            "import.begin", {"campaign": campaign, "file_name": "t.csv", "columns": []}
        )
        rows = [
            [
                i + 2,
                n,
                names[i] if names else f"Contact {i}",
                fields[i] if fields else {"city": "Kraków"},
                "Europe/Warsaw",
                0,
            ]
            for i, n in enumerate(numbers)
        ]
        await c.request("import.rows", {"import_id": begun["import_id"], "rows": rows})
        await c.request(
            "import.commit",
            {"import_id": begun["import_id"], "rows": len(rows), "invalid": 0, "duplicates": 0},
        )
        page = await c.request("leads.list", {"campaign": campaign})
    return [r[0] for r in page["rows"]]


async def until(check: Callable[[], Awaitable[Any]], within: float = 8.0) -> Any:
    """Until `check` holds: on a virtual clock, `within` virtual seconds, moved in steps
    (the daemon settles after each); otherwise real seconds."""
    if VIRTUAL:
        waited = 0.0
        while True:
            value = await check()
            if value:
                return value
            if waited > within:
                raise AssertionError(f"condition not met in {within} s (last: {value!r})")
            for daemon in list(VIRTUAL):
                await daemon.advance(STEP)
            waited += STEP
    deadline = time.monotonic() + within
    while True:
        value = await check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met in {within} s (last: {value!r})")
        await asyncio.sleep(0.05)


async def next_event(client: DaemonClient, name: str) -> dict[str, Any]:
    async for event in client.events():
        if event["event"] == name:
            data: dict[str, Any] = event["data"]
            return data
    raise AssertionError(f"no {name} event")


async def event_of(client: DaemonClient, name: str, within: float = 8.0) -> dict[str, Any]:
    """The client's next `name` event, waiting as `until` waits (virtual time moves)."""
    task = asyncio.create_task(next_event(client, name))

    async def arrived() -> bool:
        await asyncio.sleep(0)
        return task.done()

    try:
        await until(arrived, within)
    finally:
        if not task.done():
            task.cancel()
    return task.result()


async def wait(seconds: float) -> None:
    """Let `seconds` of the daemons' virtual time pass (never a real sleep)."""
    assert VIRTUAL, "wait() is for daemons on a virtual clock"
    for daemon in list(VIRTUAL):
        await daemon.advance(seconds)


def status_is(client: DaemonClient, status: str) -> Callable[[], Awaitable[Any]]:
    async def check() -> Any:
        agent = (await client.request("agent.state"))["agent"]
        return agent if agent["status"] == status else None

    return check


def db(daemon: RunningDaemon, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    con = sqlite3.connect(daemon.config.daemon.database)
    try:
        return con.execute(sql, params).fetchall()
    finally:
        con.close()


@contextlib.asynccontextmanager
async def inbound_on(
    daemon: RunningDaemon,
    agent: str,
    inbound: Inbound,
    call_id: str = "c90-in",
    waited: float = 75.0,
) -> AsyncIterator[dict[str, Any]]:
    """An inbound call connected to `agent` on the daemon's floor, as the inbound flow will
    put it there (until that flow is wired, tests plant it); yields the agent's wire object,
    which agent.changed carries. The call is taken off again at the end."""
    runner = daemon.runner
    assert runner is not None
    async with runner.lock:
        now = runner.clock.now()
        live = runner.core.agents[agent]
        live.call = Call(
            call_id,
            inbound,
            "inbound",
            now - waited,
            agent=agent,
            state=CallState.CONNECTED,
            answered_at=now - waited,
            connected_at=now,
            queue="sales",
            entered_at=now - waited,
        )
        live.status = AgentStatus.ON_CALL
        wire = runner.core.wire(live)
    try:
        yield wire
    finally:
        async with runner.lock:
            live.call = None
            live.status = AgentStatus.READY
