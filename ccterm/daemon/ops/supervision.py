"""Supervision: listening in, messages to agents, the users and their groups, campaign reports."""

from __future__ import annotations

from typing import Any

from ccterm.daemon.ops.base import Ops, arg_str, op
from ccterm.daemon.server import Session
from ccterm.errors import NotFound, UsageError
from ccterm.model import Role
from ccterm.store import reports


@op("call.monitor", Role.SUPERVISOR, "listening in")
async def call_monitor(ops: Ops, session: Session, args: dict[str, Any]) -> dict[str, Any]:
    """Listen to an agent (both sides), whisper to them, or barge in: on your own phone."""
    who = session.identity
    agent = arg_str(args, "agent", limit=100)
    mode = arg_str(args, "mode", default="listen", limit=20)
    group = ops.center.group_of(agent)
    if group is None or not (who.role is Role.ADMIN or group == who.group):
        raise NotFound(f"{agent} is not logged in", "see ccterm status for who is")
    return ops.center.monitor(who.user, agent, mode)


@op("call.monitor.stop", Role.SUPERVISOR, "stopping listening")
async def call_monitor_stop(ops: Ops, session: Session, args: dict[str, Any]) -> dict[str, Any]:
    return ops.center.stop_monitor(session.identity.user)


@op("message.send", Role.SUPERVISOR, "sending messages")
async def message_send(ops: Ops, session: Session, args: dict[str, Any]) -> dict[str, Any]:
    who = session.identity
    to = arg_str(args, "to", limit=64)
    text = arg_str(args, "text", limit=2000).strip()
    if not text:
        raise UsageError("a message needs some text")
    user = ops.config.user(to)
    if user is None or (who.role is Role.SUPERVISOR and user.group != who.group):
        raise NotFound(f"no user '{to}' in your group")
    message = {"from": who.user, "to": to, "text": text, "at": ops.clock.now()}
    ops.publish("message.received", message, lambda w: w.user == to)
    return {"sent": True, "online": to in ops.center.online_users()}


@op("user.list", Role.SUPERVISOR, "listing users")
async def user_list(ops: Ops, session: Session, args: dict[str, Any]) -> dict[str, Any]:
    who = session.identity
    online = ops.center.online_users()
    users = [
        {
            "name": u.name,
            "role": str(u.role),
            "group": u.group,
            "phone": u.phone,
            "online": u.name in online,
        }
        for u in ops.config.users
        if who.role is Role.ADMIN or u.group == who.group
    ]
    return {"users": users}


@op("report.campaign", Role.SUPERVISOR, "reading reports")
async def report_campaign(ops: Ops, session: Session, args: dict[str, Any]) -> dict[str, Any]:
    campaign = await ops.managed_campaign(session.identity, arg_str(args, "name"))
    return await reports.campaign_report(ops.store, campaign)
