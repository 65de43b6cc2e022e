"""`lead.why`: whether a number is dialled now in each campaign it is in, and every reason not."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

from ccterm.daemon.opbase import arg_str, op
from ccterm.daemon.server import Session
from ccterm.dialer import why
from ccterm.dialer.hours import CallingHours
from ccterm.errors import NotFound, UsageError
from ccterm.model import Role
from ccterm.numbers import Invalid
from ccterm.phonetext import invalid_message, split_extension
from ccterm.store import campaigns, contacts

if TYPE_CHECKING:
    from ccterm.daemon.ops import Ops


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
