"""`ccterm agents`, `listen`, `message` run by their Unix users against a daemon of its own.

Users: nobody (agent, sales), games (agent, support), daemon (supervisor, sales),
bin (supervisor, support); root is an admin. Agents are logged in by root acting
as them, as the desk tests do; every command is the real CLI as its user.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

from ccterm.client import DaemonClient
from tests.as_user import can_run_as, ccterm_as
from tests.conftest import USERS, ccterm, spawn_daemon, write_config

SUPPORT_AGENT = """
[[users]]
name = "games"
role = "agent"
group = "support"
"""


@pytest.fixture
def floor(workdir: Path) -> Iterator[Path]:
    """A daemon with campaign spring (sales) and hotline (support); yields its config."""
    can_run_as("daemon")
    cfg = write_config(workdir, users=USERS + SUPPORT_AGENT)
    proc = spawn_daemon(cfg, workdir / "daemon.log")
    try:
        for name, group in (("spring", "sales"), ("hotline", "support")):
            ccterm("campaign", "create", name, "--group", group, config=cfg, check=True)
        yield cfg
    finally:
        proc.terminate()
        proc.wait(10)


@pytest.fixture
async def desks(floor: Path) -> AsyncIterator[dict[str, DaemonClient]]:
    """nobody working spring and games working hotline, each at a desk (a client)."""
    socket = floor.parent / "ccterm.sock"
    clients: dict[str, DaemonClient] = {}
    for name, campaign in (("nobody", "spring"), ("games", "hotline")):
        client = DaemonClient(socket)
        await client.connect()
        await client.hello(act_as=name)
        await client.request("agent.login", {"campaign": campaign})
        clients[name] = client
    try:
        yield clients
    finally:
        for client in clients.values():
            await client.close()


async def cli(user: str, *args: str, config: Path) -> Any:
    return await asyncio.to_thread(ccterm_as, user, *args, config=config)


async def next_message(client: DaemonClient, within: float = 5.0) -> dict[str, Any]:
    async def first() -> dict[str, Any]:
        async for frame in client.events():
            if frame["event"] == "message.received":
                return dict(frame["data"])
        raise AssertionError("the connection ended")

    return await asyncio.wait_for(first(), within)


async def test_agents_lists_only_the_callers_group(
    floor: Path, desks: dict[str, DaemonClient]
) -> None:
    sales = await cli("daemon", "agents", config=floor)
    assert sales.returncode == 0, sales.stderr
    lines = sales.stdout.splitlines()
    assert lines[0].startswith("agent   group  state")
    assert lines[0].split()[-3:] == ["queues", "call", "phone"]
    assert any(line.startswith("nobody") and "spring" in line for line in lines)
    assert "games" not in sales.stdout and "hotline" not in sales.stdout

    support = json.loads((await cli("bin", "agents", "--json", config=floor)).stdout)
    assert [(a["name"], a["group"]) for a in support["agents"]] == [("games", "support")]
    assert "nobody" not in json.dumps(support)
    peeking = await cli("bin", "agents", "--group", "sales", config=floor)
    assert peeking.returncode == 77
    assert "you see only your own group, 'support'" in peeking.stderr

    every = json.loads((await asyncio.to_thread(ccterm, "agents", "--json", config=floor)).stdout)
    assert sorted(a["name"] for a in every["agents"]) == ["games", "nobody"]
    status = every["agents"][0]["status"]
    assert status in ("ready", "paused", "dialing"), status


async def test_a_message_reaches_one_agent_and_a_whole_group(
    floor: Path, desks: dict[str, DaemonClient]
) -> None:
    one = await cli("daemon", "message", "nobody", "call me when free", config=floor)
    assert one.returncode == 0, one.stderr
    assert one.stdout.strip() == "Sent to nobody."
    got = await next_message(desks["nobody"])
    assert (got["from"], got["text"]) == ("daemon", "call me when free")

    group = await asyncio.to_thread(
        ccterm, "message", "--group", "support", "meeting at 3", config=floor
    )
    assert group.returncode == 0, group.stderr
    assert group.stdout.strip() == "Sent to games."
    assert (await next_message(desks["games"]))["text"] == "meeting at 3"

    mine = await cli("daemon", "message", "--group", "sales", "well done", config=floor)
    assert mine.stdout.strip() == "Sent to nobody."
    assert (await next_message(desks["nobody"]))["text"] == "well done"
    other = await cli("daemon", "message", "--group", "support", "hi", config=floor)
    assert other.returncode == 77
    assert "you may message only your own group, 'sales'" in other.stderr
    stranger = await cli("daemon", "message", "games", "hi", config=floor)
    assert stranger.returncode == 1 and "no user 'games' in your group" in stranger.stderr
    with pytest.raises(TimeoutError):
        await next_message(desks["games"], within=0.5)


async def test_listen_needs_a_phone_an_agent_in_your_group_and_asks_before_barging(
    floor: Path, desks: dict[str, DaemonClient]
) -> None:
    nophone = await cli("daemon", "listen", "nobody", config=floor)
    assert nophone.returncode == 1
    assert "ccterm: you (daemon) have no phone to listen on" in nophone.stderr
    assert 'add phone = "1001" (an extension) or "sip:1001@host" to your [[users]]' in (
        nophone.stderr
    )
    assert str(floor) in nophone.stderr

    for user, agent in (("bin", "nobody"), ("daemon", "games"), ("daemon", "nosuch")):
        hidden = await cli(user, "listen", agent, config=floor)
        assert hidden.returncode == 1
        assert hidden.stderr.splitlines()[0] == f"ccterm: no agent '{agent}'", hidden.stderr

    barge = await cli("daemon", "listen", "nobody", "--barge", config=floor)
    assert barge.returncode == 2
    assert "Barge in on nobody's call? The customer will hear you." in barge.stderr
    assert "pass --yes to confirm" in barge.stderr
    confirmed = await cli("daemon", "listen", "nobody", "--barge", "--yes", config=floor)
    assert "no phone to listen on" in confirmed.stderr, "asked no more: the daemon answered"

    stop = await cli("daemon", "listen", "--stop", config=floor)
    assert stop.returncode == 1 and "you are not listening to anyone" in stop.stderr


async def test_an_agent_is_refused_every_supervisor_command(
    floor: Path, desks: dict[str, DaemonClient]
) -> None:
    can_run_as("nobody")
    for args, what in (
        (["agents"], "watching agents"),
        (["listen", "nobody"], "listening in"),
        (["message", "nobody", "hi"], "sending messages"),
        (["listen", "--stop"], "stopping listening"),
    ):
        done = await cli("nobody", *args, config=floor)
        assert done.returncode == 77, done.stderr
        assert done.stderr.splitlines()[0] == (
            f"ccterm: {what} needs the supervisor role; you (nobody) are an agent"
        )
        assert "Traceback" not in done.stderr
