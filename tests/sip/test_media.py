"""G.711, RTP framing, digits and WAV: the pure parts of the media path."""

from __future__ import annotations

import math
import struct
import wave
from pathlib import Path

import pytest

from ccterm.sip import media
from ccterm.sip.media import Law


def sine(hz: float, samples: int, amplitude: int = 8000) -> bytes:
    values = [int(amplitude * math.sin(2 * math.pi * hz * n / 8000)) for n in range(samples)]
    return struct.pack(f"<{samples}h", *values)


def test_rtp_round_trip_and_malformed_packets() -> None:
    packet = media.pack_rtp(8, 65535, 2**32 - 1, 0xDEADBEEF, b"\x55" * 160, marker=True)
    parsed = media.parse_rtp(packet)
    assert (parsed.payload_type, parsed.marker, parsed.seq, parsed.ssrc) == (
        8,
        True,
        65535,
        0xDEADBEEF,
    )
    assert parsed.payload == b"\x55" * 160
    for bad in (b"", b"\x80\x00", b"\x40" + packet[1:]):  # too short, too short, version 1
        with pytest.raises(media.RtpError):
            media.parse_rtp(bad)


def test_rtp_with_csrc_extension_and_padding() -> None:
    header = bytes([0x80 | 0x20 | 0x10 | 1, 0, 0, 1]) + bytes(8)  # padding, extension, 1 CSRC
    body = bytes(4) + b"\xbe\xde\x00\x01" + bytes(4) + b"voice" + b"\x00\x00\x03"
    assert media.parse_rtp(header + body).payload == b"voice"


def test_dtmf_events() -> None:
    payloads = media.dtmf_payloads("#")
    events = [media.parse_dtmf(p) for p in payloads]
    assert {e.digit for e in events if e} == {"#"}
    assert events[-1] is not None and events[-1].end
    assert media.parse_dtmf(b"\x20\x00\x00\x10") is None  # event 32: not a digit
    assert media.parse_dtmf(b"\x01") is None


@pytest.mark.parametrize(("src", "dst"), [(Law.PCMU, Law.PCMA), (Law.PCMA, Law.PCMU)])
def test_relay_between_laws_matches_decoding(src: Law, dst: Law) -> None:
    voice = media.encode(sine(440, 160), src)
    relayed = media.relay(voice, src, dst)
    direct = media.encode(media.decode(voice, src), dst)
    assert relayed == direct
    assert media.relay(voice, src, src) is voice


def test_mix_saturates_instead_of_wrapping() -> None:
    loud = struct.pack("<160h", *([30000] * 160))
    mixed = struct.unpack("<160h", media.mix([loud, loud]))
    assert set(mixed) == {32767}
    assert media.mix([]) == media.SILENCE


def test_a_stereo_44k_wav_plays_as_8k_mono_frames(tmp_path: Path) -> None:
    path = tmp_path / "prompt.wav"
    frames = 44100  # one second
    mono = sine(1000 * 44100 / 8000, frames)  # scaled so the numbers stay simple
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(2)
        wav.setsampwidth(2)
        wav.setframerate(44100)
        samples = struct.unpack(f"<{frames}h", mono)
        wav.writeframes(struct.pack(f"<{frames * 2}h", *[s for x in samples for s in (x, x)]))
    out = media.load_wav(path)
    assert all(len(f) == media.LINEAR_FRAME for f in out)
    assert 49 <= len(out) <= 51  # one second of 20 ms frames


def test_a_bad_audio_file_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("not audio")
    with pytest.raises(media.AudioFileError, match=r"notes\.txt"):
        media.load_wav(path)
    missing = tmp_path / "gone.wav"
    with pytest.raises(media.AudioFileError) as caught:
        media.load_wav(missing)
    assert str(caught.value) == f"{missing}: No such file or directory", "the path said once"


def test_a_recording_is_playable_before_it_is_closed(tmp_path: Path) -> None:
    recorder = media.WavRecorder(tmp_path / "day" / "call.wav")
    tone = sine(500, 160)
    for _ in range(media.WavRecorder.FLUSH_FRAMES * 2):
        recorder.add(tone, media.SILENCE)
    # the daemon could die here: what is on disk must already be a valid WAV
    with wave.open(str(tmp_path / "day" / "call.wav")) as wav:
        assert wav.getnchannels() == 2 and wav.getnframes() == 160 * 100
        raw = wav.readframes(160)
    left = struct.unpack("<320h", raw)[0::2]
    assert max(left) > 7000
    recorder.close()
    assert recorder.seconds == 2.0
