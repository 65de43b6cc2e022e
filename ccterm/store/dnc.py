"""The do-not-call list: one list for every campaign; a listed number is never dialled.

Listing or unlisting a number also flips `blocked` on that number's leads in
every campaign, so the dialer's pick (which skips blocked leads) sees it at once.
Each change returns the leads it flipped, so the daemon can tell every desk
that shows them. A batch is one transaction: all of it is listed, or none.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass

import aiosqlite

from ccterm.store.db import Store, log_event

# Each statement takes a JSON array of E.164 numbers and seeks by index per number
# (dnc by key, contacts by e164, leads by contact): linear in the batch, whatever the
# size of the list or the base. tests/store/test_store.py holds them to their plans.
LIST = (
    "INSERT INTO dnc (e164, reason, added_by, added_at)"
    " SELECT value, ?, ?, ? FROM json_each(?) WHERE true ON CONFLICT (e164) DO NOTHING"
)
BLOCK = (
    "UPDATE leads SET blocked = 1 WHERE blocked = 0 AND contact_id IN"
    " (SELECT c.id FROM contacts c WHERE c.e164 IN (SELECT value FROM json_each(?)))"
    " RETURNING campaign_id, id, blocked"
)
UNLIST = "DELETE FROM dnc WHERE e164 IN (SELECT value FROM json_each(?))"
UNBLOCK = (  # blocked stays only for a number marked wrong number or fax
    "UPDATE leads SET blocked = g.marked"
    " FROM (SELECT c.id AS contact_id,"
    "  EXISTS (SELECT 1 FROM number_marks m WHERE m.e164 = c.e164) AS marked"
    "  FROM contacts c WHERE c.e164 IN (SELECT value FROM json_each(?))) AS g"
    " WHERE leads.contact_id = g.contact_id AND leads.blocked != g.marked"
    " RETURNING leads.campaign_id, leads.id, leads.blocked"
)


FETCH = 2_000  # changed leads fetched per hop to the database thread

Flips = dict[int, list[tuple[int, bool]]]  # campaign id -> [(lead id, blocked now), ...]


@dataclass(frozen=True, slots=True)
class DncChange:
    count: int  # numbers listed (add) or unlisted (remove) by this batch
    leads: Flips  # the leads whose `blocked` changed, by campaign


async def _flips(cursor: aiosqlite.Cursor) -> Flips:
    """The rows of `... RETURNING campaign_id, id, blocked`, a slice per hop.

    Between slices the event loop runs: 50,000 changed leads never hold it at once.
    """
    flips: Flips = {}
    while rows := await cursor.fetchmany(FETCH):
        for campaign_id, lead_id, blocked in rows:
            flips.setdefault(campaign_id, []).append((lead_id, bool(blocked)))
    return flips


async def add(store: Store, numbers: list[str], *, reason: str, actor: str) -> DncChange:
    """List E.164 numbers; `count` is how many were not listed before."""
    now = store.clock.now()
    batch = json.dumps(numbers)
    async with store.transaction() as db:
        cursor = await db.execute(LIST, (reason, actor, now, batch))
        added = cursor.rowcount
        flips = await _flips(await db.execute(BLOCK, (batch,)))
        if added:
            await log_event(
                db, now, actor, "dnc.add", json.dumps({"count": added, "reason": reason})
            )
    return DncChange(added, flips)


async def remove(store: Store, numbers: list[str], *, actor: str) -> DncChange:
    """Unlist numbers; their leads stay blocked only if marked wrong number or fax."""
    now = store.clock.now()
    batch = json.dumps(numbers)
    async with store.transaction() as db:
        removed = (await db.execute(UNLIST, (batch,))).rowcount
        flips = await _flips(await db.execute(UNBLOCK, (batch,)))
        if removed:
            await log_event(db, now, actor, "dnc.remove", json.dumps({"numbers": numbers[:100]}))
    return DncChange(removed, flips)


async def listed(store: Store, numbers: list[str]) -> set[str]:
    rows = await store.fetchall(
        "SELECT e164 FROM dnc WHERE e164 IN (SELECT value FROM json_each(?))",
        (json.dumps(numbers),),
    )
    return {r[0] for r in rows}


async def entries(
    store: Store, *, search: str = "", limit: int = 100, offset: int = 0
) -> tuple[int, list[sqlite3.Row]]:
    """A page of the list, newest first, and how many entries match in all."""
    where, params = "", list[str]()
    if search:  # a LIKE reads every entry; without a search, count(*) needs no test per row
        like = f"%{search}%"
        where, params = " WHERE e164 LIKE ? OR reason LIKE ?", [like, like]
    total = int(await store.scalar(f"SELECT count(*) FROM dnc{where}", params))
    rows = await store.fetchall(
        f"SELECT e164, reason, added_by, added_at FROM dnc{where}"
        " ORDER BY added_at DESC, e164 LIMIT ? OFFSET ?",
        [*params, limit, offset],
    )
    return total, rows
