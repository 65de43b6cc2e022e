"""Adversarial probes of the real trunk (VoipTrunk) with one live call: what gets through, what
comes back, and what survives.

    .venv/bin/python bench/sip_probe.py [--mutations 10000] [--seed 4475] [--forged 40] [--json]

A sipp UAS is the trunk (registrar with digest auth, answers and echoes RTP); our
trunk runs in this process on asyncio, registers, and places one call that stays
up (the live call). Then, each from a UDP socket of this process:

1. from the trunk's address (127.0.0.1): the RFC 4475 torture messages
   (tests/sip/rfc4475/*.dat), one at a time, and what came back for each (by
   Call-ID); the parser's own verdict beside it. A message the parser refuses must
   get no answer at all.
2. from the trunk's address: N seeded mutated datagrams (tests/sip/fuzzing.py),
   paced under the transport's flood budgets (80 % of each kind's rate, so they
   reach the core rather than the limiter; what the limiter still dropped is
   shown). Datagrams over UDP's 65,507-byte limit cannot be sent and are counted.
   Then: exceptions (asyncio's exception handler and log records at ERROR must
   both be 0), an OPTIONS must get its 200, the live call must be up with RTP
   flowing and a 1 kHz tone echoed, a new call must be answered and hung up
   cleanly (sipp's 200 to our BYE), the registration must still be up.
3. the same RFC 4475 messages and mutations from 127.0.0.2 (a stranger): answers
   must be 0; the trunk's count of datagrams from strangers is shown.
4. forged BYEs from the trunk's address: half with random Call-IDs and tags, half
   with the live call's real Call-ID (as if sniffed) and guessed tags: calls ended
   must be 0. Finally our own BYE ends the live call.

Inbound calls (valid INVITEs among the probes) are refused at once, as the daemon
does (486). Needs sipp (apt-get install sip-tester); the venv needs the test extra.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import math
import re
import secrets
import socket
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, cast

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.sip_signalling import (  # noqa: E402
    HOST,
    LOGS,
    Recorder,
    WireTap,
    echoed_tone,
    loop_exceptions,
    sip_call_id,
    socket_drops,
    start_sipp,
    trunk_config,
)
from ccterm.sip.message import ParseError, parse  # noqa: E402
from ccterm.sip.outcall import OutboundCall  # noqa: E402
from ccterm.sip.transport import BUDGETS, kind_of  # noqa: E402
from ccterm.sip.trunk import Outcome, TrunkState  # noqa: E402
from ccterm.sip.voip import VoipTrunk  # noqa: E402
from tests.integration.sipprig import answer_and_echo  # noqa: E402

TORTURE = ROOT / "tests" / "sip" / "rfc4475"
STRANGER = "127.0.0.2"
UDP_MAX = 65507
CALL_ID = re.compile(rb"\n(?:Call-ID|i)[ \t]*:[ \t]*([^\r\n]+)", re.IGNORECASE)
BYE_CSEQ = re.compile(rb"\nCSeq *: *\d+ +BYE\r\n", re.IGNORECASE)


class Prober(asyncio.DatagramProtocol):
    """A UDP socket that sends probes to our trunk and keeps everything that comes back."""

    def __init__(self) -> None:
        self.transport: asyncio.DatagramTransport | None = None
        self.replies: list[tuple[float, bytes]] = []
        self.errors = 0
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)  # replaced by prober()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.DatagramTransport, transport)

    def datagram_received(self, data: bytes, addr: tuple[str | Any, int]) -> None:
        self.replies.append((time.perf_counter(), data))

    def error_received(self, exc: Exception) -> None:
        self.errors += 1

    def send(self, data: bytes, dest: tuple[str, int]) -> None:
        assert self.transport is not None
        if data:
            self.transport.sendto(data, dest)
        else:  # asyncio's sendto drops an empty datagram without a word: send it ourselves
            try:
                self.sock.sendto(data, dest)
            except OSError:
                self.errors += 1


async def prober(host: str) -> Prober:
    loop = asyncio.get_running_loop()
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind((host, 0))
    sock.setblocking(False)
    _, protocol = await loop.create_datagram_endpoint(Prober, sock=sock)
    protocol.sock = sock
    return protocol


class Pace:
    """Sender-side token buckets at `share` of the transport's budget for each kind."""

    def __init__(self, share: float) -> None:
        self.share = share
        self.tokens = {kind: burst / 2 for kind, (_, burst) in BUDGETS.items()}
        self.stamp = time.monotonic()

    async def wait(self, kind: str) -> None:
        rate = BUDGETS[kind][0] * self.share
        while True:
            now = time.monotonic()
            for k, (r, b) in BUDGETS.items():
                self.tokens[k] = min(b / 2, self.tokens[k] + (now - self.stamp) * r * self.share)
            self.stamp = now
            if self.tokens[kind] >= 1:
                self.tokens[kind] -= 1
                return
            await asyncio.sleep((1 - self.tokens[kind]) / rate)


def call_id_of(data: bytes) -> bytes | None:
    found = CALL_ID.search(data)
    return found.group(1).strip() if found else None


def first_line(data: bytes) -> str:
    return data.split(b"\r\n", 1)[0][:40].decode(errors="replace")


def codes(replies: list[tuple[float, bytes]]) -> dict[str, int]:
    out: dict[str, int] = {}
    for _, data in replies:
        key = data[8:11].decode(errors="replace") if data.startswith(b"SIP/2.0 ") else "request"
        out[key] = out.get(key, 0) + 1
    return dict(sorted(out.items()))


def parser_verdict(data: bytes) -> str:
    try:
        parse(data)
    except ParseError as exc:
        return f"refused: {str(exc)[:38]}"
    return "parsed"


async def torture(probe: Prober, dest: tuple[str, int], gap: float) -> list[dict[str, Any]]:
    """Each RFC 4475 message once; what came back for it (matched by Call-ID)."""
    rows = []
    sent: list[tuple[str, bytes | None, float]] = []
    for path in sorted(TORTURE.glob("*.dat")):
        data = path.read_bytes()
        probe.send(data, dest)
        sent.append((path.stem, call_id_of(data), time.perf_counter()))
        rows.append({"name": path.stem, "bytes": len(data), "parser": parser_verdict(data)})
        await asyncio.sleep(gap)
    await asyncio.sleep(0.3)
    for row, (_, cid, at) in zip(rows, sent, strict=True):
        mine = [d for t, d in probe.replies if t >= at and cid is not None and call_id_of(d) == cid]
        lines: list[str] = []
        for d in mine:
            line = first_line(d)
            if line not in lines:
                lines.append(line)
        row["replies"] = len(mine)
        row["back"] = lines
    return rows


async def mutated(
    probe: Prober, dest: tuple[str, int], seed: int, count: int, pace: Pace | None
) -> dict[str, Any]:
    from tests.sip.fuzzing import mutations

    sent = too_big = 0
    kernel0 = socket_drops(dest[1])
    kinds: dict[str, int] = {}
    began = time.perf_counter()
    for n, data in enumerate(mutations(seed=seed, count=count)):
        if len(data) > UDP_MAX:
            too_big += 1
            continue
        kind = kind_of(data)
        kinds[kind] = kinds.get(kind, 0) + 1
        if pace is not None:
            await pace.wait(kind)
        elif n % 20 == 0:
            await asyncio.sleep(0.005)
        probe.send(data, dest)
        sent += 1
        await asyncio.sleep(0)  # the trunk reads one datagram per turn of the loop
    return {
        "sent": sent,
        "too_big": too_big,
        "kinds": kinds,
        "seconds": time.perf_counter() - began,
        "kernel_dropped": socket_drops(dest[1]) - kernel0,
    }


async def options_answered(probe: Prober, dest: tuple[str, int], within: float) -> float | None:
    """ms until a fresh OPTIONS got its 200, or None."""
    assert probe.transport is not None
    me = probe.transport.get_extra_info("sockname")
    token = secrets.token_hex(8)
    data = (
        f"OPTIONS sip:ccterm@{dest[0]}:{dest[1]} SIP/2.0\r\n"
        f"Via: SIP/2.0/UDP {me[0]}:{me[1]};branch=z9hG4bK{token};rport\r\n"
        f"Max-Forwards: 70\r\nFrom: <sip:ping@{me[0]}>;tag={token}\r\n"
        f"To: <sip:ccterm@{dest[0]}>\r\nCall-ID: after-{token}\r\nCSeq: 1 OPTIONS\r\n"
        "Content-Length: 0\r\n\r\n"
    ).encode()
    began = time.perf_counter()
    probe.send(data, dest)
    deadline = began + within
    while time.perf_counter() < deadline:
        for t, d in probe.replies:
            if t >= began and d.startswith(b"SIP/2.0 200 ") and f"after-{token}".encode() in d:
                return (t - began) * 1000
        await asyncio.sleep(0.01)
    return None


def forged_bye(dest: tuple[str, int], me: tuple[str, int], call_id: str, n: int) -> bytes:
    return (
        f"BYE sip:ccterm@{dest[0]}:{dest[1]} SIP/2.0\r\n"
        f"Via: SIP/2.0/UDP {me[0]}:{me[1]};branch=z9hG4bK{secrets.token_hex(8)};rport\r\n"
        f"Max-Forwards: 70\r\n"
        f"From: <sip:+48601234567@{me[0]}>;tag={secrets.token_hex(4)}\r\n"
        f"To: <sip:ccterm@{dest[0]}>;tag={secrets.token_hex(4)}\r\n"
        f"Call-ID: {call_id}\r\nCSeq: {100 + n} BYE\r\nContent-Length: 0\r\n\r\n"
    ).encode()


async def rtp_rate(trunk: VoipTrunk, key: str, seconds: float = 1.0) -> tuple[float, float] | None:
    """RTP packets per second in and out of a call's leg, over `seconds`."""
    a = trunk.media.leg_stats(key)
    began = time.perf_counter()
    await asyncio.sleep(seconds)
    b = trunk.media.leg_stats(key)
    took = time.perf_counter() - began
    if a is None or b is None:
        return None
    return ((b[0] - a[0]) / took, (b[1] - a[1]) / took)


async def new_call(trunk: VoipTrunk, rec: Recorder, tap: WireTap, key: str) -> dict[str, Any]:
    """A fresh call to the sipp trunk: answered, then our BYE and sipp's 200."""
    byes = tap.responses("BYE", 200)
    trunk.originate(key, "+48601234599", caller_id="", ring_timeout=20)
    answered = await rec.until(lambda: key in rec.answered or key in rec.ended, 10)
    answered = answered and key in rec.answered
    if answered:
        await asyncio.sleep(0.3)
        trunk.hangup(key)
    await rec.until(lambda: key in rec.ended, 10)
    await rec.until(lambda: tap.responses("BYE", 200) > byes, 5)
    ended = rec.ended.get(key)
    return {
        "answered": answered,
        "outcome": ended[1].outcome.value if ended else None,
        "cause": ended[1].cause if ended else None,
        "bye_200": tap.responses("BYE", 200) - byes,
    }


async def probe_all(work: Path, opts: argparse.Namespace) -> dict[str, Any]:
    caught = loop_exceptions(asyncio.get_running_loop())
    keys = {"expires": str(opts.expires)}
    peer = start_sipp(work / "trunk", answer_and_echo(), pause_ms=100, echo=True, keys=keys)
    trunk = VoipTrunk(trunk_config(peer.port, register=True, expires=opts.expires))
    rec = Recorder(trunk)
    trunk.set_listener(rec)
    out: dict[str, Any] = {}
    live = "live"
    try:
        await trunk.start()
        tap = WireTap(trunk)
        if not await rec.until(lambda: trunk.state is TrunkState.UP, 10):
            raise RuntimeError(f"the trunk did not register: {trunk.detail}")
        trunk.originate(live, "+48601234567", caller_id="", ring_timeout=20)
        if not await rec.until(lambda: live in rec.answered, 10):
            raise RuntimeError("the live call was not answered")
        live_call_id = sip_call_id(trunk, live)
        call = trunk.ua.calls.get(live) if trunk.ua else None
        assert isinstance(call, OutboundCall) and call.dialog is not None and live_call_id
        out["live_rtp_before"] = await rtp_rate(trunk, live)
        dest = (HOST, trunk._local[1])
        health0 = trunk.health()
        ours = await prober(HOST)

        # 1. RFC 4475 from the trunk's address
        out["torture"] = await torture(ours, dest, opts.gap)
        LOGS.take()

        # 2. mutations from the trunk's address
        replies0 = len(ours.replies)
        h0 = trunk.health()
        out["mutations"] = await mutated(ours, dest, opts.seed, opts.mutations, Pace(opts.share))
        await asyncio.sleep(1.0)
        h1 = trunk.health()
        out["mutations"].update(
            reached=h1["received"] - h0["received"],
            malformed=h1["malformed"] - h0["malformed"],
            flood_dropped=h1["flood_dropped"] - h0["flood_dropped"],
            no_dialog=h1["no_dialog"] - h0["no_dialog"],
            stray=h1["stray"] - h0["stray"],
            replies=codes(ours.replies[replies0:]),
            inbound_refused=rec.inbound,
            sender_errors=ours.errors,
        )
        out["after_mutations"] = {
            "loop_exceptions": list(caught),
            "logs": LOGS.take(),
            "options_200_ms": await options_answered(ours, dest, 3.0),
            "live_ended": live in rec.ended,
            "live_rtp": await rtp_rate(trunk, live),
            "live_tone": await echoed_tone(trunk, live, work, "after-mutations"),
            "new_call": await new_call(trunk, rec, tap, "fresh-1"),
            "state": trunk.state.value,
            "detail": trunk.detail,
            "state_changes": [f"{e.state.value}: {e.detail}" for _, e in rec.states],
            "rebinds": trunk.rebinds,
            "transactions": len(trunk.ua.transactions) if trunk.ua else None,
            "calls": len(trunk.ua.calls) if trunk.ua else None,
        }
        caught.clear()

        # 3. the same garbage from a stranger
        stranger = await prober(STRANGER)
        h0 = trunk.health()
        rows = await torture(stranger, dest, 0.01)
        sent = await mutated(stranger, dest, opts.seed, opts.mutations, None)
        await asyncio.sleep(1.0)
        h1 = trunk.health()
        out["stranger"] = {
            "sent": sent["sent"] + len(rows),
            "replies": len(stranger.replies),
            "from_strangers": h1["from_strangers"] - h0["from_strangers"],
            "reached_core": h1["received"] - h0["received"],
            "seconds": sent["seconds"],
            "kernel_dropped": sent["kernel_dropped"],
        }

        # 4. forged BYEs
        me = cast(tuple[str, int], ours.transport.get_extra_info("sockname"))  # type: ignore[union-attr]
        replies0 = len(ours.replies)
        ended0 = set(rec.ended)
        for n in range(opts.forged):
            cid = secrets.token_hex(16) if n % 2 == 0 else live_call_id
            ours.send(forged_bye(dest, me, cid, n), dest)
            await asyncio.sleep(0.02)
        await asyncio.sleep(1.0)
        out["forged"] = {
            "sent": opts.forged,
            "with_live_call_id": opts.forged // 2,
            "replies": codes([r for r in ours.replies[replies0:] if BYE_CSEQ.search(r[1])]),
            "calls_ended": sorted(set(rec.ended) - ended0),
            "live_ended": live in rec.ended,
            "live_rtp": await rtp_rate(trunk, live),
        }

        # the end: our own BYE
        byes = tap.responses("BYE", 200)
        trunk.hangup(live)
        await rec.until(lambda: live in rec.ended, 10)
        await rec.until(lambda: tap.responses("BYE", 200) > byes, 5)
        ended = rec.ended.get(live)
        out["hangup"] = {
            "outcome": ended[1].outcome.value if ended else None,
            "cause": ended[1].cause if ended else None,
            "bye_200": tap.responses("BYE", 200) - byes,
        }
        out["health"] = trunk.health()
        out["health_start"] = health0
        out["end"] = {"loop_exceptions": list(caught), "logs": LOGS.take()}
        out["state"] = trunk.state.value
    finally:
        await trunk.stop()
        peer.stop()
    return out


def show(out: dict[str, Any], opts: argparse.Namespace, seconds: float) -> None:
    rows = out["torture"]
    print(f"1. RFC 4475 torture messages ({len(rows)}) from the trunk's address, one at a time")
    print(f"   {'message':11} {'bytes':>6}  {'parser':42} what came back (by Call-ID)")
    for r in rows:
        back = ", ".join(r["back"]) if r["back"] else "-"
        print(f"   {r['name']:11} {r['bytes']:>6}  {r['parser']:42} {back}")
    refused = [r for r in rows if r["parser"] != "parsed"]
    refused_answered = [r["name"] for r in refused if r["replies"]]
    answered = sum(1 for r in rows if r["replies"] and r["parser"] == "parsed")
    print(
        f"   parsed {len(rows) - len(refused)}, refused {len(refused)}; answered {answered} of the"
        f" parsed; refused yet answered: {refused_answered or 'none'}"
    )
    m = out["mutations"]
    print(
        f"\n2. {opts.mutations:,} mutated datagrams (seed {opts.seed}) from the trunk's address in"
        f" {m['seconds']:.0f} s, paced at {opts.share:.0%} of each flood budget"
    )
    print(
        f"   sent {m['sent']} ({m['too_big']} over UDP's {UDP_MAX}-byte limit not sendable);"
        f" kinds {m['kinds']}"
    )
    print(
        f"   reached the core {m['reached']}, malformed {m['malformed']}, flood-dropped"
        f" {m['flood_dropped']}, kernel receive-buffer drops {m['kernel_dropped']}, 481 no dialog"
        f" {m['no_dialog']}, stray {m['stray']};"
        f" inbound calls refused (486) {m['inbound_refused']}"
    )
    print(f"   came back: {m['replies']}")
    a = out["after_mutations"]
    logs = a["logs"]
    print(
        f"   after: loop exceptions {len(a['loop_exceptions'])}, log records"
        f" {logs['levels'] or 'none'} (ERROR {logs['levels'].get('ERROR', 0)})"
    )
    for text in a["loop_exceptions"] + logs["errors"]:
        print(f"     {text}")
    opt_ms = a["options_200_ms"]
    print(
        "   OPTIONS → "
        + ("200 in " + f"{opt_ms:.1f} ms" if opt_ms is not None else "NO 200 in 3 s")
        + f"; live call {'ENDED' if a['live_ended'] else 'up'}, RTP in/out"
        f" {_pair(a['live_rtp'])} per s, tone echoed {a['live_tone']} loud frames of ~75"
    )
    n = a["new_call"]
    print(
        f"   new call: answered {n['answered']}, ended {n['outcome']} ({n['cause']!r}), sipp's 200"
        f" to our BYE {n['bye_200']}; registration {a['state']} ({a['detail']}), state changes"
        f" {len(a['state_changes'])}, rebinds {a['rebinds']}; core now holds"
        f" {a['transactions']} transactions, {a['calls']} calls"
    )
    s = out["stranger"]
    print(
        f"\n3. the same {s['sent']:,} datagrams from {STRANGER} (a stranger) in"
        f" {s['seconds']:.0f} s:"
        f" answered {s['replies']}, counted as from strangers {s['from_strangers']}, reached the"
        f" core {s['reached_core']} (sipp's traffic), kernel receive-buffer drops"
        f" {s['kernel_dropped']}"
    )
    f = out["forged"]
    print(
        f"\n4. {f['sent']} forged BYEs ({f['with_live_call_id']} with the live call's Call-ID and"
        f" guessed tags): answers to them {f['replies']}; calls ended {len(f['calls_ended'])}"
        f" {f['calls_ended'] or ''}; live call {'ENDED' if f['live_ended'] else 'up'}, RTP in/out"
        f" {_pair(f['live_rtp'])} per s"
    )
    h = out["hangup"]
    e = out["end"]
    print(
        f"\nour BYE: live call ended {h['outcome']} ({h['cause']!r}), sipp's 200 {h['bye_200']};"
        f" trunk {out['state']}; loop exceptions since step 3: {len(e['loop_exceptions'])},"
        f" ERROR logs {e['logs']['levels'].get('ERROR', 0)}"
    )
    health = out["health"]
    print(f"health at the end: {health}")
    verdicts = {
        "exceptions 0": not a["loop_exceptions"]
        and not logs["levels"].get("ERROR")
        and not e["loop_exceptions"]
        and not e["logs"]["levels"].get("ERROR"),
        "OPTIONS answered": opt_ms is not None,
        "new call completes": n["answered"] and n["outcome"] == Outcome.ANSWERED.value,
        "live call survived": not a["live_ended"] and not f["live_ended"],
        "stranger answered 0": s["replies"] == 0,
        "forged BYEs ended 0": not f["calls_ended"],
        "refused messages unanswered": not refused_answered,
    }
    print("verdicts: " + ", ".join(f"{k}: {'yes' if v else 'NO'}" for k, v in verdicts.items()))
    print(f"took {seconds:.0f} s")


def _pair(p: tuple[float, float] | None) -> str:
    return "-" if p is None else f"{p[0]:.0f}/{p[1]:.0f}"


def _plain(value: Any) -> Any:
    if isinstance(value, float):
        return None if math.isnan(value) else round(value, 3)
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mutations", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=4475)
    parser.add_argument("--forged", type=int, default=40, help="forged BYEs")
    parser.add_argument("--share", type=float, default=0.8, help="share of each flood budget")
    parser.add_argument("--gap", type=float, default=0.1, help="s between torture messages")
    parser.add_argument("--expires", type=int, default=20, help="what the registrar grants")
    parser.add_argument("--json", action="store_true")
    opts = parser.parse_args()
    logging.getLogger().addHandler(LOGS)
    logging.getLogger().setLevel(logging.INFO)
    began = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="ccterm-sipprobe-") as tmp:
        out = asyncio.run(probe_all(Path(tmp), opts))
    seconds = time.monotonic() - began
    if opts.json:
        print(json.dumps(_plain({**out, "seconds": seconds})))
    else:
        show(out, opts, seconds)


if __name__ == "__main__":
    main()
