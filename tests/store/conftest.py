"""The store tests' database: a real SQLite file on a clock that moves only when told."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from ccterm.clock import VirtualClock
from ccterm.settings import CampaignSettings
from ccterm.store import imports
from ccterm.store.db import Store


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    s = await Store.open(tmp_path / "db" / "ccterm.db", VirtualClock())
    try:
        yield s
    finally:
        await s.close()


def lead(
    row: int, e164: str, name: str = "", priority: int = 0, timezone: str = "Europe/Warsaw"
) -> list[Any]:
    """A staged import row; `timezone` as the importer stores it ("Zone/A|Zone/B")."""
    return [row, e164, name, {"city": "Kraków"}, timezone, priority]


async def land(
    store: Store,
    campaign: str,
    leads: list[list[Any]],
    *,
    invalid: int = 0,
    file_dups: int = 0,
    dry_run: bool = False,
    settings: CampaignSettings | None = None,
):
    staging = await imports.begin(store)
    await imports.add(store, staging, leads)
    return await imports.commit(
        store,
        staging,
        campaign_name=campaign,
        new_settings=settings or CampaignSettings(),
        file_name=f"{campaign}.csv",
        columns=["phone", "city"],
        region="PL",
        rows=len(leads) + invalid + file_dups,
        invalid=invalid,
        file_duplicates=file_dups,
        actor="root",
        authorize=lambda c: None,
        dry_run=dry_run,
    )
