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
from array import array
from dataclasses import dataclass
from enum import IntEnum
from pathlib import Path

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
    """A WAV file as 20 ms linear frames, converted to 8 kHz mono 16-bit from any rate,
    mono or stereo, PCM of 8/16/24/32 bits, 32/64-bit float or G.711 (plain or
    WAVE_FORMAT_EXTENSIBLE, which `wave` reads only from Python 3.12)."""
    try:
        blob = path.read_bytes()
    except OSError as exc:  # its text repeats the path: say only what went wrong
        raise AudioFileError(f"{path}: {exc.strerror or exc}") from exc
    try:
        return _frames(*_riff(blob))
    except AudioFileError as exc:
        raise AudioFileError(f"{path}: {exc}") from exc
    except (ValueError, audioop.error) as exc:
        raise AudioFileError(f"{path}: {exc}") from exc


_PCM, _FLOAT, _ALAW, _ULAW, _EXTENSIBLE = 1, 3, 6, 7, 0xFFFE
_FORMATS = {2: "ADPCM", 0x11: "IMA ADPCM", 0x31: "GSM 6.10", 0x55: "MP3"}


@dataclass(frozen=True, slots=True)
class _Format:
    tag: int
    channels: int
    rate: int
    width: int  # bytes per sample of one channel


def _riff(blob: bytes) -> tuple[_Format, bytes]:
    """The fmt and data chunks of a RIFF/WAVE file, read by hand (any chunk order)."""
    if len(blob) < 12 or blob[:4] != b"RIFF" or blob[8:12] != b"WAVE":
        raise AudioFileError("not a WAV file (no RIFF/WAVE header)")
    fmt: _Format | None = None
    offset = 12
    while offset + 8 <= len(blob):
        name, size = blob[offset : offset + 4], struct.unpack_from("<I", blob, offset + 4)[0]
        body = blob[offset + 8 : offset + 8 + size]
        if name == b"fmt ":
            if len(body) < 16:
                raise AudioFileError("its fmt chunk is too short")
            tag, channels, rate, _, align, bits = struct.unpack_from("<HHIIHH", body)
            if tag == _EXTENSIBLE and len(body) >= 26:
                tag = struct.unpack_from("<H", body, 24)[0]  # the sub-format GUID's first bytes
            width = align // channels if channels and align % channels == 0 else (bits + 7) // 8
            fmt = _Format(tag, channels, rate, width)
        elif name == b"data":
            if fmt is None:
                raise AudioFileError("its data comes before its fmt chunk")
            return fmt, body  # a data size past the end (a stream's header): what is there
        offset += 8 + size + (size & 1)
    raise AudioFileError("no fmt chunk" if fmt is None else "no data chunk")


def _frames(fmt: _Format, data: bytes) -> list[bytes]:
    if fmt.channels not in (1, 2):
        raise AudioFileError(f"{fmt.channels} channels; only mono or stereo can be played")
    if not 1000 <= fmt.rate <= 384_000:
        raise AudioFileError(f"a sample rate of {fmt.rate} Hz")
    data = data[: len(data) - len(data) % (fmt.width * fmt.channels or 1)]
    if fmt.tag in (_ALAW, _ULAW) and fmt.width == 1:
        linear = decode(data, Law.PCMA if fmt.tag == _ALAW else Law.PCMU)
    elif fmt.tag == _PCM and fmt.width in (1, 2, 3, 4):
        if fmt.width == 1:  # 8-bit WAV is unsigned
            data = audioop.bias(data, 1, -128)
        linear = audioop.lin2lin(data, fmt.width, 2)
    elif fmt.tag == _FLOAT and fmt.width in (4, 8):
        floats = memoryview(data).cast("f" if fmt.width == 4 else "d")
        linear = array("h", [_clip(v) for v in floats]).tobytes()
    else:
        what = _FORMATS.get(fmt.tag, f"format {fmt.tag:#x}")
        raise AudioFileError(
            f"{what}, {fmt.width * 8}-bit: cannot be played; save it as PCM (e.g. 16-bit)"
        )
    if fmt.channels == 2:
        linear = audioop.tomono(linear, 2, 0.5, 0.5)
    if fmt.rate != RATE:
        linear, _ = audioop.ratecv(linear, 2, 1, fmt.rate, RATE, None)
    linear += bytes(-len(linear) % LINEAR_FRAME)
    return [linear[i : i + LINEAR_FRAME] for i in range(0, len(linear), LINEAR_FRAME)]


def _clip(value: float) -> int:
    """A float sample (full scale ±1.0) as 16-bit; NaN is silence."""
    return max(-32768, min(32767, round(value * 32767))) if value == value else 0


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
