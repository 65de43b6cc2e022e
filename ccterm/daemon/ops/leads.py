"""Contacts (leads): a campaign's list, one contact's card and notes, and `lead why`."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from ccterm.daemon.ops.base import Ops, arg_int, arg_str, op
from ccterm.daemon.server import Session
from ccterm.dialer import why
from ccterm.dialer.hours import CallingHours
from ccterm.errors import NotFound, UsageError
from ccterm.model import Role
from ccterm.numbers import Invalid
from ccterm.phonetext import invalid_message, split_extension
from ccterm.store import campaigns, contacts, dialing

# Leads in one leads.list reply: encoding 10,000 holds the loop ~25 ms (20,000: ~52 ms).
LEADS_PAGE_MAX = 10_000


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
    raw = arg_str(args, "number", limit=100)
    parsed = ops.book.parse(split_extension(raw)[0])  # "... wew. 12": the number is dialled
    if isinstance(parsed, Invalid):
        raise UsageError(
            invalid_message(raw, parsed),
            f"write it with its country code (+1 312 555 0123) or as a {ops.book.region} number",
        )
    e164 = parsed.e164
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
