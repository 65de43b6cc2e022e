"""Campaign rows: create, read, edit, change status, copy, archive, restore, delete.

Archiving keeps everything (contacts, calls, dispositions, the import records) for
reports and takes the campaign out of work: stopped, hidden from agents, refused
by start, edit and import until restored. Deleting is for a campaign that has no
history yet (a typo in `import --campaign`): it goes with its leads, its import
records and the contacts only it held, so the list can be imported again.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, replace
from typing import Any

import aiosqlite

from ccterm.errors import Conflict, NotFound
from ccterm.lifecycle import scheduled_status, transition
from ccterm.model import Campaign, CampaignStatus
from ccterm.settings import CampaignSettings
from ccterm.store.db import Store, log_event
from ccterm.store.leads import apply_attempt_cap, rerank_campaign
from ccterm.typos import suggest

_COLUMNS = (
    "id, name, status, settings, start_at, end_at, created_at, updated_at, created_by, archived_at"
)


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
        archived_at=row["archived_at"],
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
    taken = await find(db, name)
    if taken is not None:
        if taken.archived_at is not None:
            raise Conflict(
                f"a campaign named '{taken.name}' exists already (archived)",
                f"pick another name, or bring it back: ccterm campaign restore '{taken.name}'",
            )
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
        " updated_at = ?, archived_at = ? WHERE id = ?",
        (
            campaign.name,
            campaign.status,
            campaign.settings.to_json(),
            campaign.start_at,
            campaign.end_at,
            campaign.updated_at,
            campaign.archived_at,
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
        refuse_archived(old, "edited")
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


def refuse_archived(campaign: Campaign, what: str) -> None:
    """An archived campaign is out of work: restore it before it can be `what`."""
    if campaign.archived_at is not None:
        raise Conflict(
            f"'{campaign.name}' is archived and cannot be {what}",
            f"bring it back first: ccterm campaign restore '{campaign.name}'",
        )


async def act(store: Store, name: str, action: str, *, actor: str) -> Campaign:
    """start / pause / stop."""
    now = store.clock.now()
    async with store.transaction() as db:
        old = await find(db, name)
        if old is None:
            raise NotFound(f"no campaign named '{name}'")
        refuse_archived(old, {"start": "started", "pause": "paused"}.get(action, "stopped"))
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


async def archive(store: Store, name: str, *, actor: str) -> tuple[Campaign, bool]:
    """Stop the campaign (a finished one stays finished) and hide it; (campaign, was archived)."""
    now = store.clock.now()
    async with store.transaction() as db:
        old = await find(db, name)
        if old is None:
            raise NotFound(f"no campaign named '{name}'")
        if old.archived_at is not None:
            return old, True
        status = old.status if old.status is CampaignStatus.FINISHED else CampaignStatus.STOPPED
        new = replace(old, status=status, archived_at=now, updated_at=now)
        await _write(db, new)
        await log_event(
            db, now, actor, "campaign.archived", json.dumps({"name": new.name, "was": old.status})
        )
        return new, False


async def restore(store: Store, name: str, *, actor: str) -> tuple[Campaign, bool]:
    """Back among the campaigns, as it was left (stopped or finished); (campaign, was archived)."""
    now = store.clock.now()
    async with store.transaction() as db:
        old = await find(db, name)
        if old is None:
            raise NotFound(f"no campaign named '{name}'")
        if old.archived_at is None:
            return old, False
        new = replace(old, archived_at=None, updated_at=now)
        await _write(db, new)
        await log_event(db, now, actor, "campaign.restored", json.dumps({"name": new.name}))
        return new, True


@dataclass(frozen=True, slots=True)
class Deleted:
    campaign: Campaign
    leads: int
    contacts: int  # the contacts only this campaign held, gone with it


async def history(db: aiosqlite.Connection, campaign_id: int) -> dict[str, int]:
    """What work a campaign holds: calls, dispositions and notes on its contacts."""
    async with db.execute(
        "SELECT (SELECT count(*) FROM attempts WHERE campaign_id = :c),"
        " (SELECT count(*) FROM dispositions d JOIN leads l ON l.id = d.lead_id"
        "  WHERE l.campaign_id = :c),"
        " (SELECT count(*) FROM notes n JOIN leads l ON l.id = n.lead_id WHERE l.campaign_id = :c)",
        {"c": campaign_id},
    ) as cursor:
        row = await cursor.fetchone()
    assert row is not None
    return {"calls": row[0], "dispositions": row[1], "notes": row[2]}


async def delete(store: Store, name: str, *, actor: str) -> Deleted:
    """Delete a campaign that has no history, with its leads, import records and the
    contacts no other campaign holds; one with calls, dispositions or notes is refused.

    Reference checks are off for the transaction (without indexes on the referring
    columns they would scan the attempts table once per contact); the statements
    below leave nothing that refers to what they delete.
    """
    now = store.clock.now()
    async with store.transaction(foreign_keys=False) as db:
        campaign = await find(db, name)
        if campaign is None:
            raise NotFound(f"no campaign named '{name}'")
        held = await history(db, campaign.id)
        if any(held.values()):
            said = ", ".join(
                f"{n:,} {what if n > 1 else what[:-1]}" for what, n in held.items() if n
            )
            them = "them" if sum(held.values()) > 1 else "it"
            raise Conflict(
                f"'{campaign.name}' has {said} on record; deleting it would lose {them}",
                f"archive it instead (kept for reports, hidden from agents and the dialer):"
                f" ccterm campaign archive '{campaign.name}'",
            )
        cursor = await db.execute(
            "DELETE FROM contacts WHERE id IN (SELECT contact_id FROM leads WHERE campaign_id = :c)"
            " AND NOT EXISTS (SELECT 1 FROM leads o WHERE o.contact_id = contacts.id"
            "  AND o.campaign_id != :c)"
            " AND NOT EXISTS (SELECT 1 FROM notes n WHERE n.contact_id = contacts.id)"
            " AND NOT EXISTS (SELECT 1 FROM attempts a WHERE a.e164 = contacts.e164)",
            {"c": campaign.id},
        )
        contacts = cursor.rowcount
        await db.execute(
            "DELETE FROM callbacks WHERE lead_id IN (SELECT id FROM leads WHERE campaign_id = ?)",
            (campaign.id,),
        )
        cursor = await db.execute("DELETE FROM leads WHERE campaign_id = ?", (campaign.id,))
        leads = cursor.rowcount
        await db.execute(
            "UPDATE contacts SET import_id = NULL"
            " WHERE import_id IN (SELECT id FROM imports WHERE campaign_id = ?)",
            (campaign.id,),
        )
        await db.execute("DELETE FROM imports WHERE campaign_id = ?", (campaign.id,))
        await db.execute("DELETE FROM campaigns WHERE id = ?", (campaign.id,))
        summary = {"name": campaign.name, "leads": leads, "contacts": contacts}
        await log_event(db, now, actor, "campaign.deleted", json.dumps(summary))
        return Deleted(campaign, leads, contacts)
