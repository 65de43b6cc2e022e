"""The agent's list as data: order, what is due, and the words in each column (pure).

The daemon sends a campaign's leads once (page by page) and then changes as
events; the client keeps them and orders them itself, with the same rules as
the dialer's pick, so a callback that falls due jumps to the top the moment it
does, on the client's clock, without asking the daemon.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from ccterm.clock import local
from ccterm.model import BUCKET_LABELS, LeadBucket, lead_bucket

DIALABLE = ("ready", "waiting")
OVERDUE_AFTER = 60.0  # a due callback older than this says by how much

# Letters NFKD leaves whole: folded by hand so 'Kozlowski' finds 'Kozłowski'.
_LETTERS = {"ł": "l", "đ": "d", "ø": "o", "æ": "ae", "œ": "oe", "ı": "i", "ħ": "h", "þ": "th"}
_MARKS = re.compile(r"[\u0300-\u036f]")  # combining accents, after NFKD


def _unaccented(ch: str) -> str:
    return _MARKS.sub("", unicodedata.normalize("NFKD", _LETTERS.get(ch, ch)))


# Every accented letter of the Latin and Cyrillic blocks, mapped once to its bare form,
# so folding a name is one str.translate (C speed: 100,000 names load in a blink).
_FOLD = {
    code: bare
    for block in ((0xC0, 0x250), (0x400, 0x500), (0x1E00, 0x1F00))
    for code in range(*block)
    if (bare := _unaccented(chr(code))) != chr(code)
}


def fold(text: str) -> str:
    """Lower case without diacritics, for find: 'Kozłowski, Łódź' -> 'kozlowski, lodz'."""
    low = text.casefold()
    if low.isascii():
        return low
    folded = low.translate(_FOLD)
    if folded.isascii():
        return folded
    return _MARKS.sub("", unicodedata.normalize("NFKD", folded))  # rarer scripts, slower


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
    extra: str = ""  # the contact's other fields (city, company...), for find
    search: str = ""  # name, number and fields folded (see fold), for find
    # where it stood and its place in call order when last placed (order.CallOrder)
    bucket: LeadBucket = LeadBucket.READY
    key: tuple[int, float, float, int] = (1, 0.0, 0.0, 0)

    @classmethod
    def from_row(cls, fields: Sequence[str], row: Sequence[Any]) -> LeadItem:
        data = dict(zip(fields, row, strict=True))
        return cls.from_dict(data)

    @classmethod
    def from_rows(cls, fields: Sequence[str], rows: Iterable[Sequence[Any]]) -> list[LeadItem]:
        """A page of leads.list: the same items as from_row, built without a dict per row
        (400,000 contacts arrive in about half the time)."""
        at = {name: n for n, name in enumerate(fields)}
        if set(at) != set(_ROW_FIELDS):
            return [cls.from_row(fields, row) for row in rows]
        (i_id, i_contact, i_name, i_e164, i_state, i_blocked, i_attempts, i_next, i_cb,
         i_cb_agent, i_prio, i_major, i_minor, i_last, i_last_at, i_tz, i_extra) = (
            at[name] for name in _ROW_FIELDS
        )  # fmt: skip
        out = []
        for r in rows:
            name, e164, extra = r[i_name] or "", r[i_e164], r[i_extra] or ""
            item = cls(
                r[i_id], r[i_contact], name, e164, r[i_state], bool(r[i_blocked]),
                r[i_attempts], r[i_next] or 0.0, r[i_cb], r[i_cb_agent], r[i_prio],
                r[i_major], r[i_minor], r[i_last], r[i_last_at], r[i_tz] or "", extra,
                fold(f"{name} {e164} {extra}"),
            )  # fmt: skip
            out.append(item)
        return out

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
            extra=str(data.get("extra") or ""),
        )
        item.search = fold(f"{item.name} {item.e164} {item.extra}")
        return item

    def update(self, changes: dict[str, Any]) -> None:
        """Apply a lead.changed event (all fields, or a few)."""
        for key, value in changes.items():
            if key in ("id", "search") or not hasattr(self, key):
                continue
            if key == "blocked":
                value = bool(value)
            setattr(self, key, value)
        if "name" in changes or "e164" in changes or "extra" in changes:
            self.search = fold(f"{self.name} {self.e164} {self.extra}")


_ROW_FIELDS = (
    "id", "contact_id", "name", "e164", "state", "blocked", "attempts", "next_at",
    "callback_at", "callback_agent", "priority", "rank_major", "rank_minor",
    "last_disposition", "last_attempt_at", "timezone", "extra",
)  # fmt: skip


def bucket(item: LeadItem, now: float) -> LeadBucket:
    """Where the contact stands, by the one definition reports and campaign show count by."""
    return lead_bucket(
        item.state, item.blocked, item.callback_at, item.next_at, item.last_disposition, now
    )


def is_due_callback(item: LeadItem, now: float) -> bool:
    """A callback whose time has come: shown red, and first."""
    return bucket(item, now) is LeadBucket.CALLBACK_DUE


_GROUP = {
    LeadBucket.CALLBACK_DUE: 0,
    LeadBucket.READY: 1,
    LeadBucket.CALLBACK: 2,
    LeadBucket.WAITING: 2,
    LeadBucket.DIALING: 3,
}


def sort_key(item: LeadItem, where: LeadBucket) -> tuple[int, float, float, int]:
    """Due callbacks (oldest first), then the dialable in the campaign's order, then the
    waiting (soonest first), then those being dialled, then the rest; unique by id."""
    group = _GROUP.get(where, 4)
    if group == 0:
        return (0, item.callback_at or 0.0, 0.0, item.id)
    if group == 1:
        return (1, float(item.rank_major), float(item.rank_minor), item.id)
    if group == 2:
        return (2, item.next_at, 0.0, item.id)
    return (group, 0.0, 0.0, item.id)


def turns_at(item: LeadItem, now: float) -> float | None:
    """When the clock alone next moves this contact to another bucket (a callback falls
    due, a retry time comes), if it will."""
    if item.blocked or item.state not in DIALABLE:
        return None
    if item.callback_at is not None:
        return item.callback_at if item.callback_at > now else None
    if item.state == "waiting" and item.next_at > now:
        return item.next_at
    return None


def ordered(items: Iterable[LeadItem], now: float) -> list[LeadItem]:
    """The call order from scratch (order.CallOrder keeps it without sorting again)."""
    return sorted(items, key=lambda item: sort_key(item, bucket(item, now)))


def counts_text(found: dict[LeadBucket, int]) -> str:
    return ", ".join(f"{n:,} {BUCKET_LABELS[b]}" for b, n in found.items())


class Needle:
    """What find looks for, prepared once per keystroke rather than once per contact."""

    def __init__(self, text: str) -> None:
        self.text = fold(text.strip())
        digits = "".join(ch for ch in self.text if ch.isdigit())
        self.digits = digits if len(digits) >= 3 else ""  # '601 234' finds +48601234...

    def __bool__(self) -> bool:
        return bool(self.text)

    def matches(self, item: LeadItem) -> bool:
        return (
            not self.text
            or self.text in item.search
            or (bool(self.digits) and self.digits in item.e164)
        )


def matches(item: LeadItem, needle: str) -> bool:
    return Needle(needle).matches(item)


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
    "not_disposed": "not disposed",
}


def label(code: str | None) -> str:
    """A disposition code in words."""
    return _LABELS.get(code or "", (code or "").replace("_", " "))


def overdue_text(seconds: float) -> str:
    minutes = int(seconds // 60)
    if minutes < 120:
        return f"overdue {minutes} min"
    if minutes < 48 * 60:
        return f"overdue {minutes // 60} h"
    return f"overdue {minutes // 1440} d"


def status_text(item: LeadItem, now: float) -> str:
    if is_due_callback(item, now):
        assert item.callback_at is not None
        late = now - item.callback_at
        return "CALLBACK DUE" if late < OVERDUE_AFTER else overdue_text(late)
    if item.blocked:
        if item.last_disposition in ("wrong_number", "fax"):
            return _LABELS[item.last_disposition]
        return "do not call"
    if item.state == "dialing":
        return "dialling..."
    if item.state == "exhausted":
        return "no more tries"
    if item.state == "done":
        return label(item.last_disposition or "done")
    if item.callback_at is not None and item.state == "waiting":
        return "callback"
    if item.attempts == 0 and not item.last_disposition:
        return "new"
    return label(item.last_disposition)


def is_finished(item: LeadItem) -> bool:
    """Nothing more to do here: done, out of tries, or never to be dialled."""
    return item.blocked or item.state in ("done", "exhausted")


def marker(item: LeadItem, now: float, shut: bool = False) -> str:
    """A symbol that says the same as the colour, for monochrome terminals."""
    if is_due_callback(item, now):
        return "!"
    if item.callback_at is not None and item.state == "waiting":
        return "@"
    if item.blocked:
        return "x"
    if shut:
        return "~"
    return " "


class Hours:
    """The daemon's calling hours, read on the desk by the dialer's own rule (dialer/hours.py),
    so a contact the dialer would refuse for the hour is marked before anyone presses d."""

    def __init__(self, start: str, end: str, region: str) -> None:
        from ccterm.dialer.hours import CallingHours  # late: only the desk needs zones

        self.rule = CallingHours(start, end, region)
        self._minute = -1
        self._cache: dict[tuple[str, str], float | None] = {}

    def shut_until(self, item: LeadItem, now: float) -> float | None:
        """None when the contact may be called now (or is not waiting to be); else when its
        hours open (inf: its zones never share the window)."""
        if item.blocked or item.state not in DIALABLE:
            return None
        later = next_contact(item, now)
        if later is not None and later > now:
            return None  # not due yet anyway: its time is shown
        minute = int(now // 60)
        if minute != self._minute:
            self._minute, self._cache = minute, {}
        key = (item.timezone, item.e164 if not item.timezone else "")
        if key not in self._cache:
            verdict = self.rule.check(item.timezone, item.e164, now)
            opens = verdict.opens_at if verdict.opens_at is not None else float("inf")
            self._cache[key] = None if verdict.allowed else opens
        return self._cache[key]


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
