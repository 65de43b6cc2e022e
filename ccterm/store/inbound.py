"""Inbound calls' record (TEMPORARY minimal version; replaced at merge)."""

from __future__ import annotations

import json

from ccterm.store.db import Store


async def arrived(store: Store, call_id: str, did: str, client: str, caller: str, at: float) -> int:
    cur = await store.execute(
        "INSERT INTO inbound_calls (call_id, did, client, caller, arrived_at) VALUES (?,?,?,?,?)",
        (call_id, did, client, caller, at),
    )
    return int(cur)


async def queued(
    store: Store, call_id: str, queue: str, entered_at: float, path: list[str]
) -> None:
    await store.execute(
        "UPDATE inbound_calls SET queue = ?, entered_at = coalesce(entered_at, ?), path = ?"
        " WHERE call_id = ?",
        (queue, entered_at, json.dumps(path), call_id),
    )


async def answered(store: Store, call_id: str, agent: str, at: float) -> None:
    await store.execute(
        "UPDATE inbound_calls SET offered_at = coalesce(offered_at, ?), answered_at = ?,"
        " agent = ? WHERE call_id = ?",
        (at, at, agent, call_id),
    )


async def ended(
    store: Store, call_id: str, at: float, hung_up_by: str, outcome: str, path: list[str]
) -> None:
    await store.execute(
        "UPDATE inbound_calls SET ended_at = ?, hung_up_by = ?, outcome = ?, path = ?"
        " WHERE call_id = ?",
        (at, hung_up_by, outcome, json.dumps(path), call_id),
    )


async def set_recording(store: Store, call_id: str, path: str) -> None:
    await store.execute("UPDATE inbound_calls SET recording = ? WHERE call_id = ?", (path, call_id))
