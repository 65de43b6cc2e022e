"""The prompt library: admins' WAVs in any format become the media loop's frames, the
shipped set is complete and in that format already, and a prompt that cannot be played is
a config error naming the file and the key."""

from __future__ import annotations

import itertools
import math
import struct
import wave
from pathlib import Path

import pytest

from ccterm import config as config_mod
from ccterm.errors import ConfigError
from ccterm.inbound_plan import load_prompts
from ccterm.ivr import prompts
from ccterm.ivr.prompts import PHRASES, PromptLibrary
from ccterm.sip import media
from ccterm.sip.media import LINEAR_FRAME, RATE
from tests.conftest import write_config


def tone(hz: float, rate: int, seconds: float = 1.0) -> list[float]:
    return [0.5 * math.sin(2 * math.pi * hz * i / rate) for i in range(int(rate * seconds))]


def write_wav(path: Path, samples: list[float], rate: int, width: int, channels: int) -> Path:
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(channels)
        wav.setsampwidth(width)
        wav.setframerate(rate)
        if width == 1:  # unsigned
            data = bytes(int(128 + 127 * s) for s in samples for _ in range(channels))
        else:
            data = struct.pack(
                f"<{len(samples) * channels}h",
                *[int(32767 * s) for s in samples for _ in range(channels)],
            )
        wav.writeframes(data)
    return path


def riff(fmt: bytes, data: bytes) -> bytes:
    """A WAV written by hand, for what the stdlib `wave` does not write."""
    chunks = (
        b"fmt " + struct.pack("<I", len(fmt)) + fmt + b"data" + struct.pack("<I", len(data)) + data
    )
    return b"RIFF" + struct.pack("<I", 4 + len(chunks)) + b"WAVE" + chunks


def extensible_fmt(tag: int, channels: int, rate: int, bits: int) -> bytes:
    align = channels * bits // 8
    guid_tail = b"\x00\x00\x00\x00\x10\x00\x80\x00\x00\xaa\x00\x38\x9b\x71"
    return (
        struct.pack("<HHIIHHHHI", 0xFFFE, channels, rate, rate * align, align, bits, 22, bits, 3)
        + struct.pack("<H", tag)
        + guid_tail
    )


def crossings(frames: list[bytes]) -> int:
    samples = struct.unpack(f"<{len(frames) * LINEAR_FRAME // 2}h", b"".join(frames))
    return sum(1 for a, b in itertools.pairwise(samples) if (a < 0) != (b < 0))


def assert_one_second_of(frames: list[bytes], hz: float) -> None:
    assert all(len(f) == LINEAR_FRAME for f in frames), "8 kHz 16-bit mono, 20 ms a frame"
    assert 50 <= len(frames) <= 51, "one second of 20 ms frames"
    assert abs(crossings(frames) - 2 * hz) <= 0.03 * 2 * hz, "the tone's pitch survives"


def test_a_44k_stereo_16bit_wav_is_converted(tmp_path: Path) -> None:
    path = write_wav(tmp_path / "welcome.wav", tone(440, 44100), 44100, 2, 2)
    library = PromptLibrary(tmp_path)
    assert_one_second_of(library.frames("welcome.wav"), 440)
    assert library.seconds("welcome.wav") == pytest.approx(1.0, abs=0.03)
    assert library.frames(str(path)) is library.frames("welcome.wav"), "read once, then cached"
    assert library.loaded == 1


def test_a_16k_8bit_wav_is_converted(tmp_path: Path) -> None:
    write_wav(tmp_path / "menu.wav", tone(300, 16000), 16000, 1, 1)
    assert_one_second_of(PromptLibrary(tmp_path).frames("menu.wav"), 300)


def test_24bit_extensible_float_and_ulaw_wavs_are_converted(tmp_path: Path) -> None:
    samples = tone(500, 48000)
    pcm24 = b"".join(int(s * 8_388_607).to_bytes(3, "little", signed=True) for s in samples)
    (tmp_path / "a.wav").write_bytes(riff(extensible_fmt(1, 1, 48000, 24), pcm24))
    floats = struct.pack(f"<{2 * len(samples)}f", *[s for s in samples for _ in (0, 1)])
    (tmp_path / "b.wav").write_bytes(
        riff(struct.pack("<HHIIHH", 3, 2, 48000, 48000 * 8, 8, 32), floats)
    )
    linear = struct.pack("<8000h", *[int(32767 * s) for s in tone(700, 8000)])
    ulaw = media.encode(linear, media.Law.PCMU)
    (tmp_path / "c.wav").write_bytes(riff(struct.pack("<HHIIHH", 7, 1, 8000, 8000, 1, 8), ulaw))
    library = PromptLibrary(tmp_path)
    assert_one_second_of(library.frames("a.wav"), 500)
    assert_one_second_of(library.frames("b.wav"), 500)
    assert_one_second_of(library.frames("c.wav"), 700)


@pytest.mark.parametrize(
    ("content", "why"),
    [
        (b"just some text", "not a WAV file"),
        (
            riff(struct.pack("<HHIIHH", 0x55, 1, 8000, 1000, 1, 0), b"\0" * 100),
            "MP3.*save it as PCM",
        ),
        (riff(struct.pack("<HHIIHH", 1, 6, 8000, 96000, 12, 16), b"\0" * 120), "6 channels"),
        (riff(struct.pack("<HHIIHH", 1, 1, 8000, 16000, 2, 16), b""), "holds no audio"),
        (b"RIFF\x04\x00\x00\x00WAVE", "no fmt chunk"),
    ],
)
def test_a_file_that_cannot_be_played_is_a_config_error_naming_it(
    tmp_path: Path, content: bytes, why: str
) -> None:
    (tmp_path / "prompts").mkdir()
    (tmp_path / "prompts" / "bad.wav").write_bytes(content)
    with pytest.raises(ConfigError, match=rf"^{tmp_path}/prompts/bad\.wav: .*{why}") as caught:
        PromptLibrary(tmp_path).frames("prompts/bad.wav")
    assert str(tmp_path) in caught.value.hint, "relative paths start at config.toml's directory"


def test_shipped_prompts_by_name_in_the_callers_language(tmp_path: Path) -> None:
    library = PromptLibrary(tmp_path)
    assert library.path("hold", "pl") == prompts.shipped_root() / "pl" / "hold.wav"
    english, polish = (
        library.sequence(["position", "3", "in_line"], "en"),
        library.frames("invalid", "pl"),
    )
    assert english and polish and english != library.sequence(["position", "3", "in_line"], "pl")
    with pytest.raises(
        ConfigError, match=r"'holdd' is not a shipped prompt of 'en' \(did you mean 'hold'\?\)"
    ):
        library.frames("holdd")
    with pytest.raises(ConfigError, match=r"no prompt set for 'de' \(there are: en, pl\)"):
        library.frames("hold", "de")


@pytest.mark.parametrize("language", ["en", "pl"])
def test_the_shipped_set_is_complete_and_already_in_the_loops_format(language: str) -> None:
    assert set(PHRASES) <= prompts.shipped(language)
    for path in sorted((prompts.shipped_root() / language).glob("*.wav")):
        with wave.open(str(path)) as wav:
            assert (wav.getframerate(), wav.getnchannels(), wav.getsampwidth()) == (RATE, 1, 2), (
                path
            )
            assert 0.1 < wav.getnframes() / RATE <= 12, path
    assert prompts.languages() == ("en", "pl")


def test_the_shipped_set_stays_small() -> None:
    size = sum(p.stat().st_size for p in prompts.shipped_root().rglob("*.wav"))
    assert size < 2_100_000


PLAN = """
[[inbound]]
did = "+48221234500"
client = "Acme"
start = "menu:main"
language = "pl"

[menus.main]
prompt = ["prompts/welcome.wav", "hold"]
keys = { "1" = "queue:support" }

[queues.support]
groups = ["support"]
hold = "prompts/music.wav"
"""


def write_prompts(directory: Path) -> None:
    """The admin's own prompts PLAN names, beside config.toml."""
    (directory / "prompts").mkdir()
    write_wav(directory / "prompts" / "welcome.wav", tone(440, 22050), 22050, 2, 1)
    write_wav(directory / "prompts" / "music.wav", tone(440, 8000, 3), 8000, 2, 2)


def plan_dir(tmp_path: Path) -> Path:
    write_prompts(tmp_path)
    return write_config(tmp_path, extra=PLAN)


def test_the_plans_prompts_load_with_the_shipped_set(tmp_path: Path) -> None:
    config = config_mod.load(plan_dir(tmp_path))
    library = load_prompts(config.inbound, config.path)
    assert library.seconds("prompts/music.wav") == pytest.approx(3.0, abs=0.03)
    assert library.loaded == len(prompts.shipped("pl")) + 2


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            ('"prompts/welcome.wav"', '"prompts/welcom.wav"'),
            r"config\.toml: \[menus\.main\] prompt: .*/prompts/welcom\.wav: No such file or directory$",
        ),
        (
            ('"hold"]', '"holdd"]'),
            r"config\.toml: \[menus\.main\] prompt: 'holdd' is not a shipped prompt of 'pl' \(did you mean 'hold'\?\)",
        ),
        (
            ('hold = "prompts/music.wav"', 'hold = "prompts/notes.txt"'),
            r"config\.toml: \[queues\.support\] hold: .*/prompts/notes\.txt: not a WAV file",
        ),
        (
            ('language = "pl"', 'language = "pl"\nscript = "scripts/acme.txt"'),
            r"config\.toml: \[\[inbound\]\] #1 script: .*/scripts/acme\.txt: cannot be read"
            r" \(No such file or directory\)",
        ),
    ],
)
def test_a_bad_prompt_is_a_config_error_naming_file_and_key(
    tmp_path: Path, change: tuple[str, str], message: str
) -> None:
    path = plan_dir(tmp_path)
    (tmp_path / "prompts" / "notes.txt").write_text("not audio")
    path.write_text(path.read_text().replace(*change))
    config = config_mod.load(path)
    with pytest.raises(ConfigError, match=message):
        load_prompts(config.inbound, config.path)


def test_a_language_without_a_prompt_set_is_refused_at_load(tmp_path: Path) -> None:
    path = plan_dir(tmp_path)
    path.write_text(path.read_text().replace('language = "pl"', 'language = "de"'))
    with pytest.raises(
        ConfigError,
        match=r"\[\[inbound\]\] #1 language: no prompt set for 'de' \(there are: en, pl\)",
    ):
        config_mod.load(path)
