"""The daemon itself: status, the trunk (state, test call), recordings played to a live call."""

from __future__ import annotations

from typing import Any

from ccterm import __version__
from ccterm.clock import monotonic
from ccterm.daemon.ops.base import Ops, arg_int, arg_str, op
from ccterm.daemon.server import Session
from ccterm.errors import NotFound, UsageError
from ccterm.model import Role
from ccterm.store import campaigns


def trunk_status(ops: Ops) -> dict[str, Any]:
    """The trunk's state, and for a SIP trunk its own health: what `ccterm status` shows."""
    out: dict[str, Any] = {
        "kind": ops.config.trunk.kind,
        "state": str(ops.trunk.state),
        "detail": ops.trunk.detail,
    }
    health = getattr(ops.trunk, "health", None)
    if callable(health):
        out["sip"] = health()
    return out


@op("status", Role.AGENT, "status")
async def status(ops: Ops, session: Session, args: dict[str, Any]) -> dict[str, Any]:
    who = session.identity
    counts: dict[str, int] = {}
    for c in await campaigns.list_all(ops.store):
        if c.visible_to(who.role, who.user, who.group):
            key = "archived" if c.archived_at is not None else str(c.status)
            counts[key] = counts.get(key, 0) + 1
    out: dict[str, Any] = {
        "version": __version__,
        "uptime_s": round(monotonic() - ops.started, 1),
        **who.to_wire(),
        "trunk": trunk_status(ops),
        "campaigns": counts,
    }
    if who.role.at_least(Role.SUPERVISOR):
        out["sessions"] = ops.center.session_count()
    if who.role is Role.ADMIN:
        out["database"] = str(ops.store.path)
        out["socket"] = str(ops.config.daemon.socket)
    return out


@op("trunk.test", Role.ADMIN, "testing the trunk")
async def trunk_test(ops: Ops, session: Session, args: dict[str, Any]) -> dict[str, Any]:
    number = arg_str(args, "number", limit=64)
    ring = float(min(300, arg_int(args, "ring_timeout", default=30, lo=15)))
    return await ops.center.probe(number, ring)


@op("call.play", Role.ADMIN, "playing a recording")
async def call_play(ops: Ops, session: Session, args: dict[str, Any]) -> dict[str, Any]:
    """Play a WAV to a live call (`call`) or to an agent's phone (`agent`); `hang_up` after it."""
    file = ops.config.path.parent / arg_str(args, "file", limit=4096)
    if args.get("agent") is not None:
        agent = arg_str(args, "agent", limit=100)
        phone = ops.center.phone_leg(agent)
        if phone is None:
            raise NotFound(f"{agent} has no phone on the line", "see ccterm status")
        leg = phone
    else:
        leg = arg_str(args, "call", limit=100)
        if not ops.center.answered(leg):
            raise NotFound(f"no answered call {leg}", "see ccterm status for the calls")
    hang_up = args.get("hang_up", False)
    if not isinstance(hang_up, bool):
        raise UsageError("hang_up must be true or false")
    seconds = ops.center.play(leg, file, hang_up=hang_up)
    return {"playing": leg, "file": str(file), "seconds": round(seconds, 2), "hang_up": hang_up}
