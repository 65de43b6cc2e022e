"""The agent's list as data: order, what is due, and the words in each column (pure).

The daemon sends a campaign's leads once (page by page) and then changes as
events; the client keeps them and orders them itself, with the same rules as
the dialer's pick, so a callback that falls due jumps to the top the moment it
does, on the client's clock, without asking the daemon.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from ccterm.clock import local

DIALABLE = ("ready", "waiting")


@dataclass(slots=True)
class LeadItem:
    id: int
    contact_id: int
    name: str
    e164: str
    state: str
    blocked: bool
    attempts: int
    next_at: float
    callback_at: float | None
    callback_agent: str | None
    priority: int
    rank_major: int
    rank_minor: int
    last_disposition: str | None
    last_attempt_at: float | None
    timezone: str
    search: str = ""  # lower-case name + digits, for the filter

    @classmethod
    def from_row(cls, fields: Sequence[str], row: Sequence[Any]) -> LeadItem:
        data = dict(zip(fields, row, strict=True))
        return cls.from_dict(data)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> LeadItem:
        item = cls(
            id=int(data["id"]),
            contact_id=int(data["contact_id"]),
            name=str(data["name"] or ""),
            e164=str(data["e164"]),
            state=str(data["state"]),
            blocked=bool(data["blocked"]),
            attempts=int(data["attempts"]),
            next_at=float(data["next_at"] or 0),
            callback_at=None if data["callback_at"] is None else float(data["callback_at"]),
            callback_agent=data["callback_agent"],
            priority=int(data["priority"]),
            rank_major=int(data["rank_major"]),
            rank_minor=int(data["rank_minor"]),
            last_disposition=data["last_disposition"],
            last_attempt_at=data["last_attempt_at"],
            timezone=str(data.get("timezone") or ""),
        )
        item.search = f"{item.name.casefold()} {item.e164}"
        return item

    def update(self, changes: dict[str, Any]) -> None:
        """Apply a lead.changed event (all fields, or a few)."""
        for key, value in changes.items():
            if key in ("id", "search") or not hasattr(self, key):
                continue
            if key == "blocked":
                value = bool(value)
            setattr(self, key, value)
        self.search = f"{self.name.casefold()} {self.e164}"


def is_due_callback(item: LeadItem, now: float) -> bool:
    """A callback whose time has come: shown red, and first."""
    return (
        item.callback_at is not None
        and item.callback_at <= now
        and item.state in DIALABLE
        and not item.blocked
    )


def sort_key(item: LeadItem, now: float) -> tuple[int, float, float]:
    """Due callbacks, then the dialable in the campaign's order, then the waiting, then the rest."""
    if is_due_callback(item, now):
        assert item.callback_at is not None
        return (0, item.callback_at, item.id)
    if item.blocked or item.state in ("done", "exhausted"):
        return (4, 0.0, item.id)
    if item.state == "dialing":
        return (3, 0.0, item.id)
    if item.state == "ready" or item.next_at <= now:
        return (1, float(item.rank_major), float(item.rank_minor))
    return (2, item.next_at, item.id)


def ordered(items: Iterable[LeadItem], now: float) -> list[LeadItem]:
    return sorted(items, key=lambda item: sort_key(item, now))


def next_due(items: Iterable[LeadItem], now: float) -> float | None:
    """When the next callback falls due (to redraw at that moment), if any."""
    times = [
        item.callback_at
        for item in items
        if item.callback_at is not None and item.callback_at > now and item.state in DIALABLE
    ]
    return min(times) if times else None


def matches(item: LeadItem, needle: str) -> bool:
    if not needle:
        return True
    text = needle.casefold()
    digits = "".join(ch for ch in text if ch.isdigit())
    return text in item.search or (len(digits) >= 3 and digits in item.e164)


_LABELS = {
    "no_answer": "no answer",
    "voicemail": "voicemail",
    "busy": "busy",
    "done": "done",
    "wrong_number": "wrong number",
    "fax": "fax",
    "invalid": "no such number",
    "failed": "call failed",
    "abandoned": "abandoned",
    "callback": "callback",
}


def status_text(item: LeadItem, now: float) -> str:
    if is_due_callback(item, now):
        return "CALLBACK DUE"
    if item.blocked:
        if item.last_disposition in ("wrong_number", "fax"):
            return _LABELS[item.last_disposition]
        return "do not call"
    if item.state == "dialing":
        return "dialling..."
    if item.state == "exhausted":
        return "no more tries"
    if item.state == "done":
        return _LABELS.get(item.last_disposition or "done", item.last_disposition or "done")
    if item.callback_at is not None and item.state == "waiting":
        return "callback"
    if item.attempts == 0 and not item.last_disposition:
        return "new"
    return _LABELS.get(item.last_disposition or "", item.last_disposition or "")


def marker(item: LeadItem, now: float) -> str:
    """A symbol that says the same as the colour, for monochrome terminals."""
    if is_due_callback(item, now):
        return "!"
    if item.callback_at is not None and item.state == "waiting":
        return "@"
    if item.blocked:
        return "x"
    return " "


def when_text(ts: float | None, now: float) -> str:
    """A time in the agent's local zone: 'HH:MM' today, else 'MM-DD HH:MM'."""
    if not ts:
        return ""
    moment, today = local(ts), local(now)
    if moment.date() == today.date():
        return moment.strftime("%H:%M")
    return moment.strftime("%m-%d %H:%M")


def next_contact(item: LeadItem, now: float) -> float | None:
    if item.state not in DIALABLE or item.blocked:
        return None
    if item.callback_at is not None:
        return item.callback_at
    return item.next_at if item.next_at > now else None


@lru_cache(maxsize=4096)
def phone_text(e164: str) -> str:
    """+48601234567 -> +48 601 234 567: easier to read out; the digits stay searchable."""
    try:
        import phonenumbers  # late: only a screen that shows numbers needs it

        return str(
            phonenumbers.format_number(
                phonenumbers.parse(e164), phonenumbers.PhoneNumberFormat.INTERNATIONAL
            )
        )
    except Exception:
        return e164


def fill_script(script: str, values: dict[str, Any]) -> str:
    """The campaign's script with {field} filled in; unknown fields stay as written."""

    class Keep(dict[str, Any]):
        def __missing__(self, key: str) -> str:
            return "{" + key + "}"

    try:
        return script.format_map(Keep(values))
    except (ValueError, IndexError):  # a stray brace in the text: show it as written
        return script
