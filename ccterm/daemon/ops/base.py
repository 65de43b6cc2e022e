"""The ops' common ground: the registry, the `Ops` context, the core's interface, arg checks."""

# Each resource module registers its handlers with `@op(name, least role, summary)`;
# `Ops` dispatches to them. A handler reaches the live core only through `Core`: the
# few runner methods a request may call, never its agents, calls or audio directly.
# Argument helpers turn a bad request into a UsageError that names the argument, never
# a KeyError; the permission helpers say who may touch which campaign.

from __future__ import annotations

import itertools
import math
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from ccterm.clock import Clock, monotonic
from ccterm.config import Config
from ccterm.daemon.server import Identity, Session, campaign_audience
from ccterm.errors import Forbidden, NotFound, UsageError
from ccterm.model import Campaign, Role
from ccterm.numbers import NumberBook
from ccterm.settings import CampaignSettings, Disposition
from ccterm.sip.trunk import Trunk
from ccterm.store import campaigns, dialing
from ccterm.store.db import Store
from ccterm.typos import suggest

OpHandler = Callable[["Ops", Session, dict[str, Any]], Awaitable[Any]]
Publish = Callable[[str, dict[str, Any], Callable[[Identity], bool] | None], None]


class Core(Protocol):
    """What a request may ask of the live core (daemon/runner.py's Runner), and no more."""

    async def snapshot(self, who: Identity) -> dict[str, Any] | None: ...
    async def wallboard(self, who: Identity) -> dict[str, Any]: ...
    def session_count(self) -> int: ...
    def online_users(self) -> set[str]: ...
    def group_of(self, agent: str) -> str | None: ...
    async def agents(self, who: Identity) -> list[dict[str, Any]]: ...
    def working_on(self, campaign: Campaign) -> list[str]: ...
    def pacing(self, campaign: Campaign) -> dict[str, Any]: ...
    async def login(
        self, who: Identity, session: Session, campaign_name: str
    ) -> dict[str, Any]: ...
    async def logout(self, who: Identity) -> dict[str, Any]: ...
    async def ready(self, who: Identity) -> dict[str, Any]: ...
    async def pause(self, who: Identity, reason: str) -> dict[str, Any]: ...
    async def call_my_phone(self, who: Identity) -> dict[str, Any]: ...
    async def dial(self, who: Identity, lead_id: int) -> dict[str, Any]: ...
    async def hangup(self, who: Identity) -> dict[str, Any]: ...
    async def dispose(
        self,
        who: Identity,
        lead_id: int,
        code: Disposition,
        *,
        callback_at: float | None,
        note: str,
        tags: tuple[str, ...] = (),
    ) -> dict[str, Any]: ...
    async def callback_again(self, callback_id: int) -> None: ...
    async def dispose_inbound(
        self,
        who: Identity,
        call_id: str,
        code: Disposition,
        *,
        callback_at: float | None,
        note: str,
    ) -> dict[str, Any]: ...
    async def book(
        self,
        campaign: Campaign,
        lead_id: int,
        *,
        at: float,
        agent: str | None,
        actor: str,
        attempts: int,
    ) -> dict[str, Any]: ...
    def monitor(self, supervisor: str, agent: str, mode: str) -> dict[str, Any]: ...
    def stop_monitor(self, supervisor: str) -> dict[str, Any]: ...
    def phone_leg(self, agent: str) -> str | None: ...
    def answered(self, call_id: str) -> bool: ...
    def play(self, leg: str, path: Path, *, hang_up: bool) -> float: ...
    async def probe(self, number: str, ring_timeout: float) -> dict[str, Any]: ...


@dataclass(frozen=True, slots=True)
class OpSpec:
    role: Role
    handler: OpHandler
    summary: str
    refusal: str = ""  # what a caller below `role` is told, when the default words are poor


OPS: dict[str, OpSpec] = {}


def op(
    name: str, role: Role, summary: str, *, refusal: str = ""
) -> Callable[[OpHandler], OpHandler]:
    def register(fn: OpHandler) -> OpHandler:
        OPS[name] = OpSpec(role, fn, summary, refusal)
        return fn

    return register


# -- argument helpers: a bad request names the argument, never a KeyError --------------


def arg_str(
    args: dict[str, Any], key: str, *, default: str | None = None, limit: int = 1000
) -> str:
    value = args.get(key, default)
    if value is None:
        raise UsageError(f"missing argument '{key}'")
    if not isinstance(value, str):
        raise UsageError(f"argument '{key}' must be text")
    if len(value) > limit:
        raise UsageError(f"argument '{key}' is longer than {limit} characters")
    return value


def arg_int(args: dict[str, Any], key: str, *, default: int | None = None, lo: int = 0) -> int:
    value = args.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int):
        raise UsageError(f"argument '{key}' must be a whole number")
    if value < lo:
        raise UsageError(f"argument '{key}' must be at least {lo}")
    return value


def arg_time(args: dict[str, Any], key: str) -> float | None:
    value = args.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise UsageError(f"argument '{key}' must be a time (epoch seconds)")
    return float(value)


def arg_list(args: dict[str, Any], key: str, *, limit: int = 100_000) -> list[Any]:
    value = args.get(key)
    if not isinstance(value, list):
        raise UsageError(f"argument '{key}' must be a list")
    if len(value) > limit:
        raise UsageError(f"argument '{key}' has more than {limit} items; send it in parts")
    return value


def arg_bool(args: dict[str, Any], key: str, *, default: bool = False) -> bool:
    value = args.get(key, default)
    if not isinstance(value, bool):
        raise UsageError(f"argument '{key}' must be true or false")
    return value


def arg_dict(args: dict[str, Any], key: str) -> dict[str, Any]:
    value = args.get(key, {})
    if not isinstance(value, dict):
        raise UsageError(f"argument '{key}' must be an object")
    return value


# -- who may touch what ------------------------------------------------------------------


def may_manage(identity: Identity, campaign: Campaign) -> bool:
    if identity.role is Role.ADMIN:
        return True
    return identity.role is Role.SUPERVISOR and identity.group in campaign.settings.groups


def require_manage(identity: Identity, campaign: Campaign) -> None:
    if not may_manage(identity, campaign):
        raise Forbidden(
            f"campaign '{campaign.name}' belongs to another group",
            f"you ({identity.user}) manage the campaigns of group '{identity.group}'",
        )


def require_visible(identity: Identity, campaign: Campaign) -> None:
    if not campaign.visible_to(identity.role, identity.user, identity.group):
        # Same words as a missing campaign: what one may not see, one may not probe either.
        raise NotFound(f"no campaign named '{campaign.name}'")


def check_groups(identity: Identity, settings: CampaignSettings) -> CampaignSettings:
    """A supervisor's campaigns belong to their group, and to no other."""
    if identity.role is not Role.SUPERVISOR:
        return settings
    if not settings.groups:
        return settings.merged({"groups": [identity.group]})
    if set(settings.groups) != {identity.group}:
        raise Forbidden(
            "a supervisor can only give campaigns to their own group",
            f"use --group {identity.group}, or ask an admin",
        )
    return settings


# -- the dispatcher ----------------------------------------------------------------------


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
        center: Core,
    ) -> None:
        self.config = config
        self.store = store
        self.clock = clock
        self.trunk = trunk
        self.publish = publish
        self.center = center
        self.started = monotonic()
        self.book = NumberBook(config.dialer.region)
        self._import_ids = itertools.count(1)
        # the wallboard's progress column, by campaign id: (read at, progress); see ops/monitor
        self.progress_read: dict[int, tuple[float, dict[str, Any]]] = {}

    async def __call__(self, session: Session, name: str, args: dict[str, Any]) -> Any:
        spec = OPS.get(name)
        if spec is None:
            raise UsageError(f"unknown op '{name}'{suggest(name, sorted(OPS))}", code="unknown_op")
        who = session.identity
        if not who.role.at_least(spec.role):
            words = spec.refusal or f"{spec.summary} needs the {spec.role} role"
            raise Forbidden(
                f"{words}; you ({who.user}) are {an(who.role)}",
                "ask an admin to change your role in config.toml"
                if spec.role is not Role.ADMIN
                else 'run it as root or as a user with role = "admin"',
            )
        return await spec.handler(self, session, args)

    def new_import_id(self) -> int:
        """The next import's number, unique in this daemon's run."""
        return next(self._import_ids)

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

    async def lead_campaign(self, who: Identity, lead_id: int) -> Campaign:
        """The campaign of a contact's lead, if `who` may see it; else no such contact."""
        campaign_id = await dialing.lead_campaign(self.store, lead_id)
        for campaign in await campaigns.list_all(self.store):
            if campaign.id == campaign_id and campaign.visible_to(who.role, who.user, who.group):
                return campaign
        raise NotFound(f"no contact {lead_id}")

    def campaign_changed(self, campaign: Campaign) -> None:
        self.publish("campaign.changed", campaign.to_wire(), campaign_audience(campaign))


def an(role: Role) -> str:
    """A role with its article: 'an admin', 'a supervisor'."""
    return f"an {role}" if str(role)[0] in "aeiou" else f"a {role}"
