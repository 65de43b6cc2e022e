"""Agents' states over time: one row per state (and pause reason) from `since` to `until`,
for the per-agent report. The runner writes a row each time an agent's state changes; a
daemon that stops leaves open rows, closed at the next start (the agents went offline)."""

from __future__ import annotations

from ccterm.store.db import Store


async def changed(store: Store, agent: str, status: str, reason: str, at: float) -> None:
    """The agent is in `status` (paused: for `reason`) from `at`: the open row ends."""
    async with store.transaction() as db:
        await db.execute(
            "UPDATE agent_log SET until = ? WHERE agent = ? AND until IS NULL", (at, agent)
        )
        if status != "offline":
            await db.execute(
                "INSERT INTO agent_log (agent, status, reason, since) VALUES (?, ?, ?, ?)",
                (agent, status, reason, at),
            )


async def close_all(store: Store, at: float) -> int:
    """At a start: whoever was on the floor when the daemon stopped is offline since."""
    return await store.execute("UPDATE agent_log SET until = ? WHERE until IS NULL", (at,))


async def spans(
    store: Store, agent: str, start: float, end: float, now: float
) -> list[tuple[str, str, float]]:
    """(status, reason, seconds) of each row overlapping [start, end), clipped to it (an
    open row runs to `now`)."""
    rows = await store.fetchall(
        "SELECT status, reason, since, coalesce(until, ?) FROM agent_log"
        " WHERE agent = ? AND since < ? AND coalesce(until, ?) > ?",
        (now, agent, end, now, start),
    )
    return [
        (status, reason, min(until, end) - max(since, start))
        for status, reason, since, until in rows
        if min(until, end) > max(since, start)
    ]
