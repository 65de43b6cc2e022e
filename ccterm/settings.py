"""A campaign's settings, validated here once, so the CLI, the daemon and the store
all agree on what a valid campaign is and say the same thing when it is not.

The codes the settings name (dial modes, lead and dial orders, dispositions) and the
legal limits live here too: model.py holds the Campaign, which holds its settings,
and re-exports them.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields, replace
from enum import StrEnum
from typing import Any

from ccterm.errors import UsageError
from ccterm.typos import suggest


class DialMode(StrEnum):
    MANUAL = "manual"  # preview: the agent picks and dials
    POWER = "power"  # progressive: K lines per free agent
    PREDICTIVE = "predictive"
    PRECISE = "precise"  # predictive that always keeps one agent idle
    INBOUND = "inbound"


class LeadOrder(StrEnum):
    OLDEST = "oldest"  # creation time, old first
    NEWEST = "newest"  # creation time, new first
    LAST_ATTEMPT = "last_attempt"  # the longest-untried first
    PRIORITY = "priority"  # highest supervisor priority first
    FEWEST_ATTEMPTS = "fewest_attempts"


class DialOrder(StrEnum):
    CUSTOMER_FIRST = "customer_first"
    AGENT_FIRST = "agent_first"


class Disposition(StrEnum):
    DONE = "done"
    CALLBACK = "callback"  # "new contact": the agent sets the next call's time
    NO_ANSWER = "no_answer"
    VOICEMAIL = "voicemail"
    BUSY = "busy"
    WRONG_NUMBER = "wrong_number"
    FAX = "fax"
    # Set by the dialer alone, on calls no agent took:
    INVALID = "invalid"  # the network says the number does not exist (404, 484)
    FAILED = "failed"  # the call could not be placed (trunk error, daemon restart)
    ABANDONED = "abandoned"  # a person answered and no agent was free
    # Set by the daemon when a connected call's wrap-up ran out (or its agent left) with
    # no disposition: the person was reached, so never "no answer"; a supervisor looks.
    NOT_DISPOSED = "not_disposed"


AGENT_DISPOSITIONS = (
    Disposition.DONE,
    Disposition.CALLBACK,
    Disposition.NO_ANSWER,
    Disposition.VOICEMAIL,
    Disposition.BUSY,
    Disposition.WRONG_NUMBER,
    Disposition.FAX,
)


RETRYABLE = (Disposition.NO_ANSWER, Disposition.VOICEMAIL, Disposition.BUSY)
# What a connected call gets when its agent sets nothing: the person was reached, so a
# call outcome (no answer, busy, voicemail) would be false. Calls that never connected
# get the dialer's own code from their outcome (dialer/dispositions.for_outcome).
WRAPUP_DEFAULTS = (Disposition.NOT_DISPOSED, Disposition.DONE)
# Stored by earlier versions; read as NOT_DISPOSED, which is what they should have meant.
_LEGACY_WRAPUP_DEFAULTS = ("no_answer", "voicemail", "busy")
MIN_RING_TIMEOUT = 15  # FCC/FTC safe harbor: 15 s or four rings
MAX_SAFE_HARBOR = 2.0  # FCC/FTC and Ofcom: an answered call gets an agent or a message by then
MAX_ABANDON_CAP = 0.03  # FCC/FTC and Ofcom: at most 3 % of answered calls abandoned


def parse_choice(enum: type[StrEnum], key: str, value: Any) -> Any:
    if not isinstance(value, str):
        raise UsageError(f"{key}: expected one of {', '.join(enum)}, got {value!r}")
    norm = value.strip().lower().replace("-", "_")
    try:
        return enum(norm)
    except ValueError:
        raise UsageError(
            f"{key}: '{value}' is not one of {', '.join(enum)}{suggest(norm, list(enum))}"
        ) from None


def outbound_mode(value: Any, key: str = "mode") -> DialMode:
    """A campaign's mode: campaigns dial out; calls in follow config.toml's inbound plan."""
    outbound = [str(m) for m in DialMode if m is not DialMode.INBOUND]
    norm = str(value).strip().lower().replace("-", "_")
    if norm == DialMode.INBOUND:
        raise UsageError(
            "campaigns dial out: there is no inbound mode"
            f" ({', '.join(outbound[:-1])} or {outbound[-1]})",
            "calls to your numbers follow the [[inbound]] plan in config.toml"
            " (menus and queues; agents of a queue's groups take its calls)",
        )
    if not isinstance(value, str) or norm not in outbound:
        raise UsageError(
            f"{key}: '{value}' is not one of {', '.join(outbound)}{suggest(norm, outbound)}"
        )
    return DialMode(norm)


def _int(key: str, value: Any, lo: int, hi: int, unit: str = "") -> int:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise UsageError(f"{key}: expected a whole number, got {value!r}")
    try:
        number = int(value) if not isinstance(value, float) else value
    except ValueError:
        raise UsageError(f"{key}: expected a whole number, got {value!r}") from None
    if isinstance(number, float):
        if not number.is_integer():
            raise UsageError(f"{key}: expected a whole number, got {value!r}")
        number = int(number)
    if not lo <= number <= hi:
        raise UsageError(f"{key}: {number}{unit} is outside {lo}..{hi}{unit}")
    return number


def _float(key: str, value: Any, lo: float, hi: float) -> float:
    if isinstance(value, bool):
        raise UsageError(f"{key}: expected a number, got {value!r}")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise UsageError(f"{key}: expected a number, got {value!r}") from None
    if not math.isfinite(number) or not lo <= number <= hi:
        raise UsageError(f"{key}: {value} is outside {lo}..{hi}")
    return number


MAX_NAMES = 1_000  # groups, agents or tags of one campaign: a team is 5-50 people


def _names(key: str, value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        value = value.split(",", MAX_NAMES)
    if not isinstance(value, list | tuple):
        raise UsageError(f"{key}: expected a list of names, got {_shown(value)}")
    if len(value) > MAX_NAMES:
        raise UsageError(f"{key}: more than {MAX_NAMES} names")
    out: dict[str, None] = {}  # in order, once each
    for item in value:
        if not isinstance(item, str):
            raise UsageError(f"{key}: expected names, got {_shown(item)}")
        item = item.strip()
        if item:
            out[item] = None
    return tuple(out)


def funnel_tags(asked: Any, settings: CampaignSettings, campaign: str) -> tuple[str, ...]:
    """The funnel tags an agent set on a call, as the campaign spells them, once each.

    A tag the campaign does not have is refused, naming the ones it has: stored, a typo
    would count in no row of the funnel, and the agent would never know.
    """
    if asked is None:
        return ()
    if not isinstance(asked, list | tuple) or not all(isinstance(t, str) for t in asked):
        raise UsageError(f"tags: expected a list of tag names, got {_shown(asked)}")
    if len(asked) > MAX_NAMES:
        raise UsageError(f"tags: more than {MAX_NAMES} names")
    asked = [t.strip() for t in asked if t.strip()]
    if not asked:
        return ()
    if not settings.tags:
        raise UsageError(
            f"campaign '{campaign}' has no funnel tags, so '{asked[0]}' cannot be set",
            f"a supervisor adds them: ccterm campaign edit '{campaign}' --tag interested",
        )
    by_fold = {t.casefold(): t for t in settings.tags}
    out: dict[str, None] = {}
    for tag in asked:
        known = by_fold.get(tag.casefold())
        if known is None:
            raise UsageError(
                f"'{tag[:60]}' is not a funnel tag of campaign '{campaign}'"
                f"{suggest(tag, settings.tags)}; its tags: {', '.join(settings.tags)}"
            )
        out[known] = None
    return tuple(out)


def _shown(value: Any) -> str:
    """A wrong value as an error message quotes it: briefly, whatever its size or depth."""
    scalar = isinstance(value, str | int | float | bool | None)
    text = repr(value) if scalar else type(value).__name__
    return text if len(text) <= 60 else text[:57] + "..."


DEFAULT_RETRY_MINUTES: dict[str, int] = {"no_answer": 120, "voicemail": 120, "busy": 120}


@dataclass(frozen=True, slots=True)
class CampaignSettings:
    """What a supervisor sets on a campaign; the dialer reads it, the store keeps it as JSON."""

    mode: DialMode = DialMode.MANUAL
    caller_id: str = ""  # empty: the trunk's caller_id
    groups: tuple[str, ...] = ()
    agents: tuple[str, ...] = ()
    ring_timeout: int = 25
    wrapup_seconds: int = 15
    max_attempts: int = 5
    lead_order: LeadOrder = LeadOrder.OLDEST
    retry_minutes: Mapping[str, int] = field(default_factory=lambda: dict(DEFAULT_RETRY_MINUTES))
    target_seconds: int = 30
    tags: tuple[str, ...] = ()
    dial_ratio: float = 1.0
    dial_order: DialOrder = DialOrder.CUSTOMER_FIRST
    abandon_cap: float = 0.03
    abandon_retry_hours: int = 72  # a number whose call was abandoned rests this long
    safe_harbor: float = 2.0  # seconds an answered person may wait for an agent (the law: 2)
    abandon_message: str = ""  # WAV played to whoever no agent took (relative: to config.toml)
    ratio_override: float = 0.0  # predictive/precise paced by hand as ratio:K; 0: automatic
    # Predictive/precise: a line that has rung this long while no agent is free is hung
    # up unanswered rather than risked as an abandon; 0: lines ring to ring_timeout.
    cut_after: int = MIN_RING_TIMEOUT
    # A connected call whose wrap-up ran out undisposed (see WRAPUP_DEFAULTS)
    wrapup_default: Disposition = Disposition.NOT_DISPOSED
    script: str = ""

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["groups"] = list(self.groups)
        out["agents"] = list(self.agents)
        out["tags"] = list(self.tags)
        out["retry_minutes"] = dict(self.retry_minutes)
        return {k: (str(v) if isinstance(v, StrEnum) else v) for k, v in out.items()}

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> CampaignSettings:
        stored = json.loads(text)
        if stored.get("wrapup_default") in _LEGACY_WRAPUP_DEFAULTS:
            stored["wrapup_default"] = str(Disposition.NOT_DISPOSED)
        return cls().merged(stored, stored=True)

    def merged(self, changes: Mapping[str, Any], *, stored: bool = False) -> CampaignSettings:
        """A copy with `changes` applied, every value validated; unknown keys are errors.
        `stored`: read back from the database, where an old combination is kept as it was."""
        known = {f.name for f in fields(self)}
        updates: dict[str, Any] = {}
        for key, value in changes.items():
            if key not in known:
                raise UsageError(f"unknown campaign setting '{key}'{suggest(key, sorted(known))}")
            updates[key] = _validate_setting(key, value, self)
        out = replace(self, **updates)
        paced = out.mode in (DialMode.PREDICTIVE, DialMode.PRECISE)
        if not stored and paced and out.dial_order is DialOrder.AGENT_FIRST:
            raise UsageError(
                f"dial_order: agent_first cannot go with {out.mode}: its lines ring for"
                " whoever is free when a person answers, so the customer comes first",
                "use agent_first with power or manual, or dial_order customer_first",
            )
        return out


def _validate_setting(key: str, value: Any, current: CampaignSettings) -> Any:
    if key == "mode":
        return parse_choice(DialMode, key, value)
    if key == "lead_order":
        return parse_choice(LeadOrder, key, value)
    if key == "dial_order":
        return parse_choice(DialOrder, key, value)
    if key == "wrapup_default":
        code = parse_choice(Disposition, key, value)
        if code not in WRAPUP_DEFAULTS:
            raise UsageError(
                f"wrapup_default: '{code}' is a call outcome, and a connected call was"
                f" answered; use one of {', '.join(WRAPUP_DEFAULTS)}",
                "not_disposed keeps what was agreed and shows the call to the supervisor",
            )
        return code
    if key == "abandon_retry_hours":
        return _int(key, value, 1, 24 * 90, " h")
    if key == "ring_timeout":
        if (
            not isinstance(value, bool)
            and isinstance(value, int | float)
            and value < MIN_RING_TIMEOUT
        ):
            raise UsageError(
                f"ring_timeout: {value} s is below the legal minimum of {MIN_RING_TIMEOUT} s",
                "regulators treat a shorter ring as an abandoned call; use 15 or more",
            )
        return _int(key, value, MIN_RING_TIMEOUT, 180, " s")
    if key == "wrapup_seconds":
        return _int(key, value, 0, 3600, " s")
    if key == "max_attempts":
        return _int(key, value, 1, 100)
    if key == "target_seconds":
        return _int(key, value, 0, 86_400, " s")
    if key == "dial_ratio":
        return _float(key, value, 1.0, 10.0)
    if key == "abandon_cap":
        cap = _float(key, value, 0.0, math.inf)
        if cap > MAX_ABANDON_CAP:
            raise UsageError(
                f"abandon_cap: {value} ({cap * 100:g} %) is above the legal"
                f" {MAX_ABANDON_CAP} ({MAX_ABANDON_CAP * 100:g} %)",
                "a fraction of answered calls: 0.025 is 2.5 %",
            )
        return cap
    if key == "safe_harbor":
        seconds = _float(key, value, 0.0, math.inf)
        if seconds > MAX_SAFE_HARBOR:
            raise UsageError(
                f"safe_harbor: {value} s is longer than the legal {MAX_SAFE_HARBOR:g} s",
                "a person who answered must hear an agent or the message within 2 s",
            )
        return seconds
    if key == "ratio_override":
        ratio = _float(key, value, 0.0, 10.0)
        if 0.0 < ratio < 1.0:
            raise UsageError(
                f"ratio_override: {value} is neither 0 (automatic) nor 1..10 lines per free agent"
            )
        return ratio
    if key == "cut_after":
        if (
            not isinstance(value, bool)
            and isinstance(value, int | float)
            and 0 < value < MIN_RING_TIMEOUT
        ):
            raise UsageError(
                f"cut_after: {value} s is below the legal minimum ring of {MIN_RING_TIMEOUT} s",
                "use 0 to let every line ring to ring_timeout, or 15 or more",
            )
        return _int(key, value, 0, 180, " s")
    if key == "abandon_message":
        if not isinstance(value, str):
            raise UsageError(f"abandon_message: expected the path of a WAV file, got {value!r}")
        return value.strip()
    if key in ("groups", "agents", "tags"):
        return _names(key, value)
    if key == "caller_id":
        if not isinstance(value, str):
            raise UsageError(f"caller_id: expected a phone number, got {value!r}")
        return value.strip()
    if key == "script":
        if not isinstance(value, str):
            raise UsageError(f"script: expected text, got {value!r}")
        return value
    if key == "retry_minutes":
        if not isinstance(value, Mapping):
            raise UsageError(f"retry_minutes: expected disposition=minutes pairs, got {value!r}")
        merged = dict(current.retry_minutes)
        allowed = [str(d) for d in RETRYABLE]
        for code, minutes in value.items():
            norm = str(code).strip().lower().replace("-", "_")
            if norm not in allowed:
                raise UsageError(
                    f"retry_minutes: '{code}' is not one of {', '.join(allowed)}"
                    f"{suggest(norm, allowed)}"
                )
            merged[norm] = _int(f"retry_minutes.{norm}", minutes, 1, 60 * 24 * 90, " min")
        return merged
    raise UsageError(f"unknown campaign setting '{key}'")  # pragma: no cover - guarded above
