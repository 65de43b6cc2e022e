"""Campaign reports: progress, the funnel, statuses, attempts and the quality of the list.

Progress counts each lead once, in the bucket `model.lead_bucket` gives it: the
same definition `campaign show` and the agent's desk use, so the parts always add
up to the number of contacts. The funnel counts contacts at each step (tried,
answered, a target call, each funnel tag) with the calls beside them; a target call
is a talk with an agent of at least `target_seconds`, as the agent report counts it.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

import aiosqlite

from ccterm.model import OPEN_BUCKETS, Campaign, LeadBucket, bucket_counts, lead_bucket
from ccterm.store.db import Store


def _share(part: int, whole: int) -> float:
    return round(part / whole, 4) if whole else 0.0


# Leads grouped by everything lead_bucket looks at; times only as "due by now or not".
_BUCKET_GROUPS = (
    "SELECT state, blocked != 0, last_disposition,"
    " CASE WHEN callback_at IS NULL THEN NULL WHEN callback_at <= :now THEN 0 ELSE 1 END,"
    " next_at > :now, count(*), coalesce(sum(attempts), 0), coalesce(sum(attempts > 0), 0)"
    " FROM leads WHERE campaign_id = :campaign GROUP BY 1, 2, 3, 4, 5"
)


@dataclass(frozen=True, slots=True)
class LeadCounts:
    buckets: dict[str, int]  # every bucket of model.LEAD_BUCKETS, in order
    last_dispositions: dict[str, int]  # "new" for leads never disposed; most first
    attempts: int  # attempts made, over all leads
    tried: int  # leads with at least one attempt


async def lead_counts(db: aiosqlite.Connection, campaign_id: int, now: float) -> LeadCounts:
    """A campaign's leads counted, each in its one bucket, in one pass over its leads.

    SQLite groups the leads by lead_bucket's inputs (a few dozen groups for any list
    size); each group is classified once, with a time standing for its side of now.
    """
    pairs: list[tuple[LeadBucket, int]] = []
    last: Counter[str] = Counter()
    attempts = tried = 0
    async with db.execute(_BUCKET_GROUPS, {"now": now, "campaign": campaign_id}) as cursor:
        async for state, blocked, code, callback_later, later, n, made, leads_tried in cursor:
            callback_at = None if callback_later is None else now + callback_later
            pairs.append((lead_bucket(state, blocked, callback_at, now + later, code, now), n))
            last[code or "new"] += n
            attempts += made
            tried += leads_tried
    by_count = dict(sorted(last.items(), key=lambda item: (-item[1], item[0])))  # ties: by name
    return LeadCounts(bucket_counts(pairs), by_count, attempts, tried)


# A campaign's calls, from its own rows of attempts (attempts_campaign): answered and
# target calls, and the contacts (one lead each in a campaign) that had any.
_CALLS = (
    "SELECT count(*), coalesce(sum(answered_at IS NOT NULL), 0),"
    " count(DISTINCT CASE WHEN answered_at IS NOT NULL THEN lead_id END),"
    " coalesce(sum(connected_at IS NOT NULL"
    "  AND coalesce(ended_at, :now) - connected_at >= :target), 0),"
    " count(DISTINCT CASE WHEN connected_at IS NOT NULL"
    "  AND coalesce(ended_at, :now) - connected_at >= :target THEN lead_id END)"
    " FROM attempts WHERE campaign_id = :campaign"
)
# Tagged dispositions, reached through the campaign's leads (leads_campaign, then
# dispositions_lead): never a pass over every campaign's history. A call disposed twice
# (wrap-up ran out, then the agent) counts once; a disposition from the list is its own.
_CALL_KEY = "coalesce(d.attempt_id, -d.id)"
_TAGGED = (
    f"SELECT count(DISTINCT d.lead_id), count(DISTINCT {_CALL_KEY})"
    " FROM leads l JOIN dispositions d ON d.lead_id = l.id"
    " WHERE l.campaign_id = :campaign AND d.tags != '[]'"
)
_BY_TAG = (
    f"SELECT t.value, count(DISTINCT d.lead_id), count(DISTINCT {_CALL_KEY})"
    " FROM leads l JOIN dispositions d ON d.lead_id = l.id, json_each(d.tags) t"
    " WHERE l.campaign_id = :campaign AND d.tags != '[]' GROUP BY t.value"
)


async def funnel(
    db: aiosqlite.Connection, campaign: Campaign, leads: LeadCounts, now: float
) -> tuple[dict[str, Any], int]:
    """The funnel, and the campaign's calls (for its attempts). Contacts at each step,
    calls beside them; every tag of the campaign in its order, then any tag found on calls
    that the campaign no longer has (marked `former`: its calls still happened)."""
    params = {"campaign": campaign.id, "now": now, "target": campaign.settings.target_seconds}
    async with db.execute(_CALLS, params) as cursor:
        row = await cursor.fetchone()
    assert row is not None
    calls, answered_calls, answered, target_calls, target = row
    async with db.execute(_TAGGED, params) as cursor:
        row = await cursor.fetchone()
    assert row is not None
    tagged, tagged_calls = row
    async with db.execute(_BY_TAG, params) as cursor:
        found = {tag: (contacts, n) for tag, contacts, n in await cursor.fetchall()}
    tags: dict[str, dict[str, Any]] = {}
    for tag in campaign.settings.tags:
        contacts, n = found.pop(tag, (0, 0))
        tags[tag] = {"contacts": contacts, "calls": n}
    for tag, (contacts, n) in sorted(found.items()):
        tags[tag] = {"contacts": contacts, "calls": n, "former": True}
    counts = {
        "contacts": sum(leads.buckets.values()),
        "tried": leads.tried,
        "answered": answered,
        "answered_calls": answered_calls,
        "target": target,
        "target_calls": target_calls,
        "target_seconds": campaign.settings.target_seconds,
        "tagged": tagged,
        "tagged_calls": tagged_calls,
        "tags": tags,
    }
    return counts, calls


def progress(leads: LeadCounts) -> dict[str, Any]:
    """Every bucket, the total they add up to, those still to call, those tried, the done share:
    what `campaign show`, the report and the wallboard print."""
    counts = leads.buckets
    total = sum(counts.values())
    return {
        "total": total,
        **counts,
        "open": sum(counts[b] for b in OPEN_BUCKETS),
        "tried": leads.tried,
        "done_share": _share(counts["done"], total),
    }


async def campaign_progress(store: Store, campaign_ids: list[int]) -> dict[int, dict[str, Any]]:
    """Each campaign's progress (the wallboard's column), one grouped read of its leads each."""
    now = store.clock.now()
    async with store.connection() as db:
        return {cid: progress(await lead_counts(db, cid, now)) for cid in campaign_ids}


async def campaign_report(store: Store, campaign: Campaign) -> dict[str, Any]:
    """Everything `ccterm report CAMPAIGN` shows; each query reads only this campaign's rows."""
    cid = campaign.id
    now = store.clock.now()
    async with store.connection() as db:
        leads = await lead_counts(db, cid, now)
        funnel_counts, calls = await funnel(db, campaign, leads, now)
        counts, statuses = leads.buckets, leads.last_dispositions
        total = sum(counts.values())
        exhausted, blocked = counts["exhausted"], counts["blocked"]
        async with db.execute(
            "SELECT coalesce(sum(d.e164 IS NOT NULL), 0),"
            " coalesce(sum(m.mark = 'wrong_number'), 0), coalesce(sum(m.mark = 'fax'), 0)"
            " FROM leads l JOIN contacts c ON c.id = l.contact_id"
            " LEFT JOIN dnc d ON d.e164 = c.e164 LEFT JOIN number_marks m ON m.e164 = c.e164"
            " WHERE l.campaign_id = ? AND l.blocked = 1",
            (cid,),
        ) as cursor:
            row = await cursor.fetchone()
        assert row is not None
        dnc, wrong, fax = row
        async with db.execute(
            "SELECT count(*), coalesce(sum(rows), 0), coalesce(sum(imported), 0),"
            " coalesce(sum(duplicates), 0), coalesce(sum(invalid), 0)"
            " FROM imports WHERE campaign_id = ?",
            (cid,),
        ) as cursor:
            row = await cursor.fetchone()
        assert row is not None
        imports, rows, imported, duplicates, invalid = row
        # answered calls whose agent let wrap-up run out, still waiting for a result: by agent
        async with db.execute(
            "SELECT d.agent, count(*) FROM leads l JOIN dispositions d ON d.id ="
            " (SELECT max(id) FROM dispositions WHERE lead_id = l.id)"
            " WHERE l.campaign_id = ? AND l.last_disposition = 'not_disposed'"
            " AND d.code = 'not_disposed' GROUP BY d.agent ORDER BY 2 DESC, 1",
            (cid,),
        ) as cursor:
            undisposed = {agent: n for agent, n in await cursor.fetchall()}
    return {
        "campaign": campaign.name,
        "status": str(campaign.status),
        "mode": str(campaign.settings.mode),
        "progress": progress(leads),
        "funnel": funnel_counts,
        "dispositions": statuses,
        "not_disposed_by": undisposed,
        "attempts": {
            "total": leads.attempts,
            "calls": calls,
            "answered": funnel_counts["answered_calls"],
        },
        "quality": {
            "imports": imports,
            "rows": rows,
            "imported": imported,
            "duplicates": duplicates,
            "invalid": invalid,
            "invalid_share": _share(invalid, rows),
            "duplicate_share": _share(duplicates, rows),
            "wrong_number": wrong,
            "wrong_share": _share(wrong, total),
            "fax": fax,
            "fax_share": _share(fax, total),
            "do_not_call": dnc,
            "blocked": blocked,
            "blocked_share": _share(blocked, total),
            "no_such_number": counts["no_such_number"],
            "no_such_number_share": _share(counts["no_such_number"], total),
            "unreachable": exhausted,
            "unreachable_share": _share(exhausted, total),
        },
    }
