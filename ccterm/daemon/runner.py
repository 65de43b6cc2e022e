"""The runner: feeds the floor core its events and `now`, and executes the effects it returns.

Every input — a trunk event, a client request, a wake-up the core asked for —
takes the one lock, goes to the core, and its effects run in order before the
next input: a store write is committed before anything after it (a publish, a
reply) can acknowledge it. Timers go through the injected clock, so a
VirtualClock drives the whole daemon in tests. The ops reach the core only
through the methods here (ops/base.py's `Core`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from collections.abc import AsyncIterator, Callable
from typing import Any, TypeVar

from ccterm.clock import Alarm, Clock
from ccterm.config import Config
from ccterm.daemon import commits
from ccterm.daemon.audio import Media, PhoneNews
from ccterm.daemon.floor.base import NO_MESSAGE_HOLD, Setup
from ccterm.daemon.floor.core import FloorCore
from ccterm.daemon.floor.effects import (
    Abandoned,
    Bridge,
    ClockWork,
    Commit,
    Dispose,
    Effect,
    Hangup,
    Originate,
    Publish,
    ReleasePhone,
    Ringback,
    RingPhone,
    Take,
    Unbridge,
)
from ccterm.daemon.floor.state import Lead
from ccterm.daemon.inbound_side import InboundSide
from ccterm.daemon.messages import abandon_message, message_hold
from ccterm.daemon.server import Identity, Server, campaign_audience
from ccterm.daemon.wallboard import reach_audience
from ccterm.dialer.dispositions import DispositionError
from ccterm.dialer.hours import CallingHours
from ccterm.dialer.windows import MONTH
from ccterm.errors import Conflict
from ccterm.ivr.prompts import PromptLibrary
from ccterm.model import Campaign, CampaignStatus, Role
from ccterm.monitor.alerts import LateCallbacks
from ccterm.sip.trunk import InboundCall, Trunk, TrunkEvent
from ccterm.store import agent_log, campaigns, dialing, history, today
from ccterm.store.db import Store
from ccterm.store.leads import promote_due

log = logging.getLogger(__name__)
T = TypeVar("T")
LATE_EVERY = 60.0  # seconds between two reads of overdue callbacks
MAX_ROUNDS = 1000  # effects feeding the core feeding effects: a bug if it goes on longer


class Runner:
    def __init__(
        self,
        store: Store,
        clock: Clock,
        server: Server,
        trunk: Trunk,
        config: Config,
        prompts: PromptLibrary | None = None,
    ) -> None:
        self.store = store
        self.clock = clock
        self.server = server
        self.trunk = trunk
        self.config = config
        self.prompts = prompts or PromptLibrary(config.path.resolve().parent)
        self.hours = CallingHours.of(config.dialer)
        self.media = Media(trunk, config)
        setup = Setup(
            audio=self.media.enabled,
            max_lines=config.trunk.max_lines,
            calls_per_second=config.trunk.calls_per_second,
            caller_id=config.trunk.caller_id,
            run=secrets.token_hex(2) + "-",
        )
        self.core = FloorCore(setup, clock.now())
        self._late_checked = 0.0  # when overdue callbacks were last read from the store
        self.inbound = InboundSide(
            store,
            self.core,
            clock,
            trunk,
            self.media,
            config,
            lambda: self.prompts,
            self._prompt_done,
        )
        self.set_plan(config)
        self.lock = asyncio.Lock()
        self._events: asyncio.Queue[TrunkEvent] = asyncio.Queue()
        self._tasks: set[asyncio.Task[Any]] = set()
        self._alarm = Alarm(clock, self._wake)
        self.lead: dict[str, Any] | None = None  # the last disposition's lead, for its reply
        self.probes: dict[str, asyncio.Queue[TrunkEvent]] = {}
        self._closed = False
        self._agent_states: dict[str, tuple[str, str]] = {}  # last logged, by agent

    def set_plan(self, config: Config) -> None:
        self.inbound.set_plan(config)

    def _prompt_done(self, call_id: str, token: int) -> None:
        self._spawn(
            self.step(lambda now: self.core.prompt_done(call_id, token, now)), "prompt-done"
        )

    # -- start and stop ------------------------------------------------------------------------

    async def load(self) -> None:
        """Before serving: the campaigns, and what the database remembers of their calls."""
        now = self.clock.now()
        found = await campaigns.list_all(self.store)
        self._set_campaigns(found)
        await self.inbound.load()
        for campaign in found:
            window = self.core.window(campaign.id)
            for at, abandoned in await history.live_answers(self.store, campaign.id, now - MONTH):
                (window.abandoned if abandoned else window.connected)(at)
            if campaign.status is not CampaignStatus.FINISHED:
                model = self.core.model(campaign.id)
                for past in await history.recent_calls(self.store, campaign.id, model.RESOLVED):
                    model.resolved(past.ring, past.human, cut=past.cut)
                    if past.talk is not None:
                        model.talked(past.talk)
                    if past.wrap is not None:
                        model.wrapped(past.wrap)

    async def run(self) -> None:
        """Hand on trunk events in order, for ever; the clock's wake-ups come by timer."""
        await self.step(lambda now: None)  # arms the first wake-up
        while True:
            event = await self._events.get()
            try:
                await self._trunk_event(event)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("handling %r failed", event)

    async def close(self) -> None:
        self._closed = True
        self._alarm.cancel()
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)

    def reload(self, config: Config, prompts: PromptLibrary) -> None:
        """SIGHUP (daemon/reload.py): the next calls meet this config's inbound plan and
        prompts; a call in progress keeps the menu, queue and frames it already holds."""
        self.config = config
        self.prompts = prompts
        self.set_plan(config)
        self._spawn(self.step(self.core.rematch), "reload-match")  # new queues, new agents

    def on_trunk_event(self, event: TrunkEvent) -> None:
        """From the trunk, on the loop: queued, so one call's events are handled in order."""
        self._events.put_nowait(event)

    async def idle(self) -> None:
        """Until every event, wake-up and effect so far has run (tests on a virtual clock):
        quiet three times in a row, a millisecond apart (the store answers from its thread)."""
        quiet = 0
        for _ in range(5000):
            await asyncio.sleep(0.001 if quiet else 0)
            if self._events.empty() and not self._tasks and not self.lock.locked():
                quiet += 1
                if quiet >= 3:
                    return
            else:
                quiet = 0

    # -- the step ------------------------------------------------------------------------------

    async def step(self, feed: Callable[[float], T]) -> T:
        """One input under the lock: the core's answer, after its effects have run."""
        async with self.lock:
            try:
                result = feed(self.clock.now())
            finally:  # a feed that raised took its timers: the next wake-up is armed anyway
                self._arm()
            await self.run_effects()
            return result

    async def run_effects(self) -> None:
        """Every effect the core has asked for, in order, pacing when it wants.

        A store write that fails stops what would tell of it: the publishes after it are
        dropped and the failure is raised (a request gets an error, not an
        acknowledgement), while the other writes, lines and media still run, so no call
        is left hanging and no other call's write is lost."""
        core = self.core
        failed: Exception | None = None
        try:
            for _ in range(MAX_ROUNDS):
                for one in core.drain():
                    if failed is not None and isinstance(one, Publish):
                        log.error("not done after a failed store write: %r", one)
                        continue
                    try:
                        await self._execute(one)
                    except (asyncio.CancelledError, DispositionError, Conflict):
                        raise
                    except Exception as exc:
                        log.exception("effect %r failed", one)
                        if isinstance(one, Commit):
                            failed = exc
                if core.out:
                    continue
                if core.pace_wanted and not self._closed and failed is None:
                    self._set_campaigns(await campaigns.list_all(self.store))
                    core.pace(self.clock.now())
                    if core.out:
                        continue
                break
            else:
                log.error("effects kept coming after %d rounds; the rest wait", MAX_ROUNDS)
        finally:
            self._arm()
        if failed is not None:
            raise failed

    @contextlib.asynccontextmanager
    async def locked(self) -> AsyncIterator[None]:
        """A request's turn: the lock, and whatever the core asked for run before it ends
        (also when a check refused the request after the floor learnt something)."""
        async with self.lock:
            try:
                yield
            finally:
                await self.run_effects()

    async def commit(self, write: Dispose) -> dict[str, Any]:
        """A disposition a request makes, committed now (under the lock); the lead."""
        self.lead = None
        await self._execute(write)
        assert self.lead is not None
        return self.lead

    def _arm(self) -> None:
        if not self._closed:
            self._alarm.set(self.core.next_wake())

    def _wake(self) -> None:
        self._spawn(self.step(self.core.wake_up), "floor-wake")

    def _spawn(self, coro: Any, name: str) -> None:
        task = asyncio.get_running_loop().create_task(coro, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._task_done)

    def _task_done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("task %s failed", task.get_name(), exc_info=task.exception())

    def _set_campaigns(self, found: list[Campaign]) -> None:
        for campaign in found:
            if campaign.settings.abandon_message:
                self.core.holds[campaign.id] = message_hold(self.config, campaign.settings)
            else:
                self.core.holds[campaign.id] = NO_MESSAGE_HOLD
        self.core.set_campaigns(found)

    # -- effects -------------------------------------------------------------------------------

    async def _execute(self, one: Effect) -> None:
        core, now = self.core, self.clock.now()
        if await self.inbound.execute(one):
            pass
        elif isinstance(one, Commit):
            campaign_id = getattr(one, "campaign_id", None)
            campaign = core.campaigns.get(campaign_id) if campaign_id is not None else None
            if isinstance(one, Dispose) and campaign is not None:
                campaign = await self.fresh(campaign)
            lead = await commits.commit(self.store, one, campaign)
            if lead is not None and campaign is not None:
                self.lead = lead
                data = {"campaign_id": campaign.id, "lead": lead}
                self.server.publish("lead.changed", data, campaign_audience(campaign))
        elif isinstance(one, Publish):
            self.server.publish(one.name, one.data, self._audience(one))
            if one.name == "agent.changed":
                await self._log_agent(one.data)
        elif isinstance(one, Originate):
            self.trunk.originate(
                one.call_id, one.number, caller_id=one.caller_id, ring_timeout=one.ring_timeout
            )
        elif isinstance(one, Hangup):
            self.trunk.hangup(one.call_id)
        elif isinstance(one, Take):
            await self._take(one, now)
        elif isinstance(one, Bridge):
            path = self.media.bridge(one.call_id, one.agent, now, record=not one.early)
            if one.tone:  # the agent hears the tone, then the caller (who hears them at once)
                self.media.caller_after(one.call_id, self.inbound.ivr.tone(one.agent), self.clock)
            if path is not None and one.attempt_id is not None:
                await dialing.set_recording(self.store, one.attempt_id, str(path))
            elif path is not None:
                await self.inbound.record.recording(one.call_id, str(path))
        elif isinstance(one, Unbridge):
            self.media.unbridge(one.call_id)
            self.inbound.ivr.ended(one.call_id)
        elif isinstance(one, Ringback):
            self.media.ringback(one.agent, on=one.on)
        elif isinstance(one, RingPhone):
            news = self.media.ring(one.agent)
            if news is not None:
                core.phone_lost(news.agent, news.phone, news.reason, now)
        elif isinstance(one, ReleasePhone):
            self.media.release(one.agent)
        elif isinstance(one, Abandoned):
            self._abandoned(one)
        elif isinstance(one, ClockWork):
            await self._clock_work()

    async def _log_agent(self, data: dict[str, Any]) -> None:
        """An agent's new state (or pause reason) into agent_log, for the per-agent report;
        the same state published again (a new call, a reconnect) writes nothing."""
        name, status = str(data["name"]), str(data["status"])
        reason = str(data.get("pause_reason") or "") if status == "paused" else ""
        if self._agent_states.get(name) == (status, reason):
            return
        self._agent_states[name] = (status, reason)
        try:
            await agent_log.changed(self.store, name, status, reason, float(data["since"]))
        except Exception:  # a report's detail: the floor goes on
            log.exception("agent %s: state not logged", name)

    async def _take(self, one: Take, now: float) -> None:
        campaign = self.core.campaigns[one.campaign_id]
        leads: list[Lead] = []
        try:
            for _ in range(one.count):
                taken = await dialing.take_next(
                    self.store, campaign, agent=one.agent, mode=one.mode, hours=self.hours
                )
                if taken is None:
                    break
                leads.append(
                    Lead(taken.lead_id, taken.attempt_id, taken.attempts, taken.e164, taken.name)
                )
        finally:  # a failed fetch: the leads taken so far are dialled, the lines come back
            now = self.clock.now()
            self.core.taken(one.campaign_id, one.agent, one.mode, leads, one.count, now)

    def _abandoned(self, one: Abandoned) -> None:
        campaign = self.core.campaigns[one.campaign_id]
        path = abandon_message(self.config, campaign.settings) if one.play else None
        seconds = one.hold
        if one.play and self.media.enabled:
            if path is None:
                log.warning(
                    "call %s abandoned: campaign %s has no abandon_message, hanging up at once"
                    " (the law expects a recorded message)",
                    one.call_id,
                    campaign.name,
                )
                self.trunk.hangup(one.call_id)
            else:
                try:
                    seconds = self.media.play(one.call_id, path, hang_up=True)
                except Conflict as exc:
                    log.error("call %s abandoned: %s; hanging up", one.call_id, exc.message)
                    self.trunk.hangup(one.call_id)
                    path = None
        elif one.play:
            log.info(
                "call %s abandoned: the message %s plays (simulated trunk: the line is held"
                " %.1f s), then hang up",
                one.call_id,
                path or "(none set)",
                seconds,
            )
        data: dict[str, Any] = {
            "call": one.call_id,
            "campaign_id": one.campaign_id,
            "lead_id": one.lead.lead_id,
            "e164": one.lead.e164,
            "answered_at": one.answered_at,
            "abandoned_at": one.at,
            "message": None if path is None else str(path),
            "seconds": round(seconds, 2),
            "simulated": not self.media.enabled,
            "hung_up": not one.play,
        }
        self.server.publish("call.abandoned", data, campaign_audience(campaign))

    async def _clock_work(self) -> None:
        """Campaigns starting and ending, waiting leads coming due; each step commits on its own."""
        for campaign in await campaigns.apply_clock(self.store):
            log.info("campaign %s is now %s", campaign.name, campaign.status)
            self.server.publish("campaign.changed", campaign.to_wire(), campaign_audience(campaign))
            self.core.campaign_changed(campaign)
        async with self.store.connection() as db:  # one UPDATE: atomic by itself
            await promote_due(db, self.clock.now())
        await self.inbound.clock_work()
        now = self.clock.now()
        if now - self._late_checked >= LATE_EVERY:
            self._late_checked = now
            await self._late_callbacks(now)

    async def _late_callbacks(self, now: float) -> None:
        """Overdue contact callbacks of running campaigns, for the wallboard's alerts."""
        found = []
        for campaign_id, count, due in await today.late_callbacks(self.store, now):
            campaign = self.core.campaigns.get(campaign_id)
            if campaign is not None and campaign.status is CampaignStatus.RUNNING:
                found.append(LateCallbacks(count, due, campaign_id, campaign.name))
        self.core.late_leads = tuple(found)

    def _audience(self, one: Publish) -> Callable[[Identity], bool] | None:
        if one.staff:
            staff = reach_audience(self.core, (one.campaign_id, one.groups))
            if one.admins:
                return staff
            return lambda who: who.role is not Role.ADMIN and staff(who)
        if one.groups is not None:
            groups = one.groups
            return lambda who: who.role is Role.ADMIN or who.group in groups
        if one.agent is not None:
            name = one.agent
            agent = self.core.agents.get(name)
            group = agent.group if agent is not None else ""
            return lambda who: (
                who.user == name
                or who.role is Role.ADMIN
                or (who.role is Role.SUPERVISOR and who.group == group)
            )
        if one.campaign_id is not None:
            if one.campaign_id in self.core.campaigns:
                return campaign_audience(self.core.campaigns[one.campaign_id])
            return lambda who: who.role is Role.ADMIN  # a campaign unknown: none of theirs
        return None

    async def fresh(self, campaign: Campaign) -> Campaign:
        """The campaign's settings of now, from the store."""
        found = await campaigns.list_all(self.store)
        self._set_campaigns(found)
        return self.core.campaigns.get(campaign.id, campaign)

    # -- trunk events --------------------------------------------------------------------------

    async def _trunk_event(self, event: TrunkEvent) -> None:
        if isinstance(event, InboundCall):
            await self._inbound(event)
            return
        if self.media.handles(event):
            news = self.media.on_event(event)
            if news is not None and news.listening:
                data = {"reason": news.reason}
                self.server.publish("monitor.ended", data, lambda who: who.user == news.agent)
            elif news is not None:
                await self.step(lambda now: self._phone(news, now))
            return
        probe = self.probes.get(getattr(event, "call_id", ""))
        if probe is not None:
            probe.put_nowait(event)
            return
        if hasattr(event, "state"):
            log.info("trunk %s %s", event.state, getattr(event, "detail", ""))
        await self.step(lambda now: self.core.trunk_event(event, now))

    async def _inbound(self, event: InboundCall) -> None:
        """A call to one of our numbers: the caller's number read (for the record and the
        screen pop), then the floor routes it."""
        e164 = self.inbound.caller_e164(event.call_id, event.caller)
        await self.step(
            lambda now: self.core.inbound_offered(
                event.call_id, event.did, event.caller, now, e164=e164
            )
        )

    def _phone(self, news: PhoneNews, now: float) -> None:
        if news.up:
            self.core.phone_answered(news.agent, now)
        else:
            self.core.phone_lost(news.agent, news.phone, news.reason, now)
