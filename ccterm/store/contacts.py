"""A contact found by its number: the facts `ccterm lead why` explains, the screen pop's
card and history, and a contact an agent adds for a caller the base did not know.

Every lookup is an index seek: contacts by e164, leads by contact (the UNIQUE
(contact_id, campaign_id) index), the number's attempts by attempts_e164, its inbound
calls by inbound_e164, and a ready lead's place in line as a range count on leads_ready.
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from ccterm.dialer.why import Entry, LeadFacts, NumberFacts
from ccterm.errors import Conflict
from ccterm.store.db import Store, log_event

HISTORY_MAX = 100  # entries of each kind (attempts, dispositions, inbound calls): the latest


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


def _contact(row: sqlite3.Row) -> dict[str, Any]:
    return {
        "id": row["id"],
        "e164": row["e164"],
        "name": row["name"],
        "fields": json.loads(row["fields"]),
        "timezone": row["timezone"],
    }


async def find_by_number(store: Store, e164: str) -> dict[str, Any] | None:
    """The contact with this number and its whole history, wherever it happened; None if unknown.

    {"contact": {id, e164, name, fields, timezone}, "history": [...], "notes": [...]}.
    History is oldest first, outbound and inbound together, each entry with its "kind":
    "outbound" (an attempt: campaign, at, outcome, agent, disposition and note if any),
    "disposition" (one set without a call, from the list: campaign, at, disposition,
    agent, note) or "inbound" (a call to us: client, at, queue, outcome, agent). Notes are
    oldest first too. Each kind holds its latest HISTORY_MAX.
    """
    async with store.connection() as db:
        async with db.execute(
            "SELECT id, e164, name, fields, timezone FROM contacts WHERE e164 = ?", (e164,)
        ) as cursor:
            row = await cursor.fetchone()
        if row is None:
            return None
        contact = _contact(row)
        history: list[dict[str, Any]] = []
        async with db.execute(
            "SELECT a.started_at AS at, c.name AS campaign, a.outcome, a.agent,"
            " d.code AS disposition, coalesce(d.note, '') AS note"
            " FROM attempts a JOIN campaigns c ON c.id = a.campaign_id"
            " LEFT JOIN dispositions d ON d.id = (SELECT max(x.id) FROM dispositions x"
            "  WHERE x.lead_id = a.lead_id AND x.attempt_id = a.id)"
            " WHERE a.e164 = ? ORDER BY a.started_at DESC LIMIT ?",
            (e164, HISTORY_MAX),
        ) as cursor:
            history += [{"kind": "outbound", **dict(r)} for r in await cursor.fetchall()]
        async with db.execute(
            "SELECT d.at, c.name AS campaign, d.code AS disposition, d.agent, d.note"
            " FROM leads l JOIN dispositions d ON d.lead_id = l.id"
            " JOIN campaigns c ON c.id = l.campaign_id"
            " WHERE l.contact_id = ? AND d.attempt_id IS NULL ORDER BY d.at DESC LIMIT ?",
            (contact["id"], HISTORY_MAX),
        ) as cursor:
            history += [{"kind": "disposition", **dict(r)} for r in await cursor.fetchall()]
        async with db.execute(
            "SELECT arrived_at AS at, client, queue, outcome, agent FROM inbound_calls"
            " WHERE e164 = ? ORDER BY arrived_at DESC LIMIT ?",
            (e164, HISTORY_MAX),
        ) as cursor:
            history += [{"kind": "inbound", **dict(r)} for r in await cursor.fetchall()]
        async with db.execute(
            "SELECT at, author, text FROM notes WHERE contact_id = ? ORDER BY at DESC LIMIT ?",
            (contact["id"], HISTORY_MAX),
        ) as cursor:
            notes = [dict(r) for r in await cursor.fetchall()]
    history.sort(key=lambda entry: entry["at"])
    notes.reverse()
    return {"contact": contact, "history": history, "notes": notes}


async def create(
    store: Store,
    e164: str,
    name: str,
    fields: dict[str, str],
    by: str,
    at: float,
    *,
    timezone: str = "",
) -> int:
    """A contact in no campaign (a caller the base did not know); its id, committed.

    A number already in the base is a Conflict: a contact is one per number everywhere.
    """
    async with store.transaction() as db:
        async with db.execute("SELECT id FROM contacts WHERE e164 = ?", (e164,)) as cursor:
            taken = await cursor.fetchone()
        if taken is not None:
            raise Conflict(
                f"{e164} is already in the contact base (contact {taken[0]})",
                "look it up instead of adding it again",
            )
        cursor = await db.execute(
            "INSERT INTO contacts (e164, name, fields, timezone, created_at)"
            " VALUES (?, ?, ?, ?, ?)",
            (e164, name, json.dumps(fields, ensure_ascii=False), timezone, at),
        )
        contact_id = int(cursor.lastrowid or 0)
        await log_event(db, at, by, "contact.create", json.dumps({"contact": contact_id}))
    return contact_id


async def lead_for_number(
    store: Store, campaign_id: int, e164: str, by: str, at: float, *, timezone: str = ""
) -> tuple[int, int]:
    """The number's lead in the campaign, made if missing (a contact too): where a
    callback booked on an inbound call goes. (lead id, its attempts so far)."""
    async with store.transaction() as db:
        async with db.execute("SELECT id FROM contacts WHERE e164 = ?", (e164,)) as cursor:
            found = await cursor.fetchone()
        if found is None:
            cursor = await db.execute(
                "INSERT INTO contacts (e164, name, fields, timezone, created_at)"
                " VALUES (?, '', '{}', ?, ?)",
                (e164, timezone, at),
            )
            contact_id = int(cursor.lastrowid or 0)
            await log_event(db, at, by, "contact.create", json.dumps({"contact": contact_id}))
        else:
            contact_id = int(found[0])
        await db.execute(
            "INSERT OR IGNORE INTO leads (campaign_id, contact_id, created_at) VALUES (?, ?, ?)",
            (campaign_id, contact_id, at),
        )
        async with db.execute(
            "SELECT id, attempts FROM leads WHERE campaign_id = ? AND contact_id = ?",
            (campaign_id, contact_id),
        ) as cursor:
            row = await cursor.fetchone()
    assert row is not None
    return int(row[0]), int(row[1])
