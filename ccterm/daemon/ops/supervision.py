"""Supervision: listening in, messages to agents, users and groups, campaign and queue reports."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ccterm.clock import local_day
from ccterm.daemon.ops.base import Ops, arg_str, arg_time, op
from ccterm.daemon.server import Identity, Session
from ccterm.errors import Conflict, Forbidden, NotFound, UsageError
from ccterm.model import Role
from ccterm.store import agent_report, campaigns, queue_report, reports
from ccterm.typos import suggest

DEFAULT_SERVICE_LEVEL = 20.0  # seconds: for a queue no longer in config.toml


MONITOR_MODES = ("listen", "whisper", "barge")


@op("agents.list", Role.SUPERVISOR, "watching agents")
async def agents_list(ops: Ops, session: Session, args: dict[str, Any]) -> dict[str, Any]:
    """The agents on the floor the caller may see (a supervisor: their group), as their desks
    see them, with the daemon's `now` so the client counts times in state on its clock."""
    who = session.identity
    group = arg_str(args, "group", default="", limit=64)
    if group and who.role is not Role.ADMIN and group != who.group:
        raise Forbidden(f"you see only your own group, '{who.group}'")
    agents = [a for a in await ops.center.agents(who) if not group or a["group"] == group]
    return {"agents": sorted(agents, key=lambda a: a["name"]), "now": ops.clock.now()}


@op("call.monitor", Role.SUPERVISOR, "listening in")
async def call_monitor(ops: Ops, session: Session, args: dict[str, Any]) -> dict[str, Any]:
    """Listen to an agent (both sides), whisper to them, or barge in: on your own phone."""
    who = session.identity
    agent = arg_str(args, "agent", limit=100)
    mode = arg_str(args, "mode", default="listen", limit=20)
    if mode not in MONITOR_MODES:
        raise UsageError(f"mode '{mode}': listen, whisper or barge")
    _seen_agent(ops, who, agent)
    mine = ops.config.user(who.user)
    if mine is None or not mine.phone:
        entry = "your [[users]] entry" if mine else f'a [[users]] entry name = "{who.user}"'
        raise Conflict(
            f"you ({who.user}) have no phone to listen on",
            f'add phone = "1001" (an extension) or "sip:1001@host" to {entry} in'
            f" {ops.config.path}, then restart the daemon",
            code="no_phone",
        )
    return ops.center.monitor(who.user, agent, mode)


def _seen_agent(ops: Ops, who: Identity, agent: str) -> None:
    """An agent `who` may act on, logged in; else "no agent" in the same words for one of
    another group as for nobody at all: what one may not see, one may not probe."""
    user = ops.config.user(agent)
    live = ops.center.group_of(agent)
    group = live if live is not None else (user.group if user is not None else None)
    if group is None or not (who.role is Role.ADMIN or group == who.group):
        raise NotFound(f"no agent '{agent}'", "ccterm agents lists the agents you see")
    if live is None:
        raise NotFound(f"{agent} is not logged in", "ccterm agents shows who is")


@op("call.monitor.stop", Role.SUPERVISOR, "stopping listening")
async def call_monitor_stop(ops: Ops, session: Session, args: dict[str, Any]) -> dict[str, Any]:
    return ops.center.stop_monitor(session.identity.user)


@op("message.send", Role.SUPERVISOR, "sending messages")
async def message_send(ops: Ops, session: Session, args: dict[str, Any]) -> dict[str, Any]:
    """A popup on one user's desk (`to`), or on every logged-in agent's of `to_group`."""
    who = session.identity
    text = arg_str(args, "text", limit=2000).strip()
    if not text:
        raise UsageError("a message needs some text")
    online = ops.center.online_users()
    if args.get("to_group") is not None:
        group = arg_str(args, "to_group", limit=64)
        if who.role is not Role.ADMIN and group != who.group:
            raise Forbidden(f"you may message only your own group, '{who.group}'")
        floor = await ops.center.agents(who)
        to = sorted(a["name"] for a in floor if a["group"] == group and a["status"] != "offline")
    else:
        name = arg_str(args, "to", limit=64)
        user = ops.config.user(name)
        if user is None or (who.role is Role.SUPERVISOR and user.group != who.group):
            raise NotFound(f"no user '{name}' in your group")
        to = [name]
    at = ops.clock.now()
    for name in to:
        message = {"from": who.user, "to": name, "text": text, "at": at}
        ops.publish("message.received", message, _only(name))
    reached = [n for n in to if n in online]
    return {"sent": bool(to), "to": to, "online": bool(reached), "reached": reached}


def _only(name: str) -> Callable[[Identity], bool]:
    return lambda who: who.user == name


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


@op("report.queue", Role.SUPERVISOR, "reading reports")
async def report_queue(ops: Ops, session: Session, args: dict[str, Any]) -> dict[str, Any]:
    """A queue's calls in [from, to): epoch seconds; by default today, in the daemon's time."""
    who = session.identity
    name = arg_str(args, "name", limit=100)
    service_level = await _queue_service_level(ops, who, name)
    today = local_day(ops.clock.now())
    start, end = arg_time(args, "from"), arg_time(args, "to")
    if start is None:  # the day `to` falls in, else today
        start = today[0] if end is None else local_day(end - 0.001)[0]
    if end is None:  # to the end of today (of `from`'s day, if later)
        end = max(today[1], local_day(start)[1])
    if end <= start:
        raise UsageError("the range is empty: 'to' must be after 'from'")
    report = await queue_report.queue_report(ops.store, name, start, end, service_level)
    return {**report, "configured": name in ops.config.inbound.queues}


@op("report.agent", Role.AGENT, "reading reports")
async def report_agent(ops: Ops, session: Session, args: dict[str, Any]) -> dict[str, Any]:
    """One agent's [from, to) (default today): an agent may read their own; a supervisor
    their group's; an admin anyone's."""
    who = session.identity
    name = arg_str(args, "name", limit=100)
    user = ops.config.user(name)
    mine = who.role is Role.ADMIN or name == who.user
    theirs = user is not None and user.role is Role.AGENT and user.group == who.group
    if not mine and (who.role is Role.AGENT or not theirs):
        raise NotFound(f"no agent '{name}' of yours")
    now = ops.clock.now()
    today = local_day(now)
    start, end = arg_time(args, "from"), arg_time(args, "to")
    if start is None:
        start = today[0] if end is None else local_day(end - 0.001)[0]
    if end is None:
        end = max(today[1], local_day(start)[1])
    if end <= start:
        raise UsageError("the range is empty: 'to' must be after 'from'")
    targets = {c.id: c.settings.target_seconds for c in await campaigns.list_all(ops.store)}
    return await agent_report.agent_report(ops.store, name, start, end, now, targets)


async def _queue_service_level(ops: Ops, who: Identity, name: str) -> float:
    """The queue's service level, if `who` may see it: a supervisor sees the queues their
    group serves; an admin every queue, also one taken out of config.toml with its calls."""
    queues = ops.config.inbound.queues
    visible = sorted(
        q for q, plan in queues.items() if who.role is Role.ADMIN or who.group in plan.spec.groups
    )
    if name in visible:
        return queues[name].service_level
    if (
        name not in queues
        and who.role is Role.ADMIN
        and await queue_report.has_history(ops.store, name)
    ):
        return DEFAULT_SERVICE_LEVEL
    # Same words for a queue of another group: what one may not see, one may not probe.
    hint = f"queues: {', '.join(visible)}" if visible else "no queues of yours in config.toml"
    raise NotFound(f"no queue '{name}'{suggest(name, visible)}", hint)


# -- a supervisor acts on an agent of their group (ccterm monitor's p and o) -------------


def _agent_identity(ops: Ops, who: Identity, agent: str) -> Identity:
    """The agent as the floor knows them, if `who` may act on them (their group; an admin
    anyone): the desk's own moves then run for them, with the floor's own checks."""
    group = ops.center.group_of(agent)
    if group is None or not (who.role is Role.ADMIN or group == who.group):
        raise NotFound(f"{agent} is not logged in", "see ccterm monitor for who is")
    return Identity(agent, Role.AGENT, group, who.uid, who.pid)


@op("agent.pause_other", Role.SUPERVISOR, "pausing an agent")
async def agent_pause_other(ops: Ops, session: Session, args: dict[str, Any]) -> dict[str, Any]:
    """Pause an agent of your group; on a call, they pause when it and its wrap-up end."""
    agent = _agent_identity(ops, session.identity, arg_str(args, "agent", limit=100))
    reason = arg_str(args, "reason", default="", limit=200).strip()
    reason = reason or f"paused by {session.identity.user}"
    return await ops.center.pause(agent, reason)


@op("agent.logout_other", Role.SUPERVISOR, "logging an agent out")
async def agent_logout_other(ops: Ops, session: Session, args: dict[str, Any]) -> dict[str, Any]:
    """Log an agent of your group out; never while a customer is theirs (the floor refuses
    during a call, its wrap-up or a ringing line)."""
    agent = _agent_identity(ops, session.identity, arg_str(args, "agent", limit=100))
    state = await ops.center.snapshot(agent)
    if state is None or state["status"] == "offline":
        raise Conflict(f"{agent.user} is logged out already")
    try:
        return await ops.center.logout(agent)
    except Conflict:
        raise Conflict(
            f"{agent.user} has a customer (a call, its wrap-up or a line ringing)",
            "pause them instead (p): they pause when the call is done; then log them out",
        ) from None
