"""Pacing scenarios and contact files for `ccterm simulate` (model: bench/scenarios/README.md).

A scenario describes a team and a list: agents and shift, outcome odds (that
may change in phases), ring, talk and wrap-up times, the abandon rules and AMD.
Every key is checked here and an unknown or bad one is an error that names it,
so a typo never silently runs a different experiment. Contacts carry five
pre-drawn numbers each; a contact file fixes them so two simulators can be
compared run for run.
"""

from __future__ import annotations

import csv
import difflib
import math
import random
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ccterm.errors import UsageError

CONTACT_COLUMNS = ("outcome_u", "ring_s", "talk_s", "wrap_s", "amd_u")


class ScenarioError(UsageError):
    """A scenario or contact file that cannot be used; the message names the key or line."""

    code = "bad_scenario"
    exit_code = 65  # EX_DATAERR


@dataclass(frozen=True, slots=True)
class Odds:
    p_human: float
    p_machine: float
    p_busy: float
    p_invalid: float


@dataclass(frozen=True, slots=True)
class Phase:
    start_hours: float
    odds: Odds


@dataclass(frozen=True, slots=True)
class Inbound:
    """Calls that come in (`[inbound]`): Poisson arrivals to one queue the agents serve."""

    calls_per_hour: float
    talk_mean: float
    talk_dist: str  # exponential | lognormal
    talk_cv: float
    wrapup: float
    patience: float  # mean seconds a waiting caller holds on (exponential); 0: for ever
    service_level: float  # the answer time the service level counts within


@dataclass(frozen=True, slots=True)
class Scenario:
    name: str
    agents: int
    shift_hours: float
    shift_start: str
    odds: Odds
    answer_min: float
    answer_max: float
    ring_timeout: float
    busy_seconds: float
    invalid_seconds: float
    talk_mean: float
    talk_cv: float
    wrap_min: float
    wrap_max: float
    safe_harbor: float
    message_seconds: float
    cap: float
    amd_detect_seconds: float
    amd_false_positive: float
    max_lines: int = 0
    phases: tuple[Phase, ...] = field(default=())
    inbound: Inbound | None = None  # given alone: an inbound-only shift, nobody is dialled
    blended: bool = False  # [inbound] and outbound keys: the agents dial and take callers

    @property
    def shift_seconds(self) -> float:
        return self.shift_hours * 3600.0

    def odds_at(self, elapsed: float) -> Odds:
        """The outcome odds in force `elapsed` seconds into the shift."""
        odds = self.odds
        for phase in self.phases:
            if elapsed >= phase.start_hours * 3600.0:
                odds = phase.odds
        return odds


@dataclass(frozen=True, slots=True)
class Contact:
    outcome_u: float
    ring_s: float
    talk_s: float
    wrap_s: float
    amd_u: float


# -- reading a scenario -----------------------------------------------------------------

_TOP = {"name", "agents", "shift_hours", "shift_start", "max_lines"}
_SECTIONS: dict[str, set[str]] = {
    "outcomes": {"p_human", "p_machine", "p_busy", "p_invalid"},
    "ring": {"answer_min", "answer_max", "ring_timeout", "busy_seconds", "invalid_seconds"},
    "talk": {"mean", "cv"},
    "wrapup": {"min", "max"},
    "abandon": {"safe_harbor", "message_seconds", "cap"},
    "amd": {"detect_seconds", "false_positive"},
}
_DEFAULTS: dict[str, dict[str, float]] = {
    "outcomes": {"p_human": 0.2, "p_machine": 0.15, "p_busy": 0.05, "p_invalid": 0.05},
    "ring": {
        "answer_min": 5.0,
        "answer_max": 25.0,
        "ring_timeout": 25.0,
        "busy_seconds": 5.0,
        "invalid_seconds": 3.0,
    },
    "talk": {"mean": 150.0, "cv": 0.8},
    "wrapup": {"min": 10.0, "max": 20.0},
    "abandon": {"safe_harbor": 2.0, "message_seconds": 8.0, "cap": 0.03},
    "amd": {"detect_seconds": 3.0, "false_positive": 0.0},
}
_PHASE_KEYS = {"start_hours"} | _SECTIONS["outcomes"]
_OUTBOUND = {"max_lines", "phases", *_SECTIONS}  # any of these: the agents also dial
_INBOUND_KEYS = {
    "calls_per_hour",
    "talk_mean",
    "talk_dist",
    "talk_cv",
    "wrapup",
    "patience",
    "service_level",
}
TALK_DISTS = ("exponential", "lognormal")


class _Reader:
    def __init__(self, path: Path) -> None:
        self.path = path

    def fail(self, where: str, what: str) -> ScenarioError:
        return ScenarioError(f"{self.path}: {where}: {what}")

    def unknown(self, where: str, key: str, known: set[str]) -> ScenarioError:
        close = difflib.get_close_matches(key, sorted(known), n=1, cutoff=0.6)
        hint = f" (did you mean '{close[0]}'?)" if close else ""
        return self.fail(where, f"unknown key{hint}; known keys: {', '.join(sorted(known))}")

    def number(self, where: str, value: Any, lo: float, hi: float) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.fail(where, f"expected a number, got {value!r}")
        number = float(value)
        if not math.isfinite(number) or not lo <= number <= hi:
            raise self.fail(where, f"{value} is outside {lo:g}..{hi:g}")
        return number

    def whole(self, where: str, value: Any, lo: int, hi: int) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail(where, f"expected a whole number, got {value!r}")
        if not lo <= value <= hi:
            raise self.fail(where, f"{value} is outside {lo}..{hi}")
        return value

    def odds(self, where: str, values: dict[str, float]) -> Odds:
        total = sum(values.values())
        if total > 1.0 + 1e-9:
            raise self.fail(where, f"p_human + p_machine + p_busy + p_invalid is {total:g}, over 1")
        return Odds(values["p_human"], values["p_machine"], values["p_busy"], values["p_invalid"])


def load_scenario(path: Path) -> Scenario:
    """Read and check a scenario file; every error names the file and the key."""
    r = _Reader(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ScenarioError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError(f"{path}: cannot read it: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"{path}: not valid TOML: {exc}") from None
    known = _TOP | set(_SECTIONS) | {"phases", "inbound"}
    for key in data:
        if key not in known:
            raise r.unknown(key, key, known)
    sections: dict[str, dict[str, float]] = {}
    for section, keys in _SECTIONS.items():
        table = data.get(section, {})
        if not isinstance(table, dict):
            raise r.fail(f"[{section}]", "expected a table")
        values = dict(_DEFAULTS[section])
        for key, value in table.items():
            if key not in keys:
                raise r.unknown(f"[{section}] {key}", key, keys)
            hi = 1.0 if section in ("outcomes",) or key in ("cap", "false_positive") else 86_400.0
            values[key] = r.number(f"[{section}] {key}", value, 0.0, hi)
        sections[section] = values
    ring, talk, wrap = sections["ring"], sections["talk"], sections["wrapup"]
    if ring["answer_min"] > ring["answer_max"]:
        raise r.fail("[ring] answer_min", "must not exceed answer_max")
    for key in ("ring_timeout", "busy_seconds", "invalid_seconds"):
        if ring[key] <= 0:  # a line that ends the moment it is dialled would never let time pass
            raise r.fail(f"[ring] {key}", "must be above 0")
    if wrap["min"] > wrap["max"]:
        raise r.fail("[wrapup] min", "must not exceed max")
    if talk["mean"] <= 0:
        raise r.fail("[talk] mean", "must be above 0")
    odds = r.odds("[outcomes]", sections["outcomes"])
    phases: list[Phase] = []
    raw_phases = data.get("phases", [])
    if not isinstance(raw_phases, list):
        raise r.fail("phases", "expected [[phases]] tables")
    shift_hours = r.number("shift_hours", data.get("shift_hours", 8.0), 0.01, 24 * 14)
    last = odds
    for i, phase in enumerate(raw_phases, 1):
        where = f"[[phases]] #{i}"
        if not isinstance(phase, dict):
            raise r.fail(where, "expected a table")
        for key in phase:
            if key not in _PHASE_KEYS:
                raise r.unknown(f"{where} {key}", key, _PHASE_KEYS)
        if "start_hours" not in phase:
            raise r.fail(f"{where} start_hours", "missing")
        start = r.number(f"{where} start_hours", phase["start_hours"], 0.0, shift_hours)
        if phases and start < phases[-1].start_hours:
            raise r.fail(f"{where} start_hours", "phases must be in time order")
        values = {
            "p_human": last.p_human,
            "p_machine": last.p_machine,
            "p_busy": last.p_busy,
            "p_invalid": last.p_invalid,
        }
        for key in _SECTIONS["outcomes"] & set(phase):
            values[key] = r.number(f"{where} {key}", phase[key], 0.0, 1.0)
        last = r.odds(where, values)
        phases.append(Phase(start, last))
    name = data.get("name", path.stem)
    if not isinstance(name, str):
        raise r.fail("name", f"expected text, got {name!r}")
    shift_start = data.get("shift_start", "09:00")
    if not isinstance(shift_start, str) or not _is_clock(shift_start):
        raise r.fail("shift_start", f"expected a time like '09:00', got {shift_start!r}")
    inbound = _inbound(r, data["inbound"]) if "inbound" in data else None
    blended = inbound is not None and bool(_OUTBOUND & set(data))
    return Scenario(
        name=name,
        agents=r.whole("agents", data.get("agents", 10), 1, 10_000),
        shift_hours=shift_hours,
        shift_start=shift_start,
        odds=odds,
        answer_min=ring["answer_min"],
        answer_max=ring["answer_max"],
        ring_timeout=ring["ring_timeout"],
        busy_seconds=ring["busy_seconds"],
        invalid_seconds=ring["invalid_seconds"],
        talk_mean=talk["mean"],
        talk_cv=talk["cv"],
        wrap_min=wrap["min"],
        wrap_max=wrap["max"],
        safe_harbor=sections["abandon"]["safe_harbor"],
        message_seconds=sections["abandon"]["message_seconds"],
        cap=sections["abandon"]["cap"],
        amd_detect_seconds=sections["amd"]["detect_seconds"],
        amd_false_positive=sections["amd"]["false_positive"],
        max_lines=r.whole("max_lines", data.get("max_lines", 0), 0, 1_000_000),
        phases=tuple(phases),
        inbound=inbound,
        blended=blended,
    )


def _inbound(r: _Reader, table: Any) -> Inbound:
    """`[inbound]`: every key checked, each error one line naming it."""
    if not isinstance(table, dict):
        raise r.fail("[inbound]", "expected a table")
    for key in table:
        if key not in _INBOUND_KEYS:
            raise r.unknown(f"[inbound] {key}", key, _INBOUND_KEYS)
    if "calls_per_hour" not in table:
        raise r.fail("[inbound] calls_per_hour", "missing (calls arriving per hour)")

    def num(key: str, default: float, lo: float, hi: float = 86_400.0) -> float:
        return r.number(f"[inbound] {key}", table.get(key, default), lo, hi)

    calls = num("calls_per_hour", 0.0, 0.0, 1_000_000.0)
    if calls <= 0:
        raise r.fail("[inbound] calls_per_hour", "must be above 0")
    talk = num("talk_mean", 180.0, 0.0)
    if talk <= 0:
        raise r.fail("[inbound] talk_mean", "must be above 0")
    dist = table.get("talk_dist", "exponential")
    if dist not in TALK_DISTS:
        close = difflib.get_close_matches(str(dist), TALK_DISTS, n=1, cutoff=0.6)
        hint = f" (did you mean '{close[0]}'?)" if close else ""
        raise r.fail(
            "[inbound] talk_dist",
            f"{dist!r} is not a distribution{hint}; known: " + ", ".join(TALK_DISTS),
        )
    cv = num("talk_cv", 1.0, 0.0, 100.0)
    if dist == "exponential" and cv != 1.0:  # its cv is 1 by definition
        raise r.fail("[inbound] talk_cv", "is for talk_dist = 'lognormal' (exponential's cv is 1)")
    return Inbound(
        calls_per_hour=calls,
        talk_mean=talk,
        talk_dist=dist,
        talk_cv=cv,
        wrapup=num("wrapup", 0.0, 0.0),
        patience=num("patience", 0.0, 0.0, 1e9),
        service_level=num("service_level", 20.0, 0.0),
    )


def _is_clock(text: str) -> bool:
    hours, _, minutes = text.partition(":")
    return (
        hours.isdigit() and minutes.isdigit() and int(hours) < 24 and int(minutes) < 60
    ) and len(minutes) == 2


# -- contacts ---------------------------------------------------------------------------


def sample_contacts(scenario: Scenario, seed: int) -> Iterator[Contact]:
    """An endless list of contacts drawn from the scenario's distributions."""
    rng = random.Random(seed)
    sigma2 = math.log(1 + scenario.talk_cv**2)
    mu, sigma = math.log(scenario.talk_mean) - sigma2 / 2, math.sqrt(sigma2)
    while True:
        yield Contact(
            outcome_u=rng.random(),
            ring_s=rng.uniform(scenario.answer_min, scenario.answer_max),
            talk_s=rng.lognormvariate(mu, sigma),
            wrap_s=rng.uniform(scenario.wrap_min, scenario.wrap_max),
            amd_u=rng.random(),
        )


def read_contacts(path: Path) -> list[Contact]:
    """A contact file: the header line, then one contact per line in dial order."""
    try:
        handle = path.open(encoding="utf-8", newline="")
    except OSError as exc:
        raise ScenarioError(f"{path}: cannot read it: {exc.strerror or exc}") from None
    contacts: list[Contact] = []
    with handle:
        reader = csv.reader(handle)
        header = next(reader, None)
        if header is None or tuple(h.strip() for h in header) != CONTACT_COLUMNS:
            raise ScenarioError(
                f"{path}: line 1: expected the header {','.join(CONTACT_COLUMNS)}",
                f"got {','.join(header) if header else 'an empty file'}",
            )
        for row in reader:
            line = reader.line_num
            if not row or all(not cell.strip() for cell in row):
                continue
            if len(row) != len(CONTACT_COLUMNS):
                raise ScenarioError(
                    f"{path}: line {line}: expected {len(CONTACT_COLUMNS)} numbers, got {len(row)}"
                )
            try:
                values = [float(cell) for cell in row]
            except ValueError:
                raise ScenarioError(f"{path}: line {line}: not a number in {row}") from None
            if not all(math.isfinite(v) and v >= 0 for v in values):
                raise ScenarioError(f"{path}: line {line}: numbers must be finite and >= 0")
            contacts.append(Contact(*values))
    return contacts
