"""Campaign rows: create, read, edit, change status, copy."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import replace
from typing import Any

import aiosqlite

from ccterm.errors import Conflict, NotFound
from ccterm.model import (
    Campaign,
    CampaignSettings,
    CampaignStatus,
    scheduled_status,
    suggest,
    transition,
)
from ccterm.store.db import Store, log_event
from ccterm.store.leads import apply_attempt_cap, rerank_campaign

_COLUMNS = "id, name, status, settings, start_at, end_at, created_at, updated_at, created_by"


def from_row(row: sqlite3.Row) -> Campaign:
    return Campaign(
        id=row["id"],
        name=row["name"],
        status=CampaignStatus(row["status"]),
        settings=CampaignSettings.from_json(row["settings"]),
        start_at=row["start_at"],
        end_at=row["end_at"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        created_by=row["created_by"],
    )


async def list_all(store: Store) -> list[Campaign]:
    rows = await store.fetchall(f"SELECT {_COLUMNS} FROM campaigns ORDER BY id")
    return [from_row(r) for r in rows]


async def find(db: aiosqlite.Connection, name: str) -> Campaign | None:
    async with db.execute(
        f"SELECT {_COLUMNS} FROM campaigns WHERE name = ? COLLATE NOCASE", (name,)
    ) as cursor:
        row = await cursor.fetchone()
    return None if row is None else from_row(row)


async def get(store: Store, name: str) -> Campaign:
    async with store.connection() as db:
        campaign = await find(db, name)
        if campaign is not None:
            return campaign
        async with db.execute("SELECT name FROM campaigns") as cursor:
            names = [r[0] for r in await cursor.fetchall()]
    raise NotFound(
        f"no campaign named '{name}'{suggest(name, names)}", "list them with: ccterm campaign list"
    )


def initial_status(start_at: float, end_at: float | None, now: float) -> CampaignStatus:
    return scheduled_status(CampaignStatus.SCHEDULED, start_at=start_at, end_at=end_at, now=now)


async def insert(
    db: aiosqlite.Connection,
    *,
    name: str,
    settings: CampaignSettings,
    start_at: float,
    end_at: float | None,
    now: float,
    actor: str,
    status: CampaignStatus | None = None,
) -> Campaign:
    """Create a campaign inside the caller's transaction."""
    if await find(db, name) is not None:
        raise Conflict(f"a campaign named '{name}' exists already", "pick another name")
    status = status or initial_status(start_at, end_at, now)
    cursor = await db.execute(
        "INSERT INTO campaigns (name, status, settings, start_at, end_at, created_at, updated_at,"
        " created_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (name, status, settings.to_json(), start_at, end_at, now, now, actor),
    )
    campaign = Campaign(
        id=int(cursor.lastrowid or 0),
        name=name,
        status=status,
        settings=settings,
        start_at=start_at,
        end_at=end_at,
        created_at=now,
        updated_at=now,
        created_by=actor,
    )
    await log_event(db, now, actor, "campaign.created", json.dumps(campaign.to_wire()))
    return campaign


async def create(
    store: Store,
    *,
    name: str,
    settings: CampaignSettings,
    start_at: float,
    end_at: float | None,
    actor: str,
) -> Campaign:
    async with store.transaction() as db:
        return await insert(
            db,
            name=name,
            settings=settings,
            start_at=start_at,
            end_at=end_at,
            now=store.clock.now(),
            actor=actor,
        )


async def _write(db: aiosqlite.Connection, campaign: Campaign) -> None:
    await db.execute(
        "UPDATE campaigns SET name = ?, status = ?, settings = ?, start_at = ?, end_at = ?,"
        " updated_at = ? WHERE id = ?",
        (
            campaign.name,
            campaign.status,
            campaign.settings.to_json(),
            campaign.start_at,
            campaign.end_at,
            campaign.updated_at,
            campaign.id,
        ),
    )


async def edit(
    store: Store,
    name: str,
    *,
    changes: dict[str, Any],
    start_at: float | None = None,
    end_at: float | None = None,
    clear_end: bool = False,
    rename: str | None = None,
    actor: str,
) -> Campaign:
    """Apply validated setting changes; re-sort or re-cap the leads when order or cap changed."""
    now = store.clock.now()
    async with store.transaction() as db:
        old = await find(db, name)
        if old is None:
            raise NotFound(f"no campaign named '{name}'")
        if old.status is CampaignStatus.FINISHED:
            raise Conflict(
                f"'{old.name}' is finished and can no longer be edited",
                f"copy it: ccterm campaign copy '{old.name}' NEW_NAME",
            )
        settings = old.settings.merged(changes)
        new_end = None if clear_end else (end_at if end_at is not None else old.end_at)
        new_start = start_at if start_at is not None else old.start_at
        if new_end is not None and new_end <= new_start:
            raise Conflict("the end must come after the start")
        renamed = rename and rename.casefold() != old.name.casefold()
        if renamed and await find(db, rename) is not None:  # type: ignore[arg-type]
            raise Conflict(f"a campaign named '{rename}' exists already")
        status: CampaignStatus = old.status
        if start_at is not None and status is CampaignStatus.RUNNING and new_start > now:
            status = CampaignStatus.SCHEDULED
        status = scheduled_status(status, start_at=new_start, end_at=new_end, now=now)
        new = replace(
            old,
            name=rename or old.name,
            status=status,
            settings=settings,
            start_at=new_start,
            end_at=new_end,
            updated_at=now,
        )
        await _write(db, new)
        if settings.lead_order is not old.settings.lead_order:
            await rerank_campaign(db, old.id, settings.lead_order)
        if settings.max_attempts != old.settings.max_attempts:
            await apply_attempt_cap(db, old.id, settings.max_attempts)
        await log_event(
            db, now, actor, "campaign.edited", json.dumps({"name": new.name, "changes": changes})
        )
        return new


async def act(store: Store, name: str, action: str, *, actor: str) -> Campaign:
    """start / pause / stop."""
    now = store.clock.now()
    async with store.transaction() as db:
        old = await find(db, name)
        if old is None:
            raise NotFound(f"no campaign named '{name}'")
        status = transition(old.status, action, start_at=old.start_at, end_at=old.end_at, now=now)
        start_at = min(old.start_at, now) if action == "start" else old.start_at
        new = replace(old, status=status, start_at=start_at, updated_at=now)
        await _write(db, new)
        await log_event(db, now, actor, f"campaign.{action}", json.dumps({"name": new.name}))
        return new


async def copy(store: Store, source: str, new_name: str, *, actor: str) -> Campaign:
    """A new, paused campaign with the source's settings and no contacts."""
    now = store.clock.now()
    async with store.transaction() as db:
        old = await find(db, source)
        if old is None:
            raise NotFound(f"no campaign named '{source}'")
        return await insert(
            db,
            name=new_name,
            settings=old.settings,
            start_at=now,
            end_at=None,
            now=now,
            actor=actor,
            status=CampaignStatus.PAUSED,
        )


async def apply_clock(store: Store) -> list[Campaign]:
    """Move campaigns whose start or end time has come; returns the ones that changed."""
    now = store.clock.now()
    changed: list[Campaign] = []
    async with store.transaction() as db:
        async with db.execute(
            f"SELECT {_COLUMNS} FROM campaigns WHERE (status = 'scheduled' AND start_at <= ?)"
            " OR (status != 'finished' AND end_at IS NOT NULL AND end_at <= ?)",
            (now, now),
        ) as cursor:
            rows = await cursor.fetchall()
        for row in rows:
            old = from_row(row)
            status = scheduled_status(old.status, start_at=old.start_at, end_at=old.end_at, now=now)
            if status is old.status:
                continue
            new = replace(old, status=status, updated_at=now)
            await _write(db, new)
            await log_event(db, now, "clock", f"campaign.{status}", json.dumps({"name": new.name}))
            changed.append(new)
    return changed
