"""The agent's desk: hello, log in and out, ready and pause, dial, hang up, dispose, callbacks."""

from __future__ import annotations

from typing import Any

from ccterm import __version__, wire
from ccterm.daemon.ops.admin import trunk_status
from ccterm.daemon.ops.base import (
    Ops,
    an,
    arg_int,
    arg_list,
    arg_str,
    arg_time,
    op,
    require_manage,
)
from ccterm.daemon.server import Identity, Session
from ccterm.dialer.dispositions import DispositionError
from ccterm.errors import Forbidden, NotFound, UsageError
from ccterm.model import Role
from ccterm.settings import AGENT_DISPOSITIONS, MAX_NAMES, Disposition, parse_choice
from ccterm.store import campaigns, sessions
from ccterm.typos import suggest


@op("hello", Role.AGENT, "hello")
async def hello(ops: Ops, session: Session, args: dict[str, Any]) -> dict[str, Any]:
    protocol = args.get("protocol", wire.PROTOCOL_VERSION)
    if protocol != wire.PROTOCOL_VERSION:
        raise UsageError(
            f"this daemon speaks protocol {wire.PROTOCOL_VERSION}, the client {protocol}",
            "install the same ccterm version on both sides",
            code="protocol",
        )
    session.subscribed = bool(args.get("subscribe", True))
    act_as = args.get("act_as")
    if act_as is not None:
        session.identity = _acting(ops, session.identity, arg_str(args, "act_as", limit=64))
    who = session.identity
    if "session_row" not in session.state:
        row = await sessions.open_session(
            ops.store,
            user=who.user,
            role=str(who.role),
            pid=who.pid,
            client=arg_str(args, "client", default="", limit=40),
        )
        session.state["session_row"] = row

        async def record_end() -> None:
            await sessions.close_session(ops.store, row, "disconnected")

        session.on_close.append(record_end)
    visible = [  # the live views: archived campaigns are out of work
        c.to_wire()
        for c in await campaigns.list_all(ops.store)
        if c.visible_to(who.role, who.user, who.group) and c.archived_at is None
    ]
    return {
        "protocol": wire.PROTOCOL_VERSION,
        "version": __version__,
        **who.to_wire(),
        "seq": session.seq,
        "snapshot": {
            "campaigns": visible,
            "trunk": trunk_status(ops),
            "agent": await ops.center.snapshot(who),
            # the desk marks contacts outside their calling hours by the dialer's own rule
            "dialer": {
                "calling_hours": list(ops.config.dialer.calling_hours),
                "region": ops.config.dialer.region,
            },
        },
    }


def _acting(ops: Ops, who: Identity, name: str) -> Identity:
    """An admin may act as a configured user (training, tests); nobody else may."""
    if who.role is not Role.ADMIN:
        raise Forbidden(
            f"acting as another user needs the admin role; you ({who.user}) are {an(who.role)}"
        )
    user = ops.config.user(name)
    if user is None:
        names = [u.name for u in ops.config.users]
        raise NotFound(
            f"no user '{name}' in {ops.config.path}{suggest(name, names)}",
            "add a [[users]] table for them",
        )
    return Identity(user.name, user.role, user.group, who.uid, who.pid)


# -- the agent's desk --------------------------------------------------------------------


@op("agent.login", Role.AGENT, "logging in as an agent")
async def agent_login(ops: Ops, session: Session, args: dict[str, Any]) -> dict[str, Any]:
    name = arg_str(args, "campaign", default="", limit=200)  # "": inbound queues only
    return await ops.center.login(session.identity, session, name)


@op("agent.logout", Role.AGENT, "logging out")
async def agent_logout(ops: Ops, session: Session, args: dict[str, Any]) -> dict[str, Any]:
    return await ops.center.logout(session.identity)


@op("agent.ready", Role.AGENT, "getting ready")
async def agent_ready(ops: Ops, session: Session, args: dict[str, Any]) -> dict[str, Any]:
    return await ops.center.ready(session.identity)


@op("agent.pause", Role.AGENT, "pausing")
async def agent_pause(ops: Ops, session: Session, args: dict[str, Any]) -> dict[str, Any]:
    return await ops.center.pause(session.identity, arg_str(args, "reason", default="", limit=200))


@op("agent.phone", Role.AGENT, "calling your phone")
async def agent_phone(ops: Ops, session: Session, args: dict[str, Any]) -> dict[str, Any]:
    return await ops.center.call_my_phone(session.identity)


@op("agent.state", Role.AGENT, "reading your state")
async def agent_state(ops: Ops, session: Session, args: dict[str, Any]) -> dict[str, Any]:
    return {"agent": await ops.center.snapshot(session.identity)}


@op("call.dial", Role.AGENT, "dialling")
async def call_dial(ops: Ops, session: Session, args: dict[str, Any]) -> dict[str, Any]:
    return await ops.center.dial(session.identity, arg_int(args, "lead_id", lo=1))


@op("call.hangup", Role.AGENT, "hanging up")
async def call_hangup(ops: Ops, session: Session, args: dict[str, Any]) -> dict[str, Any]:
    return await ops.center.hangup(session.identity)


@op("disposition.set", Role.AGENT, "setting a disposition")
async def disposition_set(ops: Ops, session: Session, args: dict[str, Any]) -> dict[str, Any]:
    code = parse_choice(Disposition, "code", args.get("code"))
    if code not in AGENT_DISPOSITIONS:
        raise UsageError(f"'{code}' is set by the dialer, not by an agent")
    callback_at = arg_time(args, "callback_at")
    note = arg_str(args, "note", default="", limit=4000)
    tags = tuple(arg_list(args, "tags", limit=MAX_NAMES)) if args.get("tags") is not None else ()
    if "call_id" in args:  # an inbound call in wrap-up: it has no lead of its own
        if tags:  # refused, not dropped: the agent would believe them counted
            raise UsageError(
                "funnel tags belong to a campaign's calls; an inbound call has none",
                "set the disposition without tags",
            )
        call_id = arg_str(args, "call_id", limit=200)
        return await ops.center.dispose_inbound(
            session.identity, call_id, code, callback_at=callback_at, note=note
        )
    lead = await ops.center.dispose(
        session.identity,
        arg_int(args, "lead_id", lo=1),
        code,
        callback_at=callback_at,
        note=note,
        tags=tags,
    )
    return {"lead": lead}


@op("callback.set", Role.SUPERVISOR, "scheduling a callback")
async def callback_set(ops: Ops, session: Session, args: dict[str, Any]) -> dict[str, Any]:
    """A supervisor books the next call of a contact, for an agent or for anyone."""
    who = session.identity
    lead_id = arg_int(args, "lead_id", lo=1)
    campaign = await ops.lead_campaign(who, lead_id)
    require_manage(who, campaign)
    at = arg_time(args, "at")
    if at is None:
        raise UsageError("missing argument 'at'")
    agent = args.get("agent")
    if agent is not None and ops.config.user(arg_str(args, "agent", limit=64)) is None:
        raise NotFound(f"no user '{agent}'")
    attempts = int(await ops.store.scalar("SELECT attempts FROM leads WHERE id = ?", (lead_id,)))
    try:
        lead = await ops.center.book(
            campaign, lead_id, at=at, agent=agent, actor=who.user, attempts=attempts
        )
    except DispositionError as exc:
        raise UsageError(str(exc)) from None
    return {"lead": lead}
