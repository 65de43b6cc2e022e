"""A day of inbound calls with known waits, for the store's and the CLI's queue report tests.

Times are on Warsaw's wall clock: tests that read local hours use `here_is_warsaw`.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from ccterm.store import inbound
from ccterm.store.db import Store

WARSAW = ZoneInfo("Europe/Warsaw")


def at(hhmmss: str, day: str = "2026-01-02") -> float:
    """A moment of the test day, on Warsaw's wall clock (UTC+1 in January)."""
    return datetime.fromisoformat(f"{day} {hhmmss}").replace(tzinfo=WARSAW).timestamp()


async def call(
    store: Store,
    n: int,
    queue: str | None,
    entered: str,
    *,
    answered_after: float | None = None,
    ended_after: float | None = None,
    outcome: inbound.Outcome | None = None,
    hung_up_by: inbound.HungUpBy = "caller",
    day: str = "2026-01-02",
) -> int:
    """One call through the menu into `queue` at `entered`; answered, ended as told."""
    start = at(entered, day)
    row = await inbound.arrived(
        store, f"call-{n}", "+48221234500", "acme", f"+4860100{n:04}", None, None, start - 15
    )
    if queue is None:
        await inbound.path_add(store, row, "menu:main", "timeout")
    else:
        await inbound.path_add(store, row, "menu:main", "key:1", f"to:queue:{queue}")
        await inbound.entered(store, row, queue, start)
    if answered_after is not None:
        await inbound.offered(store, row, start + answered_after - 2)
        assert await inbound.answered(store, row, "anna", start + answered_after)
    if outcome is not None:
        end = start + (ended_after if ended_after is not None else (answered_after or 0) + 120)
        assert await inbound.ended(store, row, end, hung_up_by, outcome)
    return row


async def a_day_of_calls(store: Store) -> dict[str, int]:
    """Sales (service level 20 s): 10 calls; support: 2; and three neither counts."""
    ids = {}
    # 09:00-10:00 in sales: waits 10, 20 (the limit: within), 45; abandoned after 3 and 60 s
    ids["c1"] = await call(store, 1, "sales", "09:00:00", answered_after=10, outcome="answered")
    ids["c2"] = await call(store, 2, "sales", "09:05:00", answered_after=20, outcome="answered")
    ids["c3"] = await call(store, 3, "sales", "09:10:00", answered_after=45, outcome="answered")
    ids["c4"] = await call(store, 4, "sales", "09:20:00", ended_after=3, outcome="abandoned")
    ids["c5"] = await call(store, 5, "sales", "09:30:00", ended_after=60, outcome="abandoned")
    # 10:00-11:00: an overflow to support answered there 330 s after entering sales
    c6 = await call(store, 6, "sales", "10:00:00")
    await inbound.overflowed(store, c6, "queue:support")
    await inbound.entered(store, c6, "support", at("10:05:00"))
    assert await inbound.answered(store, c6, "bob", at("10:05:30"))
    assert await inbound.ended(store, c6, at("10:09:00"), "agent", "answered", "rec/c6.wav")
    ids["c6"] = c6
    ids["c7"] = await call(store, 7, "sales", "10:15:00", answered_after=5, outcome="answered")
    ids["c8"] = await call(store, 8, "sales", "10:30:00", ended_after=70, outcome="callback")
    await inbound.callback_add(
        store, ids["c8"], "sales", "+48601000008", at("10:30:00"), at("10:31:10"), at("18:00:00")
    )
    c9 = await call(store, 9, "sales", "10:40:00")
    await inbound.overflowed(store, c9, "voicemail")
    assert await inbound.ended(store, c9, at("10:46:00"), "caller", "voicemail")
    ids["c9"] = c9
    ids["c10"] = await call(store, 10, "sales", "10:50:00")  # still in line
    # support alone: answered at the limit of its 30 s
    ids["c13"] = await call(store, 13, "support", "11:00:00", answered_after=30, outcome="answered")
    # not counted: a caller who hung up in the menu, and a call of the day before
    ids["c11"] = await call(store, 11, None, "09:45:00", ended_after=8, outcome="menu_hangup")
    ids["c12"] = await call(
        store, 12, "sales", "23:59:00", answered_after=5, outcome="answered", day="2026-01-01"
    )
    return ids
