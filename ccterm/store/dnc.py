"""The do-not-call list: one list for every campaign; a listed number is never dialled.

Listing or unlisting a number also flips `blocked` on that number's leads in
every campaign, so the dialer's pick (which skips blocked leads) sees it at once.
"""

from __future__ import annotations

import json
import sqlite3

from ccterm.store.db import Store, log_event

_LEADS_OF = "SELECT c.id FROM contacts c WHERE c.e164 IN (SELECT value FROM json_each(?))"


async def add(store: Store, numbers: list[str], *, reason: str, actor: str) -> int:
    """List E.164 numbers; returns how many were not listed before."""
    now = store.clock.now()
    batch = json.dumps(numbers)
    async with store.transaction() as db:
        cursor = await db.execute(
            "INSERT INTO dnc (e164, reason, added_by, added_at)"
            " SELECT value, ?, ?, ? FROM json_each(?) WHERE true ON CONFLICT (e164) DO NOTHING",
            (reason, actor, now, batch),
        )
        added = cursor.rowcount
        await db.execute(
            f"UPDATE leads SET blocked = 1 WHERE blocked = 0 AND contact_id IN ({_LEADS_OF})",
            (batch,),
        )
        if added:
            await log_event(
                db, now, actor, "dnc.add", json.dumps({"count": added, "reason": reason})
            )
    return added


async def remove(store: Store, numbers: list[str], *, actor: str) -> int:
    """Unlist numbers; their leads stay blocked only if marked wrong number or fax."""
    now = store.clock.now()
    batch = json.dumps(numbers)
    async with store.transaction() as db:
        cursor = await db.execute(
            "DELETE FROM dnc WHERE e164 IN (SELECT value FROM json_each(?))", (batch,)
        )
        removed = cursor.rowcount
        await db.execute(
            "UPDATE leads SET blocked = EXISTS (SELECT 1 FROM number_marks m JOIN contacts c"
            " ON c.e164 = m.e164 WHERE c.id = leads.contact_id)"
            f" WHERE contact_id IN ({_LEADS_OF})",
            (batch,),
        )
        if removed:
            await log_event(db, now, actor, "dnc.remove", json.dumps({"numbers": numbers[:100]}))
    return removed


async def listed(store: Store, numbers: list[str]) -> set[str]:
    rows = await store.fetchall(
        "SELECT e164 FROM dnc WHERE e164 IN (SELECT value FROM json_each(?))",
        (json.dumps(numbers),),
    )
    return {r[0] for r in rows}


async def entries(
    store: Store, *, search: str = "", limit: int = 100, offset: int = 0
) -> tuple[int, list[sqlite3.Row]]:
    like = f"%{search}%"
    total = int(
        await store.scalar(
            "SELECT count(*) FROM dnc WHERE e164 LIKE ? OR reason LIKE ?", (like, like)
        )
    )
    rows = await store.fetchall(
        "SELECT e164, reason, added_by, added_at FROM dnc WHERE e164 LIKE ? OR reason LIKE ?"
        " ORDER BY added_at DESC, e164 LIMIT ? OFFSET ?",
        (like, like, limit, offset),
    )
    return total, rows
