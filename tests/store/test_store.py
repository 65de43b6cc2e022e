"""The store: schema versions, one-transaction imports, the lead pick, do-not-call."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from ccterm.clock import VirtualClock
from ccterm.errors import Conflict, UsageError
from ccterm.model import CampaignStatus
from ccterm.settings import CampaignSettings, LeadOrder
from ccterm.store import campaigns, dnc, imports
from ccterm.store.db import Store, StoreError
from ccterm.store.leads import PICK_SQL, peek_next, promote_due
from ccterm.store.schema import SCHEMA_VERSION
from tests.store.conftest import land, lead


async def test_schema_is_versioned_and_wal(store: Store, tmp_path: Path) -> None:
    assert await store.scalar("PRAGMA user_version") == SCHEMA_VERSION
    assert await store.scalar("PRAGMA journal_mode") == "wal"
    assert await store.scalar("PRAGMA foreign_keys") == 1
    await store.close()
    again = await Store.open(tmp_path / "db" / "ccterm.db", VirtualClock())  # reopen: no re-run
    assert await again.scalar("PRAGMA user_version") == SCHEMA_VERSION
    await again.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 5}")
    await again.close()
    with pytest.raises(StoreError) as caught:
        await Store.open(tmp_path / "db" / "ccterm.db", VirtualClock())
    assert "newer than this ccterm" in caught.value.message


async def test_not_a_database_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "junk.db"
    path.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(StoreError) as caught:
        await Store.open(path, VirtualClock())
    assert "not a usable ccterm database" in caught.value.message


async def test_import_counts_against_the_whole_base(store: Store) -> None:
    await dnc.add(store, ["+48601000003"], reason="asked", actor="sup")
    await store.execute(
        "INSERT INTO number_marks (e164, mark, set_at) VALUES ('+48601000004', 'fax', 0)"
    )
    first = await land(
        store,
        "spring",
        [
            lead(2, "+48601000001"),
            lead(3, "+48601000002"),
            lead(4, "+48601000003"),
            lead(5, "+48601000004"),
        ],
        invalid=2,
        file_dups=1,
    )
    assert (first.rows, first.imported, first.duplicates, first.invalid, first.blocked) == (
        7,
        4,
        1,
        2,
        2,
    )
    assert first.campaign_created and first.campaign is not None
    # a second file, into another campaign, overlapping the first
    second = await land(
        store, "summer", [lead(2, "+48601000002"), lead(3, "+48601000005"), lead(4, "+48601000003")]
    )
    assert (second.imported, second.duplicates, second.blocked) == (1, 2, 0)
    assert await store.scalar("SELECT count(*) FROM contacts") == 5
    assert await store.scalar("SELECT count(*) FROM leads") == 5
    blocked = await store.fetchall(
        "SELECT c.e164 FROM leads l JOIN contacts c ON c.id = l.contact_id WHERE l.blocked = 1"
    )
    assert sorted(r[0] for r in blocked) == ["+48601000003", "+48601000004"]


async def test_dry_run_counts_and_writes_nothing(store: Store) -> None:
    await land(store, "a", [lead(2, "+48601000001")])
    await dnc.add(store, ["+48601000009"], reason="", actor="x")
    result = await land(
        store,
        "b",
        [lead(2, "+48601000001"), lead(3, "+48601000009"), lead(4, "+48601000010")],
        dry_run=True,
    )
    assert (result.imported, result.duplicates, result.blocked) == (2, 1, 1)
    assert result.campaign is None and result.import_id is None
    assert await store.scalar("SELECT count(*) FROM contacts") == 1
    assert await store.scalar("SELECT count(*) FROM campaigns") == 1


async def test_malformed_rows_are_refused_whole(store: Store) -> None:
    staging = await imports.begin(store)
    for bad in (
        [2, "48601000001", "", {}, "", 0],
        [2, "+48601abc", "", {}, "", 0],
        [2, "+48601000001", "", "not an object", "", 0],
        [None, "+48601000001", "", {}, "", 0],
        [2, "+48601000001", "", {}, "", 0.5],
        {"row": 2},
    ):
        with pytest.raises(sqlite3.Error):
            await imports.add(store, staging, [lead(3, "+48601000002"), bad])
    assert await store.scalar(f"SELECT count(*) FROM {staging.table}") == 0
    await imports.drop(store, staging)


async def test_counts_that_do_not_add_up_are_refused(store: Store) -> None:
    staging = await imports.begin(store)
    await imports.add(store, staging, [lead(2, "+48601000001")])
    with pytest.raises(UsageError):
        await imports.commit(
            store,
            staging,
            campaign_name="x",
            new_settings=CampaignSettings(),
            file_name="x",
            columns=[],
            region="PL",
            rows=5,
            invalid=0,
            file_duplicates=0,
            actor="root",
            authorize=lambda c: None,
        )


async def test_a_refused_import_leaves_nothing(store: Store) -> None:
    staging = await imports.begin(store)
    await imports.add(store, staging, [lead(2, "+48601000001")])

    def refuse(_campaign: object) -> None:
        raise PermissionError("not yours")

    with pytest.raises(PermissionError):
        await imports.commit(
            store,
            staging,
            campaign_name="x",
            new_settings=CampaignSettings(),
            file_name="x",
            columns=[],
            region="PL",
            rows=1,
            invalid=0,
            file_duplicates=0,
            actor="root",
            authorize=refuse,
        )
    for table in ("campaigns", "contacts", "leads", "imports"):
        assert await store.scalar(f"SELECT count(*) FROM {table}") == 0


@pytest.mark.parametrize(
    ("order", "expected"),
    [
        (LeadOrder.OLDEST, ["+48601000001", "+48601000002", "+48601000003"]),
        (LeadOrder.NEWEST, ["+48601000003", "+48601000002", "+48601000001"]),
        (LeadOrder.PRIORITY, ["+48601000002", "+48601000003", "+48601000001"]),
    ],
)
async def test_pick_follows_the_lead_order(
    store: Store, order: LeadOrder, expected: list[str]
) -> None:
    await land(
        store,
        "c",
        [
            lead(2, "+48601000001", priority=0),
            lead(3, "+48601000002", priority=9),
            lead(4, "+48601000003", priority=5),
        ],
        settings=CampaignSettings(lead_order=order),
    )
    picked = []
    async with store.connection() as db:
        cid = (await campaigns.find(db, "c")).id  # type: ignore[union-attr]
        for _ in range(3):
            row = await peek_next(db, cid)
            assert row is not None
            picked.append(
                await (
                    await db.execute("SELECT e164 FROM contacts WHERE id = ?", (row["contact_id"],))
                ).fetchone()
            )
            await db.execute("UPDATE leads SET state = 'dialing' WHERE id = ?", (row["id"],))
        assert await peek_next(db, cid) is None
    assert [p[0] for p in picked] == expected


async def test_changing_the_order_resorts_and_due_callbacks_come_first(store: Store) -> None:
    await land(
        store,
        "c",
        [
            lead(2, "+48601000001", priority=1),
            lead(3, "+48601000002", priority=2),
            lead(4, "+48601000003", priority=3),
        ],
    )
    await campaigns.edit(store, "c", changes={"lead_order": "priority"}, actor="root")
    async with store.connection() as db:
        cid = (await campaigns.find(db, "c")).id  # type: ignore[union-attr]
        first = await peek_next(db, cid)
        assert first is not None and first["contact_id"] == 3
        # contact 1 gets a callback due in an hour: it waits, then jumps the queue
        now = store.clock.now()
        await db.execute(
            "UPDATE leads SET state = 'waiting', next_at = ?, callback_at = ? WHERE contact_id = 1",
            (now + 3600, now + 3600),
        )
        assert await promote_due(db, now) == 0
        assert (await peek_next(db, cid))["contact_id"] == 3  # type: ignore[index]
        assert await promote_due(db, now + 3600) == 1
        assert (await peek_next(db, cid))["contact_id"] == 1  # type: ignore[index]


async def test_pick_is_one_index_seek(store: Store) -> None:
    rows = await store.fetchall("EXPLAIN QUERY PLAN " + PICK_SQL, (1,))
    plan = " ".join(r["detail"] for r in rows)
    assert "USING INDEX leads_ready" in plan and "TEMP B-TREE" not in plan


async def test_attempt_cap_edit_exhausts_and_restores(store: Store) -> None:
    await land(store, "c", [lead(2, "+48601000001"), lead(3, "+48601000002")])
    await store.execute("UPDATE leads SET attempts = 3 WHERE contact_id = 1")
    await campaigns.edit(store, "c", changes={"max_attempts": 3}, actor="root")
    assert await store.scalar("SELECT state FROM leads WHERE contact_id = 1") == "exhausted"
    await campaigns.edit(store, "c", changes={"max_attempts": 4}, actor="root")
    async with store.connection() as db:
        await promote_due(db, store.clock.now())
    assert await store.scalar("SELECT state FROM leads WHERE contact_id = 1") == "ready"


async def test_dnc_blocks_and_unblocks_leads_everywhere(store: Store) -> None:
    await land(store, "a", [lead(2, "+48601000001")])
    first = await dnc.add(store, ["+48601000001", "+48601000002"], reason="asked", actor="s")
    assert first == dnc.DncChange(2, {1: [(1, True)]})
    assert await dnc.add(store, ["+48601000001"], reason="again", actor="s") == dnc.DncChange(0, {})
    assert await store.scalar("SELECT blocked FROM leads") == 1
    assert await dnc.listed(store, ["+48601000001", "+48601000003"]) == {"+48601000001"}
    removed = await dnc.remove(store, ["+48601000001"], actor="s")
    assert removed == dnc.DncChange(1, {1: [(1, False)]})
    assert await store.scalar("SELECT blocked FROM leads") == 0
    # a fax mark keeps it blocked after the do-not-call entry goes
    await dnc.add(store, ["+48601000001"], reason="", actor="s")
    await store.execute(
        "INSERT INTO number_marks (e164, mark, set_at) VALUES ('+48601000001', 'fax', 0)"
    )
    assert await dnc.remove(store, ["+48601000001"], actor="s") == dnc.DncChange(1, {})
    assert await store.scalar("SELECT blocked FROM leads") == 1
    total, entries = await dnc.entries(store)
    assert total == 1 and entries[0]["e164"] == "+48601000002"


async def test_dnc_statements_seek_by_index_per_number(store: Store) -> None:
    """Linear in the batch: no statement scans the list, the contacts or the leads."""
    await land(store, "a", [lead(2, "+48601000001")])
    plans = {}
    for name in ("LIST", "BLOCK", "UNLIST", "UNBLOCK"):
        sql = getattr(dnc, name)
        rows = await store.fetchall("EXPLAIN QUERY PLAN " + sql, ("[]",) * sql.count("?"))
        plans[name] = [r["detail"] for r in rows]
    every = [step for steps in plans.values() for step in steps]
    assert not [s for s in every if s.startswith("SCAN") and "json_each" not in s], plans
    assert "SEARCH leads USING INDEX sqlite_autoindex_leads_1 (contact_id=?)" in plans["BLOCK"]
    assert "SEARCH dnc USING PRIMARY KEY (e164=?)" in plans["UNLIST"]
    assert any(s.startswith("SEARCH leads USING INDEX") for s in plans["UNBLOCK"]), plans


async def test_campaign_lifecycle_on_the_clock(store: Store) -> None:
    clock = store.clock
    assert isinstance(clock, VirtualClock)
    now = clock.now()
    c = await campaigns.create(
        store,
        name="Spring",
        settings=CampaignSettings(),
        start_at=now + 60,
        end_at=now + 120,
        actor="root",
    )
    assert c.status is CampaignStatus.SCHEDULED
    with pytest.raises(Conflict):
        await campaigns.create(
            store,
            name="spring",
            settings=CampaignSettings(),
            start_at=now,
            end_at=None,
            actor="root",
        )
    clock.advance(60)
    assert [x.status for x in await campaigns.apply_clock(store)] == [CampaignStatus.RUNNING]
    paused = await campaigns.act(store, "spring", "pause", actor="root")
    assert paused.status is CampaignStatus.PAUSED
    clock.advance(60)
    assert [x.status for x in await campaigns.apply_clock(store)] == [CampaignStatus.FINISHED]
    with pytest.raises(Conflict):
        await campaigns.edit(store, "Spring", changes={"ring_timeout": 30}, actor="root")
    copy = await campaigns.copy(store, "spring", "Spring 2", actor="root")
    assert copy.status is CampaignStatus.PAUSED and copy.settings == c.settings
    assert await store.scalar("SELECT count(*) FROM event_log") >= 4


async def test_delete_takes_only_what_the_campaign_alone_held(store: Store) -> None:
    await land(store, "typo", [lead(2, "+48601000001"), lead(3, "+48601000002")])
    await land(store, "kept", [lead(2, "+48601000003")])
    kept = await campaigns.get(store, "kept")
    await store.execute(  # the typo's first contact is in "kept" too
        "INSERT INTO leads (campaign_id, contact_id, created_at)"
        " SELECT ?, id, 0 FROM contacts WHERE e164 = '+48601000001'",
        (kept.id,),
    )
    deleted = await campaigns.delete(store, "TYPO", actor="root")
    assert (deleted.campaign.name, deleted.leads, deleted.contacts) == ("typo", 2, 1)
    left = await store.fetchall("SELECT e164, import_id FROM contacts ORDER BY e164")
    assert [tuple(r) for r in left] == [("+48601000001", None), ("+48601000003", 2)]
    assert await store.scalar("SELECT count(*) FROM imports") == 1
    assert await store.fetchall("PRAGMA foreign_key_check") == []
    assert [c.name for c in await campaigns.list_all(store)] == ["kept"]
    again = await land(store, "right", [lead(2, "+48601000002")])
    assert again.imported == 1, "its own contact is gone, not a duplicate now"
    logged = await store.scalar("SELECT data FROM event_log WHERE kind = 'campaign.deleted'")
    assert '"contacts": 1' in logged


@pytest.mark.parametrize(
    "history",
    [
        "INSERT INTO attempts (lead_id, campaign_id, contact_id, e164, started_at)"
        " SELECT id, campaign_id, contact_id, '+48601000001', 0 FROM leads",
        "INSERT INTO dispositions (lead_id, code, at) SELECT id, 'callback', 0 FROM leads",
        "INSERT INTO notes (contact_id, lead_id, author, text, at)"
        " SELECT contact_id, id, 'anna', 'call at 5', 0 FROM leads",
    ],
)
async def test_a_campaign_with_history_is_archived_not_deleted(store: Store, history: str) -> None:
    await land(store, "old", [lead(2, "+48601000001")])
    await store.execute(history)
    with pytest.raises(Conflict, match="deleting it would lose it") as refused:
        await campaigns.delete(store, "old", actor="root")
    assert "ccterm campaign archive 'old'" in refused.value.hint
    archived, already = await campaigns.archive(store, "old", actor="root")
    assert not already and archived.status is CampaignStatus.STOPPED
    assert archived.archived_at == store.clock.now()
    assert (await campaigns.get(store, "old")).archived_at == archived.archived_at
    assert (await campaigns.archive(store, "old", actor="root"))[1], "archived already"
    for action in ("start", "pause", "stop"):
        with pytest.raises(Conflict, match="is archived"):
            await campaigns.act(store, "old", action, actor="root")
    with pytest.raises(Conflict, match="is archived and cannot be imported into"):
        await land(store, "old", [lead(2, "+48601000009")])
    restored, was = await campaigns.restore(store, "old", actor="root")
    assert was and restored.archived_at is None and restored.status is CampaignStatus.STOPPED
    assert (
        await campaigns.act(store, "old", "start", actor="root")
    ).status is CampaignStatus.RUNNING


async def test_a_v2_database_gains_archiving_and_keeps_its_campaigns(tmp_path: Path) -> None:
    """v3 on a database an earlier ccterm wrote: the campaigns it had are there, unarchived."""
    from ccterm.store.schema import MIGRATIONS

    path = tmp_path / "old.db"
    con = sqlite3.connect(path)
    for number, script in enumerate(MIGRATIONS[:2], start=1):
        con.executescript(f"BEGIN; {script}; PRAGMA user_version = {number}; COMMIT;")
    con.execute(
        "INSERT INTO campaigns (name, status, settings, start_at, created_at, updated_at)"
        " VALUES ('spring', 'running', '{}', 0, 0, 0)"
    )
    con.commit()
    con.close()
    store = await Store.open(path, VirtualClock())
    try:
        assert await store.scalar("PRAGMA user_version") == SCHEMA_VERSION >= 3
        (spring,) = await campaigns.list_all(store)
        assert spring.name == "spring" and spring.archived_at is None
    finally:
        await store.close()
