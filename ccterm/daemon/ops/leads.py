"""Contacts (leads): a campaign's list, a contact's card and notes, `lead why`, the caller's pop."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from ccterm.daemon.ops.base import Ops, arg_dict, arg_int, arg_str, op
from ccterm.daemon.server import Identity, Session
from ccterm.dialer import why
from ccterm.dialer.hours import CallingHours
from ccterm.errors import Forbidden, NotFound, UsageError
from ccterm.model import Role
from ccterm.numbers import Invalid, Number
from ccterm.phonetext import invalid_message, split_extension
from ccterm.store import campaigns, contacts, dialing

# Leads in one leads.list reply: encoding 10,000 holds the loop ~25 ms (20,000: ~52 ms).
LEADS_PAGE_MAX = 10_000
FIELDS_MAX = 50  # fields on a contact an agent adds by hand


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
    campaign = await ops.lead_campaign(session.identity, lead_id)
    card = await dialing.card(ops.store, lead_id)
    if card is None:
        raise NotFound(f"no contact {lead_id}")
    return {**card, "campaign": campaign.name, "script": campaign.settings.script}


@op("lead.note", Role.AGENT, "writing a note")
async def lead_note(ops: Ops, session: Session, args: dict[str, Any]) -> dict[str, Any]:
    lead_id = arg_int(args, "lead_id", lo=1)
    await ops.lead_campaign(session.identity, lead_id)
    text = arg_str(args, "text", limit=4000).strip()
    if not text:
        raise UsageError("a note needs some text")
    await dialing.add_note(ops.store, lead_id, author=session.identity.user, text=text)
    return {"saved": True}


@op("lead.why", Role.SUPERVISOR, "explaining why a contact is dialled or not")
async def lead_why(ops: Ops, session: Session, args: dict[str, Any]) -> dict[str, Any]:
    """A number's contact in each campaign the asker sees: dialled now or not, and why not."""
    who = session.identity
    e164 = parse_number(ops, arg_str(args, "number", limit=100)).e164
    only = args.get("campaign")
    if only is not None:
        visible = [await ops.visible_campaign(who, arg_str(args, "campaign", limit=200))]
    else:
        everything = await campaigns.list_all(ops.store)
        visible = [c for c in everything if c.visible_to(who.role, who.user, who.group)]
    number = await contacts.find(ops.store, e164)
    leads = {} if number is None else await contacts.leads_of(ops.store, number.contact_id)
    shown = [c for c in visible if c.id in leads]
    if number is None or (not shown and who.role is not Role.ADMIN):
        # Same words either way: what one may not see, one may not probe either.
        raise NotFound(
            f"{e164} is not in the contact base"
            + ("" if who.role is Role.ADMIN else " of your campaigns"),
            "check the number, or import it: ccterm import FILE --campaign NAME",
        )
    if only is not None and not shown:
        raise NotFound(
            f"{e164} is not in campaign '{visible[0].name}'",
            "leave out --campaign to see every campaign it is in",
        )
    names = {c.id: c.name for c in visible}
    if number.abandoned_campaign in names:
        number = replace(number, abandoned_in=names[number.abandoned_campaign])
    hours = CallingHours.of(ops.config.dialer)
    now = ops.clock.now()
    zones = hours.zones(number.timezone, e164)
    clocks = why.Clocks(zones[0], now)
    items = []
    for campaign in shown:
        lead = leads[campaign.id]
        answer = why.explain(number, lead, campaign, hours, now)
        items.append(
            {
                "campaign": campaign.name,
                "status": str(campaign.status),
                "mode": str(campaign.settings.mode),
                "lead_id": lead.id,
                "state": lead.state,
                "attempts": lead.attempts,
                "max_attempts": campaign.settings.max_attempts,
                "ahead": lead.ahead,
                "verdict": answer.verdict,
                "summary": answer.summary,
                "reasons": [r.to_wire() for r in answer.reasons],
            }
        )
    return {
        "e164": e164,
        "name": number.name,
        "contact_id": number.contact_id,
        "now": now,
        "here": clocks.here(),
        "zones": [{"zone": z, "time": clocks.now_in(z)} for z in zones],
        "calling_hours": list(hours.window),
        "campaigns": items,
    }


def parse_number(ops: Ops, raw: str) -> Number:
    """A number as typed, read in the daemon's region; a clear error when it is not one."""
    parsed = ops.book.parse(split_extension(raw)[0])  # "... wew. 12": the number is dialled
    if isinstance(parsed, Invalid):
        raise UsageError(
            invalid_message(raw, parsed),
            f"write it with its country code (+1 312 555 0123) or as a {ops.book.region} number",
        )
    return parsed


# -- the screen pop: who is calling ---------------------------------------------------------


async def inbound_caller(ops: Ops, who: Identity, call_id: str | None) -> str | None:
    """The caller's number of the inbound call `who` is on or wrapping up (`call_id`, when
    given, must be that call): an agent sees the history of their own caller, no other."""
    agent = await ops.center.snapshot(who)
    call = (agent or {}).get("call") or {}
    if call.get("direction") != "inbound" or call_id not in (None, call.get("id")):
        raise Forbidden(
            f"you ({who.user}) are not on inbound call {call_id}"
            if call_id
            else f"you ({who.user}) are not on an inbound call",
            "an agent looks up and adds only the caller of their own inbound call",
        )
    e164: str | None = call["inbound"].get("e164")
    return e164


@op("contact.find", Role.AGENT, "looking up a caller")
async def contact_find(ops: Ops, session: Session, args: dict[str, Any]) -> dict[str, Any]:
    """{call_id}: the caller of the agent's inbound call; {e164}: any number (supervisors).

    The contact (None when the base does not know the number, or the caller withheld it)
    with its whole history, outbound and inbound, oldest first, and its notes.
    """
    who = session.identity
    if who.role is Role.AGENT and "call_id" not in args:
        raise Forbidden(
            "an agent looks up only the caller of their own inbound call",
            "pass its call_id (the desk does)",
        )
    if "call_id" in args:
        e164 = await inbound_caller(ops, who, arg_str(args, "call_id", limit=100))
    else:
        e164 = parse_number(ops, arg_str(args, "e164", limit=100)).e164
    found = None if e164 is None else await contacts.find_by_number(ops.store, e164)
    if found is None:
        return {"e164": e164, "contact": None, "history": [], "notes": []}
    return {"e164": e164, **found}


@op("contact.save", Role.AGENT, "adding a contact")
async def contact_save(ops: Ops, session: Session, args: dict[str, Any]) -> dict[str, Any]:
    """A caller the base did not know, added in no campaign; answers as contact.find does.

    An agent adds only the caller of their own inbound call; a supervisor any number.
    """
    who = session.identity
    raw = arg_str(args, "e164", limit=100)
    number = parse_number(ops, raw)
    if who.role is Role.AGENT and await inbound_caller(ops, who, None) != number.e164:
        raise Forbidden(
            f"{number.e164} is not the number of the caller you are on",
            "an agent adds only the caller of their own inbound call",
        )
    name = arg_str(args, "name", default="", limit=200).strip()
    fields = contact_fields(arg_dict(args, "fields"))
    extension = split_extension(raw)[1]
    if extension:
        fields.setdefault("extension", extension)
    if not name and not fields:
        raise UsageError("nothing to save: give the caller's name or a field")
    timezone = "|".join(number.timezones)
    now = ops.clock.now()
    await contacts.create(ops.store, number.e164, name, fields, who.user, now, timezone=timezone)
    found = await contacts.find_by_number(ops.store, number.e164)
    assert found is not None
    return {"e164": number.e164, **found}


def contact_fields(given: dict[str, Any]) -> dict[str, str]:
    """Fields as a contact keeps them: text to text, the keys named, none empty."""
    if len(given) > FIELDS_MAX:
        raise UsageError(f"a contact holds at most {FIELDS_MAX} fields")
    out: dict[str, str] = {}
    for key, value in given.items():
        name = key.strip()
        if not name or len(name) > 64:
            raise UsageError(f"field name '{key}' must be 1 to 64 characters")
        if name in ("name", "e164", "phone"):
            raise UsageError(f"'{name}' is the contact's own, not a field")
        if not isinstance(value, str | int | float) or isinstance(value, bool):
            raise UsageError(f"field '{name}' must be text")
        text = str(value).strip()
        if len(text) > 1000:
            raise UsageError(f"field '{name}' is longer than 1000 characters")
        if text:
            out[name] = text
    return out
