"""The daemon's operations: each op names the least role that may call it.

This module holds the dispatcher (`Ops`) and the session, status, report and
desk ops; campaigns (`ops_campaigns`), imports (`ops_imports`), the do-not-call
list (`ops_dnc`) and `lead why` (`ops_why`) register theirs in their own modules
through `opbase.op`.

A handler receives the caller's session (identity included) and the request's
args, checks what that identity may touch (a supervisor only their group's
campaigns) and answers with JSON-able data. Errors are CctermErrors: they go
back to the client with code, message and hint.
"""

from __future__ import annotations

import itertools
import logging
import time
from typing import Any

from ccterm import __version__, wire
from ccterm.clock import Clock
from ccterm.config import Config
from ccterm.daemon import ops_campaigns, ops_dnc, ops_imports, ops_why  # noqa: F401 - their ops
from ccterm.daemon.center import Center
from ccterm.daemon.opbase import (
    OPS,
    Publish,
    arg_int,
    arg_str,
    arg_time,
    op,
    require_manage,
    require_visible,
)
from ccterm.daemon.server import Identity, Session, campaign_audience
from ccterm.dialer.dispositions import DispositionError
from ccterm.errors import Forbidden, NotFound, UsageError
from ccterm.model import (
    AGENT_DISPOSITIONS,
    Campaign,
    Disposition,
    Role,
    parse_choice,
    suggest,
)
from ccterm.numbers import NumberBook
from ccterm.sip.trunk import Trunk
from ccterm.store import campaigns, dialing, reports, sessions
from ccterm.store.db import Store

log = logging.getLogger(__name__)
# Leads in one leads.list reply: encoding 10,000 holds the loop ~25 ms (20,000: ~52 ms).
LEADS_PAGE_MAX = 10_000


class Ops:
    """Dispatches requests; holds what the handlers need and nothing else."""

    def __init__(
        self,
        *,
        config: Config,
        store: Store,
        clock: Clock,
        trunk: Trunk,
        publish: Publish,
        center: Center,
    ) -> None:
        self.config = config
        self.store = store
        self.clock = clock
        self.trunk = trunk
        self.publish = publish
        self.center = center
        self.started = time.monotonic()
        self.book = NumberBook(config.dialer.region)
        self._import_ids = itertools.count(1)

    async def __call__(self, session: Session, name: str, args: dict[str, Any]) -> Any:
        spec = OPS.get(name)
        if spec is None:
            raise UsageError(f"unknown op '{name}'{suggest(name, sorted(OPS))}", code="unknown_op")
        who = session.identity
        if not who.role.at_least(spec.role):
            raise Forbidden(
                f"{spec.summary} needs the {spec.role} role; you ({who.user}) are {_a(who.role)}",
                "ask an admin to change your role in config.toml"
                if spec.role is not Role.ADMIN
                else 'run it as root or as a user with role = "admin"',
            )
        return await spec.handler(self, session, args)

    def book_for(self, region: str | None) -> NumberBook:
        if not region or region.upper() == self.book.region:
            return self.book
        return NumberBook(region)

    async def visible_campaign(self, who: Identity, name: str) -> Campaign:
        campaign = await campaigns.get(self.store, name)
        require_visible(who, campaign)
        return campaign

    async def managed_campaign(self, who: Identity, name: str) -> Campaign:
        campaign = await self.visible_campaign(who, name)
        require_manage(who, campaign)
        return campaign

    def campaign_changed(self, campaign: Campaign) -> None:
        self.publish("campaign.changed", campaign.to_wire(), campaign_audience(campaign))


def _a(role: Role) -> str:
    return f"an {role}" if str(role)[0] in "aeiou" else f"a {role}"


# -- session ---------------------------------------------------------------------------


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
            "agent": ops.center.snapshot(who),
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
            f"acting as another user needs the admin role; you ({who.user}) are {_a(who.role)}"
        )
    user = ops.config.user(name)
    if user is None:
        names = [u.name for u in ops.config.users]
        raise NotFound(
            f"no user '{name}' in {ops.config.path}{suggest(name, names)}",
            "add a [[users]] table for them",
        )
    return Identity(user.name, user.role, user.group, who.uid, who.pid)


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
        "uptime_s": round(time.monotonic() - ops.started, 1),
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


# -- reports and users -------------------------------------------------------------------


@op("report.campaign", Role.SUPERVISOR, "reading reports")
async def report_campaign(ops: Ops, session: Session, args: dict[str, Any]) -> dict[str, Any]:
    campaign = await ops.managed_campaign(session.identity, arg_str(args, "name"))
    return await reports.campaign_report(ops.store, campaign)


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


# -- the agent's desk --------------------------------------------------------------------


@op("agent.login", Role.AGENT, "logging in as an agent")
async def agent_login(ops: Ops, session: Session, args: dict[str, Any]) -> dict[str, Any]:
    name = arg_str(args, "campaign", limit=200)
    return await ops.center.login(session.identity, session, name)


@op("agent.logout", Role.AGENT, "logging out")
async def agent_logout(ops: Ops, session: Session, args: dict[str, Any]) -> dict[str, Any]:
    return await ops.center.logout(session.identity)


@op("agent.ready", Role.AGENT, "getting ready")
async def agent_ready(ops: Ops, session: Session, args: dict[str, Any]) -> dict[str, Any]:
    return await ops.center.ready(session.identity)


@op("agent.pause", Role.AGENT, "pausing")
async def agent_pause(ops: Ops, session: Session, args: dict[str, Any]) -> dict[str, Any]:
    return ops.center.pause(session.identity, arg_str(args, "reason", default="", limit=200))


@op("agent.phone", Role.AGENT, "calling your phone")
async def agent_phone(ops: Ops, session: Session, args: dict[str, Any]) -> dict[str, Any]:
    return ops.center.call_my_phone(session.identity)


@op("call.monitor", Role.SUPERVISOR, "listening in")
async def call_monitor(ops: Ops, session: Session, args: dict[str, Any]) -> dict[str, Any]:
    """Listen to an agent (both sides), whisper to them, or barge in: on your own phone."""
    who = session.identity
    agent = arg_str(args, "agent", limit=100)
    mode = arg_str(args, "mode", default="listen", limit=20)
    live = ops.center.agents.get(agent)
    if live is None or not (who.role is Role.ADMIN or live.group == who.group):
        raise NotFound(f"{agent} is not logged in", "see ccterm status for who is")
    return ops.center.audio.monitor(who.user, agent, mode)


@op("call.monitor.stop", Role.SUPERVISOR, "stopping listening")
async def call_monitor_stop(ops: Ops, session: Session, args: dict[str, Any]) -> dict[str, Any]:
    return ops.center.audio.stop_monitor(session.identity.user)


@op("call.play", Role.ADMIN, "playing a recording")
async def call_play(ops: Ops, session: Session, args: dict[str, Any]) -> dict[str, Any]:
    """Play a WAV to a live call (`call`) or to an agent's phone (`agent`); `hang_up` after it."""
    file = ops.config.path.parent / arg_str(args, "file", limit=4096)
    if args.get("agent") is not None:
        agent = arg_str(args, "agent", limit=100)
        leg = ops.center.audio.agent_legs.get(agent)
        if leg is None or not ops.center.audio.phone_up(agent):
            raise NotFound(f"{agent} has no phone on the line", "see ccterm status")
    else:
        leg = arg_str(args, "call", limit=100)
        call = ops.center.calls.get(leg)
        if call is None or call.answered_at is None:
            raise NotFound(f"no answered call {leg}", "see ccterm status for the calls")
    hang_up = args.get("hang_up", False)
    if not isinstance(hang_up, bool):
        raise UsageError("hang_up must be true or false")
    seconds = ops.center.audio.play(leg, file, hang_up=hang_up)
    return {"playing": leg, "file": str(file), "seconds": round(seconds, 2), "hang_up": hang_up}


@op("trunk.test", Role.ADMIN, "testing the trunk")
async def trunk_test(ops: Ops, session: Session, args: dict[str, Any]) -> dict[str, Any]:
    number = arg_str(args, "number", limit=64)
    ring = float(min(300, arg_int(args, "ring_timeout", default=30, lo=15)))
    return await ops.center.probe(number, ring)


@op("agent.state", Role.AGENT, "reading your state")
async def agent_state(ops: Ops, session: Session, args: dict[str, Any]) -> dict[str, Any]:
    return {"agent": ops.center.snapshot(session.identity)}


@op("call.dial", Role.AGENT, "dialling")
async def call_dial(ops: Ops, session: Session, args: dict[str, Any]) -> dict[str, Any]:
    return await ops.center.dial(session.identity, arg_int(args, "lead_id", lo=1))


@op("call.hangup", Role.AGENT, "hanging up")
async def call_hangup(ops: Ops, session: Session, args: dict[str, Any]) -> dict[str, Any]:
    return ops.center.hangup(session.identity)


@op("disposition.set", Role.AGENT, "setting a disposition")
async def disposition_set(ops: Ops, session: Session, args: dict[str, Any]) -> dict[str, Any]:
    code = parse_choice(Disposition, "code", args.get("code"))
    if code not in AGENT_DISPOSITIONS:
        raise UsageError(f"'{code}' is set by the dialer, not by an agent")
    lead = await ops.center.dispose(
        session.identity,
        arg_int(args, "lead_id", lo=1),
        code,
        callback_at=arg_time(args, "callback_at"),
        note=arg_str(args, "note", default="", limit=4000),
    )
    return {"lead": lead}


async def _lead_for(ops: Ops, who: Identity, lead_id: int) -> Campaign:
    campaign_id = await dialing.lead_campaign(ops.store, lead_id)
    for campaign in await campaigns.list_all(ops.store):
        if campaign.id == campaign_id and campaign.visible_to(who.role, who.user, who.group):
            return campaign
    raise NotFound(f"no contact {lead_id}")


@op("leads.list", Role.AGENT, "listing contacts")
async def leads_list(ops: Ops, session: Session, args: dict[str, Any]) -> dict[str, Any]:
    """A page of a campaign's contacts by id; the client keeps the list and sorts it."""
    who = session.identity
    campaign = await ops.visible_campaign(who, arg_str(args, "campaign", limit=200))
    limit = min(arg_int(args, "limit", default=5000, lo=1), LEADS_PAGE_MAX)
    agent = who.user if who.role is Role.AGENT else None
    rows = await dialing.list_page(
        ops.store,
        campaign.id,
        agent=agent,
        after_id=arg_int(args, "after_id", default=0),
        limit=limit,
    )
    out = {
        "campaign": campaign.to_wire(),
        "fields": list(dialing.LIST_FIELDS),
        "rows": rows,
        "more": len(rows) == limit,
    }
    if arg_int(args, "after_id", default=0) == 0:  # the first page says how many will come
        out["total"] = await dialing.list_count(ops.store, campaign.id, agent=agent)
    return out


@op("lead.show", Role.AGENT, "reading a contact")
async def lead_show(ops: Ops, session: Session, args: dict[str, Any]) -> dict[str, Any]:
    lead_id = arg_int(args, "lead_id", lo=1)
    campaign = await _lead_for(ops, session.identity, lead_id)
    card = await dialing.card(ops.store, lead_id)
    if card is None:
        raise NotFound(f"no contact {lead_id}")
    return {**card, "campaign": campaign.name, "script": campaign.settings.script}


@op("lead.note", Role.AGENT, "writing a note")
async def lead_note(ops: Ops, session: Session, args: dict[str, Any]) -> dict[str, Any]:
    lead_id = arg_int(args, "lead_id", lo=1)
    await _lead_for(ops, session.identity, lead_id)
    text = arg_str(args, "text", limit=4000).strip()
    if not text:
        raise UsageError("a note needs some text")
    await dialing.add_note(ops.store, lead_id, author=session.identity.user, text=text)
    return {"saved": True}


@op("callback.set", Role.SUPERVISOR, "scheduling a callback")
async def callback_set(ops: Ops, session: Session, args: dict[str, Any]) -> dict[str, Any]:
    """A supervisor books the next call of a contact, for an agent or for anyone."""
    who = session.identity
    lead_id = arg_int(args, "lead_id", lo=1)
    campaign = await _lead_for(ops, who, lead_id)
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
