"""The daemon's live state and its clock-driven work.

Today: campaigns that start or end on the clock, waiting leads whose retry or
callback time has come, and who is connected. Agent and call state join here as
the dialer lands; it stays the one mutable core the ops read from.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

from ccterm.clock import Clock
from ccterm.daemon.server import Identity, Server, campaign_audience
from ccterm.sip.trunk import TrunkEvent, TrunkStateChanged
from ccterm.store import campaigns
from ccterm.store.db import Store
from ccterm.store.leads import promote_due

log = logging.getLogger(__name__)

TICK_SECONDS = 1.0


class Center:
    def __init__(self, store: Store, clock: Clock, server: Server) -> None:
        self.store = store
        self.clock = clock
        self.server = server

    def session_count(self) -> int:
        return len(self.server.sessions)

    def online_users(self) -> set[str]:
        return {s.identity.user for s in self.server.sessions}

    def publish(
        self, name: str, data: dict[str, Any], audience: Callable[[Identity], bool] | None = None
    ) -> None:
        self.server.publish(name, data, audience)

    def on_trunk_event(self, event: TrunkEvent) -> None:
        if isinstance(event, TrunkStateChanged):
            log.info("trunk %s %s", event.state, event.detail)
            self.publish("trunk.state", {"state": str(event.state), "detail": event.detail})

    async def tick(self) -> None:
        """One pass of clock-driven work; each step commits on its own."""
        for campaign in await campaigns.apply_clock(self.store):
            log.info("campaign %s is now %s", campaign.name, campaign.status)
            self.publish("campaign.changed", campaign.to_wire(), campaign_audience(campaign))
        async with self.store.connection() as db:  # one UPDATE: atomic by itself
            await promote_due(db, self.clock.now())

    async def run(self) -> None:
        while True:
            try:
                await self.tick()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("clock tick failed; retrying")
            await asyncio.sleep(TICK_SECONDS)
