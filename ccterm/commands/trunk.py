"""`ccterm trunk test NUMBER`: the first thing an admin runs on a new trunk."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Annotated, Any

import typer

from ccterm.commands.common import (
    ConfigOpt,
    JsonOpt,
    echo,
    emit_json,
    load_config,
    note,
    request,
    run,
)
from ccterm.config import Config
from ccterm.errors import DaemonUnavailable, UsageError
from ccterm.numbers import Invalid, NumberBook
from ccterm.phonetext import invalid_message

app = typer.Typer(help="The SIP trunk: test it before the first campaign.", no_args_is_help=True)

REGISTER_WAIT = 15.0


@app.command("test")
def test_command(
    number: Annotated[str, typer.Argument(help="Number to call (E.164, or national).")],
    ring_timeout: Annotated[
        int, typer.Option("--ring-timeout", min=15, max=300, help="Seconds to let it ring.")
    ] = 30,
    config: ConfigOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Register, place one call to NUMBER with the configured caller ID, and report each step.

    With the daemon running the daemon places the call on its trunk; with it
    stopped this command uses the same SIP code directly.
    """
    cfg = load_config(config)
    parsed = NumberBook(cfg.dialer.region).parse(number)
    if isinstance(parsed, Invalid):
        raise UsageError(
            invalid_message(number, parsed),
            f"write it with its country code (+48 601 234 567) or as a {cfg.dialer.region} number",
        )
    try:
        result = _through_daemon(cfg, parsed.e164, ring_timeout)
        via = "the daemon's trunk"
    except DaemonUnavailable:
        result = run(_direct(cfg, parsed.e164, float(ring_timeout)))
        via = "this command (no daemon running)"
    if json_out:
        emit_json(result)
    else:
        _print(result, via, cfg.trunk.kind)
    if not result["registered"]:
        raise typer.Exit(69)


def _through_daemon(cfg: Config, e164: str, ring_timeout: int) -> dict[str, Any]:
    data: dict[str, Any] = request(
        cfg, "trunk.test", {"number": e164, "ring_timeout": ring_timeout}
    )
    return data


async def _direct(cfg: Config, e164: str, ring_timeout: float) -> dict[str, Any]:
    if cfg.trunk.kind != "sip":
        raise UsageError(
            f"{cfg.path}: [trunk] kind is '{cfg.trunk.kind}': there is no SIP trunk to test",
            'set kind = "sip" and the trunk\'s host, username and password',
        )
    from ccterm.numbers import dial_refusal
    from ccterm.sip.probe import probe_call
    from ccterm.sip.trunk import TrunkEvent, TrunkState, TrunkStateChanged
    from ccterm.sip.voip import VoipTrunk

    allowed = cfg.dialer.allowed_countries
    trunk = VoipTrunk(cfg.trunk, guard=lambda n: dial_refusal(n, allowed))
    events: asyncio.Queue[TrunkEvent] = asyncio.Queue()
    settled = asyncio.Event()

    def listen(event: TrunkEvent) -> None:
        events.put_nowait(event)
        if isinstance(event, TrunkStateChanged) and event.state in (
            TrunkState.UP,
            TrunkState.FAILED,
        ):
            settled.set()

    trunk.set_listener(listen)
    note(f"registering at {cfg.trunk.host}:{cfg.trunk.port} as {cfg.trunk.username} ...")
    try:
        await trunk.start()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(settled.wait(), REGISTER_WAIT)
        result: dict[str, Any] = {
            "registered": trunk.state is TrunkState.UP,
            "trunk": trunk.detail or f"no answer from the registrar in {REGISTER_WAIT:.0f} s",
        }
        if trunk.state is not TrunkState.UP:
            return {**result, "outcome": None, "code": None, "ring_s": None, "answered_s": None}
        note(f"calling {e164} ...")
        call = await probe_call(
            trunk, events, "t1", e164, caller_id=cfg.trunk.caller_id, ring_timeout=ring_timeout
        )
        return {**result, **call}
    finally:
        await trunk.stop()


# Reason phrases of the SIP responses a test call usually meets (RFC 3261 and friends).
_PHRASES = {
    100: "Trying",
    180: "Ringing",
    181: "Call Is Being Forwarded",
    183: "Session Progress",
    200: "OK",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    407: "Proxy Authentication Required",
    408: "Request Timeout",
    480: "Temporarily Unavailable",
    484: "Address Incomplete",
    486: "Busy Here",
    487: "Request Terminated",
    488: "Not Acceptable Here",
    500: "Server Internal Error",
    503: "Service Unavailable",
    603: "Decline",
}


def sip_text(code: int) -> str:
    """200 -> '200 OK'; a code without a known phrase stays a number."""
    phrase = _PHRASES.get(code)
    return f"{code} {phrase}" if phrase else str(code)


def _print(result: dict[str, Any], via: str, kind: str) -> None:
    """Each step of the test call in words: what the trunk answered, and when."""
    echo(f"Trunk test through {via}")
    if not result["registered"]:
        echo(f"  registration   FAILED: {result.get('trunk') or 'refused'}")
        echo("  no call was placed")
        return
    echo(f"  registration   ok ({result.get('trunk') or 'up'})")
    echo(f"  number         {result['number']}")
    replies = result.get("responses") or []
    if replies:
        shown = ", ".join(sip_text(code) for code in replies)
    elif kind == "sim":
        shown = "none: the simulated trunk sends no SIP"
    else:
        shown = "none received"
    echo(f"  SIP replies    {shown}")
    ring = "no ringing reported" if result["ring_s"] is None else f"after {result['ring_s']:.1f} s"
    echo(f"  ringing        {ring}")
    answered = "no" if result["answered_s"] is None else f"after {result['answered_s']:.1f} s"
    echo(f"  answered       {answered}")
    code = result["code"]
    final = "" if code is None else f" ({sip_text(code)})"
    echo(f"  outcome        {result['outcome']}{final}")
    if result.get("cause"):
        cause = result["cause"]
        if cause == "local hangup" and result["answered_s"] is not None:
            cause = "we hung up after the answer, as a test call does"
        echo(f"  ended          {cause}")
