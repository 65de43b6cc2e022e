"""How a campaign reads on the terminal: its settings, its progress, its pacing, its report.

`campaign show` and `report` print progress from the same counts (the buckets of
`model.lead_bucket`, with the same labels), so the two always agree.
"""

from __future__ import annotations

import csv
import sys
from typing import Any

from ccterm.model import BUCKET_LABELS, LEAD_BUCKETS, OPEN_BUCKETS
from ccterm.textout import echo, when

# What a bucket's count means, where its label alone may not say.
_BUCKET_NOTES = {
    "no_such_number": "the network says it does not exist",
    "exhausted": "the attempt cap was reached",
    "blocked": "do-not-call, wrong number or fax: never dialled",
}


def percent_text(fraction: float) -> str:
    """0.025 -> '2.5 %', 0.03 -> '3 %': the unit the CLI takes and shows rates in."""
    return f"{round(fraction * 100, 2):g} %"


def delay_text(minutes: int) -> str:
    """A retry delay in the notation --retry takes: 30m, 2h, 1d."""
    if minutes % 1440 == 0:
        return f"{minutes // 1440}d"
    if minutes % 60 == 0:
        return f"{minutes // 60}h"
    return f"{minutes}m"


def progress_summary(p: dict[str, Any]) -> str:
    """One line: the contacts and every bucket that holds any, e.g. '292: 280 ready, 2 blocked'."""
    parts = [f"{p[str(b)]:,} {BUCKET_LABELS[b]}" for b in LEAD_BUCKETS if p[str(b)]]
    return f"{p['total']:,}" + (f": {', '.join(parts)}" if parts else "")


def progress_lines(p: dict[str, Any]) -> list[str]:
    """Every bucket on its own line, under the total they add up to; the open ones
    (still to call) first, with their sum."""

    def line(label: str, count: int, note: str = "", indent: int = 2) -> str:
        text = f"{' ' * indent}{label:<{20 - indent}}{count:>9,}"
        return text + (f"  ({note})" if note else "")

    lines = [line("contacts", p["total"], "each counted once, below")]
    lines.append(line("still to call", p["open"]))
    lines += [
        line(BUCKET_LABELS[b], p[str(b)], indent=4) for b in LEAD_BUCKETS if b in OPEN_BUCKETS
    ]
    lines.append(line("closed", p["total"] - p["open"]))
    for bucket in LEAD_BUCKETS:
        if bucket not in OPEN_BUCKETS:
            note = _BUCKET_NOTES.get(str(bucket), "")
            if bucket == "done":
                note = f"{p['done_share'] * 100:.1f} % of contacts"
            lines.append(line(BUCKET_LABELS[bucket], p[str(bucket)], note, indent=4))
    return lines


def _cut(s: dict[str, Any]) -> str:
    if s["mode"] not in ("predictive", "precise"):
        return "-"
    cut = s.get("cut_after", 0)
    if not cut or cut >= s["ring_timeout"]:
        return "never (lines ring to the ring timeout)"
    return f"after {cut} s when no agent is free"


def print_campaign(
    c: dict[str, Any], progress: dict[str, Any] | None = None, shown: dict[str, Any] | None = None
) -> None:
    s = c["settings"]
    retry = ", ".join(
        f"{k.replace('_', ' ')} {delay_text(v)}" for k, v in sorted(s["retry_minutes"].items())
    )
    lines = [
        ("campaign", c["name"]),
        (
            "status",
            c["status"] + (f", archived {when(c['archived_at'])}" if c.get("archived_at") else ""),
        ),
        ("mode", s["mode"]),
        ("start", when(c["start_at"])),
        ("end", when(c["end_at"])),
        ("caller id", s["caller_id"] or "(the trunk's)"),
        ("groups", ", ".join(s["groups"]) or "-"),
        ("agents", ", ".join(s["agents"]) or "-"),
        ("lead order", s["lead_order"]),
        ("ring timeout", f"{s['ring_timeout']} s"),
        ("wrap-up", f"{s['wrapup_seconds']} s, then {s['wrapup_default'].replace('_', ' ')}"),
        ("max attempts", s["max_attempts"]),
        ("retry after", retry),
        ("target call", f">= {s['target_seconds']} s"),
        ("tags", ", ".join(s["tags"]) or "-"),
        ("dial ratio", s["dial_ratio"]),
        ("dial order", s["dial_order"].replace("_", " ")),
        ("abandon cap", percent_text(s["abandon_cap"])),
        ("safe harbor", f"{s['safe_harbor']:g} s"),
        ("cut ringing", _cut(s)),
        ("on abandon", f"play {s['abandon_message']}" if s["abandon_message"] else "no message"),
        ("pace ratio", f"{s['ratio_override']:g} (set by hand)" if s["ratio_override"] else "auto"),
        ("script", f"{len(s['script'].splitlines())} lines" if s["script"] else "-"),
    ]
    if progress is not None:
        lines.append(("contacts", progress_summary(progress)))
    if shown is not None:
        if shown.get("pacing") is not None:
            lines.append(("pacing", pacing_text(shown["pacing"])))
        if shown.get("abandons") is not None:
            lines.append(("abandons", abandons_text(shown["abandons"])))
    width = max(len(k) for k, _ in lines)
    for key, value in lines:
        echo(f"{key.ljust(width)}  {value}")


def _percent(share: float) -> str:
    return f"{share * 100:.0f} %" if share >= 0.1 or share == 0 else f"{share * 100:.1f} %"


def _minutes(seconds: float) -> str:
    whole = round(seconds)
    return f"{whole // 60}:{whole % 60:02d}"


def pacing_text(p: dict[str, Any]) -> str:
    """One line: how the campaign paces now and from what (campaign.pacing's `pacing`)."""
    policy = p["policy"]
    seen = ""  # power, or a pacer still learning: no rates of its own yet
    if p.get("answer_rate") or p.get("mean_talk"):
        seen = f"answer rate {_percent(p['answer_rate'])}, mean talk {_minutes(p['mean_talk'])}, "
    if policy.startswith("power:"):
        return (
            f"power, {p['lines_per_agent']} line(s) per free agent — {seen}"
            f"agents free {p['idle']}, ringing {p['ringing']}, waiting {p['waiting']}"
        )
    head = f"{policy} (set by hand)" if p.get("override") else policy
    free = f"agents free {p['idle']}"
    if p["learning"]:
        head += f" — {p['learning']}; pacing as progressive"
    elif p["policy"].startswith(("predictive", "precise")):
        free += f" (+{p['soon_free']:.1f} soon)"
    parts = [
        free,
        f"ringing {p['ringing']}",
        f"dialling {p['dial']} now",
        f"ratio {p['ratio']:.1f}",
    ]
    if p["waiting"]:
        parts.insert(3, f"waiting {p['waiting']}")
    if p.get("drop"):
        parts.insert(3, f"cutting {p['drop']} (rang the legal minimum, no agent free)")
    if p["threshold"]:
        parts.append(f"risk {_percent(p['risk'])} (threshold {_percent(p['threshold'])})")
    return f"{head} — {seen}{', '.join(parts)}"


def abandons_text(a: dict[str, Any]) -> str:
    """One line: the abandon rate over 24 hours and 30 days, against the cap."""

    def one(label: str, w: dict[str, Any]) -> str:
        return f"{label} {w['rate'] * 100:.1f} % ({w['abandoned']:,} of {w['answered']:,})"

    return f"{one('24 h', a['day'])}, {one('30 days', a['month'])}, cap {percent_text(a['cap'])}"


def row(label: str, count: int, note: str = "") -> str:
    """One aligned line of a section, as progress_lines aligns its own."""
    return f"  {label:<18}{count:>9,}" + (f"  {note}" if note else "")


def _pct(share: float) -> str:
    return f"{share * 100:5.1f} %"


def _of(part: int, whole: int, what: str) -> str:
    return f"{_pct(part / whole if whole else 0.0)} of {what}"


def _calls(n: int, what: str = "call") -> str:
    return f"{n:,} {what}{'' if n == 1 else 's'}"


def funnel_lines(data: dict[str, Any]) -> list[str]:
    """The funnel in contacts, each step a share of the one before, the calls beside; then
    each funnel tag, and the contacts by status (their last disposition)."""
    f, attempts = data["funnel"], data["attempts"]["total"]
    contacts, tried, answered = f["contacts"], f["tried"], f["answered"]
    target = f"{_calls(f['target_calls'])} of {f['target_seconds']} s or more"
    lines = [
        "Funnel (contacts; calls beside)",
        row("contacts", contacts),
        row("tried", tried, f"{_of(tried, contacts, 'contacts')}; {_calls(attempts, 'attempt')}"),
        row(
            "answered", answered, f"{_of(answered, tried, 'tried')}; {_calls(f['answered_calls'])}"
        ),
        row("target call", f["target"], f"{_of(f['target'], answered, 'answered')}; {target}"),
    ]
    if not f["tags"]:
        hint = f"ccterm campaign edit '{data['campaign']}' --tag NAME"
        lines.append(f"  {'tagged':<18}{'-':>9}  no funnel tags: a supervisor adds them ({hint})")
    else:
        share = _of(f["tagged"], answered, "answered")
        lines.append(row("tagged", f["tagged"], f"{share}; {_calls(f['tagged_calls'])}"))
    for tag, n in f["tags"].items():
        note = f"{_of(n['contacts'], answered, 'answered')}; {_calls(n['calls'])}"
        former = "; no longer a tag" if n.get("former") else ""
        lines.append(sub_row(tag, n["contacts"], note + former))
    lines.append("  by status (each contact's last disposition)")
    for code, count in data["dispositions"].items():
        lines.append(sub_row(code.replace("_", " "), count))
    return lines


def sub_row(label: str, count: int, note: str = "") -> str:
    """A line under a line of `row`, indented, its count in the same column."""
    return f"    {label:<16}{count:>9,}" + (f"  {note}" if note else "")


def print_campaign_csv(data: dict[str, Any]) -> None:
    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow(["section", "metric", "value"])
    writer.writerow(["campaign", "name", data["campaign"]])
    writer.writerow(["campaign", "status", data["status"]])
    writer.writerow(["campaign", "mode", data["mode"]])
    for section in ("progress", "dispositions", "not_disposed_by", "attempts", "quality"):
        for key, value in data[section].items():
            writer.writerow([section, key, value])
    for key, value in data["funnel"].items():
        if key != "tags":
            writer.writerow(["funnel", key, value])
    for tag, counts in data["funnel"]["tags"].items():  # "tag:" first: never a formula
        for key, value in counts.items():
            writer.writerow(["funnel", f"tag:{tag}:{key}", value])


def print_campaign_text(data: dict[str, Any]) -> None:
    p, q = data["progress"], data["quality"]
    echo(f"Campaign '{data['campaign']}' — {data['status']}, {data['mode']}")
    echo("")
    echo("Progress")
    for line in progress_lines(p):
        echo(line)
    echo("")
    for line in funnel_lines(data):
        echo(line)
    if data.get("not_disposed_by"):
        echo("")
        echo("Not disposed (answered, wrap-up ran out): by agent")
        for agent, count in data["not_disposed_by"].items():
            echo(row(agent, count))
    echo("")
    echo("List quality")
    echo(row("rows read", q["rows"], f"in {q['imports']} import(s)"))
    echo(row("invalid", q["invalid"], f"{_pct(q['invalid_share'])} of rows"))
    echo(row("duplicates", q["duplicates"], f"{_pct(q['duplicate_share'])} of rows"))
    for label, key, share in (
        ("wrong number", "wrong_number", "wrong_share"),
        ("fax", "fax", "fax_share"),
        ("do-not-call", "do_not_call", None),
        ("blocked", "blocked", "blocked_share"),
        ("no such number", "no_such_number", "no_such_number_share"),
        ("no more tries", "unreachable", "unreachable_share"),
    ):
        echo(row(label, q[key], f"{_pct(q[share])} of contacts" if share else ""))
