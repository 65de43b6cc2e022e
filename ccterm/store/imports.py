"""Importing a list: rows are staged in a temporary table, then land in one transaction.

Batches arrive over the socket as they are read and go into a connection-local
TEMP table (no lock on the main database is held meanwhile). The commit is a
single transaction that creates the campaign if needed, adds the contacts the
base does not have yet, their leads and the import record: killed at any point,
the database holds all of the file or none of it.
"""

from __future__ import annotations

import itertools
import json
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ccterm.errors import UsageError
from ccterm.model import Campaign, CampaignStatus
from ccterm.settings import CampaignSettings
from ccterm.store import campaigns
from ccterm.store.db import Store, log_event
from ccterm.store.leads import rank_sql

_tokens = itertools.count(1)

_E164_CHECK = (
    "typeof(e164) = 'text' AND length(e164) BETWEEN 4 AND 16 AND substr(e164, 1, 1) = '+'"
    " AND substr(e164, 2, 1) BETWEEN '1' AND '9' AND substr(e164, 2) NOT GLOB '*[^0-9]*'"
)


@dataclass
class Staging:
    table: str
    received: int = 0


@dataclass(frozen=True, slots=True)
class ImportResult:
    campaign: Campaign | None
    campaign_created: bool
    rows: int
    imported: int
    duplicates: int
    invalid: int
    blocked: int
    import_id: int | None

    def to_wire(self) -> dict[str, Any]:
        return {
            "campaign": self.campaign.name if self.campaign else None,
            "campaign_created": self.campaign_created,
            "campaign_status": str(self.campaign.status) if self.campaign else None,
            "campaign_groups": list(self.campaign.settings.groups) if self.campaign else [],
            "rows": self.rows,
            "imported": self.imported,
            "duplicates": self.duplicates,
            "invalid": self.invalid,
            "blocked": self.blocked,
            "import_id": self.import_id,
        }


async def begin(store: Store) -> Staging:
    table = f"temp.import_{next(_tokens)}"
    await store.execute(
        f"CREATE TABLE {table} ("
        " row INTEGER NOT NULL CHECK (typeof(row) = 'integer' AND row >= 2),"
        f" e164 TEXT NOT NULL CHECK ({_E164_CHECK}),"
        " name TEXT NOT NULL CHECK (typeof(name) = 'text' AND length(name) <= 1000),"
        " fields TEXT NOT NULL CHECK (json_type(fields) = 'object' AND length(fields) <= 65536),"
        " tz TEXT NOT NULL CHECK (typeof(tz) = 'text' AND length(tz) <= 1000),"
        " priority INTEGER NOT NULL CHECK (typeof(priority) = 'integer'))"
    )
    return Staging(table)


async def add(store: Store, staging: Staging, rows: list[Any]) -> None:
    """Stage a batch: [[row, e164, name, {fields}, timezone, priority], ...].

    SQLite unpacks the batch itself (json_each): no Python loop over the rows here.
    The CHECK constraints refuse a malformed row, and with it the whole batch.
    """
    await store.execute(
        f"INSERT INTO {staging.table} (row, e164, name, fields, tz, priority)"
        " SELECT value ->> 0, value ->> 1, value ->> 2, value -> 3, value ->> 4, value ->> 5"
        " FROM json_each(?)",
        (json.dumps(rows, ensure_ascii=False),),
    )
    staging.received += len(rows)


async def drop(store: Store, staging: Staging) -> None:
    await store.execute(f"DROP TABLE IF EXISTS {staging.table}")


async def commit(
    store: Store,
    staging: Staging,
    *,
    campaign_name: str,
    new_settings: CampaignSettings,
    file_name: str,
    columns: list[str],
    region: str,
    rows: int,
    invalid: int,
    file_duplicates: int,
    actor: str,
    authorize: Callable[[Campaign], None],
    dry_run: bool = False,
    new_status: CampaignStatus | None = None,
) -> ImportResult:
    """Land the staged rows (or, for a dry run, count what would land) and drop the staging.

    A campaign the import creates gets `new_status` (None: by its start time, so running).
    """
    if rows != staging.received + invalid + file_duplicates:
        raise UsageError(
            f"import counts do not add up: {rows} rows, but {staging.received} sent"
            f" + {invalid} invalid + {file_duplicates} duplicates"
        )
    table = staging.table
    blocked_sql = (
        "(EXISTS (SELECT 1 FROM dnc d WHERE d.e164 = {col})"
        " OR EXISTS (SELECT 1 FROM number_marks m WHERE m.e164 = {col}))"
    )
    now = store.clock.now()
    try:
        if dry_run:
            async with store.connection() as db:
                campaign = await campaigns.find(db, campaign_name)
                if campaign is not None:
                    authorize(campaign)
                    campaigns.refuse_archived(campaign, "imported into")
                async with db.execute(
                    f"SELECT count(*), coalesce(sum({blocked_sql.format(col='s.e164')}), 0)"
                    f" FROM {table} s"
                    " WHERE NOT EXISTS (SELECT 1 FROM contacts c WHERE c.e164 = s.e164)"
                ) as cursor:
                    imported, blocked = await cursor.fetchone()  # type: ignore[misc]
            duplicates = file_duplicates + (staging.received - imported)
            return ImportResult(
                campaign, campaign is None, rows, imported, duplicates, invalid, blocked, None
            )

        async with store.transaction(foreign_keys=False) as db:
            campaign = await campaigns.find(db, campaign_name)
            created = campaign is None
            if campaign is None:
                campaign = await campaigns.insert(
                    db,
                    name=campaign_name,
                    settings=new_settings,
                    start_at=now,
                    end_at=None,
                    now=now,
                    actor=actor,
                    status=new_status,
                )
            authorize(campaign)
            campaigns.refuse_archived(campaign, "imported into")
            fresh = f"{table}_new"
            # The rows the base lacks, in file order: the k-th becomes contact max+k and
            # lead max+k, so contacts and leads are written without a join back.
            await db.execute(
                f"CREATE TABLE {fresh} AS SELECT e164, name, fields, tz, priority FROM {table} s"
                " WHERE NOT EXISTS (SELECT 1 FROM contacts c WHERE c.e164 = s.e164)"
                " ORDER BY s.rowid"
            )
            async with db.execute(
                "SELECT (SELECT coalesce(max(id), 0) FROM contacts),"
                " (SELECT coalesce(max(id), 0) FROM leads),"
                f" (SELECT count(*) FROM {fresh})"
            ) as cursor:
                max_contact, max_lead, imported = await cursor.fetchone()  # type: ignore[misc]
            cursor = await db.execute(
                "INSERT INTO imports (campaign_id, file_name, columns, region, rows, invalid, user,"
                " at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (campaign.id, file_name, json.dumps(columns), region, rows, invalid, actor, now),
            )
            import_id = int(cursor.lastrowid or 0)
            try:
                await db.execute(
                    "INSERT INTO contacts (id, e164, name, fields, timezone, import_id, created_at)"
                    f" SELECT ? + n.rowid, e164, name, fields, tz, ?, ? FROM {fresh} n"
                    " ORDER BY n.rowid",
                    (max_contact, import_id, now),
                )
            except sqlite3.IntegrityError:
                raise UsageError("the import repeats a number within the file") from None
            major, minor = rank_sql(
                campaign.settings.lead_order,
                contact_id=f"({int(max_contact)} + n.rowid)",
                priority="n.priority",
                attempts="0",
                last_attempt="NULL",
            )
            cursor = await db.execute(
                "INSERT INTO leads (id, campaign_id, contact_id, state, blocked, priority,"
                " rank_major, rank_minor, next_at, created_at)"
                f" SELECT ? + n.rowid, ?, ? + n.rowid, 'ready', {blocked_sql.format(col='n.e164')},"
                f" n.priority, {major}, {minor}, 0, ? FROM {fresh} n ORDER BY n.rowid",
                (max_lead, campaign.id, max_contact, now),
            )
            async with db.execute(
                "SELECT coalesce(sum(blocked), 0) FROM leads WHERE id > ?", (max_lead,)
            ) as cursor:
                (blocked,) = await cursor.fetchone()  # type: ignore[misc]
            await db.execute(f"DROP TABLE {fresh}")
            duplicates = file_duplicates + (staging.received - imported)
            await db.execute(
                "UPDATE imports SET imported = ?, duplicates = ?, blocked = ? WHERE id = ?",
                (imported, duplicates, blocked, import_id),
            )
            result = ImportResult(
                campaign, created, rows, imported, duplicates, invalid, blocked, import_id
            )
            summary = {k: v for k, v in result.to_wire().items() if k != "campaign_created"}
            await log_event(db, now, actor, "import", json.dumps({"file": file_name, **summary}))
            return result
    finally:
        await drop(store, staging)
