"""Campaign reports: progress, statuses, attempts and the quality of the list."""

from __future__ import annotations

from typing import Any

from ccterm.model import Campaign
from ccterm.store.db import Store


def _share(part: int, whole: int) -> float:
    return round(part / whole, 4) if whole else 0.0


async def campaign_report(store: Store, campaign: Campaign) -> dict[str, Any]:
    cid = campaign.id
    async with store.connection() as db:
        async with db.execute(
            "SELECT count(*),"
            " coalesce(sum(state IN ('ready', 'waiting', 'dialing') AND blocked = 0), 0),"
            " coalesce(sum(state = 'ready' AND blocked = 0), 0),"
            " coalesce(sum(state = 'waiting' AND blocked = 0), 0),"
            " coalesce(sum(state = 'done'), 0),"
            " coalesce(sum(state = 'exhausted'), 0),"
            " coalesce(sum(blocked), 0),"
            " coalesce(sum(attempts), 0),"
            " coalesce(sum(attempts > 0), 0),"
            " coalesce(sum(callback_at IS NOT NULL AND state IN ('ready', 'waiting')), 0)"
            " FROM leads WHERE campaign_id = ?",
            (cid,),
        ) as cursor:
            row = await cursor.fetchone()
        assert row is not None
        total, dialable, ready, waiting, done, exhausted, blocked, attempts, tried, callbacks = row
        async with db.execute(
            "SELECT coalesce(last_disposition, 'new'), count(*) FROM leads WHERE campaign_id = ?"
            " GROUP BY 1 ORDER BY 2 DESC",
            (cid,),
        ) as cursor:
            statuses = {code: n for code, n in await cursor.fetchall()}
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
        async with db.execute(
            "SELECT count(*), coalesce(sum(answered_at IS NOT NULL), 0) FROM attempts"
            " WHERE campaign_id = ?",
            (cid,),
        ) as cursor:
            row = await cursor.fetchone()
        assert row is not None
        calls, answered = row
    return {
        "campaign": campaign.name,
        "status": str(campaign.status),
        "mode": str(campaign.settings.mode),
        "progress": {
            "total": total,
            "dialable": dialable,
            "ready": ready,
            "waiting": waiting,
            "callbacks": callbacks,
            "done": done,
            "exhausted": exhausted,
            "blocked": blocked,
            "tried": tried,
            "done_share": _share(done, total),
        },
        "dispositions": statuses,
        "attempts": {"total": attempts, "calls": calls, "answered": answered},
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
            "unreachable": exhausted,
            "unreachable_share": _share(exhausted, total),
        },
    }
