"""Imports: a list streamed in batches on one connection, landed in one commit."""

from __future__ import annotations

import logging
import sqlite3
from typing import Any

from ccterm.clock import monotonic
from ccterm.daemon.ops.base import (
    Ops,
    arg_bool,
    arg_int,
    arg_list,
    arg_str,
    check_groups,
    op,
    require_manage,
    require_visible,
)
from ccterm.daemon.ops.campaigns import campaign_name
from ccterm.daemon.server import Session, campaign_audience
from ccterm.errors import NotFound, UsageError
from ccterm.model import Campaign, CampaignStatus, Role
from ccterm.settings import CampaignSettings
from ccterm.store import campaigns, imports
from ccterm.typos import nearest

log = logging.getLogger(__name__)
# Rows in one import.rows request: decoding and staging 10,000 holds the loop ~35 ms
# (50,000 held it 170 ms); the CLI sends 5,000 at a time.
ROWS_MAX = 10_000


@op("import.begin", Role.SUPERVISOR, "importing a list")
async def import_begin(ops: Ops, session: Session, args: dict[str, Any]) -> dict[str, Any]:
    """Open an import; says whether the campaign exists and, if not, the nearest that does.

    A campaign an import creates starts paused (`start`: true runs it at once), so a
    typo in its name never starts dialling a list nobody meant to.
    """
    who = session.identity
    name = campaign_name(arg_str(args, "campaign", limit=200))
    region = arg_str(args, "region", default=ops.book.region, limit=3).upper()
    ops.book_for(region)  # an unknown region is refused here, before any row is sent
    columns = [str(c) for c in arg_list(args, "columns", limit=1000)]
    existing = None
    async with ops.store.connection() as db:
        existing = await campaigns.find(db, name)
    similar = None
    if existing is not None:
        require_visible(who, existing)
        require_manage(who, existing)
        campaigns.refuse_archived(existing, "imported into")
    else:
        names = [
            c.name
            for c in await campaigns.list_all(ops.store)
            if c.archived_at is None and c.visible_to(who.role, who.user, who.group)
        ]
        similar = nearest(name, names)
    pending: dict[int, dict[str, Any]] = session.state.setdefault("imports", {})
    if len(pending) >= 2:
        raise UsageError("this connection has imports in progress already; finish them first")
    staging = await imports.begin(ops.store)
    import_id = ops.new_import_id()
    pending[import_id] = {
        "staging": staging,
        "campaign": name,
        "file_name": arg_str(args, "file_name", limit=4096),
        "columns": columns,
        "region": region,
        "dry_run": arg_bool(args, "dry_run"),
        "start": arg_bool(args, "start"),
    }

    async def cleanup() -> None:
        if import_id in pending:
            del pending[import_id]
            await imports.drop(ops.store, staging)

    session.on_close.append(cleanup)
    return {"import_id": import_id, "campaign_exists": existing is not None, "similar": similar}


def _pending(session: Session, args: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    import_id = arg_int(args, "import_id")
    pending = session.state.get("imports", {})
    if import_id not in pending:
        raise NotFound(f"no import {import_id} in progress on this connection")
    return import_id, pending[import_id]


@op("import.rows", Role.SUPERVISOR, "importing a list")
async def import_rows(ops: Ops, session: Session, args: dict[str, Any]) -> dict[str, Any]:
    _, job = _pending(session, args)
    rows = arg_list(args, "rows", limit=ROWS_MAX)
    try:
        await imports.add(ops.store, job["staging"], rows)
    except sqlite3.Error as exc:
        raise UsageError(f"a row of this batch is malformed ({exc})") from None
    return {"received": job["staging"].received}


@op("import.commit", Role.SUPERVISOR, "importing a list")
async def import_commit(ops: Ops, session: Session, args: dict[str, Any]) -> dict[str, Any]:
    who = session.identity
    import_id, job = _pending(session, args)
    del session.state["imports"][import_id]
    settings = check_groups(who, CampaignSettings())

    def authorize(campaign: Campaign) -> None:
        require_visible(who, campaign)
        require_manage(who, campaign)

    started = monotonic()
    result = await imports.commit(
        ops.store,
        job["staging"],
        campaign_name=job["campaign"],
        new_settings=settings,
        file_name=job["file_name"],
        columns=job["columns"],
        region=job["region"],
        rows=arg_int(args, "rows"),
        invalid=arg_int(args, "invalid"),
        file_duplicates=arg_int(args, "duplicates"),
        actor=who.user,
        authorize=authorize,
        dry_run=job["dry_run"],
        new_status=None if job["start"] else CampaignStatus.PAUSED,
    )
    commit_s = round(monotonic() - started, 3)
    if job["dry_run"]:
        log.info(
            "dry run of %s for '%s' by %s: %d rows, %d would be imported; nothing written",
            job["file_name"],
            job["campaign"],
            who.user,
            result.rows,
            result.imported,
        )
    else:
        log.info(
            "import %s into '%s' by %s: %d rows, %d imported, committed in %.2f s",
            job["file_name"],
            job["campaign"],
            who.user,
            result.rows,
            result.imported,
            commit_s,
        )
    if not job["dry_run"] and result.campaign is not None:
        ops.campaign_changed(result.campaign)
        ops.publish("import.finished", result.to_wire(), campaign_audience(result.campaign))
    return {**result.to_wire(), "commit_s": commit_s}


@op("import.abort", Role.SUPERVISOR, "importing a list")
async def import_abort(ops: Ops, session: Session, args: dict[str, Any]) -> dict[str, Any]:
    import_id, job = _pending(session, args)
    del session.state["imports"][import_id]
    await imports.drop(ops.store, job["staging"])
    return {"aborted": import_id}
