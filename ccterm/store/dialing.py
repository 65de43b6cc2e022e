"""Taking a lead to dial, recording the attempt, and disposing of it — each one transaction.

The rules that keep a number from being dialled (do-not-call, wrong number, fax,
the attempt cap, a retry time not yet come, a call abandoned in any campaign
within the campaign's abandon_retry_hours, the contact's calling hours) are
checked here, in the same transaction that marks the lead as dialling, so
nothing added a moment earlier slips through.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from typing import Any

import aiosqlite

from ccterm.dialer.dispositions import HOUR, LeadUpdate
from ccterm.dialer.hours import CallingHours
from ccterm.model import Campaign
from ccterm.settings import CampaignSettings, Disposition
from ccterm.store.db import Store, log_event
from ccterm.store.dialcheck import NotDialable as NotDialable  # what taking a lead raises
from ccterm.store.dialcheck import refusal
from ccterm.store.leads import PICK_SQL, rank_sql


@dataclass(frozen=True, slots=True)
class Taken:
    """A lead now marked as dialling, with its attempt row."""

    lead_id: int
    contact_id: int
    campaign_id: int
    attempt_id: int
    e164: str
    name: str
    attempts: int  # including this one


# An abandoned call is at most a ring timeout (<= 180 s) plus 2 s after its start, so an
# hour of slack keeps the lockout's lookup a short range scan of the attempts_e164 index.
_LEAD = (
    "SELECT l.id, l.campaign_id, l.contact_id, l.state, l.blocked, l.attempts, l.next_at,"
    " l.callback_at, l.callback_agent, c.e164, c.name, c.timezone,"
    " EXISTS (SELECT 1 FROM dnc d WHERE d.e164 = c.e164) AS dnc,"
    " (SELECT mark FROM number_marks m WHERE m.e164 = c.e164) AS mark,"
    " (SELECT max(a.abandoned_at) FROM attempts a WHERE a.e164 = c.e164"
    "  AND a.started_at > :since - 3600 AND a.abandoned_at > :since) AS abandoned_at"
    " FROM leads l JOIN contacts c ON c.id = l.contact_id WHERE l.id = :lead"
)


def lead_params(lead_id: int, settings: CampaignSettings, now: float) -> dict[str, Any]:
    """_LEAD's parameters: the lead, and how far back an abandoned call still counts."""
    return {"lead": lead_id, "since": now - settings.abandon_retry_hours * HOUR}


async def _take_row(
    db: aiosqlite.Connection,
    row: sqlite3.Row,
    campaign: Campaign,
    now: float,
    agent: str | None,
    mode: str,
    hours: CallingHours | None,
) -> Taken:
    refused = refusal(row, campaign.settings, now, agent, hours=hours)
    if refused is not None:
        if refused.block and not row["blocked"]:
            await db.execute("UPDATE leads SET blocked = 1 WHERE id = ?", (row["id"],))
        raise refused
    await db.execute(
        "UPDATE leads SET state = 'dialing', attempts = attempts + 1, last_attempt_at = ?"
        " WHERE id = ?",
        (now, row["id"]),
    )
    cursor = await db.execute(
        "INSERT INTO attempts (lead_id, campaign_id, contact_id, e164, agent, mode, started_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        (row["id"], campaign.id, row["contact_id"], row["e164"], agent, mode, now),
    )
    return Taken(
        lead_id=row["id"],
        contact_id=row["contact_id"],
        campaign_id=campaign.id,
        attempt_id=int(cursor.lastrowid or 0),
        e164=row["e164"],
        name=row["name"],
        attempts=row["attempts"] + 1,
    )


async def take(
    store: Store,
    campaign: Campaign,
    lead_id: int,
    *,
    agent: str,
    mode: str,
    hours: CallingHours | None = None,
) -> Taken:
    """The agent's chosen lead, marked dialling, or NotDialable saying why not.

    `hours`: the daemon's calling hours, checked in the contact's zones (None: unchecked).
    """
    now = store.clock.now()
    refused: NotDialable
    async with store.transaction() as db:
        async with db.execute(_LEAD, lead_params(lead_id, campaign.settings, now)) as cursor:
            row = await cursor.fetchone()
        if row is None or row["campaign_id"] != campaign.id:
            raise NotDialable("no such contact in this campaign")
        try:
            return await _take_row(db, row, campaign, now, agent, mode, hours)
        except NotDialable as exc:
            refused = exc  # leave normally: a blocked flag found on the way is kept
    raise refused


async def take_next(
    store: Store,
    campaign: Campaign,
    *,
    agent: str | None,
    mode: str,
    hours: CallingHours | None = None,
) -> Taken | None:
    """The campaign's next lead in its order, marked dialling; None when nothing is dialable.

    The checks run again on each candidate: a number listed after the pick is
    flagged blocked and skipped; one resting after an abandoned call, or outside
    its calling hours (`hours`, None: unchecked), waits until it may be called,
    so it leaves the ready index and promote_due brings it back, no attempt
    counted; a lead that should not be 'ready' is put right; and another agent's
    callback is left for that agent.
    """
    now = store.clock.now()
    async with store.transaction() as db:
        async with db.execute(PICK_SQL.replace("LIMIT 1", "LIMIT 50"), (campaign.id,)) as cursor:
            picks = await cursor.fetchall()
        for pick in picks:
            params = lead_params(pick["id"], campaign.settings, now)
            async with db.execute(_LEAD, params) as cursor:
                row = await cursor.fetchone()
            assert row is not None
            try:
                return await _take_row(db, row, campaign, now, agent, mode, hours)
            except NotDialable as refused:
                if refused.block:
                    continue
                if refused.retry_at is not None:
                    await db.execute(
                        "UPDATE leads SET state = 'waiting', next_at = ? WHERE id = ?",
                        (refused.retry_at, row["id"]),
                    )
                    continue
                if row["callback_agent"]:
                    continue
                cap = campaign.settings.max_attempts
                state = "exhausted" if row["attempts"] >= cap else "waiting"
                await db.execute("UPDATE leads SET state = ? WHERE id = ?", (state, row["id"]))
    return None


async def finish_attempt(
    store: Store,
    attempt_id: int,
    *,
    outcome: str,
    code: int | None,
    answered_at: float | None,
    ended_at: float,
) -> None:
    await store.execute(
        "UPDATE attempts SET outcome = ?, sip_code = ?, answered_at = coalesce(answered_at, ?),"
        " ended_at = ? WHERE id = ?",
        (outcome, code, answered_at, ended_at, attempt_id),
    )


async def mark_answered(store: Store, attempt_id: int, at: float) -> None:
    await store.execute("UPDATE attempts SET answered_at = ? WHERE id = ?", (at, attempt_id))


async def mark_connected(
    store: Store, attempt_id: int, at: float, agent: str, *, answered_at: float | None = None
) -> None:
    """The person who answered reached `agent`: a live answer for the abandon-rate windows.

    `answered_at`, when the answer itself is not committed yet: both in one write.
    """
    await store.execute(
        "UPDATE attempts SET answered_at = coalesce(answered_at, ?), connected_at = ?, agent = ?"
        " WHERE id = ?",
        (answered_at, at, agent, attempt_id),
    )


async def mark_abandoned(store: Store, attempt_id: int, at: float) -> None:
    """The person who answered found no agent: counted in the windows, the number rests."""
    await store.execute("UPDATE attempts SET abandoned_at = ? WHERE id = ?", (at, attempt_id))


async def dispose(
    store: Store,
    *,
    lead_id: int,
    campaign: Campaign,
    code: Disposition,
    update: LeadUpdate,
    actor: str,
    attempt_id: int | None = None,
    note: str = "",
    tags: tuple[str, ...] = (),
) -> dict[str, Any]:
    """Apply a disposition in one transaction; returns the lead as the agent's list shows it.
    `tags` (the funnel's, checked by the caller) go in the same commit as the code."""
    now = store.clock.now()
    major, minor = rank_sql(campaign.settings.lead_order)
    async with store.transaction() as db:
        async with db.execute("SELECT contact_id FROM leads WHERE id = ?", (lead_id,)) as cursor:
            row = await cursor.fetchone()
        if row is None:
            raise LookupError(f"no lead {lead_id}")
        contact_id = row[0]
        await db.execute(
            "UPDATE leads SET state = ?, next_at = ?, callback_at = ?, callback_agent = ?,"
            f" last_disposition = ?, rank_major = {major}, rank_minor = {minor} WHERE id = ?",
            (
                update.state,
                update.next_at,
                update.callback_at,
                update.callback_agent,
                code,
                lead_id,
            ),
        )
        await db.execute(
            "INSERT INTO dispositions (attempt_id, lead_id, code, agent, note, tags, at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                attempt_id,
                lead_id,
                code,
                actor,
                note,
                json.dumps(list(tags), ensure_ascii=False),
                now,
            ),
        )
        await db.execute(
            "UPDATE callbacks SET done_at = ? WHERE lead_id = ? AND done_at IS NULL", (now, lead_id)
        )
        if update.callback_at is not None:
            await db.execute(
                "INSERT INTO callbacks (lead_id, due_at, agent, created_by, created_at)"
                " VALUES (?, ?, ?, ?, ?)",
                (lead_id, update.callback_at, update.callback_agent, actor, now),
            )
        if update.mark is not None:
            await db.execute(
                "INSERT INTO number_marks (e164, mark, set_by, set_at)"
                " SELECT e164, ?, ?, ? FROM contacts WHERE id = ?"
                " ON CONFLICT (e164) DO UPDATE SET mark = excluded.mark, set_by = excluded.set_by,"
                " set_at = excluded.set_at",
                (update.mark, actor, now, contact_id),
            )
            await db.execute("UPDATE leads SET blocked = 1 WHERE contact_id = ?", (contact_id,))
        if note:
            await db.execute(
                "INSERT INTO notes (contact_id, lead_id, author, text, at) VALUES (?, ?, ?, ?, ?)",
                (contact_id, lead_id, actor, note, now),
            )
        logged: dict[str, Any] = {"lead": lead_id, "code": code}
        if tags:
            logged["tags"] = list(tags)
        await log_event(db, now, actor, "disposition", json.dumps(logged, ensure_ascii=False))
        async with db.execute(f"{LIST_SELECT} WHERE l.id = ?", (lead_id,)) as cursor:
            listed = await cursor.fetchone()
    assert listed is not None
    return lead_row(listed)


async def recover(store: Store) -> int:
    """After a crash: calls that were in progress are over; their leads go back in line."""
    now = store.clock.now()
    async with store.transaction() as db:
        await db.execute(
            "UPDATE attempts SET outcome = 'failed', ended_at = ? WHERE ended_at IS NULL", (now,)
        )
        cursor = await db.execute("UPDATE leads SET state = 'ready' WHERE state = 'dialing'")
        return cursor.rowcount


# -- what the agent's list shows -------------------------------------------------------

LIST_SELECT = (
    "SELECT l.id, l.contact_id, c.name, c.e164, l.state, l.blocked, l.attempts, l.next_at,"
    " l.callback_at, l.callback_agent, l.priority, l.rank_major, l.rank_minor,"
    " l.last_disposition, l.last_attempt_at, c.timezone,"
    # the contact's other fields as one text, for find on the desk (a city, a company)
    " CASE WHEN c.fields = '{}' THEN '' ELSE"
    "  (SELECT group_concat(value, ' ') FROM json_each(c.fields)) END AS extra"
    " FROM leads l JOIN contacts c ON c.id = l.contact_id"
)
LIST_FIELDS = (
    "id",
    "contact_id",
    "name",
    "e164",
    "state",
    "blocked",
    "attempts",
    "next_at",
    "callback_at",
    "callback_agent",
    "priority",
    "rank_major",
    "rank_minor",
    "last_disposition",
    "last_attempt_at",
    "timezone",
    "extra",
)


def lead_row(row: sqlite3.Row) -> dict[str, Any]:
    return {key: row[key] for key in LIST_FIELDS}


async def list_page(
    store: Store, campaign_id: int, *, agent: str | None, after_id: int, limit: int
) -> list[list[Any]]:
    """One page of a campaign's leads by id, as compact rows in LIST_FIELDS order.

    Another agent's callbacks are left out: they are that agent's appointments.
    """
    rows = await store.fetchall(
        f"{LIST_SELECT} WHERE l.campaign_id = ? AND l.id > ?"
        " AND (l.callback_agent IS NULL OR l.callback_agent = ? OR ? IS NULL)"
        " ORDER BY l.id LIMIT ?",
        (campaign_id, after_id, agent, agent, limit),
    )
    return [list(r) for r in rows]


async def list_count(store: Store, campaign_id: int, *, agent: str | None) -> int:
    """How many leads list_page gives for this campaign, over all its pages."""
    return int(
        await store.scalar(
            "SELECT count(*) FROM leads l WHERE l.campaign_id = ?"
            " AND (l.callback_agent IS NULL OR l.callback_agent = ? OR ? IS NULL)",
            (campaign_id, agent, agent),
        )
    )


async def card(store: Store, lead_id: int) -> dict[str, Any] | None:
    """The contact card: fields, every attempt with its disposition, notes."""
    async with store.connection() as db:
        async with db.execute(f"{LIST_SELECT} WHERE l.id = ?", (lead_id,)) as cursor:
            row = await cursor.fetchone()
        if row is None:
            return None
        async with db.execute(
            "SELECT fields, import_id FROM contacts WHERE id = ?", (row["contact_id"],)
        ) as cursor:
            contact = await cursor.fetchone()
        assert contact is not None
        async with db.execute(
            "SELECT a.started_at, a.answered_at, a.ended_at, a.outcome, a.agent, a.mode,"
            " (SELECT d.code FROM dispositions d WHERE d.attempt_id = a.id ORDER BY d.id DESC"
            "  LIMIT 1) AS disposition"
            " FROM attempts a WHERE a.contact_id = ? ORDER BY a.started_at DESC LIMIT 50",
            (row["contact_id"],),
        ) as cursor:
            attempts = [dict(r) for r in await cursor.fetchall()]
        async with db.execute(
            "SELECT at, code, agent, note, tags FROM dispositions WHERE lead_id = ?"
            " ORDER BY at DESC LIMIT 50",
            (lead_id,),
        ) as cursor:
            dispositions = [
                dict(r) | {"tags": json.loads(r["tags"])} for r in await cursor.fetchall()
            ]
        async with db.execute(
            "SELECT at, author, text FROM notes WHERE contact_id = ? ORDER BY at DESC LIMIT 50",
            (row["contact_id"],),
        ) as cursor:
            notes = [dict(r) for r in await cursor.fetchall()]
    return {
        "lead": lead_row(row),
        "fields": json.loads(contact["fields"]),
        "attempts": attempts,
        "dispositions": dispositions,
        "notes": notes,
    }


async def add_note(store: Store, lead_id: int, *, author: str, text: str) -> None:
    now = store.clock.now()
    async with store.transaction() as db:
        cursor = await db.execute(
            "INSERT INTO notes (contact_id, lead_id, author, text, at)"
            " SELECT contact_id, id, ?, ?, ? FROM leads WHERE id = ?",
            (author, text, now, lead_id),
        )
        if cursor.rowcount != 1:
            raise LookupError(f"no lead {lead_id}")


async def callback_of(store: Store, lead_id: int) -> tuple[float | None, str | None]:
    """The callback booked on a lead (time, owner), or (None, None)."""
    row = await store.fetchone(
        "SELECT callback_at, callback_agent FROM leads WHERE id = ?", (lead_id,)
    )
    if row is None or row[0] is None:
        return None, None
    return float(row[0]), row[1]


async def lead_campaign(store: Store, lead_id: int) -> int | None:
    value = await store.scalar("SELECT campaign_id FROM leads WHERE id = ?", (lead_id,))
    return None if value is None else int(value)


async def set_recording(store: Store, attempt_id: int, path: str) -> None:
    """Where this attempt's bridged audio is being recorded (a WAV under [daemon] recordings)."""
    async with store.transaction() as db:
        await db.execute("UPDATE attempts SET recording = ? WHERE id = ?", (path, attempt_id))
