"""The do-not-call list: list, unlist, check and read numbers; tell the desks at once."""

# A request may carry 50,000 numbers, and no request may hold the event loop: the
# numbers are parsed a slice at a time with a yield to the loop between slices,
# de-duplicated in a dict (linear), and written in one transaction on the
# database thread. After the commit, every campaign with a lead that changed gets
# `leads.changed` events (at most EVENT_LEADS leads each) for whoever may see
# that campaign:
#
#     {"campaign_id": 3, "leads": [{"id": 812, "blocked": true}, ...]}
#
# A batch's changes and their events are serialised per daemon, so a desk never
# sees an older batch's events after a newer one's.

from __future__ import annotations

import asyncio
import weakref
from typing import Any

from ccterm.daemon.ops.base import Ops, arg_int, arg_list, arg_str, op
from ccterm.daemon.server import Identity, Session, campaign_audience
from ccterm.model import Role
from ccterm.numbers import Invalid, NumberBook
from ccterm.store import campaigns, dnc
from ccterm.store.db import Store

PARSE_SLICE = 250  # numbers parsed between yields: ~1 ms, ~15 ms for the library's slow path
EVENT_LEADS = 2_000  # leads in one leads.changed event
LIST_PAGE = 10_000  # entries in one dnc.list reply: building and encoding it stays ~20 ms
ECHO_CHARS = 100  # of a refused number, in the reply

_changing: weakref.WeakKeyDictionary[Store, asyncio.Lock] = weakref.WeakKeyDictionary()


def _supervisors(who: Identity) -> bool:
    return who.role.at_least(Role.SUPERVISOR)


async def normalise(
    book: NumberBook, raw_numbers: list[Any]
) -> tuple[list[str], list[dict[str, str]]]:
    """E.164 forms in first-seen order, once each, and the refused ones with the reason."""
    good: dict[str, None] = {}
    bad: list[dict[str, str]] = []
    for start in range(0, len(raw_numbers), PARSE_SLICE):
        if start:
            await asyncio.sleep(0)  # other requests, events and the watchdog get the loop
        for raw in raw_numbers[start : start + PARSE_SLICE]:
            if not isinstance(raw, str):
                bad.append({"number": repr(raw)[:ECHO_CHARS], "reason": "not text"})
                continue
            parsed = book.parse(raw)
            if isinstance(parsed, Invalid):
                bad.append({"number": raw[:ECHO_CHARS], "reason": parsed.reason})
            else:
                good[parsed.e164] = None
    return list(good), bad


async def publish_flips(ops: Ops, flips: dnc.Flips) -> None:
    """leads.changed to each changed lead's campaign audience, EVENT_LEADS leads an event."""
    if not flips:
        return
    known = {c.id: c for c in await campaigns.list_all(ops.store)}
    for campaign_id, leads in flips.items():
        campaign = known.get(campaign_id)
        if campaign is None:
            continue
        audience = campaign_audience(campaign)
        for start in range(0, len(leads), EVENT_LEADS):
            chunk = [{"id": i, "blocked": b} for i, b in leads[start : start + EVENT_LEADS]]
            ops.publish("leads.changed", {"campaign_id": campaign_id, "leads": chunk}, audience)
            await asyncio.sleep(0)


def _lock(store: Store) -> asyncio.Lock:
    lock = _changing.get(store)
    if lock is None:
        lock = _changing[store] = asyncio.Lock()
    return lock


@op("dnc.add", Role.AGENT, "adding to the do-not-call list")
async def dnc_add(ops: Ops, session: Session, args: dict[str, Any]) -> dict[str, Any]:
    who = session.identity
    limit = 10 if who.role is Role.AGENT else 50_000
    raw = arg_list(args, "numbers", limit=limit)
    reason = arg_str(args, "reason", default="", limit=500)
    if who.role is Role.AGENT and not reason:
        reason = "customer asked"
    numbers, bad = await normalise(ops.book, raw)
    added = 0
    if numbers:
        async with _lock(ops.store):
            change = await dnc.add(ops.store, numbers, reason=reason, actor=who.user)
            added = change.count
            if added:
                ops.publish("dnc.changed", {"added": added}, _supervisors)
            await publish_flips(ops, change.leads)
    return {"added": added, "already": len(numbers) - added, "invalid": bad, "numbers": numbers}


@op("dnc.remove", Role.SUPERVISOR, "removing from the do-not-call list")
async def dnc_remove(ops: Ops, session: Session, args: dict[str, Any]) -> dict[str, Any]:
    numbers, bad = await normalise(ops.book, arg_list(args, "numbers", limit=50_000))
    removed = 0
    if numbers:
        async with _lock(ops.store):
            change = await dnc.remove(ops.store, numbers, actor=session.identity.user)
            removed = change.count
            if removed:
                ops.publish("dnc.changed", {"removed": removed}, _supervisors)
            await publish_flips(ops, change.leads)
    return {"removed": removed, "not_listed": len(numbers) - removed, "invalid": bad}


@op("dnc.list", Role.SUPERVISOR, "reading the do-not-call list")
async def dnc_list(ops: Ops, session: Session, args: dict[str, Any]) -> dict[str, Any]:
    """Newest first, at most LIST_PAGE entries a reply (`offset` for the next page)."""
    total, rows = await dnc.entries(
        ops.store,
        search=arg_str(args, "search", default="", limit=100),
        limit=min(arg_int(args, "limit", default=100), LIST_PAGE),
        offset=arg_int(args, "offset", default=0),
    )
    return {"total": total, "entries": [dict(r) for r in rows]}


@op("dnc.check", Role.SUPERVISOR, "reading the do-not-call list")
async def dnc_check(ops: Ops, session: Session, args: dict[str, Any]) -> dict[str, Any]:
    numbers, bad = await normalise(ops.book, arg_list(args, "numbers", limit=10_000))
    listed = await dnc.listed(ops.store, numbers)
    return {
        "listed": sorted(listed),
        "not_listed": [n for n in numbers if n not in listed],
        "invalid": bad,
    }
