"""The wallboard's "today" figures across a daemon restart: an agent's logged-in, paused and
wrap-up times come from the stored log of their states (agent_log), not from the floor's
memory, so a restart mid-day keeps them; the time the daemon was down is not counted."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from ccterm import config as config_mod
from ccterm.client import DaemonClient
from ccterm.clock import VirtualClock, local_day
from tests.conftest import RunningDaemon, start_daemon, write_config
from tests.desk_helpers import DESK_USERS, HUMAN, as_agent, db, load, status_is, until

DOWN = 300.0  # seconds the daemon is stopped


async def anna_today(daemon: RunningDaemon) -> dict[str, Any]:
    async with DaemonClient(daemon.socket) as sam:
        await sam.hello(act_as="sam")  # anna's supervisor
        board = await sam.request("monitor.snapshot")
    (anna,) = [a for a in board["agents"] if a["name"] == "anna"]
    today: dict[str, Any] = anna["today"]
    return today


async def stop(daemon: RunningDaemon) -> None:
    daemon.stop.set()
    await daemon.task


async def test_todays_times_outlive_a_restart_and_the_downtime_is_not_counted(
    workdir: Path,
) -> None:
    cfg = config_mod.load(write_config(workdir, users=DESK_USERS, extra=HUMAN))
    noon = local_day(time.time())[0] + 12 * 3600  # mid-day: the day does not turn meanwhile
    first = await start_daemon(cfg, VirtualClock(noon))
    try:
        (lead,) = await load(first, "c", ["+48601234500"])
        anna = await as_agent(first, "anna")  # ready
        await first.advance(20)
        await anna.request("agent.pause", {"reason": "lunch"})
        await first.advance(60)
        await anna.request("agent.ready")
        await anna.request("call.dial", {"lead_id": lead})
        await until(status_is(anna, "on_call"))
        await first.advance(100)  # talking
        await anna.request("call.hangup")
        await until(status_is(anna, "wrapup"))
        await first.advance(10)
        await anna.request("disposition.set", {"lead_id": lead, "code": "done"})
        await first.advance(5)  # ready again
        before = await anna_today(first)
        await anna.close()
        assert first.virtual is not None
        stopped_at = first.virtual.now()
    finally:
        await stop(first)
    # anna was ready when the daemon stopped: her state ends then, not at the next start
    assert db(first, "SELECT status, until FROM agent_log WHERE until IS NULL") == []
    ((status, until_at),) = db(
        first, "SELECT status, until FROM agent_log ORDER BY since DESC, id DESC LIMIT 1"
    )
    assert status == "ready" and until_at == pytest.approx(stopped_at, abs=0.01)

    second = await start_daemon(cfg, VirtualClock(stopped_at + DOWN))
    try:
        anna = await as_agent(second, "anna")  # back at her desk after the restart
        await second.advance(5)
        after = await anna_today(second)
        report = await anna.request("report.agent", {"name": "anna"})
        await anna.close()
    finally:
        await stop(second)

    assert before["logged_in_s"] == pytest.approx(20 + 60 + 100 + 10 + 5, abs=2)
    assert after["calls"] == before["calls"] == 1
    assert after["talk_s"] == pytest.approx(before["talk_s"], abs=0.5)
    assert after["paused_s"] == pytest.approx(60, abs=0.5) == before["paused_s"]
    assert after["wrap_s"] == pytest.approx(10, abs=1) and after["wrap_s"] == before["wrap_s"]
    # the five minutes down are offline: only the 5 s since she came back are added
    assert after["logged_in_s"] == pytest.approx(before["logged_in_s"] + 5, abs=0.5)
    assert after["aht_s"] == pytest.approx((after["talk_s"] + after["wrap_s"]) / 1, abs=0.2)
    # the same figures as `ccterm report --agent` prints for the day
    assert after["logged_in_s"] == report["logged_in_s"]
    assert after["paused_s"] == report["paused_s"]
    assert after["wrap_s"] == report["wrapup_s"]
    assert after["occupancy"] == report["occupancy"]
    assert after["occupancy"] == pytest.approx(
        (report["on_call_s"] + report["wrapup_s"]) / report["logged_in_s"], abs=0.001
    )
