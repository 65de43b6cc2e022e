"""The daemon's socket: identity by SO_PEERCRED, roles, frames, events — against a real daemon."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import stat
import time
from pathlib import Path

import pytest

from ccterm import config as config_mod
from ccterm import wire
from ccterm.client import DaemonClient
from ccterm.clock import VirtualClock
from ccterm.config import Config
from ccterm.daemon.main import serve
from ccterm.errors import CctermError, RemoteError
from tests.conftest import RunningDaemon, needs_root, request_as, running_daemon, start_daemon
from tests.desk_helpers import db, until


async def test_hello_gives_identity_snapshot_and_then_events(daemon: RunningDaemon) -> None:
    await daemon.request("campaign.create", {"name": "first", "settings": {"groups": ["sales"]}})

    async def trunk_up() -> bool:  # the floor's trunk.state is out before the watcher's hello
        return bool((await daemon.request("monitor.snapshot"))["trunk"]["state"] == "up")

    await until(trunk_up, within=5)
    async with DaemonClient(daemon.socket) as watcher:
        hello = await watcher.hello()
        assert (hello["user"], hello["role"], hello["seq"]) == ("root", "admin", 0)
        assert [c["name"] for c in hello["snapshot"]["campaigns"]] == ["first"]
        assert hello["snapshot"]["trunk"] == {
            "kind": "sim",
            "state": "up",
            "detail": "simulated calls",
        }
        await daemon.request("campaign.create", {"name": "second"})
        await daemon.request("campaign.pause", {"name": "second"})
        events = watcher.events()
        first = await asyncio.wait_for(anext(events), 5)
        second = await asyncio.wait_for(anext(events), 5)
    assert (first["seq"], first["event"], first["data"]["name"]) == (
        1,
        "campaign.changed",
        "second",
    )
    assert (second["seq"], second["data"]["status"]) == (2, "paused")
    query = "SELECT user, client, ended_at IS NOT NULL FROM sessions"
    ended = [("root", "cli", 1)]
    recorded = await until(lambda: asyncio.sleep(0, db(daemon, query) == ended), within=5)
    assert recorded, "a hello'd session is recorded, and its end (when the daemon notices)"


async def raw_exchange(path: Path, payload: bytes, replies: int = 1) -> list[dict]:
    reader, writer = await asyncio.open_unix_connection(str(path), limit=wire.MAX_FRAME + 10)
    writer.write(payload)
    await writer.drain()
    out = []
    for _ in range(replies):
        line = await asyncio.wait_for(reader.readline(), 5)
        if not line:
            break
        out.append(json.loads(line))
    writer.close()
    return out


async def test_bad_frames_get_errors_and_the_session_goes_on(daemon: RunningDaemon) -> None:
    replies = await raw_exchange(
        daemon.socket,
        b'this is not json\n[1,2]\n{"op": "status"}\n{"id": 5, "op": 7}\n'
        b'{"id": 6, "op": "status", "args": []}\n{"id": 7, "op": "campaign.lst"}\n'
        b'{"id": 8, "op": "campaign.show", "args": {"name": 42}}\n'
        b'{"id": 9, "op": "status"}\n',
        replies=8,
    )
    codes = [(r["id"], r["ok"], r.get("error", {}).get("code")) for r in replies]
    assert codes == [
        (None, False, "bad_frame"),
        (None, False, "bad_frame"),
        (None, False, "bad_frame"),
        (5, False, "bad_frame"),
        (6, False, "bad_frame"),
        (7, False, "unknown_op"),
        (8, False, "bad_request"),
        (9, True, None),
    ]
    assert "did you mean 'campaign.list'" in replies[5]["error"]["message"]
    assert "'name' must be text" in replies[6]["error"]["message"]


async def test_deeply_nested_frames_are_bad_frames_and_leave_no_traceback(
    live: Path, workdir: Path
) -> None:
    socket_path = config_mod.load(live).daemon.socket
    deep = b"[" * 100_000 + b"]" * 100_000
    replies = await raw_exchange(
        socket_path,
        deep
        + b"\n"
        + b'{"id": 1, "op": "dnc.add", "args": {"numbers": '
        + deep
        + b"}}\n"
        + b'{"id": 2'
        + b"2" * 5000
        + b', "op": "status"}\n'
        + b'{"id": 3, "op": "status"}\n',
        replies=4,
    )
    errors = [
        (r["id"], r.get("error", {}).get("code"), r.get("error", {}).get("message"))
        for r in replies
    ]
    assert errors[:2] == [(None, "bad_frame", "frame nested too deeply")] * 2
    assert errors[2][:2] == (None, "bad_frame") and "4300 digits" in errors[2][2]
    assert replies[3]["ok"] is True, "the connection goes on"
    log = (workdir / "daemon.log").read_text()
    assert "Traceback" not in log and "RecursionError" not in log


async def test_an_oversized_frame_is_refused_and_the_daemon_lives(daemon: RunningDaemon) -> None:
    huge = b'{"id": 1, "op": "status", "args": {"x": "' + b"a" * (wire.MAX_FRAME + 100) + b'"}}\n'
    replies = await raw_exchange(daemon.socket, huge)
    assert replies[0]["error"]["code"] == "bad_frame"
    assert (await daemon.request("status"))["role"] == "admin"


async def test_socket_is_0660_and_owned_by_the_configured_group(daemon: RunningDaemon) -> None:
    st = daemon.socket.stat()
    assert stat.S_ISSOCK(st.st_mode)
    assert stat.S_IMODE(st.st_mode) == 0o660
    import grp

    assert grp.getgrgid(st.st_gid).gr_name == "nogroup"


@needs_root
async def test_a_user_not_in_config_is_refused(daemon: RunningDaemon) -> None:
    reply = await asyncio.to_thread(request_as, "sys", daemon.socket, "status")
    assert reply["ok"] is False
    assert reply["error"]["code"] == "unknown_user"
    assert "'sys' is not a ccterm user" in reply["error"]["message"]


@needs_root
async def test_an_agent_cannot_import_or_read_reports(daemon: RunningDaemon) -> None:
    await daemon.request("campaign.create", {"name": "sales1", "settings": {"groups": ["sales"]}})
    await daemon.request(
        "campaign.create", {"name": "support1", "settings": {"groups": ["support"]}}
    )
    me = await asyncio.to_thread(request_as, "nobody", daemon.socket, "status")
    assert me["result"]["role"] == "agent" and me["result"]["user"] == "nobody"
    begin = await asyncio.to_thread(
        request_as,
        "nobody",
        daemon.socket,
        "import.begin",
        {"campaign": "sales1", "file_name": "x.csv", "columns": []},
    )
    assert begin["error"]["code"] == "forbidden"
    assert (
        begin["error"]["message"]
        == "importing a list needs the supervisor role; you (nobody) are an agent"
    )
    report = await asyncio.to_thread(
        request_as, "nobody", daemon.socket, "report.campaign", {"name": "sales1"}
    )
    assert report["error"]["code"] == "forbidden"
    listed = await asyncio.to_thread(request_as, "nobody", daemon.socket, "campaign.list")
    assert [c["name"] for c in listed["result"]["campaigns"]] == ["sales1"]
    hidden = await asyncio.to_thread(
        request_as, "nobody", daemon.socket, "campaign.show", {"name": "support1"}
    )
    assert hidden["error"]["code"] == "not_found"
    users = await asyncio.to_thread(request_as, "nobody", daemon.socket, "user.list")
    assert users["error"]["code"] == "forbidden"
    dnc_add = await asyncio.to_thread(
        request_as, "nobody", daemon.socket, "dnc.add", {"numbers": ["601 234 567"]}
    )
    assert dnc_add["result"]["added"] == 1, "an agent may list a number the customer asks for"
    dnc_list = await asyncio.to_thread(request_as, "nobody", daemon.socket, "dnc.list")
    assert dnc_list["error"]["code"] == "forbidden"


@needs_root
async def test_a_supervisor_sees_and_manages_only_their_group(daemon: RunningDaemon) -> None:
    await daemon.request("campaign.create", {"name": "sales1", "settings": {"groups": ["sales"]}})
    sup_support = await asyncio.to_thread(request_as, "bin", daemon.socket, "campaign.list")
    assert sup_support["result"]["campaigns"] == []
    pause = await asyncio.to_thread(
        request_as, "bin", daemon.socket, "campaign.pause", {"name": "sales1"}
    )
    assert pause["error"]["code"] == "not_found"
    pause = await asyncio.to_thread(
        request_as, "daemon", daemon.socket, "campaign.pause", {"name": "sales1"}
    )
    assert pause["result"]["campaign"]["status"] == "paused"
    mine = await asyncio.to_thread(
        request_as, "bin", daemon.socket, "campaign.create", {"name": "help"}
    )
    assert mine["result"]["campaign"]["settings"]["groups"] == ["support"]
    theirs = await asyncio.to_thread(
        request_as,
        "bin",
        daemon.socket,
        "campaign.create",
        {"name": "h2", "settings": {"groups": ["sales"]}},
    )
    assert theirs["error"]["code"] == "forbidden"
    users = await asyncio.to_thread(request_as, "bin", daemon.socket, "user.list")
    assert [u["name"] for u in users["result"]["users"]] == ["bin"]


async def test_campaign_changes_take_effect_at_once_and_on_the_clock(config: Config) -> None:
    clock = VirtualClock(time.time())
    async with running_daemon(config, clock) as daemon, DaemonClient(daemon.socket) as watcher:
        await watcher.hello()
        start = clock.now() + 1.0
        created = await daemon.request("campaign.create", {"name": "soon", "start_at": start})
        assert created["campaign"]["status"] == "scheduled"
        edited = await daemon.request(
            "campaign.edit", {"name": "soon", "settings": {"ring_timeout": 40}}
        )
        assert edited["campaign"]["settings"]["ring_timeout"] == 40
        shown = await daemon.request("campaign.show", {"name": "soon"})
        assert shown["campaign"]["settings"]["ring_timeout"] == 40
        await daemon.advance(0.9)
        shown = await daemon.request("campaign.show", {"name": "soon"})
        assert shown["campaign"]["status"] == "scheduled", "not before its start"

        async def started() -> None:
            async for event in watcher.events():
                if event["data"].get("status") == "running":
                    return

        task = asyncio.create_task(started())
        await until(lambda: asyncio.sleep(0, task.done()), within=2.0)
        assert clock.now() - start <= 1.0 + 1e-6, "the scheduled start happens within 1 s"


async def test_errors_carry_code_message_and_hint(daemon: RunningDaemon) -> None:
    with pytest.raises(RemoteError) as caught:
        await daemon.request("campaign.create", {"name": "x", "settings": {"ring_timeout": 5}})
    assert caught.value.code == "bad_request"
    assert "below the legal minimum" in caught.value.message and caught.value.hint
    await daemon.request("campaign.create", {"name": "x"})
    with pytest.raises(RemoteError) as caught:
        await daemon.request("campaign.copy", {"name": "nope", "new_name": "y"})
    assert caught.value.code == "not_found"


async def test_a_second_daemon_is_refused(daemon: RunningDaemon, config: Config) -> None:
    with pytest.raises(CctermError) as caught:
        await serve(config)
    assert "another ccterm daemon" in caught.value.message
    assert (await daemon.request("status"))["role"] == "admin", "the first one runs on"


async def test_a_stale_socket_is_replaced(config: Config) -> None:
    config.daemon.socket.parent.mkdir(parents=True, exist_ok=True)
    stale = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    stale.bind(str(config.daemon.socket))
    stale.close()  # the file stays, nobody listens: a daemon that was killed
    running = await start_daemon(config)
    assert (await running.request("status"))["role"] == "admin"
    running.stop.set()
    await asyncio.wait_for(running.task, 10)
    assert not config.daemon.socket.exists(), "a clean stop removes the socket"


async def test_no_daemon_is_a_clear_error(config: Config) -> None:
    with pytest.raises(CctermError) as caught:
        async with DaemonClient(config.daemon.socket):
            pass
    assert "no ccterm daemon socket" in caught.value.message
    assert "ccterm daemon" in caught.value.hint
    assert os.environ.get("NOTIFY_SOCKET") is None or True
