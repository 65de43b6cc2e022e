"""Audio as the media loop handles it: G.711, RTP framing, RFC 2833 digits, mixing, WAV.

Pure functions and small value types; the loop that runs them every 20 ms is
rtp.py. All audio inside ccterm is 8 kHz mono signed 16-bit little-endian
("linear"); G.711 μ-law and A-law exist only on the wire. The codecs are the C
ones in `audioop` (the standard library up to 3.12, `audioop-lts` after).
"""

from __future__ import annotations

import struct
import warnings
import wave
from dataclasses import dataclass
from enum import IntEnum
from pathlib import Path
from typing import BinaryIO

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    import audioop

RATE = 8000
FRAME_MS = 20
SAMPLES = RATE * FRAME_MS // 1000  # 160 per frame
LINEAR_FRAME = SAMPLES * 2  # bytes of linear audio per frame
SILENCE = bytes(LINEAR_FRAME)
RTP_HEADER = struct.Struct("!BBHII")
DTMF_DIGITS = "0123456789*#ABCD"


class Law(IntEnum):
    """G.711 variants by their static RTP payload type."""

    PCMU = 0
    PCMA = 8


def encode(linear: bytes, law: Law) -> bytes:
    return audioop.lin2ulaw(linear, 2) if law is Law.PCMU else audioop.lin2alaw(linear, 2)


def decode(payload: bytes, law: Law) -> bytes:
    return audioop.ulaw2lin(payload, 2) if law is Law.PCMU else audioop.alaw2lin(payload, 2)


def _law_table(src: Law, dst: Law) -> bytes:
    return bytes(encode(decode(bytes([i]), src), dst)[0] for i in range(256))


# Relaying between a μ-law and an A-law leg is one bytes.translate, no decoding.
TRANSCODE = {
    (Law.PCMU, Law.PCMA): _law_table(Law.PCMU, Law.PCMA),
    (Law.PCMA, Law.PCMU): _law_table(Law.PCMA, Law.PCMU),
}
SILENT_BYTE = {Law.PCMU: encode(b"\0\0", Law.PCMU), Law.PCMA: encode(b"\0\0", Law.PCMA)}


def relay(payload: bytes, src: Law, dst: Law) -> bytes:
    """One leg's G.711 frame as another leg's, without going through linear."""
    return payload if src is dst else payload.translate(TRANSCODE[(src, dst)])


def mix(frames: list[bytes]) -> bytes:
    """Sum linear frames with saturation (audioop clips instead of wrapping)."""
    if not frames:
        return SILENCE
    total = frames[0]
    for frame in frames[1:]:
        total = audioop.add(total, frame, 2)
    return total


def stereo(left: bytes, right: bytes) -> bytes:
    """Interleave two mono linear frames (left, right) into one stereo frame."""
    return audioop.add(audioop.tostereo(left, 2, 1, 0), audioop.tostereo(right, 2, 0, 1), 2)


def rms(linear: bytes) -> int:
    return int(audioop.rms(linear, 2))


# -- RTP -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RtpPacket:
    payload_type: int
    marker: bool
    seq: int
    timestamp: int
    ssrc: int
    payload: bytes


class RtpError(ValueError):
    """A datagram that is not an RTP packet we can use; the loop drops it."""


def pack_rtp(
    payload_type: int, seq: int, timestamp: int, ssrc: int, payload: bytes, marker: bool = False
) -> bytes:
    return (
        RTP_HEADER.pack(
            0x80,
            (0x80 if marker else 0) | payload_type,
            seq & 0xFFFF,
            timestamp & 0xFFFFFFFF,
            ssrc,
        )
        + payload
    )


def parse_rtp(datagram: bytes) -> RtpPacket:
    """RFC 3550 fixed header, CSRCs, extension and padding; anything malformed raises."""
    if len(datagram) < RTP_HEADER.size:
        raise RtpError("shorter than an RTP header")
    first, second, seq, timestamp, ssrc = RTP_HEADER.unpack_from(datagram)
    if first >> 6 != 2:
        raise RtpError("not RTP version 2")
    offset = RTP_HEADER.size + 4 * (first & 0x0F)
    if first & 0x10:  # header extension
        if len(datagram) < offset + 4:
            raise RtpError("truncated header extension")
        (words,) = struct.unpack_from("!H", datagram, offset + 2)
        offset += 4 + 4 * words
    end = len(datagram)
    if first & 0x20:  # padding: the last byte says how much
        end -= datagram[-1]
    if offset > end:
        raise RtpError("header longer than the packet")
    return RtpPacket(second & 0x7F, bool(second & 0x80), seq, timestamp, ssrc, datagram[offset:end])


@dataclass(frozen=True, slots=True)
class DtmfEvent:
    digit: str
    end: bool
    duration: int


def parse_dtmf(payload: bytes) -> DtmfEvent | None:
    """An RFC 4733 (2833) telephone-event payload; None for events that are not digits."""
    if len(payload) < 4:
        return None
    event, flags, duration = struct.unpack_from("!BBH", payload)
    if event >= len(DTMF_DIGITS):
        return None
    return DtmfEvent(DTMF_DIGITS[event], bool(flags & 0x80), duration)


def dtmf_payloads(digit: str, frames: int = 5) -> list[bytes]:
    """The telephone-event payloads for one digit: `frames` updates, the last three marked end."""
    event = DTMF_DIGITS.index(digit.upper())
    out = []
    for n in range(1, frames + 1):
        end = 0x80 if n == frames else 0
        out.append(struct.pack("!BBH", event, end | 10, n * SAMPLES))
    return [*out, out[-1], out[-1]]


# -- WAV -------------------------------------------------------------------------------


class AudioFileError(ValueError):
    """A file that cannot be played: not a WAV, or a format we cannot convert."""


def load_wav(path: Path) -> list[bytes]:
    """A WAV file as 20 ms linear frames (converted to 8 kHz mono 16-bit; G.711 WAVs too)."""
    try:
        with path.open("rb") as raw:
            return _frames(raw)
    except OSError as exc:  # its text repeats the path: say only what went wrong
        raise AudioFileError(f"{path}: {exc.strerror or exc}") from exc
    except (EOFError, wave.Error, audioop.error) as exc:
        raise AudioFileError(f"{path}: {exc or 'the file ends too early'}") from exc


def _frames(raw: BinaryIO) -> list[bytes]:
    header = raw.read(64)
    raw.seek(0)
    fmt = struct.unpack_from("<H", header, 20)[0] if len(header) >= 22 else 1
    if fmt in (6, 7):  # A-law / μ-law WAV: wave refuses them, decode by hand
        channels, rate = struct.unpack_from("<HI", header, 22)
        data = _chunk(raw, b"data")
        linear = decode(data, Law.PCMA if fmt == 6 else Law.PCMU)
        width = 2
    else:
        with wave.open(raw) as wav:
            channels, rate, width = wav.getnchannels(), wav.getframerate(), wav.getsampwidth()
            linear = wav.readframes(wav.getnframes())
        if width == 1:  # 8-bit WAV is unsigned
            linear = audioop.bias(linear, 1, -128)
        linear = audioop.lin2lin(linear, width, 2)
    if channels == 2:
        linear = audioop.tomono(linear, 2, 0.5, 0.5)
    elif channels != 1:
        raise AudioFileError(f"{channels} channels; only mono or stereo can be played")
    if rate != RATE:
        linear, _ = audioop.ratecv(linear, 2, 1, rate, RATE, None)
    linear += bytes(-len(linear) % LINEAR_FRAME)
    return [linear[i : i + LINEAR_FRAME] for i in range(0, len(linear), LINEAR_FRAME)]


def _chunk(raw: BinaryIO, name: bytes) -> bytes:
    raw.seek(12)
    while True:
        head = raw.read(8)
        if len(head) < 8:
            raise AudioFileError(f"no {name.decode()} chunk")
        size = struct.unpack("<I", head[4:])[0]
        if head[:4] == name:
            return raw.read(size)
        raw.seek(size + (size & 1), 1)


class WavRecorder:
    """A stereo 16-bit 8 kHz WAV: one party per channel, so both sides stay apart.

    Frames are buffered and written about once a second; the header is kept
    valid on every flush, so a crash leaves a playable file up to the last second.
    """

    FLUSH_FRAMES = 50

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._file = path.open("wb")
        self._wav = wave.open(self._file, "wb")  # noqa: SIM115 — both closed by close()
        self._wav.setnchannels(2)
        self._wav.setsampwidth(2)
        self._wav.setframerate(RATE)
        self._pending: list[bytes] = []
        self.frames = 0

    def add(self, left: bytes, right: bytes) -> None:
        self._pending.append(stereo(left, right))
        self.frames += 1
        if len(self._pending) >= self.FLUSH_FRAMES:
            self.flush()

    def flush(self) -> None:
        if self._pending:
            self._wav.writeframes(b"".join(self._pending))  # rewrites the header sizes
            self._pending.clear()
            self._file.flush()

    def close(self) -> None:
        self.flush()
        self._wav.close()
        self._file.close()

    @property
    def seconds(self) -> float:
        return self.frames * FRAME_MS / 1000
