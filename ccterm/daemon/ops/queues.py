"""Inbound queues' callbacks: those in line, and the ones a restart left for a person's review."""

from __future__ import annotations

from typing import Any

from ccterm.daemon.ops.base import Ops, arg_int, arg_str, op
from ccterm.daemon.server import Identity, Session
from ccterm.errors import NotFound, UsageError
from ccterm.model import Role
from ccterm.store import inbound


def visible_queues(ops: Ops, who: Identity) -> set[str]:
    """An admin's every queue; anyone else's, the queues their group serves."""
    return {
        name
        for name, plan in ops.config.inbound.queues.items()
        if who.role is Role.ADMIN or who.group in plan.spec.groups
    }


def _row(callback: inbound.QueueCallback) -> dict[str, Any]:
    return {
        "id": callback.id,
        "queue": callback.queue,
        "e164": callback.e164,
        "state": callback.state,
        "entered_at": callback.entered_at,
        "created_at": callback.created_at,
        "expires_at": callback.expires_at,
        "tries": callback.tries,
        "retry_at": callback.retry_at,
        "agent": callback.agent,
        "voicemail": callback.voicemail,
        "note": callback.note,
    }


@op("queue.callbacks", Role.AGENT, "listing queue callbacks")
async def queue_callbacks(ops: Ops, session: Session, args: dict[str, Any]) -> dict[str, Any]:
    """Callbacks waiting, being placed or in review, in line order, for the caller's queues
    (an agent: the queues of their group; a voicemail's recording is named)."""
    mine = visible_queues(ops, session.identity)
    wanted = arg_str(args, "queue", default="", limit=100)
    if wanted and wanted not in mine:
        raise NotFound(f"no queue '{wanted}' of yours", f"yours: {', '.join(sorted(mine))}")
    rows = await inbound.callbacks_open(ops.store) + await inbound.callbacks_review(ops.store)
    rows.sort(key=lambda c: (c.entered_at, c.id))
    shown = [_row(c) for c in rows if c.queue in mine and (not wanted or c.queue == wanted)]
    return {"callbacks": shown}


@op("queue.callback.resolve", Role.SUPERVISOR, "resolving a callback")
async def queue_callback_resolve(
    ops: Ops, session: Session, args: dict[str, Any]
) -> dict[str, Any]:
    """A callback in review (a restart found it being placed: it may have rung): call it
    again, back in its place in line, or close it."""
    who = session.identity
    callback_id = arg_int(args, "id", lo=1)
    found = await inbound.callback_get(ops.store, callback_id)
    if found is None or found.queue not in visible_queues(ops, who):
        raise NotFound(f"no callback {callback_id}")
    if found.state != "review":
        raise UsageError(f"callback {callback_id} is {found.state}, not in review")
    again = bool(args.get("again"))
    now = ops.clock.now()
    if not await inbound.callback_resolve(ops.store, callback_id, who.user, now, call_again=again):
        raise UsageError(f"callback {callback_id} was resolved meanwhile")
    if again:
        await ops.center.callback_again(callback_id)
    resolved = await inbound.callback_get(ops.store, callback_id)
    assert resolved is not None
    return {"callback": _row(resolved)}
