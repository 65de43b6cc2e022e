"""A caller in a DTMF menu, as transcripts: prompt, key, timeout, repeat, fallback."""

from __future__ import annotations

from ccterm.ivr.menu import INVALID_PROMPT, Menu, MenuRun, Play, Route, StopPrompt, WakeAt

MAIN = Menu(
    "main",
    ("welcome.wav", "options.wav"),
    {"1": "queue:sales", "2": "queue:support", "0": "hangup"},
    fallback="queue:support",
    timeout=10.0,
    repeat=1,
)


def test_a_key_during_the_prompt_stops_it_at_once_and_routes() -> None:
    run = MenuRun(MAIN)
    assert run.start(0.0) == [Play(("welcome.wav", "options.wav"))]
    assert run.key("1", 2.5) == [StopPrompt(), Route("queue:sales")]
    assert run.path == ["menu:main", "key:1", "to:queue:sales"]
    assert run.key("2", 3.0) == [], "routed: later keys do nothing"


def test_silence_replays_once_then_takes_the_fallback() -> None:
    run = MenuRun(MAIN)
    run.start(0.0)
    assert run.prompt_done(6.0) == [WakeAt(16.0)]
    assert run.wake(15.9) == []
    assert run.wake(16.0) == [Play(("welcome.wav", "options.wav"))]
    assert run.prompt_done(22.0) == [WakeAt(32.0)]
    assert run.wake(32.0) == [Route("queue:support")]
    assert run.path == ["menu:main", "timeout", "timeout", "to:queue:support"]


def test_an_invalid_key_says_so_replays_then_falls_back() -> None:
    run = MenuRun(MAIN)
    run.start(0.0)
    run.prompt_done(6.0)
    assert run.key("7", 8.0) == [Play((INVALID_PROMPT, "welcome.wav", "options.wav"))]
    assert run.key("x", 9.0) == [StopPrompt(), Route("queue:support")]
    assert run.path[-3:] == ["key:x", "invalid", "to:queue:support"]


def test_a_stale_timer_after_a_key_does_nothing() -> None:
    run = MenuRun(MAIN)
    run.start(0.0)
    run.prompt_done(6.0)
    run.key("0", 7.0)
    assert run.wake(16.0) == []
    assert run.path[-1] == "to:hangup"
