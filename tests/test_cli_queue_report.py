"""`ccterm report --queue NAME` as a supervisor runs it: text, JSON, CSV, ranges, mistakes."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from ccterm import config as config_mod
from ccterm.clock import VirtualClock
from ccterm.store.db import Store
from tests.conftest import (
    USERS,
    RunningDaemon,
    ccterm,
    needs_root,
    request_as,
    running_daemon,
    write_config,
)
from tests.store.inbound_day import a_day_of_calls, at, call

QUEUES = """
[queues.sales]
groups = ["sales"]
service_level = 20

[queues.support]
groups = ["support"]
service_level = 30
"""


@pytest.fixture
async def daemon(workdir: Path, here_is_warsaw: None) -> AsyncIterator[RunningDaemon]:
    """A daemon at noon of the test day, with its calls in the database (and a queue,
    billing, taken out of config.toml since)."""
    cfg = config_mod.load(write_config(workdir, users=USERS + QUEUES))
    clock = VirtualClock(at("12:00:00"))
    store = await Store.open(cfg.daemon.database, clock)
    try:
        await a_day_of_calls(store)
        await call(store, 50, "billing", "08:00:00", answered_after=40, outcome="answered")
    finally:
        await store.close()
    async with running_daemon(cfg, clock) as running:
        yield running


async def cli(daemon: RunningDaemon, *args: str) -> Any:
    return await asyncio.to_thread(ccterm, "report", *args, config=daemon.config.path)


async def test_json_is_todays_figures_by_default(daemon: RunningDaemon) -> None:
    done = await cli(daemon, "--queue", "sales", "--json")
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert (data["from"], data["to"]) == (at("00:00:00"), at("00:00:00", "2026-01-03"))
    assert (data["queue"], data["service_level"], data["configured"]) == ("sales", 20, True)
    assert (data["offered"], data["answered"], data["abandoned"]) == (10, 4, 2)
    assert (data["sl_answered"], data["sl_offered"], data["asa"]) == (0.75, 0.5, 20.0)
    assert len(data["hours"]) == 2
    before = json.loads(
        (
            await cli(
                daemon, "--queue", "sales", "--from", "2026-01-01", "--to", "2026-01-01", "--json"
            )
        ).stdout
    )
    assert (before["from"], before["to"]) == (at("00:00:00", "2026-01-01"), at("00:00:00"))
    assert before["offered"] == before["answered"] == 1, "a date in --to is the whole day"
    morning = json.loads(
        (
            await cli(
                daemon,
                "--queue",
                "sales",
                "--from",
                "2026-01-02 09:00",
                "--to",
                "2026-01-02 10:00",
                "--json",
            )
        ).stdout
    )
    assert morning["offered"] == 5 and [h["hour"] for h in morning["hours"]] == ["2026-01-02 09:00"]


async def test_csv_is_the_hours(daemon: RunningDaemon) -> None:
    done = await cli(daemon, "--queue", "sales", "--csv")
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        "hour,offered,answered,abandoned,overflowed,voicemail,callback,other,waiting,"
        "answered_within,sl_answered,sl_offered,asa,longest_wait,abandon_wait,abandoned_short",
        "2026-01-02 09:00,5,3,2,0,0,0,0,0,2,0.6667,0.4,25.0,60.0,31.5,1",
        # the call still waiting when the data was written is "other" (failed): the daemon
        # closes at its start the calls a stopped daemon left open
        "2026-01-02 10:00,5,1,0,1,1,1,1,0,1,1.0,1.0,5.0,5.0,,0",
    ]


async def test_text_labels_both_service_levels(daemon: RunningDaemon) -> None:
    done = await cli(daemon, "--queue", "sales")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "Queue 'sales' — 2026-01-02 00:00 to 2026-01-03 00:00, service level 20 s"
    for expected in (
        "  offered                        10  (each counted once, below)",
        "    answered                      4",
        "    abandoned                     2  avg wait 0:32, 1 within 5 s",
        "    other                         1  failed or closed",  # closed at the daemon's start
        "Service level (answered within 20 s)",
        "  of answered                75.0 %  (3 of 4)",
        "  of answered + abandoned    50.0 %  (3 of 6)",
        "  average speed of answer      0:20",
        "  longest wait                 1:00  answered or abandoned",
        "Callbacks: 1 waiting",
    ):
        assert expected in lines, (expected, lines)
    table = lines[lines.index("Per hour") + 1 :]
    assert table[0].split() == [
        "hour",
        "offered",
        "answered",
        "abandoned",
        "overflowed",
        "SL",
        "ans",
        "SL",
        "off",
        "ASA",
        "longest",
    ]
    assert table[2].split() == [
        "09:00",
        "5",
        "3",
        "2",
        "0",
        "66.7",
        "%",
        "40.0",
        "%",
        "0:25",
        "1:00",
    ]


async def test_a_queue_gone_from_config_still_reports_for_an_admin(daemon: RunningDaemon) -> None:
    data = json.loads((await cli(daemon, "--queue", "billing", "--json")).stdout)
    assert (data["configured"], data["service_level"], data["answered"]) == (False, 20.0, 1)
    assert data["answered_within"] == 0, "40 s against the default 20 s"
    text = (await cli(daemon, "--queue", "billing")).stdout
    assert "service level 20 s (no longer in config.toml)" in text


async def test_mistakes_are_one_line_with_the_way_out(daemon: RunningDaemon) -> None:
    typo = await cli(daemon, "--queue", "slaes")
    assert typo.returncode == 1
    assert typo.stderr.splitlines() == [
        "ccterm: no queue 'slaes' (did you mean 'sales'?)",
        "  hint: queues: sales, support",
    ]
    both = await cli(daemon, "spring", "--queue", "sales")
    assert both.returncode == 2 and "name one campaign, or a queue" in both.stderr
    neither = await cli(daemon)
    assert neither.returncode == 2 and "ccterm report --queue sales" in neither.stderr
    ranged = await cli(daemon, "spring", "--from", "2026-01-01")
    assert ranged.returncode == 2 and "--from and --to go with --queue" in ranged.stderr
    empty = await cli(
        daemon, "--queue", "sales", "--from", "2026-01-02 10:00", "--to", "2026-01-02 09:00"
    )
    assert empty.returncode == 2 and "'to' must be after 'from'" in empty.stderr
    bad = await cli(daemon, "--queue", "sales", "--from", "yesterday")
    assert bad.returncode == 2 and "--from: 'yesterday' is not a time" in bad.stderr


@needs_root
async def test_a_supervisor_sees_the_queues_their_group_serves(daemon: RunningDaemon) -> None:
    async def report(user: str, queue: str) -> dict[str, Any]:
        return await asyncio.to_thread(
            request_as, user, daemon.socket, "report.queue", {"name": queue}
        )

    mine = await report("daemon", "sales")  # the sales supervisor
    assert mine["result"]["offered"] == 10
    other = await report("bin", "sales")  # the support supervisor
    assert other["error"]["code"] == "not_found"
    assert other["error"]["message"] == "no queue 'sales'"
    assert other["error"]["hint"] == "queues: support"
    gone = await report("daemon", "billing")
    assert gone["error"]["code"] == "not_found", "a queue out of config: admins only"
    agent = await report("nobody", "sales")
    assert agent["error"]["code"] == "forbidden"
