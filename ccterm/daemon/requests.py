"""What requests may ask of the live floor (ops/base.py's `Core`), and no more.

Each request checks and changes the floor through the runner's one lock, so its
effects — the commit first — have run before the reply goes out.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from ccterm.daemon import wallboard
from ccterm.daemon.floor.effects import Dispose
from ccterm.daemon.floor.state import Booked, Call, Lead
from ccterm.daemon.runner import Runner
from ccterm.daemon.server import Identity, Session
from ccterm.dialer.dispositions import DispositionError, effect
from ccterm.errors import Conflict, NotFound, UsageError
from ccterm.model import Campaign, Disposition, Role
from ccterm.settings import funnel_tags
from ccterm.sip.probe import probe_call
from ccterm.sip.trunk import TrunkEvent, TrunkState
from ccterm.store import campaigns, contacts, dialing, inbound


class Requests:
    def __init__(self, runner: Runner) -> None:
        self.runner = runner
        self._sessions: dict[str, set[Session]] = {}
        self._probe_ids = 0

    # -- who is here -------------------------------------------------------

    def session_count(self) -> int:
        return len(self.runner.server.sessions)

    def online_users(self) -> set[str]:
        return {s.identity.user for s in self.runner.server.sessions}

    async def snapshot(self, who: Identity) -> dict[str, Any] | None:
        """The agent as the floor has them once the step under way is done (its writes
        committed), never half-way through one."""

        async with self.runner.lock:
            agent = self.runner.core.agents.get(who.user)
            return None if agent is None else self.runner.core.wire(agent)

    async def agents(self, who: Identity) -> list[dict[str, Any]]:
        """The floor's agents `who` may see (a supervisor: their group), as their desks
        see them, read between two steps like `snapshot`."""
        async with self.runner.lock:
            core = self.runner.core
            return [
                core.wire(agent)
                for agent in core.agents.values()
                if who.role is Role.ADMIN or agent.group == who.group
            ]

    async def wallboard(self, who: Identity) -> dict[str, Any]:
        """What `who` may see of the live floor, between two steps (wallboard.py)."""
        async with self.runner.lock:
            return wallboard.live(self.runner.core, who, self.runner.clock.now())

    def group_of(self, agent: str) -> str | None:
        live = self.runner.core.agents.get(agent)
        return None if live is None else live.group

    def working_on(self, campaign: Campaign) -> list[str]:
        return self.runner.core.working_on(campaign.id)

    def pacing(self, campaign: Campaign) -> dict[str, Any]:
        return self.runner.core.show(campaign, self.runner.clock.now())

    async def login(self, who: Identity, session: Session, campaign_name: str) -> dict[str, Any]:
        campaign = None
        if campaign_name:
            campaign = await campaigns.get(self.runner.store, campaign_name)
            if not campaign.visible_to(who.role, who.user, who.group):
                raise NotFound(f"no campaign named '{campaign_name}'")
        mine = self._sessions.setdefault(who.user, set())
        new_client = session not in mine
        if new_client:
            mine.add(session)
            session.on_close.append(lambda: self._closed_session(who.user, session))

        def feed(now: float) -> dict[str, Any]:
            agent = self.runner.core.login(
                who.user, who.group, campaign, now, new_client=new_client
            )
            return self.runner.core.wire(agent)

        return await self.runner.step(feed)

    async def _closed_session(self, user: str, session: Session) -> None:
        mine = self._sessions.get(user, set())
        if session in mine:
            mine.discard(session)
            await self.runner.step(lambda now: self.runner.core.client_closed(user, now))

    async def logout(self, who: Identity) -> dict[str, Any]:
        return await self.runner.step(
            lambda now: self.runner.core.wire(self.runner.core.logout(who.user, now))
        )

    async def ready(self, who: Identity) -> dict[str, Any]:
        return await self.runner.step(
            lambda now: self.runner.core.wire(self.runner.core.ready(who.user, now))
        )

    async def pause(self, who: Identity, reason: str) -> dict[str, Any]:
        return await self.runner.step(
            lambda now: self.runner.core.wire(self.runner.core.pause(who.user, reason, now))
        )

    async def call_my_phone(self, who: Identity) -> dict[str, Any]:
        return await self.runner.step(
            lambda now: self.runner.core.wire(self.runner.core.call_my_phone(who.user, now))
        )

    async def dial(self, who: Identity, lead_id: int) -> dict[str, Any]:
        """The agent's own choice of contact (preview): checked, recorded, dialled."""
        async with self.runner.locked():
            agent = self.runner.core.logged_in(who.user)
            assert agent.campaign is not None
            campaign = await self.runner.fresh(self.runner.core.campaigns[agent.campaign])
            self.runner.core.may_dial(who.user)
            try:
                taken = await dialing.take(
                    self.runner.store,
                    campaign,
                    lead_id,
                    agent=who.user,
                    mode="manual",
                    hours=self.runner.hours,
                )
            except dialing.NotDialable as refusal:
                raise Conflict(f"not dialled: {refusal.reason}") from None
            lead = Lead(taken.lead_id, taken.attempt_id, taken.attempts, taken.e164, taken.name)
            call = self.runner.core.dialled(who.user, lead, self.runner.clock.now())
        return call.to_wire()

    async def hangup(self, who: Identity) -> dict[str, Any]:
        ids = await self.runner.step(lambda now: self.runner.core.hangup(who.user))
        return {"hung_up": ids}

    async def dispose(
        self,
        who: Identity,
        lead_id: int,
        code: Disposition,
        *,
        callback_at: float | None,
        note: str,
        tags: tuple[str, ...] = (),
    ) -> dict[str, Any]:
        """An agent's one keystroke: committed before this returns, with the funnel tags
        checked against the campaign's tags of now (a supervisor may have just changed them)."""
        async with self.runner.locked():
            campaign_id, call = self.runner.core.disposing(who.user, lead_id)
            campaign = await self.runner.fresh(self.runner.core.campaigns[campaign_id])
            if call is None:
                if await dialing.lead_campaign(self.runner.store, lead_id) != campaign.id:
                    raise NotFound(f"no contact {lead_id} in '{campaign.name}'")
                attempts = int(
                    await self.runner.store.scalar(
                        "SELECT attempts FROM leads WHERE id = ?", (lead_id,)
                    )
                )
            else:
                attempts = call.outbound.lead.attempts
            now = self.runner.clock.now()
            agent = who.user if code is Disposition.CALLBACK else None
            check(code, attempts, campaign, now, callback_at, agent)
            write = self.runner.core.disposition(
                who.user,
                lead_id,
                code,
                now,
                attempts=attempts,
                callback_at=callback_at,
                note=note,
                tags=funnel_tags(tags, campaign.settings, campaign.name),
            )
            # committed before the floor moves: a failed write leaves the agent in wrap-up
            lead = await self.runner.commit(write)
            self.runner.core.disposed(write, self.runner.clock.now())
        return lead

    async def callback_again(self, callback_id: int) -> None:
        """A callback a person sent back from review: in its place in line again."""
        row = await inbound.callback_get(self.runner.store, callback_id)
        if row is None or row.state != "waiting":
            return
        booked = Booked(row.id, row.queue, row.e164, row.language)
        await self.runner.step(
            lambda now: self.runner.core.callback_waiting(booked, row.entered_at, now)
        )

    async def dispose_inbound(
        self,
        who: Identity,
        call_id: str,
        code: Disposition,
        *,
        callback_at: float | None,
        note: str,
    ) -> dict[str, Any]:
        """An inbound call's disposition, committed before this returns. A callback goes on
        the agent's campaign list as an outbound callback that is theirs."""
        runner = self.runner
        async with runner.locked():
            call = runner.core.inbound_disposing(who.user, call_id)
            now = runner.clock.now()
            lead = None
            if code is Disposition.CALLBACK:
                lead = await self._inbound_callback(who, call, now, callback_at, note)
            await inbound.dispose(runner.store, call_id, str(code), note, who.user, now)
            runner.core.inbound_done(who.user, runner.clock.now())
        return {"lead": lead, "call_id": call_id, "code": str(code)}

    async def _inbound_callback(
        self, who: Identity, call: Call, now: float, callback_at: float | None, note: str
    ) -> dict[str, Any]:
        runner = self.runner
        agent = runner.core.agents[who.user]
        e164 = getattr(call.kind, "e164", None)
        if e164 is None:
            raise UsageError("the caller's number was withheld: there is no number to call back")
        if agent.campaign is None:
            raise UsageError(
                "a callback goes on a campaign's list, and you are on inbound only",
                "log in to a campaign (c), or choose another disposition",
            )
        campaign = await runner.fresh(runner.core.campaigns[agent.campaign])
        lead_id, attempts = await contacts.lead_for_number(
            runner.store, campaign.id, e164, who.user, now
        )
        check(Disposition.CALLBACK, attempts, campaign, now, callback_at, who.user)
        write = Dispose(
            campaign.id,
            lead_id,
            Disposition.CALLBACK,
            who.user,
            None,
            attempts,
            now,
            callback_at,
            who.user,
            note,
        )
        return await runner.commit(write)

    async def book(
        self,
        campaign: Campaign,
        lead_id: int,
        *,
        at: float,
        agent: str | None,
        actor: str,
        attempts: int,
    ) -> dict[str, Any]:
        """A callback booked by a supervisor (or the demo)."""
        async with self.runner.locked():
            self.runner.core.not_dialling(lead_id)
            now = self.runner.clock.now()
            check(Disposition.CALLBACK, attempts, campaign, now, at, agent)
            code = Disposition.CALLBACK
            write = Dispose(campaign.id, lead_id, code, actor, None, attempts, now, at, agent)
            self.runner.core.campaigns.setdefault(campaign.id, campaign)
            return await self.runner.commit(write)

    def monitor(self, supervisor: str, agent: str, mode: str) -> dict[str, Any]:
        if agent not in self.runner.core.agents and self.runner.media.enabled:
            raise NotFound(f"{agent} is not logged in")
        return self.runner.media.monitor(supervisor, agent, mode)

    def stop_monitor(self, supervisor: str) -> dict[str, Any]:
        return self.runner.media.stop_monitor(supervisor)

    def phone_leg(self, agent: str) -> str | None:
        return self.runner.media.phone_leg(agent)

    def answered(self, call_id: str) -> bool:
        return self.runner.core.answered(call_id)

    def play(self, leg: str, path: Path, *, hang_up: bool) -> float:
        return self.runner.media.play(leg, path, hang_up=hang_up)

    async def probe(self, number: str, ring_timeout: float) -> dict[str, Any]:
        """`ccterm trunk test` with the daemon running: one call through its trunk."""
        state = self.runner.trunk.state
        detail = str(getattr(self.runner.trunk, "detail", ""))
        result: dict[str, Any] = {"registered": state is TrunkState.UP, "trunk": detail}
        if state is not TrunkState.UP:
            return {**result, "outcome": None, "code": None, "ring_s": None, "answered_s": None}
        self._probe_ids += 1
        call_id = f"t{self._probe_ids}"
        queue: asyncio.Queue[TrunkEvent] = asyncio.Queue()
        self.runner.probes[call_id] = queue
        try:
            call = await probe_call(
                self.runner.trunk,
                queue,
                call_id,
                number,
                caller_id=self.runner.config.trunk.caller_id,
                ring_timeout=ring_timeout,
            )
        finally:
            del self.runner.probes[call_id]
        return {**result, **call}


def check(
    code: Disposition,
    attempts: int,
    campaign: Campaign,
    now: float,
    callback_at: float | None,
    agent: str | None,
) -> None:
    """A disposition that cannot be (a callback in the past...) is refused before any change."""
    try:
        effect(
            code,
            attempts=attempts,
            settings=campaign.settings,
            now=now,
            callback_at=callback_at,
            agent=agent,
        )
    except DispositionError as exc:
        raise UsageError(str(exc)) from None
