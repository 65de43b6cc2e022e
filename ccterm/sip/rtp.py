"""The media loop: every RTP leg of every call on one 20 ms clock, in one thread.

The SIP library would run two threads per call and read audio by polling;
instead, each leg is a UDP socket *connected* to the peer the SDP named (so
the kernel drops RTP from anyone else), and one thread, once per 20 ms:
receives what arrived on every leg, routes it (bridge, listen, whisper,
barge are just routes src -> dst), adds any prompt being played, sends one
packet per leg, and appends the recordings. A two-party bridge relays the
G.711 bytes as they are (a table lookup between μ-law and A-law); only
mixing and recording decode to linear.

Control calls (add a leg, route, play, record) may come from any thread: they
are queued and applied at the start of the next tick, so the loop's state has
one owner.
"""

from __future__ import annotations

import logging
import queue
import random
import selectors
import socket
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ccterm.sip import media
from ccterm.sip.media import Law

log = logging.getLogger(__name__)

TICK = media.FRAME_MS / 1000
MAX_BACKLOG = (
    media.SAMPLES * 5
)  # bytes of received audio kept per leg: 100 ms, then drop the oldest


@dataclass(eq=False)
class Leg:
    """One RTP session with one peer."""

    key: str
    sock: socket.socket
    law: Law
    event_pt: int | None
    on_digit: Callable[[str], None] | None
    ssrc: int = field(default_factory=lambda: random.getrandbits(32))
    seq: int = field(default_factory=lambda: random.getrandbits(16))
    timestamp: int = field(default_factory=lambda: random.getrandbits(32))
    received: bytearray = field(default_factory=bytearray)
    last_digit_ts: int | None = None
    playing: deque[bytes] = field(default_factory=deque)
    on_played: Callable[[], object] | None = None
    started: bool = False
    # this tick's audio from the peer: G.711 bytes and (when someone needs it) linear
    frame: bytes | None = None
    linear: bytes | None = None
    packets_in: int = 0
    packets_out: int = 0
    dropped: int = 0

    def linear_in(self) -> bytes | None:
        if self.frame is not None and self.linear is None:
            self.linear = media.decode(self.frame, self.law)
        return self.linear


@dataclass(eq=False)
class Recording:
    key: str
    writer: media.WavRecorder
    left: str
    right: str


class MediaEngine:
    """Owns the RTP sockets and the one media thread; see the module docstring."""

    def __init__(self) -> None:
        self._legs: dict[str, Leg] = {}
        self._routes: dict[str, set[str]] = {}  # dst -> the legs it hears
        self._recordings: dict[str, Recording] = {}
        self._control: queue.SimpleQueue[Callable[[], None]] = queue.SimpleQueue()
        self._selector = selectors.DefaultSelector()
        self._running = False
        self._thread: threading.Thread | None = None
        self.ticks = 0
        self.late_ticks = 0

    # -- life ---------------------------------------------------------------------------

    def start(self) -> None:
        if self._thread is None:
            self._running = True
            self._thread = threading.Thread(target=self._run, name="ccterm-media", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        self._running = False
        if self._thread is not None:
            self._thread.join(timeout=2)
            self._thread = None
        for recording in self._recordings.values():
            recording.writer.close()
        self._recordings.clear()
        for leg in self._legs.values():
            leg.sock.close()
        self._legs.clear()
        self._routes.clear()

    # -- control (any thread) -----------------------------------------------------------

    def add_leg(
        self,
        key: str,
        local: tuple[str, int],
        remote: tuple[str, int],
        law: Law,
        *,
        event_pt: int | None = None,
        on_digit: Callable[[str], None] | None = None,
    ) -> None:
        """Bind the local RTP port and connect it to the peer; audio flows from the next tick."""
        sock = socket.socket(
            socket.AF_INET6 if ":" in local[0] else socket.AF_INET, socket.SOCK_DGRAM
        )
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind(local)
            sock.connect(remote)
            sock.setblocking(False)
        except OSError:
            sock.close()
            raise
        leg = Leg(key, sock, law, event_pt, on_digit)
        self._control.put(lambda: self._add(leg))

    def retarget(
        self,
        key: str,
        remote: tuple[str, int],
        law: Law | None = None,
        event_pt: int | None = None,
    ) -> None:
        """The peer moved its media or changed codec (a re-INVITE): follow it, and only it."""

        def apply() -> None:
            leg = self._legs.get(key)
            if leg is not None:
                if law is not None:
                    leg.law, leg.event_pt = law, event_pt
                try:
                    leg.sock.connect(remote)
                except OSError as exc:
                    log.warning("leg %s: cannot follow media to %s: %s", key, remote, exc)

        self._control.put(apply)

    def remove_leg(self, key: str) -> None:
        self._control.put(lambda: self._remove(key))

    def connect(self, src: str, dst: str) -> None:
        """From the next tick `dst` hears `src` (mixed with whatever else it hears)."""
        self._control.put(lambda: self._routes.setdefault(dst, set()).add(src))

    def disconnect(self, src: str, dst: str) -> None:
        self._control.put(lambda: self._routes.get(dst, set()).discard(src))

    def play(
        self, key: str, frames: list[bytes], on_done: Callable[[], object] | None = None
    ) -> None:
        """Send these linear frames to the leg (mixed over what it hears), then call on_done."""

        def apply() -> None:
            leg = self._legs.get(key)
            if leg is None:
                return
            leg.playing = deque(frames)
            leg.on_played = on_done

        self._control.put(apply)

    def stop_playing(self, key: str) -> None:
        self.play(key, [])

    def record(self, key: str, path: Path, left: str, right: str) -> None:
        """Record `left` and `right` (what each peer says) as a stereo WAV until stop_recording."""
        writer = media.WavRecorder(path)
        self._control.put(
            lambda: self._recordings.__setitem__(key, Recording(key, writer, left, right))
        )

    def stop_recording(self, key: str) -> None:
        def apply() -> None:
            recording = self._recordings.pop(key, None)
            if recording is not None:
                recording.writer.close()

        self._control.put(apply)

    def sync(self, timeout: float = 1.0) -> bool:
        """Wait until every queued control call has been applied (tests, orderly teardown)."""
        done = threading.Event()
        self._control.put(done.set)
        return done.wait(timeout)

    def leg_stats(self, key: str) -> tuple[int, int, int] | None:
        leg = self._legs.get(key)
        return None if leg is None else (leg.packets_in, leg.packets_out, leg.dropped)

    # -- the loop (media thread only) ---------------------------------------------------

    def _add(self, leg: Leg) -> None:
        old = self._legs.pop(leg.key, None)
        if old is not None:
            self._selector.unregister(old.sock)
            old.sock.close()
        self._legs[leg.key] = leg
        self._selector.register(leg.sock, selectors.EVENT_READ, leg)

    def _remove(self, key: str) -> None:
        leg = self._legs.pop(key, None)
        if leg is not None:
            self._selector.unregister(leg.sock)
            leg.sock.close()
        self._routes.pop(key, None)
        for sources in self._routes.values():
            sources.discard(key)

    def _run(self) -> None:
        deadline = time.monotonic()
        while self._running:
            try:
                self._tick()
            except Exception:  # one bad tick must not silence every call
                log.exception("media tick failed")
            self.ticks += 1
            deadline += TICK
            delay = deadline - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            elif delay < -5 * TICK:  # far behind (a stall): start the clock again from now
                self.late_ticks += 1
                deadline = time.monotonic()

    def _tick(self) -> None:
        while True:
            try:
                self._control.get_nowait()()
            except queue.Empty:
                break
        if not self._legs:
            return
        for key, _ in self._selector.select(0):
            self._receive(key.data)
        for leg in self._legs.values():
            take = bytes(leg.received[: media.SAMPLES])
            del leg.received[: media.SAMPLES]
            leg.frame = take if len(take) == media.SAMPLES else None
            leg.linear = None
        for leg in self._legs.values():
            self._send(leg, self._output(leg))
        for recording in self._recordings.values():
            left, right = self._legs.get(recording.left), self._legs.get(recording.right)
            recording.writer.add(
                (left.linear_in() if left else None) or media.SILENCE,
                (right.linear_in() if right else None) or media.SILENCE,
            )

    def _receive(self, leg: Leg) -> None:
        for _ in range(50):
            try:
                datagram = leg.sock.recv(2048)
            except (BlockingIOError, InterruptedError):
                return
            except OSError:  # ICMP port unreachable from the peer, surfaced on recv
                return
            try:
                packet = media.parse_rtp(datagram)
            except media.RtpError:
                leg.dropped += 1
                continue
            leg.packets_in += 1
            if packet.payload_type == leg.law:
                leg.received += packet.payload
                if len(leg.received) > MAX_BACKLOG:
                    del leg.received[: len(leg.received) - 2 * media.SAMPLES]
            elif packet.payload_type == leg.event_pt:
                self._digit(leg, packet)
            else:
                leg.dropped += 1

    @staticmethod
    def _digit(leg: Leg, packet: media.RtpPacket) -> None:
        event = media.parse_dtmf(packet.payload)
        if event is None or packet.timestamp == leg.last_digit_ts:
            return  # the same key press repeated (updates and the end's retransmissions)
        leg.last_digit_ts = packet.timestamp
        if leg.on_digit is not None:
            leg.on_digit(event.digit)

    def _output(self, leg: Leg) -> bytes:
        sources = [self._legs[k] for k in self._routes.get(leg.key, ()) if k in self._legs]
        prompt = leg.playing.popleft() if leg.playing else None
        if prompt is not None and not leg.playing and leg.on_played is not None:
            done, leg.on_played = leg.on_played, None
            done()
        if prompt is None and len(sources) == 1:
            frame = sources[0].frame
            if frame is not None:
                return media.relay(frame, sources[0].law, leg.law)
        parts = [linear for s in sources if (linear := s.linear_in()) is not None]
        if prompt is not None:
            parts.append(prompt)
        if not parts:
            return media.SILENT_BYTE[leg.law] * media.SAMPLES
        return media.encode(media.mix(parts), leg.law)

    @staticmethod
    def _send(leg: Leg, payload: bytes) -> None:
        packet = media.pack_rtp(
            int(leg.law), leg.seq, leg.timestamp, leg.ssrc, payload, not leg.started
        )
        leg.started = True
        leg.seq = (leg.seq + 1) & 0xFFFF
        leg.timestamp = (leg.timestamp + media.SAMPLES) & 0xFFFFFFFF
        try:
            leg.sock.send(packet)
            leg.packets_out += 1
        except OSError:  # the peer's port is closed (ICMP): keep the clock, try again next tick
            pass
