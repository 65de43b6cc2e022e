"""Why a contact is or is not being dialled in a campaign: every reason that applies, in words.

Pure: the facts the store gathered (`NumberFacts`, `LeadFacts`), the campaign,
the calling hours and `now` in; an `Answer` out, for `ccterm lead why`. The
rules are the dial-time ones, from the same list (dialer/eligibility.py): not
the first that refuses, but every one, worded with who, when and until when.
Times are shown in the contact's first time zone and in the machine's local
time ("here").
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ccterm.clock import local
from ccterm.dialer import eligibility
from ccterm.dialer.hours import CallingHours, Verdict
from ccterm.dialer.hours import local as zone_local
from ccterm.model import Campaign, CampaignStatus
from ccterm.settings import DialMode


@dataclass(frozen=True, slots=True)
class Entry:
    """A do-not-call entry or a number mark: what, by whom, when."""

    what: str  # the do-not-call reason, or the mark ("wrong_number", "fax")
    by: str
    at: float


@dataclass(frozen=True, slots=True)
class NumberFacts:
    """What holds for the number in every campaign."""

    contact_id: int
    e164: str
    name: str
    timezone: str  # as stored: "Zone/A|Zone/B", "Etc/Unknown" or ""
    dnc: Entry | None = None
    mark: Entry | None = None
    abandoned_at: float | None = None  # its latest abandoned call, in any campaign
    abandoned_campaign: int | None = None  # that call's campaign
    abandoned_in: str = ""  # its name, when the asker may see it


@dataclass(frozen=True, slots=True)
class LeadFacts:
    """The contact's place in one campaign."""

    id: int
    state: str
    attempts: int
    next_at: float
    callback_at: float | None
    callback_agent: str | None
    last_disposition: str | None
    last_attempt_at: float | None
    ahead: int | None  # ready leads ranked ahead of it (when it is ready itself)


@dataclass(frozen=True, slots=True)
class Reason:
    code: str
    text: str
    until: float | None = None  # when it stops holding, when that is known

    def to_wire(self) -> dict[str, Any]:
        return {"code": self.code, "text": self.text, "until": self.until}


@dataclass(frozen=True, slots=True)
class Answer:
    verdict: str  # next | queued | dialing | agent (manual) | not_dialled
    summary: str
    reasons: list[Reason] = field(default_factory=list)


class Clocks:
    """Formats times for one contact: in its zone, and here."""

    def __init__(self, zone: str, now: float) -> None:
        self.zone = zone
        self.now = now

    def at(self, ts: float) -> str:
        there = zone_local(self.zone, ts)
        here = local(ts)
        text = f"{there:%Y-%m-%d %H:%M} {self.zone}"
        if here.replace(tzinfo=None) == there.replace(tzinfo=None):
            return text
        shown = f"{here:%H:%M}" if here.date() == there.date() else f"{here:%Y-%m-%d %H:%M}"
        return f"{text} ({shown} here)"

    def now_in(self, zone: str) -> str:
        return f"{zone_local(zone, self.now):%H:%M}"

    def here(self) -> str:
        return f"{local(self.now):%H:%M}"


def _campaign(campaign: Campaign, clocks: Clocks) -> Reason | None:
    status = campaign.status
    if status is CampaignStatus.RUNNING:
        return None
    if status is CampaignStatus.SCHEDULED:
        text = f"the campaign is scheduled: it starts {clocks.at(campaign.start_at)}"
        return Reason("campaign", text, campaign.start_at)
    if status is CampaignStatus.FINISHED:
        ended = campaign.end_at if campaign.end_at is not None else campaign.updated_at
        return Reason("campaign", f"the campaign finished {clocks.at(ended)}")
    return Reason(
        "campaign",
        f"the campaign is {status} since {clocks.at(campaign.updated_at)};"
        " it dials nobody until it is started",
    )


def _mode(campaign: Campaign) -> Reason | None:
    mode = campaign.settings.mode
    if mode is DialMode.MANUAL:
        return Reason("manual", "the campaign is manual: it is dialled only when an agent picks it")
    if mode is DialMode.INBOUND:
        return Reason("inbound", "the campaign is inbound: it takes calls and dials nobody")
    return None


def _state(found: set[str], lead: LeadFacts, campaign: Campaign) -> Reason | None:
    cap = campaign.settings.max_attempts
    if "done" in found:
        last = f" (last disposition '{lead.last_disposition}')" if lead.last_disposition else ""
        return Reason("done", f"it is done in this campaign{last}")
    if "exhausted" in found:
        return Reason("exhausted", f"it has had all its attempts: {lead.attempts} of {cap}")
    return None


def _number(found: set[str], number: NumberFacts, clocks: Clocks) -> list[Reason]:
    out: list[Reason] = []
    if "dnc" in found and number.dnc is not None:
        why = f" ({number.dnc.what})" if number.dnc.what else ""
        out.append(
            Reason(
                "dnc",
                f"the number is on the do-not-call list since {clocks.at(number.dnc.at)},"
                f" added by {number.dnc.by or 'unknown'}{why}",
            )
        )
    if found & {"wrong_number", "fax"} and number.mark is not None:
        kind = "a wrong number" if number.mark.what == "wrong_number" else "a fax"
        out.append(
            Reason(
                number.mark.what,
                f"the number is marked as {kind} since {clocks.at(number.mark.at)},"
                f" by {number.mark.by or 'unknown'}",
            )
        )
    return out


def _abandoned(
    refusal: eligibility.Refusal | None, number: NumberFacts, clocks: Clocks
) -> Reason | None:
    if refusal is None or number.abandoned_at is None or refusal.until is None:
        return None
    where = f" in campaign '{number.abandoned_in}'" if number.abandoned_in else ""
    return Reason(
        "abandoned",
        f"its call{where} was abandoned at {clocks.at(number.abandoned_at)};"
        f" it may be called again after {clocks.at(refusal.until)}",
        refusal.until,
    )


def _timing(
    found: set[str], lead: LeadFacts, clocks: Clocks, explained: set[float | None]
) -> Reason | None:
    """A callback, or a retry time not come; a wait another reason explains is not repeated."""
    if "callback" in found and lead.callback_at is not None:
        whom = lead.callback_agent or "any agent"
        text = f"a callback is booked for {whom} at {clocks.at(lead.callback_at)}"
        return Reason("callback", text, lead.callback_at)
    if "retry" in found and not any(t is not None and abs(t - lead.next_at) < 1 for t in explained):
        after = f", after '{lead.last_disposition}'" if lead.last_disposition else ""
        text = f"its retry time has not come: next attempt at {clocks.at(lead.next_at)}{after}"
        return Reason("retry", text, lead.next_at)
    waiting = lead.state == "waiting" and lead.next_at > clocks.now
    if not waiting and lead.callback_agent and lead.callback_at is not None:
        text = (
            f"its callback for {lead.callback_agent} is due since {clocks.at(lead.callback_at)}:"
            f" only {lead.callback_agent} dials it"
        )
        return Reason("callback_due", text)
    return None


def _hours(verdict: Verdict | None, clocks: Clocks) -> Reason | None:
    if verdict is None or verdict.allowed:
        return None
    text = f"outside calling hours: {verdict.reason}"
    if len(verdict.zones) > 1:
        text += " (now " + ", ".join(f"{clocks.now_in(z)} in {z}" for z in verdict.zones) + ")"
    if verdict.opens_at is not None:
        text += f"; it may be called from {clocks.at(verdict.opens_at)}"
    return Reason("calling_hours", text, verdict.opens_at)


def contact_of(number: NumberFacts, lead: LeadFacts) -> eligibility.Contact:
    return eligibility.Contact(
        state=lead.state,
        attempts=lead.attempts,
        next_at=lead.next_at,
        callback_at=lead.callback_at,
        callback_agent=lead.callback_agent,
        dnc=number.dnc is not None,
        mark=number.mark.what if number.mark is not None else None,
        abandoned_at=number.abandoned_at,
        timezone=number.timezone,
        e164=number.e164,
    )


def explain(
    number: NumberFacts,
    lead: LeadFacts,
    campaign: Campaign,
    hours: CallingHours,
    now: float,
) -> Answer:
    """Whether the dialer dials this lead now, and every reason it does not, in order."""
    zones = hours.zones(number.timezone, number.e164)
    clocks = Clocks(zones[0], now)
    if lead.state == "dialing":
        attempt = f"attempt {lead.attempts} of {campaign.settings.max_attempts}"
        return Answer("dialing", f"being dialled right now ({attempt})")
    ask = eligibility.Ask(contact_of(number, lead), campaign.settings, now, None, hours)
    refusals = {found.code: found for found in eligibility.every(ask)}
    codes = set(refusals)
    closed = refusals.get("calling_hours")
    rest = refusals.get("abandoned")
    explained = {
        closed.until if closed is not None else now,
        None if rest is None else rest.until,
    }
    found = [
        _campaign(campaign, clocks),
        _mode(campaign),
        _state(codes, lead, campaign),
        *_number(codes, number, clocks),
        _abandoned(rest, number, clocks),
        _timing(codes, lead, clocks, explained),
        _hours(closed.verdict if closed is not None else None, clocks),
    ]
    return _answer([r for r in found if r is not None], lead)


_INFORMATIVE = frozenset({"manual", "callback_due"})  # say who dials it, stop nobody


def _answer(reasons: list[Reason], lead: LeadFacts) -> Answer:
    if any(r.code not in _INFORMATIVE for r in reasons):
        return Answer("not_dialled", "not dialled now", reasons)
    if any(r.code == "manual" for r in reasons):
        return Answer("agent", "not dialled by the dialer: an agent may dial it now", reasons)
    if lead.state == "waiting":  # due; the next clock tick puts it in line
        return Answer("queued", "due now: it joins the line within a second", reasons)
    for_whom = f" for {lead.callback_agent}" if reasons else ""
    if not lead.ahead:
        return Answer("next", f"next in line{for_whom}", reasons)
    return Answer(
        "queued", f"in line{for_whom}: {lead.ahead} contact(s) ranked ahead of it", reasons
    )
