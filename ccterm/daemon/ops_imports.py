"""Import operations: a list streamed in batches on one connection, landed in one commit."""

from __future__ import annotations

import logging
import sqlite3
import time
from typing import TYPE_CHECKING, Any

from ccterm.daemon.opbase import (
    arg_int,
    arg_list,
    arg_str,
    check_groups,
    op,
    require_manage,
    require_visible,
)
from ccterm.daemon.ops_campaigns import campaign_name
from ccterm.daemon.server import Session, campaign_audience
from ccterm.errors import NotFound, UsageError
from ccterm.model import Campaign, CampaignSettings, Role
from ccterm.store import campaigns, imports

if TYPE_CHECKING:
    from ccterm.daemon.ops import Ops

log = logging.getLogger(__name__)


@op("import.begin", Role.SUPERVISOR, "importing a list")
async def import_begin(ops: Ops, session: Session, args: dict[str, Any]) -> dict[str, Any]:
    who = session.identity
    name = campaign_name(arg_str(args, "campaign", limit=200))
    region = arg_str(args, "region", default=ops.book.region, limit=3).upper()
    ops.book_for(region)  # an unknown region is refused here, before any row is sent
    columns = [str(c) for c in arg_list(args, "columns", limit=1000)]
    existing = None
    async with ops.store.connection() as db:
        existing = await campaigns.find(db, name)
    if existing is not None:
        require_visible(who, existing)
        require_manage(who, existing)
    pending: dict[int, dict[str, Any]] = session.state.setdefault("imports", {})
    if len(pending) >= 2:
        raise UsageError("this connection has imports in progress already; finish them first")
    staging = await imports.begin(ops.store)
    import_id = next(ops._import_ids)
    pending[import_id] = {
        "staging": staging,
        "campaign": name,
        "file_name": arg_str(args, "file_name", limit=4096),
        "columns": columns,
        "region": region,
        "dry_run": bool(args.get("dry_run", False)),
    }

    async def cleanup() -> None:
        if import_id in pending:
            del pending[import_id]
            await imports.drop(ops.store, staging)

    session.on_close.append(cleanup)
    return {"import_id": import_id}


def _pending(session: Session, args: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    import_id = arg_int(args, "import_id")
    pending = session.state.get("imports", {})
    if import_id not in pending:
        raise NotFound(f"no import {import_id} in progress on this connection")
    return import_id, pending[import_id]


@op("import.rows", Role.SUPERVISOR, "importing a list")
async def import_rows(ops: Ops, session: Session, args: dict[str, Any]) -> dict[str, Any]:
    _, job = _pending(session, args)
    rows = arg_list(args, "rows", limit=50_000)
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

    started = time.perf_counter()
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
    )
    commit_s = round(time.perf_counter() - started, 3)
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
