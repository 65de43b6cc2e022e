"""`ccterm monitor`'s l, w, b and s on the sipp rig: the supervisor's keys, who hears whom.

The three tone-playing sipp phones of test_sip_daemon's listen/whisper/barge test (the
customer on the trunk, anna's phone, sam's phone); anna is on a call with the customer and
sam drives the real wallboard under Pilot (root acting as sam, as tests/screens/
test_monitor.py does: the daemon sees the supervisor sam). After each key the wire must
show the new route, then a whole window of it is measured and checked, and the screen
must tell sam what he did.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Static

from ccterm.screens.dialogs import Confirm
from ccterm.screens.monitor import MonitorApp
from tests.desk_helpers import until
from tests.integration.sipprig import needs_sipp
from tests.integration.test_sip_daemon import AGENT_HZ, CUSTOMER_HZ, SUPERVISOR_HZ
from tests.integration.three_phones import Levels, ThreePhones, anna_on_a_call
from tests.integration.wire import hears, needs_root
from tests.screens.test_monitor import cursor_on, notes, row, wait_for

pytestmark = [needs_sipp, pytest.mark.sip]

LISTEN = "Listening to anna: you hear both sides, nobody hears you."
WHISPER = "Whispering to anna: they hear you, the customer does not."
BARGE = "Barged in on anna's call: they and the customer hear you."


@needs_root
async def test_the_wallboards_keys_route_the_supervisors_phone(
    workdir: Path, tmp_path: Path
) -> None:
    last: list[float] = []  # the last window: since, until

    async def window(seconds: float) -> Levels:
        since = rig.wire.mark()
        await asyncio.sleep(seconds)
        end = rig.wire.mark()
        last[:] = [since, end]
        return rig.levels(since, end)

    async def route(shows: Callable[[Levels], bool]) -> Levels:
        """Until short windows show the key took effect, then a second of the new route."""
        seen: list[Levels] = []

        async def took() -> bool:
            seen.append(await window(0.4))
            return shows(seen[-1])

        try:
            await until(took, within=8)
        except AssertionError:
            raise AssertionError(f"the key did not take; the wire last showed {seen[-1]}") from None
        return await window(1.0)

    def tabs(app: MonitorApp) -> str:
        return str(app.board.query_one("#tabs", Static).render())

    async def told(pilot: Any, app: MonitorApp, note: str, mode: str | None) -> None:
        """The key's notification, and what the tab line says sam is doing now."""
        await wait_for(pilot, lambda: note in notes(app))
        doing = f"listening: anna ({mode})" if mode else None
        await wait_for(
            pilot, lambda: doing in tabs(app) if doing else "listening:" not in tabs(app)
        )

    rig: ThreePhones
    async with anna_on_a_call(workdir, tmp_path, 40) as rig:
        app = MonitorApp(rig.daemon.socket, act_as="sam")
        async with app.run_test(size=(120, 30)) as pilot:
            await wait_for(pilot, lambda: "ON CALL" in row(app, "anna") and app.board.online)
            await cursor_on(pilot, app, "anna")

            await pilot.press("l")
            await told(pilot, app, LISTEN + " Your phone rings: answer it.", "listen")
            listen = await route(lambda got: got["supervisor"][AGENT_HZ] > 1500)

            await pilot.press("w")
            await told(pilot, app, WHISPER, "whisper")
            whisper = await route(lambda got: got["agent"][SUPERVISOR_HZ] > 1500)

            await pilot.press("b")
            ask = await wait_for(
                pilot, lambda: app.screen if isinstance(app.screen, Confirm) else None
            )
            assert "Barge in on anna's call? The customer hears you too." in ask.question
            asking = await window(0.6)  # not barged in yet: still a whisper
            await pilot.press("y")
            await told(pilot, app, BARGE, "barge")
            barge = await route(lambda got: got["customer"][SUPERVISOR_HZ] > 1500)

            await pilot.press("s")
            await told(pilot, app, "Stopped listening: your phone is hung up.", None)
            after = await route(lambda got: max(got["supervisor"].values()) < 400)
            to_sam = rig.wire.rtp_to(rig.ports["supervisor"], *last)
            sam_phone = rig.phones[
                "supervisor"
            ].trace  # before the daemon stops (and hangs up what is left)
    # l: sam hears both sides; neither hears him
    assert hears(listen["supervisor"], CUSTOMER_HZ, AGENT_HZ), listen
    assert hears(listen["agent"], CUSTOMER_HZ), listen
    assert hears(listen["customer"], AGENT_HZ), listen
    # w: anna hears sam too; the customer does not
    assert hears(whisper["supervisor"], CUSTOMER_HZ, AGENT_HZ), whisper
    assert hears(whisper["agent"], CUSTOMER_HZ, SUPERVISOR_HZ), whisper
    assert hears(whisper["customer"], AGENT_HZ), whisper
    # b asks first: while it asks, the customer still does not hear sam
    assert hears(asking["customer"], AGENT_HZ), asking
    # b, y: everyone hears the other two
    assert hears(barge["supervisor"], CUSTOMER_HZ, AGENT_HZ), barge
    assert hears(barge["agent"], CUSTOMER_HZ, SUPERVISOR_HZ), barge
    assert hears(barge["customer"], AGENT_HZ, SUPERVISOR_HZ), barge
    # s: sam's phone is hung up (nothing more reaches it); the call is as before
    assert sam_phone.count("INVITE sip:sam@") == 1  # rung once; w and b re-route, not re-ring
    assert "BYE sip:" in sam_phone, "s did not hang sam's phone up"
    assert not to_sam, f"{len(to_sam)} packets still reach sam's phone"
    assert hears(after["agent"], CUSTOMER_HZ), after
    assert hears(after["customer"], AGENT_HZ), after
