"""Inbound calls on the floor: answered, routed by the number dialled, walked through
menus (ccterm/ivr/menu.py) and messages, then queued (queues.py) — pure, like the rest.

An inbound call is a Call of kind Inbound. Its IVR state lives in a `Leg` beside it:
the menu it is in, the prompt playing (a token, so a stopped prompt's late end is
ignored), what comes after that prompt, and its path (every menu, key and route),
which goes with the call's record.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from zoneinfo import ZoneInfo

from ccterm.daemon.floor.base import log
from ccterm.daemon.floor.callbacks import Callbacks
from ccterm.daemon.floor.effects import (
    Answer,
    Hangup,
    InboundArrived,
    InboundEnded,
    PlayPrompt,
    QueueCallback,
    RecordCaller,
    StopPrompt,
)
from ccterm.daemon.floor.legs import Leg
from ccterm.daemon.floor.state import Call, CallState, Inbound
from ccterm.inbound_plan import InboundPlan, InboundRoute
from ccterm.ivr import menu as ivr
from ccterm.ivr.queue import Acd

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
VOICEMAIL_SECONDS = 120.0  # the longest message a caller may leave


def open_at(route: InboundRoute, now: float, zone: ZoneInfo | None) -> bool:
    """Whether the route's hours (in the daemon's time zone) include `now`."""
    if route.hours is None:
        return True
    local = datetime.fromtimestamp(now, zone)
    if DAYS[local.weekday()] not in route.days:
        return False
    hhmm = local.strftime("%H:%M")
    start, end = route.hours
    return start <= hhmm < end if start <= end else (hhmm >= start or hhmm < end)


class InboundFloor(Callbacks):
    def set_plan(
        self,
        plan: InboundPlan,
        *,
        default: str = "",
        zone: ZoneInfo | None = None,
        scripts: Mapping[str, str] | None = None,
    ) -> None:
        """The inbound plan (at start and on reload): calls in progress keep their menus and
        queues; new callers follow the new plan."""
        self.plan = plan
        self.scripts = dict(scripts or {})  # a route's script file -> its text
        self.default_inbound = default
        self.zone = zone
        specs = {name: q.spec for name, q in plan.queues.items()}
        for caller in self.acd.waiting.values():  # a queue removed keeps its callers to the end
            if caller.queue not in specs and caller.queue in self.acd.queues:
                specs[caller.queue] = self.acd.queues[caller.queue]
        self.acd = Acd(specs, self.acd.waiting, self.acd._seq)
        for agent in self.agents.values():
            agent.queues = self.queues_of(agent.group)
        self.match(now=None)

    # -- arrival ----------------------------------------------------------------------------

    def inbound_offered(
        self, call_id: str, did: str, caller: str, now: float, *, e164: str | None = None
    ) -> None:
        """The trunk offers a call to one of our numbers: pick up, then route it."""
        route = self.plan.route(did)
        kind = Inbound(
            did,
            caller,
            e164=e164,
            client=route.client if route else "",
            script=self.scripts.get(route.script, "") if route else "",
            language=route.language if route else "en",
        )
        call = Call(call_id, kind, "inbound", now, state=CallState.ANSWERING)
        self.calls[call_id] = call
        self.legs[call_id] = Leg(route, self.plan, kind.language)
        log.info("inbound call %s from %s to %s (%s)", call_id, caller, did, kind.client or "?")
        self.emit(InboundArrived(call_id, did, kind.client, caller, now), Answer(call_id))

    def inbound_answered(self, call: Call, now: float) -> None:
        """The media is up: the caller goes where the number's route says."""
        leg = self.legs[call.id]
        call.answered_at = now
        call.state = CallState.IVR
        route = leg.route
        if route is None:
            if self.default_inbound:
                self.go(call, self.default_inbound, now)
            else:
                leg.path.append("not_in_service")
                self.message(call, ("not_in_service",), "not_in_service")
            return
        if not open_at(route, now, self.zone):
            leg.path.append("closed")
            if route.after_hours:
                leg.outcome = "closed"  # unless a queue it is sent to decides again
                self.go(call, route.after_hours, now)
            else:
                self.message(call, ("closed",), "closed")
            return
        self.go(call, route.start, now)

    # -- where a caller goes ----------------------------------------------------------------

    def go(self, call: Call, target: str, now: float) -> None:
        """Send the caller to a route target: menu:NAME, queue:NAME, voicemail or hangup."""
        leg = self.legs[call.id]
        kind, _, name = target.partition(":")
        plan = leg.plan or self.plan  # what the caller was promised, even after a reload
        menus = {**self.plan.menus, **plan.menus}
        if kind == "queue" and name not in self.acd.queues and name in plan.queues:
            self.acd.queues = {**self.acd.queues, name: plan.queues[name].spec}
        if kind == "menu" and name in menus:
            call.state = CallState.IVR
            leg.menu = ivr.MenuRun(menus[name])
            self.menu_commands(call, leg.menu.start(now), now)
        elif kind == "queue" and name in self.acd.queues:
            leg.menu = None
            self.enqueue(call, name, now)
        elif target == "voicemail":
            leg.menu = None
            leg.path.append("voicemail")
            call.state = CallState.IVR
            self.play(call, ("voicemail", "beep"), then="record")
        else:  # hangup, or a route the reloaded plan no longer has
            leg.menu = None
            leg.outcome = leg.outcome or "menu_hangup"
            leg.hung_up_by = "system"
            self.emit(Hangup(call.id))

    def message(self, call: Call, prompts: tuple[str, ...], outcome: str) -> None:
        """A last message, then the hang-up (closed, not in service, goodbye)."""
        leg = self.legs[call.id]
        leg.outcome = outcome
        self.play(call, prompts, then="hangup")

    def play(self, call: Call, prompts: tuple[str, ...], *, then: str, loop: bool = False) -> None:
        leg = self.legs[call.id]
        leg.token = next(self._ids)
        leg.then = then
        self.emit(PlayPrompt(call.id, prompts, leg.token, leg.language, loop))

    def stop_prompt(self, call: Call) -> None:
        leg = self.legs[call.id]
        if leg.token:
            leg.token = 0
            self.emit(StopPrompt(call.id))

    def menu_commands(self, call: Call, commands: list[ivr.Command], now: float) -> None:
        leg = self.legs[call.id]
        for command in commands:
            match command:
                case ivr.Play(files):
                    self.play(call, files, then="menu")
                case ivr.StopPrompt():
                    self.stop_prompt(call)
                case ivr.WakeAt(at):
                    self.timers.set(("menu", call.id), at)
                case ivr.Route(target):
                    assert leg.menu is not None
                    leg.path.extend(leg.menu.path)
                    leg.menu = None
                    self.timers.cancel(("menu", call.id))
                    self.go(call, target, now)

    # -- what the caller and the media do ---------------------------------------------------

    def prompt_done(self, call_id: str, token: int, now: float) -> None:
        """A prompt played to its end (a stale token: it was stopped or replaced)."""
        call = self.calls.get(call_id)
        leg = self.legs.get(call_id)
        if call is None or leg is None or token != leg.token:
            return
        leg.token = 0
        if leg.then == "menu" and leg.menu is not None:
            self.menu_commands(call, leg.menu.prompt_done(now), now)
        elif leg.then == "hangup":
            leg.hung_up_by = "system"  # the message was heard to its end
            self.emit(Hangup(call_id))
        elif leg.then == "hold" and call.state is CallState.QUEUED:
            self.hold_music(call)
        elif leg.then == "record":
            leg.outcome = "voicemail"
            assert isinstance(call.kind, Inbound)
            self.emit(RecordCaller(call_id, call.queue or ""))
            if call.kind.e164 is not None:  # a withheld number: the message, no callback
                self.emit(
                    QueueCallback(
                        call_id,
                        call.queue or "",
                        call.kind.caller,
                        call.entered_at or now,
                        now,
                        voicemail=True,
                        language=leg.language,
                        not_before=now + VOICEMAIL_SECONDS + 5,  # not while they speak
                    )
                )
            self.timers.set(("hangup", call_id), now + VOICEMAIL_SECONDS)

    def inbound_digit(self, call_id: str, digit: str, now: float) -> None:
        """A key (RFC 2833): to the menu the caller is in, or the queue's callback offer."""
        call = self.calls.get(call_id)
        leg = self.legs.get(call_id)
        if call is None or leg is None:
            return
        if leg.menu is not None:
            self.menu_commands(call, leg.menu.key(digit, now), now)
        elif call.state is CallState.QUEUED and leg.offered_callback and digit == "1":
            self.callback_taken(call, now)
        else:
            leg.path.append(f"key:{digit}:ignored")

    def menu_timeout(self, call_id: str, now: float) -> None:
        call = self.calls.get(call_id)
        leg = self.legs.get(call_id)
        if call is not None and leg is not None and leg.menu is not None:
            self.menu_commands(call, leg.menu.wake(now), now)

    def inbound_ended(self, call: Call, now: float) -> None:
        """The inbound line is over: out of the queue, the agent to wrap-up, the record."""
        leg = self.legs.pop(call.id, Leg(None))
        self.timers.cancel(("menu", call.id))
        self.timers.cancel(("hangup", call.id))
        if leg.menu is not None:
            leg.path.extend(leg.menu.path)
        outcome = leg.outcome
        entry = self.acd.waiting.get(call.id)
        if entry is not None and not entry.callback:
            self.acd.leave(call.id)
            self.queue_changed(now)
        if call.state is CallState.QUEUED and not outcome:
            outcome = "abandoned"
            log.info(
                "inbound call %s: caller hung up after %.0f s in line",
                call.id,
                now - (call.entered_at or now),
            )
        agent = self.agents.get(call.agent or "")
        if call.state is CallState.CONNECTED and agent is not None and agent.call is call:
            outcome = "answered"
            if call.connected_at is not None:  # talk times feed the expected wait
                self.handled = [*self.handled[-99:], now - call.connected_at]
            call.state = CallState.ENDED
            self.start_wrapup(agent, call, now)
        self.emit(
            InboundEnded(call.id, now, leg.hung_up_by, outcome or "menu_hangup", tuple(leg.path))
        )
        self.wake()
