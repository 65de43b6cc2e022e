"""Domain values shared by the daemon and the clients: pure data, no I/O.

Roles, statuses, how leads are counted, and the Campaign record. Its settings and
the codes they name are in settings.py, "did you mean" in typos.py; both are
re-exported here, the import path the daemon modules have always used.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

# Re-exported: the daemon modules import these from here.
from ccterm.settings import AGENT_DISPOSITIONS as AGENT_DISPOSITIONS
from ccterm.settings import DEFAULT_RETRY_MINUTES as DEFAULT_RETRY_MINUTES
from ccterm.settings import MAX_ABANDON_CAP as MAX_ABANDON_CAP
from ccterm.settings import MAX_NAMES as MAX_NAMES
from ccterm.settings import MAX_SAFE_HARBOR as MAX_SAFE_HARBOR
from ccterm.settings import MIN_RING_TIMEOUT as MIN_RING_TIMEOUT
from ccterm.settings import RETRYABLE as RETRYABLE
from ccterm.settings import WRAPUP_DEFAULTS as WRAPUP_DEFAULTS
from ccterm.settings import CampaignSettings as CampaignSettings
from ccterm.settings import DialMode as DialMode
from ccterm.settings import DialOrder as DialOrder
from ccterm.settings import Disposition as Disposition
from ccterm.settings import LeadOrder as LeadOrder
from ccterm.settings import outbound_mode as outbound_mode
from ccterm.settings import parse_choice as parse_choice
from ccterm.typos import nearest as nearest
from ccterm.typos import suggest as suggest


class Role(StrEnum):
    AGENT = "agent"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"

    @property
    def rank(self) -> int:
        return _ROLE_RANK[self]

    def at_least(self, other: Role) -> bool:
        return self.rank >= other.rank


_ROLE_RANK = {Role.AGENT: 0, Role.SUPERVISOR: 1, Role.ADMIN: 2}


class CampaignStatus(StrEnum):
    SCHEDULED = "scheduled"
    RUNNING = "running"
    PAUSED = "paused"
    STOPPED = "stopped"
    FINISHED = "finished"


class LeadState(StrEnum):
    READY = "ready"  # may be dialled now
    WAITING = "waiting"  # a retry or callback time not yet come
    DIALING = "dialing"  # taken by a dialer or an agent
    DONE = "done"  # handled: never dialled again in this campaign
    EXHAUSTED = "exhausted"  # the attempt cap was reached


class LeadBucket(StrEnum):
    """Where a lead stands now, for counting: every lead is in exactly one (lead_bucket)."""

    CALLBACK_DUE = "callback_due"
    READY = "ready"
    DIALING = "dialing"
    CALLBACK = "callback"  # booked for later
    WAITING = "waiting"  # a retry time not yet come
    DONE = "done"
    NO_SUCH_NUMBER = "no_such_number"  # the network said so (the dialer's "invalid")
    EXHAUSTED = "exhausted"
    BLOCKED = "blocked"  # do-not-call, wrong number, fax


LEAD_BUCKETS = tuple(LeadBucket)  # the order reports show them in
BUCKET_LABELS: dict[LeadBucket, str] = {
    LeadBucket.CALLBACK_DUE: "callbacks due",
    LeadBucket.READY: "ready",
    LeadBucket.DIALING: "being dialled",
    LeadBucket.CALLBACK: "callbacks booked",
    LeadBucket.WAITING: "waiting to retry",
    LeadBucket.DONE: "done",
    LeadBucket.NO_SUCH_NUMBER: "no such number",
    LeadBucket.EXHAUSTED: "no more tries",
    LeadBucket.BLOCKED: "blocked",
}
OPEN_BUCKETS = frozenset(LEAD_BUCKETS[:5])  # still to be called (or being called)


def lead_bucket(
    state: str,
    blocked: bool | int,
    callback_at: float | None,
    next_at: float | None,
    last_disposition: str | None,
    now: float,
) -> LeadBucket:
    """The one bucket a lead is counted in: the single definition behind every count of
    leads (report, campaign show, the agent's desk), so their parts add up to the total.

    A call in progress is counted as such; then a blocked number, whatever its history;
    then how the lead ended; an open lead is a callback (due or booked), ready (its
    retry time has come) or waiting. The times matter only through `<= now`, so a
    store may group leads by those comparisons and classify each group once.
    """
    if state == LeadState.DIALING:
        return LeadBucket.DIALING
    if blocked:
        return LeadBucket.BLOCKED
    if state == LeadState.DONE:
        return LeadBucket.NO_SUCH_NUMBER if last_disposition == "invalid" else LeadBucket.DONE
    if state == LeadState.EXHAUSTED:
        return LeadBucket.EXHAUSTED
    if callback_at is not None:
        return LeadBucket.CALLBACK_DUE if callback_at <= now else LeadBucket.CALLBACK
    if state == LeadState.READY or (next_at or 0.0) <= now:
        return LeadBucket.READY
    return LeadBucket.WAITING


def bucket_counts(counted: Iterable[tuple[LeadBucket, int]]) -> dict[str, int]:
    """{bucket: count} for every bucket in LEAD_BUCKETS order, from (bucket, n) pairs."""
    counts = dict.fromkeys(map(str, LEAD_BUCKETS), 0)
    for bucket, n in counted:
        counts[bucket] += n
    return counts


class AgentStatus(StrEnum):
    OFFLINE = "offline"
    READY = "ready"
    PAUSED = "paused"
    DIALING = "dialing"
    ON_CALL = "on_call"
    WRAPUP = "wrapup"


class NumberMark(StrEnum):
    """Marks that hold for a number everywhere, in every campaign."""

    WRONG_NUMBER = "wrong_number"
    FAX = "fax"


@dataclass(frozen=True, slots=True)
class Campaign:
    id: int
    name: str
    status: CampaignStatus
    settings: CampaignSettings
    start_at: float
    end_at: float | None
    created_at: float
    updated_at: float
    created_by: str = ""
    archived_at: float | None = None  # archived: kept for reports, hidden from agents and dialer

    def to_wire(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "status": str(self.status),
            "start_at": self.start_at,
            "end_at": self.end_at,
            "created_at": self.created_at,
            "updated_at": self.updated_at,
            "created_by": self.created_by,
            "archived_at": self.archived_at,
            "settings": self.settings.to_dict(),
        }

    @classmethod
    def from_wire(cls, data: Mapping[str, Any]) -> Campaign:
        return cls(
            id=int(data["id"]),
            name=str(data["name"]),
            status=CampaignStatus(data["status"]),
            settings=CampaignSettings().merged(data["settings"]),
            start_at=float(data["start_at"]),
            end_at=None if data.get("end_at") is None else float(data["end_at"]),
            created_at=float(data["created_at"]),
            updated_at=float(data["updated_at"]),
            created_by=str(data.get("created_by", "")),
            archived_at=None if data.get("archived_at") is None else float(data["archived_at"]),
        )

    def visible_to(self, role: Role, user: str, group: str) -> bool:
        """Admins see all; supervisors their group's campaigns; agents the ones they work,
        unless archived."""
        if role is Role.ADMIN:
            return True
        if role is Role.SUPERVISOR:
            return group in self.settings.groups
        if self.archived_at is not None:
            return False
        return group in self.settings.groups or user in self.settings.agents
