"""The daemon applies the dial-time rules on its own dials: calling hours, for manual and power."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from ccterm import config as config_mod
from ccterm.clock import VirtualClock
from ccterm.errors import RemoteError
from tests.conftest import RunningDaemon, running_daemon, write_config
from tests.desk_helpers import DESK_USERS, HUMAN, as_agent, db, load, until

LATE = datetime(2026, 1, 16, 20, 30, tzinfo=UTC).timestamp()  # 21:30 in Warsaw
OPENS = datetime(2026, 1, 17, 7, 0, tzinfo=UTC).timestamp()  # 08:00 in Warsaw
NUMBERS = ["+48601234500", "+48601234501"]


@pytest.fixture
async def late(workdir: Path) -> AsyncIterator[RunningDaemon]:
    path = write_config(workdir, users=DESK_USERS, extra=HUMAN, calling_hours=("08:00", "21:00"))
    async with running_daemon(config_mod.load(path), VirtualClock(LATE)) as running:
        yield running


async def test_nobody_is_dialled_outside_their_calling_hours(late: RunningDaemon) -> None:
    manual = await load(late, "c", NUMBERS[:1])
    power = await load(late, "p", NUMBERS[1:], mode="power")
    anna = await as_agent(late, "anna", "c")
    piotr = await as_agent(late, "piotr", "p")
    try:
        with pytest.raises(RemoteError) as caught:
            await anna.request("call.dial", {"lead_id": manual[0]})
        assert caught.value.message == (
            "not dialled: it is 21:30 in Europe/Warsaw; calls are allowed 08:00–21:00"
        )
        waiting = [("waiting", OPENS, 0)]
        query = "SELECT state, next_at, attempts FROM leads WHERE id = ?"
        await until(lambda: asyncio.sleep(0, db(late, query, (power[0],)) == waiting))
        assert db(late, "SELECT count(*) FROM attempts") == [(0,)]
    finally:
        await anna.close()
        await piotr.close()
