"""What every group of daemon operations shares: the registry and the argument checks.

Each op module registers its handlers here with `@op(name, least role, summary)`;
`ccterm.daemon.ops.Ops` dispatches to them. Argument helpers turn a bad request
into a UsageError that names the argument, never a KeyError; the permission
helpers say who may touch which campaign.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ccterm.daemon.server import Identity, Session
from ccterm.errors import Forbidden, NotFound, UsageError
from ccterm.model import Campaign, CampaignSettings, Role

if TYPE_CHECKING:
    from ccterm.daemon.ops import Ops

OpHandler = Callable[["Ops", Session, dict[str, Any]], Awaitable[Any]]
Publish = Callable[[str, dict[str, Any], Callable[[Identity], bool] | None], None]


@dataclass(frozen=True, slots=True)
class OpSpec:
    role: Role
    handler: OpHandler
    summary: str


OPS: dict[str, OpSpec] = {}


def op(name: str, role: Role, summary: str) -> Callable[[OpHandler], OpHandler]:
    def register(fn: OpHandler) -> OpHandler:
        OPS[name] = OpSpec(role, fn, summary)
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
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise UsageError(f"argument '{key}' must be a time (epoch seconds)")
    return float(value)


def arg_list(args: dict[str, Any], key: str, *, limit: int = 100_000) -> list[Any]:
    value = args.get(key)
    if not isinstance(value, list):
        raise UsageError(f"argument '{key}' must be a list")
    if len(value) > limit:
        raise UsageError(f"argument '{key}' has more than {limit} items; send it in parts")
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
