"""Inbound calls and queue callbacks: each write one statement or one transaction, committed.

A call's row is written as it goes (arrived, path, queue, offered, answered,
ended), so the queue report counts what happened even if the daemon dies
mid-call; a restart ends such rows as `failed` (`close_orphans`).

Path steps are short strings: the menu's own (`menu:main`, `key:1`, `timeout`,
`invalid`, `to:queue:sales`), `queue:NAME` for each queue the caller joins
(written by `entered`) and `overflow:TARGET` when a queue's max wait sends them on.
The queue report reads `queue:NAME` steps to find the queues a call passed.

Outcomes of a call that was in a queue, as the report counts them in its last
queue: `answered`, `abandoned` (the caller hung up waiting), `overflowed` (sent to
a menu or hangup by the max wait and ended there), `voicemail`, `callback`.

Queue callbacks never ring twice: `callback_placing` moves one from `waiting` to
`placing` in one statement (its own commit) before anything is dialled, and only
if it was waiting. A callback found `placing` when the daemon starts may or may
not have rung the customer; `callbacks_recover` moves it to `review` with a note,
and nothing dials it again until a person decides (`callback_resolve`: call again,
or close it). The desk and supervisors list those with `callbacks_review`.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from typing import Literal

from ccterm.clock import format_local
from ccterm.store.db import Store

HungUpBy = Literal["caller", "agent", "system"]
Outcome = Literal[
    "answered",
    "abandoned",
    "overflowed",
    "voicemail",
    "callback",
    "closed",
    "not_in_service",
    "menu_hangup",
    "failed",
]


@dataclass(frozen=True, slots=True)
class InboundCall:
    id: int
    call_id: str
    did: str
    client: str
    caller: str
    e164: str | None
    contact_id: int | None
    path: list[str]
    queue: str | None  # the last queue it was in
    arrived_at: float
    entered_at: float | None  # its first entry into any queue: the caller's place
    offered_at: float | None  # its first reservation of an agent
    answered_at: float | None
    agent: str | None
    ended_at: float | None
    hung_up_by: str | None
    outcome: str | None
    recording: str | None
    disposition: str | None = None  # the agent's, after an answered call
    disposition_note: str = ""

    @classmethod
    def of(cls, row: sqlite3.Row) -> InboundCall:
        values = dict(row)
        values["path"] = json.loads(values["path"])
        return cls(**values)


@dataclass(frozen=True, slots=True)
class QueueCallback:
    id: int
    inbound_id: int
    queue: str
    e164: str
    entered_at: float  # the caller's place in line, kept from their call
    created_at: float
    expires_at: float
    tries: int  # dials placed (counted when marked placing)
    state: str  # waiting, placing, done, expired, failed, review
    retry_at: float | None  # a failed try waits until then
    placing_at: float | None
    agent: str | None
    voicemail: str | None
    done_at: float | None
    note: str
    language: str = "en"  # the prompt set of the caller's number, for the callback's call

    @classmethod
    def of(cls, row: sqlite3.Row) -> QueueCallback:
        return cls(**dict(row))


# -- inbound calls -------------------------------------------------------------------------


async def arrived(
    store: Store,
    call_id: str,
    did: str,
    client: str,
    caller: str,
    e164: str | None,
    contact_id: int | None,
    at: float,
) -> int:
    """A new inbound call; returns its row id, the handle for every later write."""
    async with store.transaction() as db:
        cursor = await db.execute(
            "INSERT INTO inbound_calls (call_id, did, client, caller, e164, contact_id, arrived_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            (call_id, did, client, caller, e164, contact_id, at),
        )
        return int(cursor.lastrowid or 0)


async def path_add(store: Store, inbound_id: int, *steps: str) -> None:
    """Steps appended to the call's path (a menu's keys, timeouts and route)."""
    if not steps:
        return
    appends = ", ".join(["'$[#]', ?"] * len(steps))
    await store.execute(
        f"UPDATE inbound_calls SET path = json_insert(path, {appends}) WHERE id = ?",
        (*steps, inbound_id),
    )


async def entered(store: Store, inbound_id: int, queue: str, at: float) -> None:
    """The caller joined `queue` (first or after an overflow): it becomes the call's
    queue and a `queue:NAME` step; the first entry time is kept (the caller's place)."""
    await store.execute(
        "UPDATE inbound_calls SET queue = ?, entered_at = coalesce(entered_at, ?),"
        " path = json_insert(path, '$[#]', 'queue:' || ?) WHERE id = ?",
        (queue, at, queue, inbound_id),
    )


async def overflowed(store: Store, inbound_id: int, target: str) -> None:
    """The queue's max wait sent the caller to `target` (queue:NAME, menu:NAME, voicemail,
    hangup); a queue target is then `entered` as usual."""
    await path_add(store, inbound_id, f"overflow:{target}")


async def offered(store: Store, inbound_id: int, at: float) -> None:
    """An agent was reserved for the caller; the first time is kept."""
    await store.execute(
        "UPDATE inbound_calls SET offered_at = coalesce(offered_at, ?) WHERE id = ?",
        (at, inbound_id),
    )


async def answered(store: Store, inbound_id: int, agent: str, at: float) -> bool:
    """An agent took the call; False if it was answered or ended already."""
    changed = await store.execute(
        "UPDATE inbound_calls SET answered_at = ?, agent = ?"
        " WHERE id = ? AND answered_at IS NULL AND ended_at IS NULL",
        (at, agent, inbound_id),
    )
    return changed == 1


async def ended(
    store: Store,
    inbound_id: int,
    at: float,
    hung_up_by: HungUpBy,
    outcome: Outcome,
    recording: str | None = None,
) -> bool:
    """The call is over; False if it had ended already (the first end stands)."""
    changed = await store.execute(
        "UPDATE inbound_calls SET ended_at = ?, hung_up_by = ?, outcome = ?,"
        " recording = coalesce(?, recording) WHERE id = ? AND ended_at IS NULL",
        (at, hung_up_by, outcome, recording, inbound_id),
    )
    return changed == 1


async def dispose(store: Store, call_id: str, code: str, note: str, agent: str, at: float) -> bool:
    """The agent's disposition of an inbound call they answered (False: no such call)."""
    changed = await store.execute(
        "UPDATE inbound_calls SET disposition = ?, disposition_note = ? WHERE call_id = ?",
        (code, note, call_id),
    )
    return changed == 1


async def set_recording(store: Store, inbound_id: int, path: str) -> None:
    """The bridged call's recording, as it starts (a crash mid-call keeps the file's name)."""
    await store.execute("UPDATE inbound_calls SET recording = ? WHERE id = ?", (path, inbound_id))


async def get(store: Store, inbound_id: int) -> InboundCall | None:
    row = await store.fetchone("SELECT * FROM inbound_calls WHERE id = ?", (inbound_id,))
    return None if row is None else InboundCall.of(row)


async def close_orphans(store: Store, now: float) -> int:
    """At a restart: calls a stopped daemon never ended end now, as failed by the system."""
    return await store.execute(
        "UPDATE inbound_calls SET ended_at = ?, hung_up_by = 'system', outcome = 'failed'"
        " WHERE ended_at IS NULL",
        (now,),
    )


# -- queue callbacks -----------------------------------------------------------------------


async def callback_add(
    store: Store,
    inbound_id: int,
    queue: str,
    e164: str,
    entered_at: float,
    now: float,
    expires_at: float,
    voicemail: str | None = None,
    *,
    language: str = "en",
) -> int:
    """A callback keeping the caller's place (`entered_at`); a voicemail left is one too."""
    async with store.transaction() as db:
        cursor = await db.execute(
            "INSERT INTO queue_callbacks (inbound_id, queue, e164, entered_at, created_at,"
            " expires_at, voicemail, language) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (inbound_id, queue, e164, entered_at, now, expires_at, voicemail, language),
        )
        return int(cursor.lastrowid or 0)


async def callbacks_open(store: Store) -> list[QueueCallback]:
    """Waiting and being placed, oldest place first (the ACD's order)."""
    rows = await store.fetchall(
        "SELECT * FROM queue_callbacks WHERE state IN ('waiting', 'placing')"
        " ORDER BY entered_at, id"
    )
    return [QueueCallback.of(r) for r in rows]


async def callbacks_review(store: Store) -> list[QueueCallback]:
    """Callbacks that need a person: a restart found them being placed."""
    rows = await store.fetchall(
        "SELECT * FROM queue_callbacks WHERE state = 'review' ORDER BY entered_at, id"
    )
    return [QueueCallback.of(r) for r in rows]


async def callback_get(store: Store, callback_id: int) -> QueueCallback | None:
    row = await store.fetchone("SELECT * FROM queue_callbacks WHERE id = ?", (callback_id,))
    return None if row is None else QueueCallback.of(row)


async def callback_placing(store: Store, callback_id: int, agent: str, now: float) -> bool:
    """Claim a callback for dialling: waiting (and due) -> placing, one committed statement.

    Dial only on True. False: another task took it, it ended, expired, or waits for
    its retry time. The try is counted here, so a crash mid-dial still counts it.
    """
    changed = await store.execute(
        "UPDATE queue_callbacks SET state = 'placing', placing_at = ?, agent = ?,"
        " tries = tries + 1 WHERE id = ? AND state = 'waiting' AND expires_at > ?"
        " AND coalesce(retry_at, 0) <= ?",
        (now, agent, callback_id, now, now),
    )
    return changed == 1


async def callback_done(store: Store, callback_id: int, now: float, note: str = "") -> bool:
    """The customer was reached: placing -> done."""
    changed = await store.execute(
        "UPDATE queue_callbacks SET state = 'done', done_at = ?, note = ?"
        " WHERE id = ? AND state = 'placing'",
        (now, note, callback_id),
    )
    return changed == 1


async def callback_failed(
    store: Store, callback_id: int, now: float, *, retry_at: float | None, note: str = ""
) -> bool:
    """The try did not reach them: back to waiting until `retry_at`, or (None, the tries
    used up) failed for good. The caller decides from `tries`."""
    if retry_at is None:
        sql = "UPDATE queue_callbacks SET state = 'failed', done_at = ?, note = ?"
        params: tuple[object, ...] = (now, note, callback_id)
    else:
        sql = "UPDATE queue_callbacks SET state = 'waiting', retry_at = ?, note = ?"
        params = (retry_at, note, callback_id)
    changed = await store.execute(f"{sql} WHERE id = ? AND state = 'placing'", params)
    return changed == 1


async def callbacks_expire(store: Store, now: float) -> list[int]:
    """Waiting callbacks past their expiry: expired. Being placed or in review: left alone."""
    async with (
        store.transaction() as db,
        db.execute(
            "UPDATE queue_callbacks SET state = 'expired', done_at = ?"
            " WHERE state = 'waiting' AND expires_at <= ? RETURNING id",
            (now, now),
        ) as cursor,
    ):
        ids = [int(r[0]) for r in await cursor.fetchall()]
    return sorted(ids)


async def callbacks_recover(store: Store, now: float) -> list[QueueCallback]:
    """At the daemon's start: callbacks left `placing` go to `review`, never redialled by
    themselves (the customer may have been rung); returned for the log and the desks."""
    async with (
        store.transaction() as db,
        db.execute(
            "UPDATE queue_callbacks SET state = 'review', note = ? WHERE state = 'placing'"
            " RETURNING *",
            (f"the daemon stopped while placing it ({format_local(now)}): it may have rung",),
        ) as cursor,
    ):
        rows = await cursor.fetchall()
    return sorted((QueueCallback.of(r) for r in rows), key=lambda c: (c.entered_at, c.id))


async def callback_resolve(
    store: Store, callback_id: int, who: str, now: float, *, call_again: bool
) -> bool:
    """A person's decision on a callback in review: waiting again (call again) or done."""
    if call_again:
        sql = "UPDATE queue_callbacks SET state = 'waiting', retry_at = NULL,"
        params: tuple[object, ...] = (f"call again: {who}", callback_id)
    else:
        sql = "UPDATE queue_callbacks SET state = 'done', done_at = ?, agent = ?,"
        params = (now, who, f"closed in review: {who}", callback_id)
    changed = await store.execute(f"{sql} note = ? WHERE id = ? AND state = 'review'", params)
    return changed == 1
