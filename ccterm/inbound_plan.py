"""The inbound plan in config.toml — numbers, menus, queues — read and checked offline.

`[[inbound]]` routes a dialled number to a client's menu or queue; `[menus.NAME]`
and `[queues.NAME]` are the IVR's and the ACD's pure specs (ccterm/ivr/). Every
mistake is one line naming the file, the table and the key, with the nearest
known name: ``config.toml: [[inbound]] #1 start: no menu 'mian' (did you mean 'main'?)``.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ccterm.errors import ConfigError
from ccterm.ivr.menu import KEYS, Menu
from ccterm.ivr.prompts import PHRASES, PromptLibrary, is_name, language_error, shipped
from ccterm.ivr.queue import QueueSpec

PLAN_SECTIONS = ("inbound", "menus", "queues")
FINAL = ("hangup", "voicemail")
_HHMM = re.compile(r"([01]\d|2[0-3]):[0-5]\d")
_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True, slots=True)
class InboundRoute:
    did: str  # digits only: "+48221234500" and "48221234500" are the same number
    client: str
    start: str  # menu:NAME or queue:NAME
    script: str = ""
    language: str = "en"
    hours: tuple[str, str] | None = None
    days: tuple[str, ...] = _DAYS
    after_hours: str = ""  # "" = the closed message, then hang up


@dataclass(frozen=True, slots=True)
class QueuePlan:
    spec: QueueSpec
    hold: str = ""
    service_level: float = 20.0
    callback_tries: int = 3  # dials of a callback before it fails for good
    callback_retry: float = 600.0  # seconds between two tries
    callback_expires: float = 96 * 3600.0  # a callback not placed by then is dropped


@dataclass(frozen=True, slots=True)
class InboundPlan:
    routes: tuple[InboundRoute, ...] = ()
    menus: Mapping[str, Menu] = field(default_factory=dict)
    queues: Mapping[str, QueuePlan] = field(default_factory=dict)

    def route(self, did: str) -> InboundRoute | None:
        digits = _digits(did)
        return next((r for r in self.routes if r.did == digits), None)


def _digits(number: str) -> str:
    return "".join(ch for ch in number if ch.isdigit())


def _near(name: str, options: list[str]) -> str:
    close = difflib.get_close_matches(name, options, n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


class _Table:
    """One table's keys, taken one by one; what is left over is an unknown key."""

    def __init__(self, file: Path, place: str, table: Any, known: tuple[str, ...]) -> None:
        self.file, self.place = file, place
        if not isinstance(table, dict):
            raise self.error("", "expected a table")
        for key in table:
            if key not in known:
                raise self.error(key, f"unknown key{_near(key, list(known))}")
        self.table = table

    def error(self, key: str, what: str, hint: str = "") -> ConfigError:
        where = f"{self.place} {key}".strip()
        return ConfigError(f"{self.file}: {where}: {what}", hint)

    def text(self, key: str, default: str | None = None) -> str:
        value = self.table.get(key, default)
        if value is None:
            raise self.error(key, "missing (this key is required)")
        if not isinstance(value, str) or (default is None and not value):
            raise self.error(key, f"expected text in quotes, got {value!r}")
        return value

    def number(self, key: str, default: float, lo: float, hi: float) -> float:
        value = self.table.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.error(key, f"expected a number, got {value!r}")
        if not lo <= value <= hi:
            raise self.error(key, f"{value} is out of range: {lo:g} to {hi:g}")
        return float(value)

    def texts(self, key: str) -> tuple[str, ...]:
        value = self.table.get(key, [])
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self.error(key, f"expected text or a list of text, got {value!r}")
        return tuple(value)


def parse_plan(data: Mapping[str, Any], file: Path) -> InboundPlan:
    menus_raw = data.get("menus", {})
    queues_raw = data.get("queues", {})
    for name, raw in (("menus", menus_raw), ("queues", queues_raw)):
        if not isinstance(raw, dict):
            raise ConfigError(f"{file}: {name}: expected tables like [{name}.NAME]")
    queues = {name: _queue(file, name, table) for name, table in queues_raw.items()}
    menus = {name: _menu(file, name, table) for name, table in menus_raw.items()}
    routes_raw = data.get("inbound", [])
    if not isinstance(routes_raw, list):
        raise ConfigError(f"{file}: inbound: expected [[inbound]] tables")
    routes = tuple(_route(file, i, table) for i, table in enumerate(routes_raw, 1))
    plan = InboundPlan(routes, menus, queues)
    _check_targets(plan, file)
    return plan


def _queue(file: Path, name: str, table: Any) -> QueuePlan:
    t = _Table(
        file,
        f"[queues.{name}]",
        table,
        (
            "groups",
            "hold",
            "announce_every",
            "max_wait",
            "overflow",
            "callback_after",
            "service_level",
            "callback_tries",
            "callback_retry",
            "callback_expires",
        ),
    )
    groups = t.texts("groups")
    if not groups:
        raise t.error("groups", "missing: the agents' groups that take this queue's calls")
    spec = QueueSpec(
        name,
        frozenset(groups),
        max_wait=t.number("max_wait", 300, 10, 86_400),
        overflow=t.text("overflow", "voicemail"),
        announce_every=t.number("announce_every", 60, 0, 3600),
        callback_after=t.number("callback_after", 60, 0, 86_400),
    )
    return QueuePlan(
        spec,
        t.text("hold", ""),
        t.number("service_level", 20, 1, 3600),
        callback_tries=int(t.number("callback_tries", 3, 1, 20)),
        callback_retry=t.number("callback_retry", 600, 30, 86_400),
        callback_expires=t.number("callback_expires", 96, 1, 24 * 30) * 3600,
    )


def _menu(file: Path, name: str, table: Any) -> Menu:
    t = _Table(file, f"[menus.{name}]", table, ("prompt", "timeout", "repeat", "fallback", "keys"))
    keys = t.table.get("keys", {})
    if not isinstance(keys, dict):
        raise t.error("keys", 'expected a table like { "1" = "queue:sales" }')
    for key, target in keys.items():
        if key not in KEYS:
            raise t.error("keys", f"'{key}' is not a phone key (0-9, * or #)")
        if not isinstance(target, str):
            raise t.error("keys", f"'{key}': expected a route in quotes, got {target!r}")
    prompt = t.texts("prompt")
    if not prompt:
        raise t.error("prompt", "missing: the WAV files the caller hears")
    repeat = t.number("repeat", 1, 0, 10)
    if repeat != int(repeat):
        raise t.error("repeat", f"expected a whole number, got {repeat:g}")
    return Menu(
        name,
        prompt,
        dict(keys),
        fallback=t.text("fallback", "hangup"),
        timeout=t.number("timeout", 10, 1, 120),
        repeat=int(repeat),
    )


def _route(file: Path, index: int, table: Any) -> InboundRoute:
    known = ("did", "client", "start", "script", "language", "hours", "days", "after_hours")
    t = _Table(file, f"[[inbound]] #{index}", table, known)
    did = _digits(t.text("did"))
    if not 3 <= len(did) <= 15:
        raise t.error("did", f"{t.table['did']!r} is not a phone number")
    hours = t.texts("hours") if "hours" in t.table else None
    if hours is not None and (len(hours) != 2 or not all(_HHMM.fullmatch(h) for h in hours)):
        raise t.error("hours", f'expected two times like ["08:00", "20:00"], got {hours!r}')
    language = t.text("language", "en")
    if language_error(language):
        raise t.error("language", language_error(language))
    return InboundRoute(
        did,
        t.text("client"),
        t.text("start"),
        script=t.text("script", ""),
        language=language,
        hours=(hours[0], hours[1]) if hours else None,
        days=_days(t, t.text("days", "mon-sun")),
        after_hours=t.text("after_hours", ""),
    )


def _days(t: _Table, text: str) -> tuple[str, ...]:
    """ "mon-fri", "sat", "mon-fri,sun" -> the days named."""
    out: list[str] = []
    for part in filter(None, (p.strip() for p in text.lower().split(","))):
        first, _, last = part.partition("-")
        if first not in _DAYS or (last and last not in _DAYS):
            raise t.error("days", f'\'{part}\': expected days like "mon-fri" or "sat,sun"')
        i, j = _DAYS.index(first), _DAYS.index(last or first)
        out += [_DAYS[k % 7] for k in range(i, j + 1 if j >= i else j + 8)]
    return tuple(dict.fromkeys(out))


def _check_targets(plan: InboundPlan, file: Path) -> None:
    """Every route names a menu or queue that exists (or hangup, voicemail)."""

    def check(
        place: str, key: str, target: str, *, final_ok: bool = True, mail_ok: bool = False
    ) -> None:
        kind, _, name = target.partition(":")
        if target == "voicemail" and final_ok and not mail_ok:
            raise ConfigError(
                f"{file}: {place} {key}: voicemail is a queue's overflow only",
                "its message becomes a callback for that queue's agents: send callers to a"
                ' queue whose overflow = "voicemail"',
            )
        if target in FINAL and final_ok:
            return
        names = {"menu": list(plan.menus), "queue": list(plan.queues)}.get(kind)
        if names is None or not name:
            allowed = '"menu:NAME", "queue:NAME"' + (
                ', "hangup" or "voicemail"' if final_ok else ""
            )
            raise ConfigError(f"{file}: {place} {key}: '{target}' is not a route", f"use {allowed}")
        if name not in names:
            raise ConfigError(f"{file}: {place} {key}: no {kind} '{name}'{_near(name, names)}")

    for i, route in enumerate(plan.routes, 1):
        check(f"[[inbound]] #{i}", "start", route.start, final_ok=False)
        if route.after_hours:
            check(f"[[inbound]] #{i}", "after_hours", route.after_hours)
    for name, menu in plan.menus.items():
        check(f"[menus.{name}]", "fallback", menu.fallback)
        for key, target in menu.keys.items():
            check(f"[menus.{name}]", f"keys.{key}", target)
    for name, queue in plan.queues.items():
        check(f"[queues.{name}]", "overflow", queue.spec.overflow, mail_ok=True)
    dids = [r.did for r in plan.routes]
    for did in dids:
        if dids.count(did) > 1:
            raise ConfigError(f"{file}: [[inbound]] did: {did} is routed twice")


def load_prompts(plan: InboundPlan, file: Path) -> PromptLibrary:
    """Every prompt the plan can play, read and converted now, so a file that cannot be
    played stops the daemon's start (or a reload, or `ccterm config check`) with one line
    naming it and its key, instead of silence on a call: menus' `prompt`, queues' `hold`,
    and the whole shipped set of each route's language."""
    library = PromptLibrary(file.resolve().parent)
    languages = list(dict.fromkeys(r.language for r in plan.routes)) or ["en"]

    def load(place: str, key: str, ref: str, *, spoken: list[str] = languages) -> None:
        # a shipped name is said in the caller's language: it must exist in each
        for language in spoken if is_name(ref) else spoken[:1]:
            try:
                library.frames(ref, language)
            except ConfigError as exc:
                raise ConfigError(f"{file}: {place} {key}: {exc.message}", exc.hint) from None

    seen: set[str] = set()
    for i, route in enumerate(plan.routes, 1):
        if route.language in seen:
            continue
        seen.add(route.language)
        missing = sorted(set(PHRASES) - shipped(route.language))
        if missing:
            raise ConfigError(
                f"{file}: [[inbound]] #{i} language: the '{route.language}' prompt set lacks"
                f" {', '.join(missing)}",
                "reinstall ccterm",
            )
        for name in sorted(shipped(route.language)):
            load(f"[[inbound]] #{i}", "language", name, spoken=[route.language])
    for name, menu in plan.menus.items():
        for ref in menu.prompt:
            load(f"[menus.{name}]", "prompt", ref)
    for name, queue in plan.queues.items():
        if queue.hold:
            load(f"[queues.{name}]", "hold", queue.hold)
    for i, route in enumerate(plan.routes, 1):  # the agents' scripts: read like the prompts
        if route.script:
            path = file.resolve().parent / route.script
            try:
                path.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                why = exc.strerror if isinstance(exc, OSError) else "not UTF-8 text"
                raise ConfigError(
                    f"{file}: [[inbound]] #{i} script: {path}: cannot be read ({why})"
                ) from None
    return library
