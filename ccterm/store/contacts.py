"""A contact found by its number, with the facts `ccterm lead why` explains.

Every lookup is an index seek: contacts by e164, leads by contact (the UNIQUE
(contact_id, campaign_id) index), the number's attempts by attempts_e164, and a
ready lead's place in line as a range count on leads_ready.
"""

from __future__ import annotations

from ccterm.dialer.why import Entry, LeadFacts, NumberFacts
from ccterm.store.db import Store


async def find(store: Store, e164: str) -> NumberFacts | None:
    """The contact with this E.164 number and what holds for it everywhere; None if unknown."""
    async with store.connection() as db:
        async with db.execute(
            "SELECT id, e164, name, timezone FROM contacts WHERE e164 = ?", (e164,)
        ) as cursor:
            contact = await cursor.fetchone()
        if contact is None:
            return None
        async with db.execute(
            "SELECT reason, added_by, added_at FROM dnc WHERE e164 = ?", (e164,)
        ) as cursor:
            dnc = await cursor.fetchone()
        async with db.execute(
            "SELECT mark, set_by, set_at FROM number_marks WHERE e164 = ?", (e164,)
        ) as cursor:
            mark = await cursor.fetchone()
        async with db.execute(
            "SELECT abandoned_at, campaign_id FROM attempts WHERE e164 = ?"
            " AND abandoned_at IS NOT NULL ORDER BY abandoned_at DESC LIMIT 1",
            (e164,),
        ) as cursor:
            abandoned = await cursor.fetchone()
    return NumberFacts(
        contact_id=contact["id"],
        e164=contact["e164"],
        name=contact["name"],
        timezone=contact["timezone"],
        dnc=None if dnc is None else Entry(dnc[0], dnc[1], dnc[2]),
        mark=None if mark is None else Entry(mark[0], mark[1], mark[2]),
        abandoned_at=None if abandoned is None else abandoned[0],
        abandoned_campaign=None if abandoned is None else abandoned[1],
    )


async def leads_of(store: Store, contact_id: int) -> dict[int, LeadFacts]:
    """The contact's lead in each campaign, by campaign id; ready ones with their place in line.

    The place counts ready, unblocked leads ranked ahead (as the pick orders them);
    some of those may yet be skipped (a callback for another agent, calling hours).
    """
    out: dict[int, LeadFacts] = {}
    async with store.connection() as db:
        async with db.execute(
            "SELECT id, campaign_id, state, blocked, attempts, next_at, callback_at,"
            " callback_agent, last_disposition, last_attempt_at, rank_major, rank_minor"
            " FROM leads WHERE contact_id = ? ORDER BY campaign_id",
            (contact_id,),
        ) as cursor:
            rows = await cursor.fetchall()
        for row in rows:
            ahead: int | None = None
            if row["state"] == "ready" and not row["blocked"]:
                async with db.execute(
                    "SELECT count(*) FROM leads WHERE campaign_id = ? AND state = 'ready'"
                    " AND blocked = 0 AND (rank_major, rank_minor) < (?, ?)",
                    (row["campaign_id"], row["rank_major"], row["rank_minor"]),
                ) as cursor:
                    counted = await cursor.fetchone()
                ahead = int(counted[0]) if counted is not None else 0
            out[row["campaign_id"]] = LeadFacts(
                id=row["id"],
                state=row["state"],
                attempts=row["attempts"],
                next_at=row["next_at"],
                callback_at=row["callback_at"],
                callback_agent=row["callback_agent"],
                last_disposition=row["last_disposition"],
                last_attempt_at=row["last_attempt_at"],
                ahead=ahead,
            )
    return out
