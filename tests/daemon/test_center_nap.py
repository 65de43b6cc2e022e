"""The daemon's main loop sleeps between passes; stopping it must always stop it."""

from __future__ import annotations

import asyncio

import pytest

from ccterm.daemon.center import nap


async def test_a_cancel_in_the_same_turn_as_a_wake_still_cancels() -> None:
    wake = asyncio.Event()

    async def loop_forever() -> None:
        while True:  # as Center.run does
            wake.clear()
            await nap(wake, 30)

    task = asyncio.create_task(loop_forever())
    await asyncio.sleep(0)  # asleep in nap
    wake.set()  # the dialer is woken (a hang-up) ...
    task.cancel()  # ... as the daemon stops
    with pytest.raises(asyncio.CancelledError):
        await asyncio.wait_for(task, 2)


async def test_a_nap_ends_on_a_wake_or_its_time() -> None:
    wake = asyncio.Event()
    asyncio.get_running_loop().call_soon(wake.set)
    await asyncio.wait_for(nap(wake, 30), 2)
    await asyncio.wait_for(nap(asyncio.Event(), 0.01), 2)
