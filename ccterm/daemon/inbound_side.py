"""The runner's inbound half: what the floor's inbound effects do in the world (the IVR's
audio, the call's record, callbacks checked, claimed and settled), and what the world
tells the floor back (a caller's number read, a prompt's end, the store's callbacks).

Called by the runner under its lock, like every effect; the floor stays pure.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

from ccterm.clock import Clock
from ccterm.config import Config
from ccterm.daemon.audio import Media
from ccterm.daemon.floor.core import FloorCore
from ccterm.daemon.floor.effects import (
    Answer,
    CallbackDue,
    CallbackResult,
    Commit,
    Effect,
    PlayPrompt,
    QueueCallback,
    RecordCaller,
    StopPrompt,
)
from ccterm.daemon.floor.state import Booked
from ccterm.daemon.inbound_record import InboundRecord
from ccterm.daemon.ivr_audio import IvrAudio
from ccterm.dialer.hours import CallingHours
from ccterm.ivr.prompts import PromptLibrary
from ccterm.numbers import Number, NumberBook
from ccterm.store import dnc, inbound
from ccterm.store.db import Store

log = logging.getLogger(__name__)


class InboundSide:
    def __init__(
        self,
        store: Store,
        core: FloorCore,
        clock: Clock,
        trunk: Any,
        media: Media,
        config: Config,
        prompts: Callable[[], PromptLibrary],
        prompt_done: Callable[[str, int], None],
    ) -> None:
        self.store = store
        self.core = core
        self.clock = clock
        self.config = config
        self.book = NumberBook(config.dialer.region)
        self.hours = CallingHours.of(config.dialer)
        self.record = InboundRecord(store, self.expires)
        self.ivr = IvrAudio(trunk, media, clock, config, prompts, prompt_done)

    def expires(self, queue: str) -> float:
        plan = self.config.inbound.queues.get(queue)
        return plan.callback_expires if plan is not None else 96 * 3600.0

    def set_plan(self, config: Config) -> None:
        """The inbound plan (at start, and on reload: calls in progress keep their way)."""
        self.config = config
        d = config.daemon
        zone = ZoneInfo(d.timezone) if d.timezone else None
        scripts: dict[str, str] = {}
        for route in config.inbound.routes:
            if route.script and route.script not in scripts:
                path = config.path.resolve().parent / route.script  # an absolute one stays
                try:
                    scripts[route.script] = path.read_text(encoding="utf-8")
                except (OSError, UnicodeDecodeError) as exc:
                    log.error("inbound %s: cannot read script %s: %s", route.did, route.script, exc)
        self.core.set_plan(config.inbound, default=d.default_inbound, zone=zone, scripts=scripts)

    async def load(self) -> None:
        """At start: the callbacks still waiting take their places in line again."""
        now = self.clock.now()
        for row in await inbound.callbacks_open(self.store):
            if row.state == "waiting":
                booked = Booked(row.id, row.queue, row.e164, row.language)
                self.core.callback_waiting(booked, row.entered_at, now, not_before=row.retry_at)

    def caller_e164(self, call_id: str, caller: str) -> str | None:
        """The caller's number as E.164, for the record and the screen pop (None: withheld)."""
        parsed = self.book.parse(caller) if caller else None
        e164 = parsed.e164 if isinstance(parsed, Number) else None
        self.record.e164[call_id] = e164
        return e164

    # -- effects ----------------------------------------------------------------------------

    async def execute(self, one: Effect) -> bool:
        """Run `one` if it is inbound's; False for the runner's own effects."""
        if isinstance(one, QueueCallback):
            callback_id = await self.record.commit(one)
            if callback_id is not None:
                booked = Booked(callback_id, one.queue, self.record.number(one), one.language)
                self.core.callback_waiting(
                    booked, one.entered_at, self.clock.now(), not_before=one.not_before
                )
        elif isinstance(one, Commit) and self.record.handles(one):
            await self.record.commit(one)
        elif isinstance(one, Answer):
            self.ivr.answer(one.call_id)
        elif isinstance(one, PlayPrompt):
            self.ivr.play(one)
        elif isinstance(one, StopPrompt):
            self.ivr.stop(one.call_id)
        elif isinstance(one, RecordCaller):
            path = self.ivr.record(one.call_id, one.queue)
            self.record.voicemail(one.call_id, None if path is None else str(path))
            if path is not None:
                await self.record.recording(one.call_id, str(path))
            log.info("voicemail for %s: %s", one.queue or "-", path or "(not recorded)")
        elif isinstance(one, CallbackDue):
            try:
                await self.callback_due(one)
            except Exception:  # the store failed: the agent is free, the callback waits
                log.exception("callback %s: the check failed; tried again later", one.callback_id)
                now = self.clock.now()
                self.core.callback_held(one.callback_id, one.agent, now, retry_at=now + 60)
        elif isinstance(one, CallbackResult):
            await self.callback_result(one)
        else:
            return False
        return True

    async def callback_due(self, one: CallbackDue) -> None:
        """A callback at the head with its agent held: checked now, claimed, then dialled."""
        now = self.clock.now()
        if await dnc.listed(self.store, [one.e164]):
            log.info(
                "callback %s: %s is on the do-not-call list; closed", one.callback_id, one.e164
            )
            await inbound.callback_placing(self.store, one.callback_id, one.agent, now)
            await inbound.callback_failed(
                self.store, one.callback_id, now, retry_at=None, note="on the do-not-call list"
            )
            self.core.callback_held(one.callback_id, one.agent, now, retry_at=None)
            return
        verdict = self.hours.check("", one.e164, now)
        if not verdict.allowed:
            opens = verdict.opens_at or now + 3600
            log.info("callback %s: outside calling hours for %s; waits", one.callback_id, one.e164)
            self.core.callback_held(one.callback_id, one.agent, now, retry_at=opens)
            return
        if not await inbound.callback_placing(self.store, one.callback_id, one.agent, now):
            log.warning(
                "callback %s: not waiting any more (taken, expired); dropped", one.callback_id
            )
            self.core.callback_held(one.callback_id, one.agent, now, retry_at=None)
            return
        self.core.callback_go(one.callback_id, one.agent, now)

    async def callback_result(self, one: CallbackResult) -> None:
        if one.reached:
            await inbound.callback_done(self.store, one.callback_id, one.at, "reached")
            return
        row = await inbound.callback_get(self.store, one.callback_id)
        if row is None:
            return
        plan = self.config.inbound.queues.get(row.queue)
        tries = plan.callback_tries if plan is not None else 3
        retry = plan.callback_retry if plan is not None else 600.0
        again = one.at + retry if row.tries < tries and one.at + retry < row.expires_at else None
        note = f"not reached, try {row.tries} of {tries}"
        await inbound.callback_failed(
            self.store, one.callback_id, one.at, retry_at=again, note=note
        )
        if again is not None:
            booked = Booked(row.id, row.queue, row.e164, row.language)
            self.core.callback_waiting(booked, row.entered_at, one.at, not_before=again)

    async def clock_work(self) -> None:
        """Callbacks past their expiry leave the line."""
        now = self.clock.now()
        for callback_id in await inbound.callbacks_expire(self.store, now):
            log.info("callback %s expired", callback_id)
            self.core.callback_gone(callback_id, now)
