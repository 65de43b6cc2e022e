"""Agents' states over time: one row per state (and pause reason) from `since` to `until`,
for the per-agent report and the wallboard's today. The runner writes a row each time an
agent's state changes; a daemon that stops closes the open rows then (the agents went
offline); one that crashed leaves them open, closed at the next start, so its time down
counts as the agents' last state (nothing records when it was last alive)."""

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
    """At a stop, and at a start after a crash: whoever was on the floor is offline since."""
    return await store.execute("UPDATE agent_log SET until = ? WHERE until IS NULL", (at,))


Span = tuple[str, str, float]  # (status, reason, seconds)


async def spans(
    store: Store, agents: list[str], start: float, end: float, now: float
) -> dict[str, list[Span]]:
    """Per agent: (status, reason, seconds) of each row overlapping [start, end), clipped to
    it (an open row runs to `now`). One query: per agent, the row holding `start` (the last
    one from before it) and those after, a range of the (agent, since) index, so a day costs
    the same whatever the length of the log."""
    found: dict[str, list[Span]] = {name: [] for name in agents}
    names = list(found)  # each once
    if not names:
        return found
    rows = await store.fetchall(
        f"WITH wanted (agent) AS (VALUES {', '.join('(?)' for _ in names)})"
        " SELECT l.agent, l.status, l.reason, l.since, coalesce(l.until, ?)"
        " FROM wanted w JOIN agent_log l ON l.agent = w.agent AND l.since < ?"
        " AND l.since >= coalesce((SELECT max(p.since) FROM agent_log p"
        " WHERE p.agent = w.agent AND p.since <= ?), ?)",
        (*names, now, end, start, start),
    )
    for agent, status, reason, since, until in rows:
        lo, hi = max(since, start), min(until, end)
        if hi > lo:
            found[agent].append((status, reason, hi - lo))
    return found
