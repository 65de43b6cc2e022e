"""Who was connected when: one row per client that said hello (the TUIs), for audits and reports."""

from __future__ import annotations

from ccterm.store.db import Store


async def open_session(store: Store, *, user: str, role: str, pid: int, client: str) -> int:
    async with store.transaction() as db:
        cursor = await db.execute(
            "INSERT INTO sessions (user, role, pid, client, started_at) VALUES (?, ?, ?, ?, ?)",
            (user, role, pid, client, store.clock.now()),
        )
        return int(cursor.lastrowid or 0)


async def close_session(store: Store, session_id: int, reason: str) -> None:
    await store.execute(
        "UPDATE sessions SET ended_at = ?, end_reason = ? WHERE id = ? AND ended_at IS NULL",
        (store.clock.now(), reason, session_id),
    )


async def close_orphans(store: Store) -> int:
    """Sessions a crashed daemon never closed end at its restart."""
    return await store.execute(
        "UPDATE sessions SET ended_at = ?, end_reason = 'daemon restarted' WHERE ended_at IS NULL",
        (store.clock.now(),),
    )
