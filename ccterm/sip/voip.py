"""The real SIP trunk: rfcvoip behind the Trunk interface. The only module that imports it.

rfcvoip (pyVoIP's maintained successor) does the SIP: digest REGISTER,
INVITE/CANCEL/BYE, SDP. Its sharp edges, all measured, are owned here:

- it prints every message: its `debug` is routed to `logging` (never stdout);
- it keeps the final INVITE status only phone-wide: `_Phone.callback` records
  it per Call-ID, and the outcome is decided from it;
- it answers 404 to INVITEs for a DID that is not the account name: the trunk
  routes only our numbers to us, so every DID from the trunk is ours;
- it accepts SIP from any address: every message from anywhere but the trunk
  (`host` and `[trunk] allow_from`) is dropped before it is parsed into a call,
  so nothing is answered;
- it ignores the registrar's Expires and gives up after a few failures:
  registration is ours (`_register`): refresh at 80 % of what was granted,
  retry with backoff for ever, report the state;
- it runs two RTP threads per call and wants audio polled once per 20 ms:
  its RTP clients are replaced by legs of our media loop (rtp.py), one thread
  for all calls, each leg a UDP socket connected to the SDP's peer only;
- its `start`/`stop` block for up to the REGISTER timeout: they run in worker
  threads, never on the event loop, and stopping is bounded.

Events reach the daemon on its event loop through `call_soon_threadsafe`.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import itertools
import logging
import re
import socket
import threading
import time
import warnings
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ccterm.config import TrunkConfig
from ccterm.errors import ConfigError
from ccterm.sip import media
from ccterm.sip.rtp import MediaEngine
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
    outcome_for_code,
)

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)  # rfcvoip imports audioop
    import rfcvoip as _rfcvoip
    import rfcvoip.RTP as _rtp_module
    import rfcvoip.SIP as _sip_module
    import rfcvoip.VoIP.VoIP as _voip_module

# Its private hooks are what we extend: treat the library as untyped here.
rfcvoip: Any = _rfcvoip
_rtp: Any = _rtp_module
_sip: Any = _sip_module
_voip: Any = _voip_module

log = logging.getLogger(__name__)
wire_log = logging.getLogger("ccterm.sip.wire")

G711 = [_rtp.PayloadType.PCMU, _rtp.PayloadType.PCMA, _rtp.PayloadType.EVENT]
REGISTER_TIMEOUT = 8.0  # seconds one REGISTER transaction may take
STOP_TIMEOUT = 10.0
CANCEL_CROSSING_SECONDS = 64.0  # 64*T1: no 200 OK for a cancelled INVITE comes later
INVITE_TIMEOUT = 32.0  # no 18x or final answer at all in this long: the call failed
MAX_BACKOFF = 60.0


def _quiet_debug(s: object, e: object = None) -> None:
    """rfcvoip's debug(): to logging, at debug level, never to stdout."""
    if wire_log.isEnabledFor(logging.DEBUG):
        wire_log.debug("%s", e if e is not None else s)


for _module in (rfcvoip, _sip, _voip, _rtp):
    _module.debug = _quiet_debug


# -- the parts of rfcvoip we replace ---------------------------------------------------


class _LegHandle:
    """Stands where rfcvoip puts an RTPClient; starting it adds a leg to our media loop."""

    def __init__(
        self, call: _Call, codecs: dict[int, Any], local: tuple[str, int], remote: tuple[str, int]
    ) -> None:
        self.call = call
        self.assoc = codecs
        self.inIP, self.inPort = local
        self._out = remote
        self.sendrecv: Any = _rtp.TransmitType.SENDRECV
        self.law = next(
            (media.Law(pt) for pt, c in codecs.items() if c in (G711[0], G711[1])), media.Law.PCMU
        )
        self.event_pt = next((pt for pt, c in codecs.items() if c == G711[2]), None)
        self.running = False

    @property
    def outIP(self) -> str:
        return self._out[0]

    @outIP.setter
    def outIP(self, value: str) -> None:
        self._out = (value, self._out[1])

    @property
    def outPort(self) -> int:
        return self._out[1]

    @outPort.setter
    def outPort(self, value: int) -> None:
        self._out = (self._out[0], int(value))
        if self.running:
            self.call.trunk.media.retarget(self.call.key, self._out)

    def start(self) -> None:
        if not self.running:
            self.running = True
            self.call.trunk.leg_started(self.call, self)

    def stop(self) -> None:
        if self.running:
            self.running = False
            self.call.trunk.media.remove_leg(self.call.key)


class _Call(_voip.VoIPCall):
    """rfcvoip's call, with our media legs and a hook on every state change."""

    trunk: VoipTrunk

    @property
    def key(self) -> str:
        return self.trunk.key_for(str(self.call_id))

    def create_rtp_clients(
        self,
        codecs: dict[int, Any],
        ip: str,
        port: Any,
        request: Any,
        baseport: int,
        media: dict[str, Any] | None = None,
    ) -> None:
        self.trunk = self.phone.trunk
        targets = _voip._media_rtp_targets(request, media or {}, baseport)[:1]
        if not targets:
            return
        local_port = self._local_ports_for_rtp_targets(port, 1)[0]
        handle = _LegHandle(self, dict(codecs), (ip, local_port), (targets[0][0], targets[0][1]))
        with self._state_lock_for():
            self.RTPClients.append(handle)
            self._rtp_media_groups.append(
                {
                    "media_type": "audio",
                    "base_port": local_port,
                    "port_count": 1,
                    "codecs": dict(codecs),
                    "clients": [handle],
                }
            )
            if isinstance(self.assignedPorts, dict):
                self.assignedPorts[local_port] = codecs

    def _set_state(self, state: Any) -> None:
        super()._set_state(state)
        self.phone.trunk.call_state(self, state)


_voip.VoIPCall = _Call  # rfcvoip builds calls by this module-level name


class _Phone(_voip.VoIPPhone):
    """rfcvoip's phone: trunk-only SIP, per-call final codes, any DID, G.711 only."""

    def __init__(self, trunk: VoipTrunk, **kwargs: Any) -> None:
        self.trunk = trunk
        super().__init__(**kwargs)
        rfcvoip.RTPCompatibleCodecs = list(G711)
        self.sip.default_expires = trunk.config.expires
        self.sip.register_timeout = REGISTER_TIMEOUT
        self.sip.invite_timeout = INVITE_TIMEOUT
        parse = self.sip.parse_message
        self.sip.parse_message = lambda message: trunk.screen(message) and parse(message)
        gen_invite = self.sip.gen_invite
        self.sip.gen_invite = lambda *a, **kw: trunk.invite_text(gen_invite(*a, **kw), a, kw)
        self.sip.register = trunk.register

    def callback(self, request: Any) -> None:
        self.trunk.observe(request)
        super().callback(request)
        if request.type == _sip.SIPMessageType.MESSAGE and request.method == "INVITE":
            self.trunk.offered(request)

    def _invite_targets_local_account(self, request: Any) -> bool:
        return True  # only the trunk reaches us (screen), and it sends only our DIDs

    def _default_audio_offer(self) -> dict[int, Any]:
        return {0: G711[0], 8: G711[1], 101: G711[2]}


# -- the trunk -------------------------------------------------------------------------


@dataclass(eq=False)
class _Track:
    """What we know of one call, by our call id."""

    call_id: str
    inbound: bool = False
    sip_id: str = ""
    vcall: Any = None
    placing: bool = False  # phone.call() has not returned yet
    hangup_wanted: bool = False
    answered: bool = False
    ended: bool = False
    code: int | None = None
    reason: str = ""  # why we ended it ourselves: "no_answer", "hangup"
    timer: asyncio.TimerHandle | None = None
    responses: list[int] = field(default_factory=list)


class VoipTrunk:
    """A SIP trunk account: registration, calls out and in, and the media of each call."""

    def __init__(
        self,
        config: TrunkConfig,
        *,
        guard: Callable[[str], str | None] | None = None,
        engine: MediaEngine | None = None,
    ) -> None:
        self.config = config
        self.guard = guard
        self.media = engine or MediaEngine()
        self._state = TrunkState.DOWN
        self._detail = ""
        self._listener: Listener | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._phone: _Phone | None = None
        self._pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="ccterm-sip")
        self._lock = threading.RLock()
        self._tracks: dict[str, _Track] = {}
        self._by_sip: dict[str, _Track] = {}
        self._placing = threading.local()
        self._inbound_ids = itertools.count(1)
        self._failures = 0
        self._allowed: list[Network] = []
        self._direct: dict[tuple[str, int], _Phone] = {}
        self.registered_for: int | None = None  # seconds the registrar granted
        self._registering_began = False
        # calls we cancelled, by SIP Call-ID: a 200 OK may still cross the CANCEL
        self._cancelled: dict[str, tuple[Any, float]] = {}

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
        self._allowed = await self._loop.run_in_executor(self._pool, self._allowed_networks)
        low, high = self.config.rtp_ports
        self._phone = _Phone(
            self,
            server=self.config.host,
            port=self.config.port,
            username=self.config.username,
            password=self.config.password,
            myIP=self.config.local_ip,
            callCallback=lambda call: None,  # inbound calls are reported by offered()
            sipPort=self.config.local_port,
            rtpPortLow=low,
            rtpPortHigh=high,
        )
        self.media.start()
        where = f"{self.config.host}:{self.config.port}"
        if self.config.register:
            self._set_state(TrunkState.REGISTERING, f"at {where} as {self.config.username}")
        else:
            self._set_state(TrunkState.UP, f"calls go to {where}, no registration")
        phone = self._phone
        try:
            await asyncio.wait_for(
                self._loop.run_in_executor(self._pool, self._start_phone, phone),
                REGISTER_TIMEOUT * 2 + 2,
            )
        except OSError as exc:
            self._set_state(
                TrunkState.FAILED,
                f"cannot use {self.config.local_ip}:"
                f"{self.config.local_port}: {exc.strerror or exc}",
            )
            raise ConfigError(
                f"[trunk] cannot bind SIP to {self.config.local_ip}:{self.config.local_port}: "
                f"{exc.strerror or exc}",
                "check [trunk] local_ip / local_port, or stop what already uses the port",
            ) from exc
        except TimeoutError:
            log.warning("trunk: the SIP phone is slow to start; it goes on in the background")

    async def stop(self) -> None:
        for direct in self._direct.values():
            with contextlib.suppress(Exception):
                await asyncio.wait_for(
                    asyncio.get_running_loop().run_in_executor(self._pool, direct.stop), 3
                )
        self._direct.clear()
        phone, self._phone = self._phone, None
        if phone is not None and self._loop is not None:
            phone.sip.register_timeout = 2.0  # unregistering must not hold up a shutdown
            try:
                await asyncio.wait_for(
                    self._loop.run_in_executor(self._pool, phone.stop), STOP_TIMEOUT
                )
            except (TimeoutError, Exception) as exc:  # leaving anyway: the process is ending
                log.warning("trunk: stopping the SIP phone: %s", exc or "timed out")
        self.media.stop()
        self._pool.shutdown(wait=False, cancel_futures=True)
        self._set_state(TrunkState.DOWN)

    carries_audio = True

    def originate(
        self,
        call_id: str,
        number: str,
        *,
        caller_id: str,
        ring_timeout: float,
        check: bool = True,
    ) -> None:
        track = _Track(call_id, placing=True)
        with self._lock:
            self._tracks[call_id] = track
        refusal = self.guard(number) if self.guard and check else None
        trunk_down = self._state is not TrunkState.UP and self._direct_target(number) is None
        if refusal or self._phone is None or trunk_down:
            cause = refusal or f"the trunk is {self._state.value}"
            self._emit(CallEnded(call_id, Outcome.FAILED, None, cause))
            with self._lock:
                self._tracks.pop(call_id, None)
            return
        assert self._loop is not None
        track.timer = self._loop.call_later(ring_timeout, self._ring_timeout, call_id)
        self._pool.submit(self._place, track, number, caller_id or self.config.caller_id)

    def hangup(self, call_id: str) -> None:
        with self._lock:
            track = self._tracks.get(call_id)
            if track is None or track.ended:
                return
            track.reason = track.reason or "hangup"
            if track.placing:
                track.hangup_wanted = True
                return
        self._pool.submit(self._end, track)

    # -- beyond the protocol: inbound and media -----------------------------------------

    def answer(self, call_id: str) -> None:
        with self._lock:
            track = self._tracks.get(call_id)
        if track is not None and track.vcall is not None:
            self._pool.submit(self._guarded, track.vcall.answer)

    def connect(self, src: str, dst: str) -> None:
        self.media.connect(src, dst)

    def disconnect(self, src: str, dst: str) -> None:
        self.media.disconnect(src, dst)

    def play(self, call_id: str, path: Path, on_done: Callable[[], None] | None = None) -> float:
        """Play a WAV into the leg over what it hears; its length in seconds (AudioFileError)."""
        frames = media.load_wav(path)
        done = None
        if on_done is not None and self._loop is not None:
            loop = self._loop

            def done() -> None:
                loop.call_soon_threadsafe(on_done)

        self.media.play(call_id, frames, done)
        return len(frames) * media.FRAME_MS / 1000

    def record(self, key: str, path: Path, left: str, right: str) -> None:
        self.media.record(key, path, left, right)

    def stop_recording(self, key: str) -> None:
        self.media.stop_recording(key)

    # -- worker threads -----------------------------------------------------------------

    def _start_phone(self, phone: _Phone) -> None:
        if self.config.register:
            phone.start()
            return
        # No registration (a trunk that authenticates by address): open the socket only.
        phone.sip.register = lambda: True
        phone.start()

    def _phone_for(self, target: str) -> _Phone | None:
        """The trunk's phone, or for a SIP URI at another host a phone aimed there.

        rfcvoip sends every INVITE to its own server; an agent's desk phone given
        as sip:user@host:port gets a second phone object (no registration) that
        shares our RTP port pool and media loop.
        """
        main = self._phone
        direct = self._direct_target(target)
        if main is None or direct is None:
            return main
        host, port = direct
        with self._lock:
            direct = self._direct.get((host, port))
            if direct is not None:
                return direct
            direct = _Phone(
                self,
                server=host,
                port=port,
                username=self.config.username or "ccterm",
                password="",
                myIP=self.config.local_ip,
                callCallback=lambda call: None,
                sipPort=_free_udp_port(self.config.local_ip),
                rtpPortLow=self.config.rtp_ports[0],
                rtpPortHigh=self.config.rtp_ports[1],
            )
            direct.assignedPorts = main.assignedPorts  # one pool of RTP ports for all
            direct.portsLock = main.portsLock
            direct.sip.register = lambda: True
            self._allowed.extend(_networks(host, port))
            direct.start()
            self._direct[(host, port)] = direct
            return direct

    def _direct_target(self, target: str) -> tuple[str, int] | None:
        """(host, port) of a SIP URI that does not go through the trunk, else None."""
        found = re.fullmatch(r"sips?:(?:[^@]+@)?([^:;>]+)(?::(\d+))?.*", target)
        if found is None:
            return None
        host, port = found.group(1), int(found.group(2) or 5060)
        return None if (host, port) == (self.config.host, self.config.port) else (host, port)

    def _place(self, track: _Track, number: str, caller_id: str) -> None:
        self._placing.track = track
        self._placing.caller_id = caller_id
        try:
            phone = self._phone_for(number)
            if phone is None:
                raise RuntimeError("the trunk stopped")
            vcall = phone.call(number)
        except Exception as exc:  # no response, a socket error: the call never existed
            log.info("call %s to %s failed to start: %s", track.call_id, number, exc)
            self._finish(track, Outcome.FAILED, None, f"no answer from the trunk ({exc})")
            return
        finally:
            self._placing.track = None
        with self._lock:
            track.vcall = vcall
            track.placing = False
            wanted = track.hangup_wanted and not track.ended
        state = vcall._get_state()
        if state == _voip.CallState.ENDED:
            self.call_state(vcall, state)  # a final answer came before we held the call
        elif wanted:
            self._end(track)

    def _end(self, track: _Track) -> None:
        vcall = track.vcall
        if vcall is None:
            return
        state = vcall._get_state()
        try:
            if state == _voip.CallState.ANSWERED:
                vcall.hangup()
            elif state in (_voip.CallState.DIALING, _voip.CallState.RINGING):
                if track.inbound:
                    vcall.deny()
                else:
                    vcall.cancel()
        except Exception as exc:
            log.warning("call %s: ending it: %s", track.call_id, exc)
            self._finish(track, Outcome.FAILED, track.code, str(exc))

    def _guarded(self, action: Callable[[], None]) -> None:
        try:
            action()
        except Exception:
            log.exception("SIP action failed")

    # -- hooks called by rfcvoip's threads ----------------------------------------------

    def screen(self, message: Any) -> bool:
        """Drop every SIP message that does not come from the trunk; nothing answers it."""
        source = getattr(message, "source_address", None)
        if source is None or self._allowed_source(source[0]):
            return True
        if message.type == _sip.SIPMessageType.MESSAGE:
            log.warning("SIP %s from %s:%s dropped: not the trunk", message.method, *source[:2])
        return False

    def observe(self, message: Any) -> None:
        """Keep each call's INVITE responses (rfcvoip keeps only the last, phone-wide)."""
        if message.type == _sip.SIPMessageType.MESSAGE:
            return
        cseq = message.headers.get("CSeq", {})
        method = cseq.get("method") if isinstance(cseq, dict) else None
        if method == "REGISTER" and int(message.status) == 200:
            self.registered_for = _granted_expiry(message, self.config.expires)
            return
        if method != "INVITE":
            return
        code = int(message.status)
        sip_id = str(message.headers.get("Call-ID", ""))
        with self._lock:
            track = self._by_sip.get(sip_id)
            if track is None:
                late = self._cancelled.pop(sip_id, None) if code == 200 else None
                if late is not None:  # answered as we cancelled: end it (rfcvoip only ACKs)
                    log.info("call %s answered after our CANCEL: hanging up", sip_id)
                    self._pool.submit(self._guarded, lambda: late[0].bye(message))
                return
            track.responses.append(code)
            if code >= 200:
                track.code = code
            first_ring = (
                code in (180, 183)
                and 180 not in track.responses[:-1]
                and (183 not in track.responses[:-1])
            )
        if first_ring:
            self._emit(CallRinging(track.call_id))

    def offered(self, request: Any) -> None:
        """An INVITE from the trunk became a ringing call in rfcvoip: tell the daemon."""
        sip_id = str(request.headers.get("Call-ID", ""))
        phone = self._phone
        vcall = phone._get_call(sip_id) if phone is not None else None
        if vcall is None or vcall._get_state() != _voip.CallState.RINGING:
            return
        with self._lock:
            if sip_id in self._by_sip:
                return  # a retransmission
            track = _Track(f"in-{next(self._inbound_ids)}", inbound=True, sip_id=sip_id)
            track.placing = False
            track.vcall = vcall
            self._by_sip[sip_id] = track
            self._tracks[track.call_id] = track
        from_header = request.headers.get("From", {})
        caller = from_header.get("number", "") if isinstance(from_header, dict) else ""
        did = _voip._sip_uri_user(getattr(request, "uri", "")) or ""
        self._emit(InboundCall(track.call_id, did=did, caller=str(caller)))

    def invite_text(self, text: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> str:
        """Our INVITE: know its Call-ID before rfcvoip returns, and carry the caller ID."""
        track: _Track | None = getattr(self._placing, "track", None)
        sip_id = kwargs.get("call_id", args[5] if len(args) > 5 else "")
        if track is not None and sip_id:
            with self._lock:
                track.sip_id = str(sip_id)
                self._by_sip[track.sip_id] = track
        caller_id = getattr(self._placing, "caller_id", "") if track is not None else ""
        if caller_id:
            identity = f"<sip:{caller_id}@{self.config.host}>"
            text = text.replace("From: <", f'From: "{caller_id}" <', 1)
            text = text.replace(
                "Max-Forwards: 70\r\n",
                f"Max-Forwards: 70\r\nP-Asserted-Identity: {identity}\r\n",
                1,
            )
        return text

    def key_for(self, sip_id: str) -> str:
        with self._lock:
            track = self._by_sip.get(sip_id)
        return track.call_id if track is not None else sip_id

    def leg_started(self, vcall: _Call, handle: _LegHandle) -> None:
        key = vcall.key
        loop = self._loop
        on_digit = None
        if loop is not None:

            def on_digit(digit: str) -> None:
                loop.call_soon_threadsafe(self._deliver, DigitReceived(key, digit))

        try:
            self.media.add_leg(
                key,
                (handle.inIP, handle.inPort),
                handle._out,
                handle.law,
                event_pt=handle.event_pt,
                on_digit=on_digit,
            )
        except OSError as exc:
            log.error("call %s: cannot open RTP on port %s: %s", key, handle.inPort, exc)

    def call_state(self, vcall: Any, state: Any) -> None:
        with self._lock:
            track = self._by_sip.get(str(vcall.call_id))
        if track is None:
            return
        if state == _voip.CallState.ANSWERED and not track.answered and track.reason:
            self._pool.submit(self._guarded, vcall.hangup)  # answered as we cancelled: end it
        elif state == _voip.CallState.ANSWERED and not track.answered:
            track.answered = True
            if track.timer is not None:
                track.timer.cancel()
            self._emit(CallAnswered(track.call_id))
        elif state == _voip.CallState.ENDED:
            if track.placing:
                return  # phone.call() is still running; _place() reports it
            if track.answered:
                cause = "we hung up" if track.reason else "the other side hung up"
                self._finish(track, Outcome.ANSWERED, track.code, cause)
            elif track.reason == "no_answer":
                self._finish(track, Outcome.NO_ANSWER, None, "rang out: cancelled")
            elif track.reason:
                self._finish(track, Outcome.CANCELLED, None, "cancelled")
            elif track.inbound:
                self._finish(track, Outcome.CANCELLED, None, "the caller hung up")
            elif track.code is not None:
                self._finish(track, outcome_for_code(track.code), track.code, f"SIP {track.code}")
            else:
                self._finish(track, Outcome.FAILED, None, "ended with no final response")

    def register(self) -> bool:
        """One REGISTER (with its digest round); schedule the next: refresh or backoff."""
        phone = self._phone
        if phone is None:
            return False
        sip = phone.sip
        if not self._registering_began:
            # Called from phone.start(): register from the timer thread instead, so that
            # start() returns once the socket is bound and a silent registrar delays nothing.
            self._registering_began = True
            sip._SIPClient__start_register_timer(delay=0)
            return True
        detail = ""
        try:
            with sip.recvLock:
                ok = bool(sip._SIPClient__register())
        except Exception as exc:
            ok = False
            detail = _register_failure(exc)
        if not sip.NSD:
            return ok
        if ok:
            self._failures = 0
            granted = self.registered_for or self.config.expires
            delay = max(1, int(granted * 0.8))
            self._set_state(TrunkState.UP, f"registered for {granted} s")
        else:
            self._failures += 1
            delay = int(min(MAX_BACKOFF, 2 ** min(self._failures, 6)))
            self._set_state(
                TrunkState.FAILED, f"{detail or 'registration failed'}; retry in {delay} s"
            )
        sip._SIPClient__start_register_timer(delay=delay)
        return ok

    # -- helpers ------------------------------------------------------------------------

    def _ring_timeout(self, call_id: str) -> None:
        with self._lock:
            track = self._tracks.get(call_id)
            if track is None or track.answered or track.ended:
                return
            track.reason = "no_answer"
            if track.placing:
                track.hangup_wanted = True
                return
        self._pool.submit(self._end, track)

    def _finish(self, track: _Track, outcome: Outcome, code: int | None, cause: str) -> None:
        with self._lock:
            if track.ended:
                return
            track.ended = True
            if track.timer is not None:
                track.timer.cancel()
            self._tracks.pop(track.call_id, None)
            self._by_sip.pop(track.sip_id, None)
            now = time.monotonic()
            if track.reason and not track.answered and not track.inbound and track.vcall:
                self._cancelled[track.sip_id] = (track.vcall.sip, now)
            for sip_id, (_, when) in list(self._cancelled.items()):
                if now - when > CANCEL_CROSSING_SECONDS:
                    del self._cancelled[sip_id]
        self.media.remove_leg(track.call_id)
        self._emit(CallEnded(track.call_id, outcome, code, cause, tuple(track.responses)))

    def _set_state(self, state: TrunkState, detail: str = "") -> None:
        changed = (state, detail) != (self._state, self._detail)
        self._state, self._detail = state, detail
        if changed:
            log.info("trunk %s%s", state.value, f": {detail}" if detail else "")
            self._emit(TrunkStateChanged(state, detail))

    def _emit(self, event: TrunkEvent) -> None:
        loop = self._loop
        if loop is None or loop.is_closed():
            return
        with contextlib.suppress(RuntimeError):  # the loop closed between the check and now
            loop.call_soon_threadsafe(self._deliver, event)

    def _deliver(self, event: TrunkEvent) -> None:
        if self._listener is not None:
            self._listener(event)

    def _allowed_networks(self) -> list[Network]:
        networks: list[Network] = []
        for entry in (self.config.host, *self.config.allow_from):
            networks.extend(_networks(entry, self.config.port))
        return networks

    def _allowed_source(self, host: str) -> bool:
        try:
            address = ipaddress.ip_address(host)
        except ValueError:
            return False
        return any(address in network for network in self._allowed)


Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def _networks(entry: str, port: int) -> list[Network]:
    """An address, a network, or a host name (resolved now) as networks to accept SIP from."""
    try:
        return [ipaddress.ip_network(entry, strict=False)]
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(entry, port, proto=socket.IPPROTO_UDP)
    except OSError as exc:
        log.warning("trunk: cannot resolve %s: %s", entry, exc)
        return []
    return [ipaddress.ip_network(info[4][0]) for info in infos]


def _free_udp_port(host: str) -> int:
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def _granted_expiry(response: Any, asked: int) -> int:
    """What the registrar granted: the Contact's expires, or the Expires header."""
    raw = bytes(getattr(response, "raw", b"") or b"").decode("utf8", "replace")
    for pattern in (
        r"(?im)^(?:contact|m)\s*:.*?;\s*expires\s*=\s*(\d+)",
        r"(?im)^expires\s*:\s*(\d+)",
    ):
        found = re.search(pattern, raw)
        if found:
            return max(1, int(found.group(1)))
    return asked


def _register_failure(exc: Exception) -> str:
    if isinstance(exc, _sip.InvalidAccountInfoError):
        return "the trunk refused our username or password"
    if isinstance(exc, TimeoutError):
        return "the registrar did not answer"
    return f"registration failed: {exc}"
