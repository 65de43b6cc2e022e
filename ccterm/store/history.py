"""What the attempts table says about a campaign's recent calls, read once at the daemon's start.

The abandon-rate windows are rebuilt from `connected_at` and `abandoned_at`
(the stored truth), and a restarted pacer replays the campaign's last calls,
so neither the compliance counts nor what the pacer learnt die with the daemon.
Both reads are range scans of the `attempts_campaign` index.
"""

from __future__ import annotations

from dataclasses import dataclass

from ccterm.store.db import Store

# A connect or an abandon comes at most a ring timeout (<= 180 s) plus the safe harbor
# after its attempt started: an hour of slack keeps the scan on started_at.
_SLACK = 3600.0


async def live_answers(store: Store, campaign_id: int, since: float) -> list[tuple[float, bool]]:
    """(when, abandoned) of the campaign's live answers after `since`, oldest first."""
    rows = await store.fetchall(
        "SELECT connected_at, abandoned_at FROM attempts"
        " WHERE campaign_id = ? AND started_at > ?"
        " AND (connected_at > ? OR abandoned_at > ?)",
        (campaign_id, since - _SLACK, since, since),
    )
    out: list[tuple[float, bool]] = []
    for connected_at, abandoned_at in rows:
        if abandoned_at is not None and abandoned_at > since:
            out.append((abandoned_at, True))
        elif connected_at is not None and connected_at > since:
            out.append((connected_at, False))
    out.sort()
    return out


@dataclass(frozen=True, slots=True)
class PastCall:
    """One finished attempt, as the pacer would have seen it live."""

    ring: float  # seconds from dialling to the answer, or to the end when nobody answered
    human: bool  # a person answered (connected or abandoned)
    talk: float | None  # connected -> ended
    wrap: float | None  # ended -> the agent's disposition
    cut: bool = False  # hung up by us still ringing: nobody had answered by then, no more


async def recent_calls(store: Store, campaign_id: int, limit: int) -> list[PastCall]:
    """The campaign's last `limit` finished attempts, oldest first (calls a restart cut are left
    out: their end is the restart, not the call's)."""
    rows = await store.fetchall(
        "SELECT a.started_at, a.answered_at, a.connected_at, a.abandoned_at, a.ended_at, a.outcome,"
        " (SELECT min(d.at) FROM dispositions d WHERE d.attempt_id = a.id"
        "  AND d.agent != 'dialer') AS disposed_at"
        " FROM attempts a WHERE a.campaign_id = ? AND a.ended_at IS NOT NULL"
        " AND a.outcome != 'failed' ORDER BY a.started_at DESC LIMIT ?",
        (campaign_id, limit),
    )
    calls: list[PastCall] = []
    for started, answered, connected, abandoned, ended, outcome, disposed in reversed(rows):
        talk = ended - connected if connected is not None else None
        wrap = disposed - ended if connected is not None and disposed is not None else None
        calls.append(
            PastCall(
                ring=(answered if answered is not None else ended) - started,
                human=connected is not None or abandoned is not None,
                talk=talk,
                wrap=wrap,
                cut=outcome == "cancelled" and answered is None,
            )
        )
    return calls
