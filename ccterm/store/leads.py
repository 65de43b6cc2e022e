"""Lead order and the next-lead pick, as SQL over the `leads_ready` index.

Every lead carries (rank_major, rank_minor): its place in its campaign's order.
Due callbacks get CALLBACK_MAJOR so they always come first, in due order. The
pick is then one seek on a partial index however long the list is.
"""

from __future__ import annotations

import sqlite3

import aiosqlite

from ccterm.settings import LeadOrder

CALLBACK_MAJOR = -(1 << 62)


def rank_sql(
    order: LeadOrder,
    *,
    contact_id: str = "contact_id",
    priority: str = "priority",
    attempts: str = "attempts",
    last_attempt: str = "last_attempt_at",
) -> tuple[str, str]:
    """SQL expressions for (rank_major, rank_minor) of a lead under `order`.

    Contact ids rise with creation, so they stand for "created at" and break ties.
    """
    if order is LeadOrder.OLDEST:
        return "0", contact_id
    if order is LeadOrder.NEWEST:
        return "0", f"-{contact_id}"
    if order is LeadOrder.LAST_ATTEMPT:
        return f"CAST(COALESCE({last_attempt}, 0) * 1000 AS INTEGER)", contact_id
    if order is LeadOrder.PRIORITY:
        return f"-{priority}", contact_id
    return attempts, contact_id  # FEWEST_ATTEMPTS


async def rerank_campaign(db: aiosqlite.Connection, campaign_id: int, order: LeadOrder) -> None:
    """Re-sort a campaign's leads after its order changed; due callbacks keep their place."""
    major, minor = rank_sql(order)
    await db.execute(
        f"UPDATE leads SET rank_major = {major}, rank_minor = {minor} "
        "WHERE campaign_id = ? AND rank_major != ?",
        (campaign_id, CALLBACK_MAJOR),
    )


async def apply_attempt_cap(db: aiosqlite.Connection, campaign_id: int, max_attempts: int) -> None:
    """Leads at the cap are exhausted; raising the cap gives the others their turn back."""
    await db.execute(
        "UPDATE leads SET state = 'exhausted' "
        "WHERE campaign_id = ? AND state IN ('ready', 'waiting') AND attempts >= ?",
        (campaign_id, max_attempts),
    )
    await db.execute(
        "UPDATE leads SET state = 'waiting' "
        "WHERE campaign_id = ? AND state = 'exhausted' AND attempts < ?",
        (campaign_id, max_attempts),
    )


PICK_SQL = (
    "SELECT id, contact_id FROM leads "
    "WHERE campaign_id = ? AND state = 'ready' AND blocked = 0 "
    "ORDER BY rank_major, rank_minor LIMIT 1"
)


async def peek_next(db: aiosqlite.Connection, campaign_id: int) -> sqlite3.Row | None:
    """The lead the campaign would dial next, without taking it."""
    async with db.execute(PICK_SQL, (campaign_id,)) as cursor:
        row: sqlite3.Row | None = await cursor.fetchone()
        return row


async def promote_due(db: aiosqlite.Connection, now: float) -> int:
    """Waiting leads whose time has come become ready; callbacks jump to the front."""
    cursor = await db.execute(
        "UPDATE leads SET state = 'ready', "
        "rank_major = CASE WHEN callback_at IS NOT NULL THEN ? ELSE rank_major END, "
        "rank_minor = CASE WHEN callback_at IS NOT NULL "
        "THEN CAST(callback_at * 1000 AS INTEGER) ELSE rank_minor END "
        "WHERE state = 'waiting' AND next_at <= ?",
        (CALLBACK_MAJOR, now),
    )
    return cursor.rowcount
