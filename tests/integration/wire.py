"""What crossed the loopback wire: RTP captured with a raw socket, and tones found in it.

The far ends are sipp processes, which cannot tell us what they heard; the
kernel can. A packet socket on `lo` sees every datagram once as it arrives
(PACKET_HOST); the RTP payloads sent to one port are decoded and searched for
tones (Goertzel), so a test can say "the supervisor heard the customer".
"""

from __future__ import annotations

import math
import os
import socket
import struct
import threading
import time
from pathlib import Path

import pytest

from ccterm.sip import media

needs_root = pytest.mark.skipif(
    os.geteuid() != 0, reason="capturing on lo needs root (a packet socket)"
)

_ETH_P_ALL = 0x0003
_PACKET_HOST = 0
_SO_TIMESTAMPNS = 35  # linux/asm-generic/socket.h; the socket module does not name it


class Wire:
    """Capture UDP on lo in a thread; `rtp_to(port)` gives the packets sent to a port."""

    def __init__(self) -> None:
        self._sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(_ETH_P_ALL))
        self._sock.bind(("lo", 0))
        self._sock.setsockopt(socket.SOL_SOCKET, _SO_TIMESTAMPNS, 1)  # the kernel's arrival time
        self._sock.settimeout(0.2)
        self._packets: list[tuple[float, int, int, bytes]] = []  # time, sport, dport, data
        self._lock = threading.Lock()
        self._running = True
        self._thread = threading.Thread(target=self._run, name="wire", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while self._running:
            try:
                frame, ancillary, _, addr = self._sock.recvmsg(65535, 64)
            except TimeoutError:
                continue
            stamp = time.time()
            for level, kind, data in ancillary:
                if level == socket.SOL_SOCKET and kind == _SO_TIMESTAMPNS:
                    sec, nsec = struct.unpack("qq", data[:16])
                    stamp = sec + nsec / 1e9
            if addr[2] != _PACKET_HOST or frame[12:14] != b"\x08\x00" or frame[23] != 17:
                continue
            ihl = (frame[14] & 0x0F) * 4
            udp = 14 + ihl
            sport, dport = struct.unpack_from("!HH", frame, udp)
            with self._lock:
                self._packets.append((stamp, sport, dport, frame[udp + 8 :]))

    def mark(self) -> float:
        """Now, on the clock of the capture's timestamps (the kernel's wall clock)."""
        return time.time()

    def udp(self, since: float = 0.0) -> list[tuple[float, int, int, bytes]]:
        """Every datagram seen: (arrival time, source port, destination port, payload)."""
        with self._lock:
            return [p for p in self._packets if p[0] >= since]

    def rtp_to(self, port: int, since: float = 0.0, until: float = math.inf) -> list[bytes]:
        """The RTP payloads (PCMU or PCMA, decoded to 16-bit PCM) sent to this port."""
        with self._lock:
            packets = [p for p in self._packets if p[2] == port and since <= p[0] < until]
        out = []
        for _, _, _, data in packets:
            try:
                packet = media.parse_rtp(data)
            except media.RtpError:
                continue
            if packet.payload_type in (0, 8) and packet.payload:
                out.append(media.decode(packet.payload, media.Law(packet.payload_type)))
        return out

    def close(self) -> None:
        self._running = False
        self._thread.join(2)
        self._sock.close()


def tone_level(pcm: bytes, hz: float) -> float:
    """The amplitude of the `hz` component of 16-bit PCM at 8 kHz (Goertzel)."""
    samples = struct.unpack(f"<{len(pcm) // 2}h", pcm)
    if not samples:
        return 0.0
    coeff = 2 * math.cos(2 * math.pi * hz / media.RATE)
    s1 = s2 = 0.0
    for x in samples:
        s1, s2 = x + coeff * s1 - s2, s1
    power = max(0.0, s1 * s1 + s2 * s2 - coeff * s1 * s2)
    return 2 * math.sqrt(power) / len(samples)


def hears(levels: dict[int, float], *tones: int) -> bool:
    """Each of `tones` clearly in the levels (a tone_pcap plays at 6000), and every other
    tone measured absent: {hz: level} as heard_tones (three_phones.py) gives it."""
    present = all(levels[hz] > 1500 for hz in tones)
    absent = all(levels[hz] < 400 for hz in levels if hz not in tones)
    return present and absent


def rtp_pcap(path: Path, payloads: list[bytes], payload_type: int) -> Path:
    """A pcap of 20 ms RTP packets carrying these payloads, for sipp's play_pcap_audio.

    sipp replays the payloads at the capture's timestamps with its own addresses.
    """
    out = [struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1)]  # Ethernet link type
    here = socket.inet_aton("127.0.0.1")
    for n, payload in enumerate(payloads):
        rtp = media.pack_rtp(payload_type, n & 0xFFFF, n * media.SAMPLES, 0x1234, payload)
        udp = struct.pack("!HHHH", 6000, 6000, 8 + len(rtp), 0) + rtp
        ip = struct.pack(
            "!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), n & 0xFFFF, 0, 64, 17, 0, here, here
        )
        frame = b"\x00" * 12 + b"\x08\x00" + ip + udp
        usec = n * media.FRAME_MS * 1000
        out.append(
            struct.pack("<IIII", usec // 1_000_000, usec % 1_000_000, len(frame), len(frame))
        )
        out.append(frame)
    path.write_bytes(b"".join(out))
    return path


def tone_pcap(path: Path, hz: float, seconds: float, amplitude: int = 6000) -> Path:
    """PCMU RTP carrying one tone."""
    step = 2 * math.pi * hz / media.RATE
    payloads = []
    for n in range(int(seconds * 1000 / media.FRAME_MS)):
        first = n * media.SAMPLES
        samples = (int(amplitude * math.sin(step * (first + i))) for i in range(media.SAMPLES))
        payloads.append(media.encode(struct.pack(f"<{media.SAMPLES}h", *samples), media.Law.PCMU))
    return rtp_pcap(path, payloads, int(media.Law.PCMU))
