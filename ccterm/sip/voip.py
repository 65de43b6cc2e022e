"""The real SIP trunk: our sans-io user agent (ua.py) on an asyncio socket, behind the Trunk
interface, with each call's audio on the media loop (rtp.py), the only thread.

The shell around the core: it owns the socket (transport.py: the trunk screen and
flood limits, before parsing), reads the clock, wakes the core at its next timer,
hands out RTP ports and turns SIP facts into trunk events. The state is the
registrar's word; a registrar silent twice in a row makes us re-open the socket.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ccterm.clock import Cancellable, Later, later, monotonic
from ccterm.config import TrunkConfig
from ccterm.errors import ConfigError
from ccterm.sip import events as sip
from ccterm.sip import media, sdp
from ccterm.sip.addresses import (
    RtpPorts,
    allowed_networks,
    customer_uri,
    direct_target,
    networks,
    resolve,
)
from ccterm.sip.rtp import MediaEngine
from ccterm.sip.transport import Screen, SipProtocol, widen_receive_buffer
from ccterm.sip.trunk import (
    CallAnswered,
    CallEnded,
    CallRinging,
    DigitReceived,
    InboundCall,
    Listener,
    Outcome,
    TrunkEvent,
    TrunkState,
    TrunkStateChanged,
)
from ccterm.sip.ua import UaConfig, UserAgent

log = logging.getLogger(__name__)

STOP_TIMEOUT = 3.0  # how long stopping waits for the registrar to confirm Expires: 0
REBIND_AFTER = 2  # registrations in a row with no answer at all before we re-open the socket


@dataclass(eq=False)
class _Track:
    """What the shell knows of one call, by our call id."""

    call_id: str
    inbound: bool = False
    answered: bool = False
    reason: str = ""  # why we ended it ourselves: "no_answer", "hangup"
    rtp_port: int | None = None
    code: int | None = None
    responses: list[int] = field(default_factory=list)


class VoipTrunk:
    """A SIP trunk account: registration, calls out and in, and the media of each call."""

    carries_audio = True

    def __init__(
        self,
        config: TrunkConfig,
        *,
        guard: Callable[[str], str | None] | None = None,
        engine: MediaEngine | None = None,
        clock: Callable[[], float] = monotonic,
        later: Later = later,
    ) -> None:
        self.config = config
        self.guard = guard
        self.media = engine or MediaEngine()
        self.clock = clock  # the SIP core's time: monotonic seconds
        self.later = later  # its timers, on that same time
        self._state = TrunkState.DOWN
        self._detail = ""
        self._listener: Listener | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self.ua: UserAgent | None = None
        self._protocol: SipProtocol | None = None
        self._screen = Screen()
        self._wake: Cancellable | None = None
        self._wake_at: float | None = None
        self._tracks: dict[str, _Track] = {}
        self._ports = RtpPorts(*config.rtp_ports)
        self._silent_registrations = 0
        self._unregistered: asyncio.Event | None = None
        self.rebinds = 0
        self._phones: dict[tuple[str, int], tuple[str, int]] = {}  # direct URIs, resolved
        self._last_from_trunk: float | None = None
        self.registered_for: int | None = None  # seconds the registrar granted
        self._local: tuple[str, int] = (config.local_ip, config.local_port)
        self._trunk_addr: tuple[str, int] = (config.host, config.port)

    # -- Trunk protocol -----------------------------------------------------------------

    @property
    def state(self) -> TrunkState:
        return self._state

    @property
    def detail(self) -> str:
        return self._detail

    def set_listener(self, listener: Listener) -> None:
        self._listener = listener

    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        config = self.config
        self._screen.add(
            await self._loop.run_in_executor(
                None, allowed_networks, config.host, config.port, config.allow_from
            )
        )
        resolved = await self._loop.run_in_executor(None, resolve, config.host, config.port)
        self._trunk_addr = resolved or (config.host, config.port)
        await self._bind()
        assert self._protocol is not None and self._protocol.transport is not None
        bound = self._protocol.transport.get_extra_info("sockname")
        self._local = (config.local_ip, int(bound[1]))
        self.ua = UserAgent(
            UaConfig(
                local=self._local,
                trunk=self._trunk_addr,
                domain=config.host,
                username=config.username,
                password=config.password,
                expires=config.expires,
                register=config.register,
            )
        )
        self.media.start()
        where = f"{config.host}:{config.port}"
        if config.register:
            self._set_state(TrunkState.REGISTERING, f"at {where} as {config.username}")
            self.ua.register(self.clock())
        else:
            self._set_state(TrunkState.UP, f"calls go to {where}, no registration")
        self._pump()

    async def _bind(self) -> None:
        assert self._loop is not None
        family = socket.AF_INET6 if ":" in self._local[0] else socket.AF_INET
        try:
            _, protocol = await self._loop.create_datagram_endpoint(
                lambda: SipProtocol(self._received, self._screen, self.clock, self._lost),
                local_addr=self._local,
                family=family,
            )
        except OSError as exc:
            self._set_state(
                TrunkState.FAILED,
                f"cannot use {self._local[0]}:{self._local[1]}: {exc.strerror or exc}",
            )
            raise ConfigError(
                f"[trunk] cannot bind SIP to {self._local[0]}:{self._local[1]}: "
                f"{exc.strerror or exc}",
                "check [trunk] local_ip / local_port, or stop what already uses the port",
            ) from exc
        widen_receive_buffer(protocol)
        old = self._protocol
        self._protocol = protocol
        if old is not None:  # keep the counts across a re-bind
            protocol.stats = old.stats
            protocol.throttled.stats = old.stats

    async def stop(self) -> None:
        ua = self.ua
        if ua is not None:
            now = self.clock()
            for call_id in list(ua.calls):
                ua.hangup(call_id, now)
            if self.config.register and self._state is TrunkState.UP:
                self._unregistered = asyncio.Event()
                ua.unregister(now)
                self._pump()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._unregistered.wait(), STOP_TIMEOUT)
            self._pump()
        if self._wake is not None:
            self._wake.cancel()
        if self._protocol is not None:
            self._protocol.close()
        self.ua = None
        self.media.stop()
        self._set_state(TrunkState.DOWN)

    def originate(
        self,
        call_id: str,
        number: str,
        *,
        caller_id: str,
        ring_timeout: float,
        check: bool = True,
    ) -> None:
        refusal = self.guard(number) if self.guard and check else None
        direct = None if refusal else self._direct(number)
        if isinstance(direct, str):
            refusal, direct = direct, None
        port = None
        if refusal is None and self.ua is None:
            refusal = "the trunk is stopped"
        elif refusal is None and direct is None and self._state is not TrunkState.UP:
            refusal = f"the trunk is {self._state.value}"
        elif refusal is None:
            port = self._ports.take()
            refusal = None if port is not None else "no free RTP port in [trunk] rtp_ports"
        if refusal is not None or port is None or self.ua is None:
            self._emit(CallEnded(call_id, Outcome.FAILED, None, refusal or "refused"))
            return
        self._tracks[call_id] = _Track(call_id, rtp_port=port)
        if direct is not None:
            uri, dest = number, direct
        else:
            uri = customer_uri(number, self.config.host, self.config.port)
            dest = self._trunk_addr
        now = self.clock()
        self.ua.invite(
            call_id, uri, dest, (self._local[0], port), caller_id or self.config.caller_id, now
        )
        self.ua.timers.at(now + ring_timeout, lambda n: self._ring_timeout(call_id, n))
        self._pump()

    def _direct(self, target: str) -> tuple[str, int] | str | None:
        """A desk phone's address for a direct SIP URI (resolved once, then remembered, and
        let through the screen), a reason it cannot be reached, or None for the trunk."""
        hostport = direct_target(target, (self.config.host, self.config.port))
        if hostport is None:
            return None
        known = self._phones.get(hostport)
        if known is None:
            address = resolve(*hostport)
            if address is None:
                return f"cannot resolve {hostport[0]}"
            self._screen.add(networks(address[0], address[1]))
            known = self._phones[hostport] = address
        return known

    def hangup(self, call_id: str) -> None:
        track = self._tracks.get(call_id)
        if track is None or self.ua is None:
            return
        track.reason = track.reason or "hangup"
        self.ua.hangup(call_id, self.clock())
        self._pump()

    # -- beyond the protocol: inbound, media and health ---------------------------------

    def answer(self, call_id: str) -> None:
        track = self._tracks.get(call_id)
        if track is None or self.ua is None or track.answered:
            return
        port = track.rtp_port or self._ports.take()
        if port is None:
            log.error("call %s: no free RTP port in [trunk] rtp_ports: refusing it", call_id)
            self.ua.reject(call_id, 503, self.clock())
        else:
            track.rtp_port = port
            self.ua.answer(call_id, (self._local[0], port), self.clock())
        self._pump()

    def connect(self, src: str, dst: str) -> None:
        self.media.connect(src, dst)

    def disconnect(self, src: str, dst: str) -> None:
        self.media.disconnect(src, dst)

    def play(self, call_id: str, path: Path, on_done: Callable[[], None] | None = None) -> float:
        """Play a WAV into the leg over what it hears; its length in seconds (AudioFileError)."""
        return self.play_frames(call_id, media.load_wav(path), on_done)

    def play_frames(
        self, call_id: str, frames: list[bytes], on_done: Callable[[], None] | None = None
    ) -> float:
        """20 ms frames to the leg, replacing what played ([] stops); `on_done` on the loop."""
        loop = self._loop
        done = (
            None if on_done is None or loop is None else lambda: loop.call_soon_threadsafe(on_done)
        )
        self.media.play(call_id, frames, done)
        return len(frames) * media.FRAME_MS / 1000

    def record(self, key: str, path: Path, left: str, right: str) -> None:
        self.media.record(key, path, left, right)

    def stop_recording(self, key: str) -> None:
        self.media.stop_recording(key)

    def health(self) -> dict[str, Any]:
        """The SIP layer's own account of itself, for `ccterm status` and the hello snapshot."""
        last = self._last_from_trunk
        counters = asdict(self.ua.counters) if self.ua is not None else {}
        stats = self._protocol.stats if self._protocol is not None else None
        return {
            "registration": str(self._state),
            "registered_for": self.registered_for,
            "last_from_trunk_s": None if last is None else round(self.clock() - last, 1),
            **{k: counters.get(k, 0) for k in ("received", "malformed", "stray", "no_dialog")},
            "from_strangers": stats.strangers if stats else 0,
            "flood_dropped": stats.limited if stats else 0,
            "socket_errors": stats.errors if stats else 0,
            "rebinds": self.rebinds,
            "calls": len(self.ua.calls) if self.ua is not None else 0,
        }

    # -- the core's pump ----------------------------------------------------------------

    def _received(self, data: bytes, source: tuple[str, int]) -> None:
        ua = self.ua
        if ua is None:
            return
        malformed = ua.counters.malformed
        now = self.clock()
        if source == self._trunk_addr:
            self._last_from_trunk = now  # the agents' own phones may share its address
        ua.receive(data, source, now)
        if ua.counters.malformed != malformed and self._protocol is not None:
            self._protocol.throttled.note("malformed SIP messages", now, ua.last_malformed)
        self._pump()

    def _on_wake(self) -> None:
        self._wake = self._wake_at = None
        if self.ua is not None:
            self.ua.tick(self.clock())
            self._pump()

    def _pump(self) -> None:
        """Send what the core wrote, hand on what it found, and sleep until its next timer."""
        ua = self.ua
        if ua is None:
            return
        while ua.outbox or ua.events:
            out, found = ua.drain()
            if self._protocol is not None:
                for data, dest in out:
                    self._protocol.send(data, dest)
            for event in found:
                self._handle(event)
        when = ua.next_wake()
        if when is None or (self._wake_at is not None and self._wake_at <= when):
            return
        if self._wake is not None:
            self._wake.cancel()
        self._wake_at = when
        self._wake = self.later(max(0.0, when - self.clock()), self._on_wake)

    def _handle(self, event: sip.SipEvent) -> None:
        match event:
            case sip.Registered(expires):
                self._silent_registrations = 0
                self.registered_for = expires
                self._set_state(TrunkState.UP, f"registered for {expires} s")
            case sip.RegistrationFailed(reason, retry_in, timed_out):
                self.registered_for = None
                self._set_state(TrunkState.FAILED, f"{reason}; retry in {retry_in:.0f} s")
                self._silent_registrations = self._silent_registrations + 1 if timed_out else 0
                if self._silent_registrations >= REBIND_AFTER:
                    self._silent_registrations = 0
                    self._rebind("the registrar stopped answering")
            case sip.Unregistered():
                if self._unregistered is not None:
                    self._unregistered.set()
            case sip.Progress(key, code):
                self._progress(key, code)
            case sip.Answered(key, remote):
                self._answered(key, remote)
            case sip.MediaChanged(key, remote):
                if remote.port and not remote.on_hold:
                    try:
                        choice = sdp.choose(remote)
                    except sdp.SdpError:
                        choice = None
                    self.media.retarget(
                        key,
                        (remote.address, remote.port),
                        choice.law if choice else None,
                        choice.event_pt if choice else None,
                    )
            case sip.Offered(key, did, caller, _remote):
                self._tracks[key] = _Track(key, inbound=True)
                self._emit(InboundCall(key, did=did, caller=caller))
            case sip.Digit(key, digit):
                self._emit(DigitReceived(key, digit))
            case sip.Ended():
                self._ended(event)

    def _progress(self, key: str, code: int) -> None:
        track = self._tracks.get(key)
        if track is None:
            return
        track.responses.append(code)
        if code >= 200:
            track.code = code
        if code in (180, 183) and not any(c in (180, 183) for c in track.responses[:-1]):
            self._emit(CallRinging(key))

    def _answered(self, key: str, remote: sdp.Description | None) -> None:
        track = self._tracks.get(key)
        if track is None or track.answered:
            return
        track.answered = True
        if remote is not None and remote.port and track.rtp_port is not None:
            try:
                choice = sdp.choose(remote)
            except sdp.SdpError:
                choice = sdp.Choice(media.Law.PCMU, None)
            self._add_leg(key, track.rtp_port, (remote.address, remote.port), choice)
        self._emit(CallAnswered(key))

    def _add_leg(self, key: str, port: int, remote: tuple[str, int], choice: sdp.Choice) -> None:
        loop = self._loop

        def on_digit(digit: str) -> None:
            if loop is not None:
                loop.call_soon_threadsafe(self._emit_now, DigitReceived(key, digit))

        try:
            self.media.add_leg(
                key,
                (self._local[0], port),
                remote,
                choice.law,
                event_pt=choice.event_pt,
                on_digit=on_digit,
            )
        except OSError as exc:
            log.error("call %s: cannot open RTP on port %s: %s", key, port, exc)

    def _ended(self, event: sip.Ended) -> None:
        track = self._tracks.pop(event.key, None)
        if track is None:
            return
        if track.rtp_port is not None:
            self._ports.release(track.rtp_port)
        self.media.remove_leg(event.key)
        outcome, cause = sip.trunk_outcome(event, answered=track.answered, reason=track.reason)
        code = event.code if event.how == "final" else track.code
        self._emit(CallEnded(event.key, outcome, code, cause, tuple(track.responses)))

    def _ring_timeout(self, call_id: str, now: float) -> None:
        track = self._tracks.get(call_id)
        if track is None or track.answered or self.ua is None:
            return
        track.reason = "no_answer"
        self.ua.hangup(call_id, now)

    def _rebind(self, why: str) -> None:
        """Re-open the SIP socket and register again: the transport may be what failed."""
        if self._loop is None or self.ua is None:
            return
        log.warning("trunk: %s: re-opening the SIP socket on %s:%s", why, *self._local)
        self.rebinds += 1
        old = self._protocol
        if old is not None:
            old.close()

        async def again() -> None:
            try:
                await self._bind()
            except ConfigError as exc:
                log.error("trunk: re-binding failed: %s", exc)

        self._loop.create_task(again())

    def _lost(self, exc: Exception | None) -> None:
        self._rebind(f"the SIP socket closed ({exc or 'no reason given'})")

    def _set_state(self, state: TrunkState, detail: str = "") -> None:
        changed = (state, detail) != (self._state, self._detail)
        self._state, self._detail = state, detail
        if changed:
            log.info("trunk %s%s", state.value, f": {detail}" if detail else "")
            self._emit(TrunkStateChanged(state, detail))

    def _emit(self, event: TrunkEvent) -> None:
        """Events reach the daemon on a later turn, never inside the core's own work."""
        loop = self._loop
        if loop is None or loop.is_closed():
            return
        loop.call_soon(self._emit_now, event)

    def _emit_now(self, event: TrunkEvent) -> None:
        if self._listener is not None:
            self._listener(event)
