"""SIP signalling of the real trunk (VoipTrunk: our sans-io core on asyncio) against sipp.

    .venv/bin/python bench/sip_signalling.py [--part a|b|c|d|all] [--json] [sizes, see --help]

Our trunk runs in this process on asyncio (as in the daemon); every peer is another
process (sipp, or a small Python sender), so `time.process_time()` here is our SIP
layer plus asyncio plus the media thread, and nothing of the peers. Four parts:

a. 100 outbound calls placed as fast as `originate` allows (one `await sleep(0)`
   between calls, so answers are read while placing), every 5th to a sipp UAS
   that stays silent for 10 s (then 486), the rest to a normal sipp UAS (100, 180,
   then 486). For the 80 normal calls: originate() → the INVITE leaving our socket
   (the trunk protocol's `send` is wrapped to time each datagram after `sendto`
   returns), and originate() → CallRinging, p50/p99/max in ms. Baseline in the
   same run: the same 80 call positions with no silent callee (all 100 normal);
   rounds alternate loaded / baseline. Also per round: datagrams the kernel dropped
   for our SIP socket (/proc/net/udp) and INVITEs our stack had to send again.
b. Our process CPU per completed call (INVITE, 100, 180, 200, ACK, our BYE, its
   200), over N calls at R calls/s to a sipp UAS, median of K runs. Baseline,
   interleaved run by run: the same asyncio loop doing only a raw UDP echo of 4
   datagrams per "call" at the same pace (a call is 4 datagrams in, 3 out). Also
   the parser's µs per message (timeit of ccterm.sip.message.parse) and the sans-io
   core's µs for the same call with no socket and no asyncio, for scale.
c. 80,000 OPTIONS keepalives with distinct Call-IDs and branches from the trunk's
   address, through a real UDP socket, sent in bursts at a steady pace by a child
   process that also reads the 200s. Per block of 20,000: share answered, our
   process CPU µs per message, RSS growth and tracemalloc growth per message (the
   last 10 % of each block is traced; the CPU and RSS figures come from the
   untraced 90 %). The trunk's OPTIONS flood budget (200/s per source) is raised
   for this part so that the pace can be faster than 200/s (--c-shipped-limits
   keeps it; then use --c-rate 180).
d. A flood during a bridged call: registered against a sipp registrar granting
   Expires 10 (refresh every 8 s), one answered call with sipp -rtp_echo, then a
   child process floods our socket from the trunk's address (OPTIONS, INVITEs,
   garbage; 2,000 datagrams/s for 20 s). Printed: registrations seen, the longest
   gap between them, whether the trunk state ever left "up", the flood limiter's
   counts (`trunk.health()`), what the flooder got back, RTP packets in/out of
   the call per second before/during/after, a 1 kHz tone echoed back before, during
   and after the flood, datagrams the kernel dropped for our socket, our CPU, and
   that our BYE after the flood ends the call (sipp's 200).

Inbound calls (the flood's INVITEs) are refused at once, as the daemon does (486).
Needs sipp (apt-get install sip-tester); the venv needs the test extra (sipprig).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import itertools
import json
import logging
import math
import os
import random
import re
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import time
import timeit
import tracemalloc
import wave
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.procstat import percentile  # noqa: E402
from ccterm.config import TrunkConfig  # noqa: E402
from ccterm.sip import events as sip  # noqa: E402
from ccterm.sip import media  # noqa: E402
from ccterm.sip.message import parse  # noqa: E402
from ccterm.sip.outcall import OutboundCall  # noqa: E402
from ccterm.sip.transport import BUDGETS, SipProtocol  # noqa: E402
from ccterm.sip.trunk import (  # noqa: E402
    CallAnswered,
    CallEnded,
    CallRinging,
    InboundCall,
    Outcome,
    TrunkEvent,
    TrunkState,
    TrunkStateChanged,
)
from ccterm.sip.voip import VoipTrunk  # noqa: E402
from tests.integration.sipprig import (  # noqa: E402
    PASSWORD,
    SIPP,
    USER,
    answer_and_echo,
    final_answer,
    free_media_port,
    free_port,
    wait_bound,
)

HOST = "127.0.0.1"
CALL_ID = re.compile(rb"\r\n(?:Call-ID|i) *: *([^\r\n]+)", re.IGNORECASE)
CSEQ = re.compile(rb"\r\nCSeq *: *\d+ +([A-Z]+)", re.IGNORECASE)


# -- the peers ------------------------------------------------------------------------------


def silent_scenario(pause_ms: int) -> str:
    """A callee that takes the INVITE and says nothing at all for `pause_ms`, then 486."""
    return f"""<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="silent callee">
  <recv request="INVITE"/>
  <pause milliseconds="{pause_ms}"/>
  <send><![CDATA[
SIP/2.0 486 Busy Here
[last_Via:]
[last_From:]
[last_To:];tag=[pid]SIPpTag01[call_number]
[last_Call-ID:]
[last_CSeq:]
Content-Length: 0
]]></send>
  <recv request="ACK"/>
</scenario>
"""


@dataclass
class Sipp:
    proc: subprocess.Popen[bytes]
    port: int
    media_port: int
    workdir: Path

    def stop(self) -> None:
        stop(self.proc)

    @property
    def trace(self) -> str:
        path = self.workdir / "messages.log"
        return path.read_text(errors="replace") if path.exists() else ""


def start_sipp(
    workdir: Path,
    scenario: str,
    *,
    pause_ms: int = 300,
    echo: bool = False,
    keys: dict[str, str] | None = None,
    trace: bool = False,
) -> Sipp:
    """A sipp UAS on 127.0.0.1 running `scenario` for every new Call-ID."""
    if SIPP is None:
        raise SystemExit("needs sipp: apt-get install -y sip-tester")
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / "scenario.xml").write_text(scenario)
    port, media_port = free_port(), free_media_port()
    args = [SIPP, "-sf", "scenario.xml", "-i", HOST, "-p", str(port), "-mi", HOST]
    args += ["-mp", str(media_port), "-nostdin", "-d", str(pause_ms), "-l", "10000"]
    args += ["-s", "ccterm", "-trace_err", "-error_file", "errors.log"]
    values = {"user": USER, "pass": PASSWORD, "expires": "60", "law": "0", "lawname": "PCMU"}
    for key, value in {**values, **(keys or {})}.items():
        args += ["-key", key, value]
    if echo:
        args.append("-rtp_echo")
    if trace:
        args += ["-trace_msg", "-message_file", "messages.log"]
    proc = subprocess.Popen(
        args, cwd=workdir, stdout=subprocess.DEVNULL, stderr=(workdir / "stderr.log").open("wb")
    )
    wait_bound(HOST, port, proc)
    return Sipp(proc, port, media_port, workdir)


def stop(proc: subprocess.Popen[bytes], timeout: float = 5) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


def rtp_range(count: int) -> tuple[int, int]:
    """`count` consecutive free UDP ports below the kernel's ephemeral range (sipp's are there)."""
    for _ in range(50):
        low = random.randrange(16000, 30000 - count) & ~1
        socks: list[socket.socket] = []
        try:
            for port in range(low, low + count):
                s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                socks.append(s)
                s.bind((HOST, port))
            return low, low + count - 1
        except OSError:
            continue
        finally:
            for s in socks:
                s.close()
    raise RuntimeError("no free range of RTP ports")


# -- our trunk and what it says --------------------------------------------------------------


def trunk_config(
    trunk_port: int, *, register: bool = False, expires: int = 60, rtp_ports: int = 400
) -> TrunkConfig:
    return TrunkConfig(
        kind="sip",
        host=HOST,
        port=trunk_port,
        username=USER,
        password=PASSWORD,
        local_ip=HOST,
        local_port=free_port(),
        rtp_ports=rtp_range(rtp_ports),
        caller_id="+48221234567",
        max_lines=1000,
        register=register,
        expires=expires,
    )


class Recorder:
    """The trunk's listener: when each event came (perf_counter), awaitable.

    Inbound calls are refused at once, as the daemon does with no inbound queue.
    """

    def __init__(self, trunk: VoipTrunk, *, hang_up_on_answer: bool = False) -> None:
        self.trunk = trunk
        self.hang_up_on_answer = hang_up_on_answer
        self.ringing: dict[str, float] = {}
        self.answered: dict[str, float] = {}
        self.ended: dict[str, tuple[float, CallEnded]] = {}
        self.states: list[tuple[float, TrunkStateChanged]] = []
        self.inbound = 0
        self._changed = asyncio.Event()

    def __call__(self, event: TrunkEvent) -> None:
        now = time.perf_counter()
        if isinstance(event, CallRinging):
            self.ringing.setdefault(event.call_id, now)
        elif isinstance(event, CallAnswered):
            self.answered.setdefault(event.call_id, now)
            if self.hang_up_on_answer:
                self.trunk.hangup(event.call_id)
        elif isinstance(event, CallEnded):
            self.ended[event.call_id] = (now, event)
        elif isinstance(event, TrunkStateChanged):
            self.states.append((now, event))
        elif isinstance(event, InboundCall):
            self.inbound += 1
            self.trunk.hangup(event.call_id)
        self._changed.set()

    async def until(self, check: Callable[[], bool], within: float) -> bool:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        while not check():
            left = deadline - loop.time()
            if left <= 0:
                return False
            self._changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), left)
        return True


def protocol_of(trunk: VoipTrunk) -> SipProtocol:
    protocol = trunk._protocol
    if protocol is None:
        raise RuntimeError("the trunk has no SIP socket")
    return protocol


class WireTap:
    """Every datagram our SIP socket sends (timed after sendto returns) and every one it
    delivers to the core (timed on arrival), by wrapping the protocol's send and deliver."""

    def __init__(self, trunk: VoipTrunk) -> None:
        self.sent: list[tuple[float, bytes]] = []
        self.received: list[tuple[float, bytes]] = []
        protocol = protocol_of(trunk)
        send, deliver = protocol.send, protocol.deliver

        def timed_send(data: bytes, dest: tuple[str, int]) -> None:
            send(data, dest)
            self.sent.append((time.perf_counter(), data))

        def timed_deliver(data: bytes, source: tuple[str, int]) -> None:
            self.received.append((time.perf_counter(), data))
            deliver(data, source)

        protocol.send = timed_send  # type: ignore[method-assign]
        protocol.deliver = timed_deliver

    def first_invites(self) -> dict[str, float]:
        """SIP Call-ID → when its first INVITE left."""
        out: dict[str, float] = {}
        for when, data in self.sent:
            if data.startswith(b"INVITE "):
                found = CALL_ID.search(data)
                if found:
                    out.setdefault(found.group(1).decode(), when)
        return out

    def responses(self, method: str, code: int) -> int:
        """How many `code` answers to our `method` requests reached the core."""
        start = f"SIP/2.0 {code} ".encode()
        count = 0
        for _, data in self.received:
            if data.startswith(start):
                found = CSEQ.search(data)
                count += bool(found and found.group(1).decode().upper() == method)
        return count


def sip_call_id(trunk: VoipTrunk, key: str) -> str | None:
    call = trunk.ua.calls.get(key) if trunk.ua is not None else None
    return call.call_id if isinstance(call, OutboundCall) else None


class LogCount(logging.Handler):
    """Log records by level (and the first few ERRORs), so a bench run shows what it logged."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.levels: dict[str, int] = {}
        self.errors: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.levels[record.levelname] = self.levels.get(record.levelname, 0) + 1
        if record.levelno >= logging.ERROR and len(self.errors) < 10:
            text = record.getMessage()
            if record.exc_info and record.exc_info[1] is not None:
                text += f" [{type(record.exc_info[1]).__name__}: {record.exc_info[1]}]"
            self.errors.append(text[:300])

    def take(self) -> dict[str, Any]:
        out = {"levels": dict(self.levels), "errors": list(self.errors)}
        self.levels.clear()
        self.errors.clear()
        return out


LOGS = LogCount()


def loop_exceptions(loop: asyncio.AbstractEventLoop) -> list[str]:
    """Exceptions asyncio caught in callbacks (a protocol's datagram_received, say)."""
    caught: list[str] = []

    def handler(_loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        exc = context.get("exception")
        caught.append(f"{context.get('message')}: {type(exc).__name__}: {exc}"[:300])

    loop.set_exception_handler(handler)
    return caught


def rss_bytes() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


def udp_rcvbuf_errors() -> int:
    """Datagrams the kernel dropped because a UDP socket's receive buffer was full (this
    network namespace, all sockets: /proc/net/snmp)."""
    lines = [ln.split() for ln in Path("/proc/net/snmp").read_text().splitlines()]
    head, values = [ln for ln in lines if ln and ln[0] == "Udp:"][:2]
    return int(values[head.index("RcvbufErrors")])


def socket_drops(port: int) -> int:
    """Datagrams the kernel dropped for the UDP socket on 127.0.0.1:`port` (/proc/net/udp)."""
    local = f"0100007F:{port:04X}"
    for line in Path("/proc/net/udp").read_text().splitlines()[1:]:
        fields = line.split()
        if fields[1] == local:
            return int(fields[-1])
    return 0


def ms(values: list[float]) -> dict[str, float]:
    """p50/p99/max of seconds, in ms."""
    if not values:
        return {"n": 0, "p50": math.nan, "p99": math.nan, "max": math.nan}
    return {
        "n": len(values),
        "p50": statistics.median(values) * 1000,
        "p99": percentile(values, 0.99) * 1000,
        "max": max(values) * 1000,
    }


def med(values: list[float]) -> float:
    return statistics.median(values) if values else math.nan


# -- child processes: senders that must not spend our CPU ----------------------------------------

# Sends OPTIONS on command ("send COUNT RATE BURST GRACE"), reads the 200s, prints one
# JSON line per command: how many of this command's Call-IDs got a 200.
OPTIONS_PUMP = r"""
import json, select, socket, sys, time
host, port, tag = sys.argv[1], int(sys.argv[2]), sys.argv[3]
sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
sock.bind((host, 0))
sock.setblocking(False)
me = sock.getsockname()[1]
head = (
    "OPTIONS sip:ccterm@%s:%d SIP/2.0\r\nVia: SIP/2.0/UDP %s:%d;branch=z9hG4bK-%s-{n};rport\r\n"
    "Max-Forwards: 70\r\nFrom: <sip:ping@%s>;tag=p{n}\r\nTo: <sip:ccterm@%s:%d>\r\n"
    "Call-ID: ka-%s-{n}@%s\r\nCSeq: 1 OPTIONS\r\nAccept: application/sdp\r\n"
    "User-Agent: keepalive-bench\r\nContent-Length: 0\r\n\r\n"
) % (host, port, host, me, tag, host, host, port, tag, host)
prefix = ("Call-ID: ka-%s-" % tag).encode()
answered = set()
other = 0
def drain():
    global other
    while True:
        try:
            data = sock.recv(65535)
        except BlockingIOError:
            return
        if not data.startswith(b"SIP/2.0 200 "):
            other += 1
            continue
        at = data.find(prefix)
        if at < 0:
            other += 1
            continue
        at += len(prefix)
        answered.add(int(data[at:data.index(b"@", at)]))
seq = 0
for line in sys.stdin:
    words = line.split()
    if not words or words[0] != "send":
        break
    count, rate, burst, grace = int(words[1]), float(words[2]), int(words[3]), float(words[4])
    low = seq
    errors = 0
    start = time.monotonic()
    for k in range(0, count, burst):
        due = start + k / rate
        while True:
            left = due - time.monotonic()
            if left <= 0:
                break
            select.select([sock], [], [], left)
            drain()
        for n in range(seq, seq + min(burst, count - k)):
            try:
                sock.sendto(head.replace("{n}", str(n)).encode(), (host, port))
            except OSError:
                errors += 1
        seq += min(burst, count - k)
        drain()
    end = time.monotonic() + grace
    while (left := end - time.monotonic()) > 0:
        select.select([sock], [], [], left)
        drain()
    got = sum(1 for n in answered if low <= n < seq)
    late = len(answered) - got
    answered = {n for n in answered if n >= seq}
    print(json.dumps({"sent": seq - low, "answered": got, "late": late, "errors": errors,
                      "other": other, "seconds": time.monotonic() - start}), flush=True)
"""

# Floods HOST:PORT from the trunk's address for SECONDS at RATE datagrams/s: OPTIONS,
# INVITEs (with SDP) and garbage, each request with its own Call-ID and branch; reads
# everything that comes back; prints one JSON line.
FLOOD = r"""
import json, random, select, socket, sys, time
host, port, rate, seconds = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4])
mix = [float(x) for x in sys.argv[5].split(",")]  # options, invite, garbage shares
rng = random.Random(4475)
sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
sock.bind((host, 0))
sock.setblocking(False)
me = sock.getsockname()[1]
sdp = ("v=0\r\no=flood 1 1 IN IP4 %s\r\ns=-\r\nc=IN IP4 %s\r\nt=0 0\r\n"
       "m=audio 9 RTP/AVP 0 8\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\n") % (host, host)
def request(method, n, body=""):
    extra = "Content-Type: application/sdp\r\n" if body else ""
    return (
        "%s sip:+48221110000@%s:%d SIP/2.0\r\nVia: SIP/2.0/UDP %s:%d;branch=z9hG4bK-f%s%d\r\n"
        "Max-Forwards: 70\r\nFrom: <sip:+48601%06d@%s>;tag=f%d\r\nTo: <sip:+48221110000@%s>\r\n"
        "Call-ID: f%s-%d@%s\r\nCSeq: 1 %s\r\nContact: <sip:+48601%06d@%s:%d>\r\n%s"
        "Content-Length: %d\r\n\r\n%s"
    ) % (method, host, port, host, me, method[0], n, n % 1000000, host, n, host, method[0], n,
         host, method, n % 1000000, host, me, extra, len(body), body)
kinds = ("options", "invite", "garbage")
sent = dict.fromkeys(kinds, 0)
codes = {}
answered = {"O": set(), "I": set()}
replies = 0
def drain():
    global replies
    while True:
        try:
            data = sock.recv(65535)
        except BlockingIOError:
            return
        replies += 1
        code = data[8:11].decode(errors="replace") if data.startswith(b"SIP/2.0 ") else "req"
        codes[code] = codes.get(code, 0) + 1
        at = data.find(b"Call-ID: f")
        if at >= 0:
            kind = chr(data[at + 10])
            if kind in answered:
                answered[kind].add(data[at + 12:data.index(b"@", at)])
burst = max(1, int(rate / 100))
start = time.monotonic()
n = 0
errors = 0
while True:
    due = start + n / rate
    if due - start >= seconds:
        break
    while (left := due - time.monotonic()) > 0:
        select.select([sock], [], [], left)
        drain()
    for _ in range(burst):
        kind = rng.choices(kinds, mix)[0]
        if kind == "options":
            data = request("OPTIONS", n).encode()
        elif kind == "invite":
            data = request("INVITE", n, sdp).encode()
        else:
            data = rng.randbytes(rng.randint(1, 400))
        try:
            sock.sendto(data, (host, port))
        except OSError:
            errors += 1
        sent[kind] += 1
        n += 1
    drain()
elapsed = time.monotonic() - start
end = time.monotonic() + 1.0
while (left := end - time.monotonic()) > 0:
    select.select([sock], [], [], left)
    drain()
print(json.dumps({"sent": sent, "seconds": elapsed, "replies": replies, "codes": codes,
                  "options_answered": len(answered["O"]), "invites_answered": len(answered["I"]),
                  "errors": errors}), flush=True)
"""

# Sends PER datagrams (sized like SIP answers) per slot, CALLS slots at RATE/s, after
# "go" on stdin; counts the echoes; prints one JSON line.
ECHO_PEER = r"""
import json, select, socket, sys, time
host, port, calls, rate, per = (sys.argv[1], int(sys.argv[2]), int(sys.argv[3]),
                                float(sys.argv[4]), int(sys.argv[5]))
sizes = [int(s) for s in sys.argv[6].split(",")]
sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
sock.bind((host, 0))
sock.setblocking(False)
payloads = [bytes([65 + i]) * sizes[i % len(sizes)] for i in range(per)]
echoed = 0
def drain():
    global echoed
    while True:
        try:
            sock.recv(65535)
        except BlockingIOError:
            return
        echoed += 1
sys.stdin.readline()
start = time.monotonic()
for k in range(calls):
    due = start + k / rate
    while (left := due - time.monotonic()) > 0:
        select.select([sock], [], [], left)
        drain()
    for p in payloads:
        sock.sendto(p, (host, port))
    drain()
end = time.monotonic() + 0.3
while (left := end - time.monotonic()) > 0:
    select.select([sock], [], [], left)
    drain()
print(json.dumps({"sent": calls * per, "echoed": echoed}), flush=True)
"""


async def child(script: str, *args: str) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        script,
        *args,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
    )


async def ask(proc: asyncio.subprocess.Process, line: str, within: float) -> dict[str, Any]:
    assert proc.stdin is not None and proc.stdout is not None
    proc.stdin.write(line.encode() + b"\n")
    await proc.stdin.drain()
    answer = await asyncio.wait_for(proc.stdout.readline(), within)
    if not answer:
        raise RuntimeError(f"a sender child exited ({await proc.wait()})")
    result: dict[str, Any] = json.loads(answer)
    return result


# -- a. silent callees must not delay anyone's INVITE --------------------------------------------


async def a_round(
    normal: Sipp, silent: Sipp, calls: int, silent_every: int, wait_silent: float
) -> dict[str, Any]:
    trunk = VoipTrunk(trunk_config(normal.port, rtp_ports=4 * calls + 20))
    rec = Recorder(trunk)
    trunk.set_listener(rec)
    await trunk.start()
    tap = WireTap(trunk)
    drops0 = socket_drops(trunk._local[1])
    placed: dict[str, tuple[float, bool, str | None]] = {}
    began = time.perf_counter()
    for i in range(calls):
        quiet = silent_every > 0 and i % silent_every == silent_every - 1
        key = f"a{i}"
        number = f"+48601{i:06d}"
        if quiet:
            number = f"sip:{number}@{HOST}:{silent.port}"
        t0 = time.perf_counter()
        trunk.originate(key, number, caller_id="", ring_timeout=60)
        placed[key] = (t0, quiet, sip_call_id(trunk, key))
        await asyncio.sleep(0)
    placing = time.perf_counter() - began
    measured = [k for k, (_, q, _) in placed.items() if not q and int(k[1:]) % 5 != 4]
    quiet_keys = [k for k, (_, q, _) in placed.items() if q]
    await rec.until(lambda: all(k in rec.ended for k in placed if k not in quiet_keys), 6)
    if quiet_keys:
        await rec.until(lambda: all(k in rec.ended for k in quiet_keys), wait_silent)
    wire = tap.first_invites()
    to_wire = [wire[cid] - t0 for k in measured if (cid := placed[k][2]) and (t0 := placed[k][0])]
    lost = sum(1 for k in measured if placed[k][2] not in wire)
    ringing = [rec.ringing[k] - placed[k][0] for k in measured if k in rec.ringing]
    outcomes: dict[str, int] = {}
    for k in placed:
        outcome = rec.ended[k][1].outcome.value if k in rec.ended else "not ended"
        kind = "silent" if placed[k][1] else "normal"
        outcomes[f"{kind} {outcome}"] = outcomes.get(f"{kind} {outcome}", 0) + 1
    silent_end = [rec.ended[k][0] - placed[k][0] for k in quiet_keys if k in rec.ended]
    screen = len(trunk._screen.networks)
    drops = socket_drops(trunk._local[1]) - drops0
    retransmitted = sum(
        1 for k in measured if (cid := placed[k][2]) and _invites_sent(tap, cid) > 1
    )
    await trunk.stop()
    return {
        "silent": len(quiet_keys),
        "placing_ms": placing * 1000,
        "to_wire": to_wire,
        "ringing": ringing,
        "never_sent": lost,
        "outcomes": outcomes,
        "silent_end_s": med(silent_end),
        "screen_networks": screen,
        "socket_dropped": drops,
        "retransmitted": retransmitted,
    }


def _invites_sent(tap: WireTap, call_id: str) -> int:
    mark = f"\r\nCall-ID: {call_id}\r\n".encode()
    return sum(1 for _, d in tap.sent if d.startswith(b"INVITE ") and mark in d)


async def part_a(work: Path, opts: argparse.Namespace) -> dict[str, Any]:
    normal = start_sipp(work / "a-normal", final_answer(486), pause_ms=opts.a_normal_pause)
    silent = start_sipp(work / "a-silent", silent_scenario(int(opts.a_silence * 1000)))
    rounds: list[dict[str, Any]] = []
    try:
        for r in range(opts.a_rounds):
            for every in (opts.a_silent_every, 0):
                result = await a_round(normal, silent, opts.a_calls, every, opts.a_silence + 5)
                result["round"] = r
                rounds.append(result)
    finally:
        normal.stop()
        silent.stop()
    out: dict[str, Any] = {"rounds": []}
    for label, loaded in (("with silent callees", True), ("baseline (none silent)", False)):
        mine = [r for r in rounds if (r["silent"] > 0) == loaded]
        wire = [v for r in mine for v in r["to_wire"]]
        ring = [v for r in mine for v in r["ringing"]]
        out[label] = {
            "to_wire_ms": ms(wire),
            "ringing_ms": ms(ring),
            "per_round_wire_p99": [ms(r["to_wire"])["p99"] for r in mine],
            "per_round_ring_p50": [ms(r["ringing"])["p50"] for r in mine],
            "never_sent": sum(r["never_sent"] for r in mine),
            "placing_ms": med([r["placing_ms"] for r in mine]),
            "outcomes": _sum_counts([r["outcomes"] for r in mine]),
            "socket_dropped": [r["socket_dropped"] for r in mine],
            "retransmitted": [r["retransmitted"] for r in mine],
            "silent_end_s": med([r["silent_end_s"] for r in mine if r["silent"]]),
            "screen_networks": mine[-1]["screen_networks"],
        }
    out["rounds"] = [
        {k: v for k, v in r.items() if k not in ("to_wire", "ringing")} for r in rounds
    ]
    return out


def _sum_counts(counts: list[dict[str, int]]) -> dict[str, int]:
    total: dict[str, int] = {}
    for one in counts:
        for k, v in one.items():
            total[k] = total.get(k, 0) + v
    return total


def print_a(out: dict[str, Any], opts: argparse.Namespace) -> None:
    print(
        f"\na. {opts.a_calls} calls placed back to back, every {opts.a_silent_every}th to a callee"
        f" silent for {opts.a_silence:.0f} s; {opts.a_rounds} rounds each, pooled"
    )
    print(
        f"   {'':24} {'INVITE to wire (ms)':>26}   {'originate to CallRinging (ms)':>30}"
        f"   {'placing 100':>11}"
    )
    print(f"   {'':24} {'p50':>8} {'p99':>8} {'max':>8}   {'p50':>9} {'p99':>9} {'max':>9}")
    for label in ("with silent callees", "baseline (none silent)"):
        r = out[label]
        w, g = r["to_wire_ms"], r["ringing_ms"]
        print(
            f"   {label:24} {w['p50']:8.3f} {w['p99']:8.3f} {w['max']:8.3f}   {g['p50']:9.1f}"
            f" {g['p99']:9.1f} {g['max']:9.1f}   {r['placing_ms']:8.1f} ms"
        )
    loaded = out["with silent callees"]
    verdict = "met" if loaded["to_wire_ms"]["p99"] < 50 and not loaded["never_sent"] else "NOT met"
    print(
        f"   samples {loaded['to_wire_ms']['n']} (80 per round); per-round wire p99"
        f" {', '.join(f'{v:.3f}' for v in loaded['per_round_wire_p99'])} ms; aim p99 < 50 ms:"
        f" {verdict}"
    )
    print(
        f"   outcomes, all loaded rounds: {loaded['outcomes']}; silent calls ended after"
        f" {loaded['silent_end_s']:.1f} s (median)"
    )
    for label in ("with silent callees", "baseline (none silent)"):
        r = out[label]
        print(
            f"   {label}: per round, datagrams the kernel dropped for our SIP socket"
            f" {r['socket_dropped']}, measured INVITEs sent again (T1) {r['retransmitted']},"
            f" ringing p50 {', '.join(f'{v:.1f}' for v in r['per_round_ring_p50'])} ms"
        )
    base = out["baseline (none silent)"]["outcomes"]
    print(f"   baseline outcomes (not ended = still waiting 6 s after placing): {base}")
    print(
        f"   trunk screen: {loaded['screen_networks']} networks after one round"
        f" (one added per call to a direct SIP URI)"
    )


# -- b. CPU per call ------------------------------------------------------------------------------


async def b_ours(peer: Sipp, calls: int, rate: float) -> dict[str, Any]:
    trunk = VoipTrunk(trunk_config(peer.port, rtp_ports=4 * calls + 20))
    rec = Recorder(trunk, hang_up_on_answer=True)
    trunk.set_listener(rec)
    await trunk.start()
    tap = WireTap(trunk)
    await asyncio.sleep(0.2)
    cpu0, thread0, wall0 = time.process_time(), time.thread_time(), time.perf_counter()
    placed: dict[str, float] = {}
    for i in range(calls):
        placed[f"b{i}"] = time.perf_counter()
        trunk.originate(f"b{i}", f"+48601{i:06d}", caller_id="", ring_timeout=30)
        await asyncio.sleep(max(0.0, wall0 + (i + 1) / rate - time.perf_counter()))
    await rec.until(lambda: len(rec.ended) == calls, 30)
    await rec.until(lambda: tap.responses("BYE", 200) >= calls, 5)
    await asyncio.sleep(0.3)
    cpu, thread = time.process_time() - cpu0, time.thread_time() - thread0
    wall = time.perf_counter() - wall0
    done = [
        e
        for _, e in rec.ended.values()
        if e.outcome is Outcome.ANSWERED and e.cause == "we hung up"
    ]
    bye_ok = tap.responses("BYE", 200)
    setup = [rec.answered[k] - t for k, t in placed.items() if k in rec.answered]
    datagrams = len(tap.sent) + len(tap.received)
    await trunk.stop()
    n = max(1, len(done))
    return {
        "completed": len(done),
        "bye_200": bye_ok,
        "ms_per_call": 1000 * cpu / n,
        "loop_ms_per_call": 1000 * thread / n,
        "datagrams_per_call": datagrams / n,
        "wall": wall,
        "setup_ms": ms(setup),
    }


class Echo(asyncio.DatagramProtocol):
    def __init__(self) -> None:
        self.transport: asyncio.DatagramTransport | None = None
        self.count = 0

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.DatagramTransport, transport)

    def datagram_received(self, data: bytes, addr: tuple[str | Any, int]) -> None:
        self.count += 1
        if self.transport is not None:
            self.transport.sendto(data, addr)


async def b_baseline(calls: int, rate: float, per_call: int) -> dict[str, Any]:
    loop = asyncio.get_running_loop()
    transport, echo = await loop.create_datagram_endpoint(Echo, local_addr=(HOST, 0))
    port = transport.get_extra_info("sockname")[1]
    sizes = "350,450,750,300"  # like a 100, a 180, a 200 with SDP, a BYE's 200
    peer = await child(ECHO_PEER, HOST, str(port), str(calls), str(rate), str(per_call), sizes)
    await asyncio.sleep(0.3)  # the child's start-up is not ours
    cpu0, thread0 = time.process_time(), time.thread_time()
    result = await ask(peer, "go", calls / rate + 30)
    cpu, thread = time.process_time() - cpu0, time.thread_time() - thread0
    await peer.wait()
    transport.close()
    return {
        "echoed": echo.count,
        "peer_got": result["echoed"],
        "ms_per_call": 1000 * cpu / calls,
        "loop_ms_per_call": 1000 * thread / calls,
    }


def core_cost(calls: int) -> float:
    """µs of the sans-io core alone (UserAgent, no socket, no asyncio) per call of part b:
    only the core's own work is timed, not the building of the far end's answers."""
    from ccterm.sip.message import Request
    from ccterm.sip.ua import UaConfig, UserAgent
    from tests.sip.transcript import SDP, answer

    trunk = ("10.0.0.2", 5060)
    ua = UserAgent(UaConfig(local=("10.0.0.1", 5060), trunk=trunk, domain="trunk.test"))
    clock = time.perf_counter
    spent = 0.0
    now = 1000.0
    contact = "Content-Type: application/sdp\r\nContact: <sip:far@10.0.0.2:5060>"
    for i in range(calls):
        began = clock()
        ua.invite(f"c{i}", "sip:+48601@trunk.test", trunk, ("10.0.0.1", 30000), "", now)
        [(data, _)], _ = ua.drain()
        spent += clock() - began
        invite = parse(data)
        assert isinstance(invite, Request)
        answers = [
            answer(invite, 100, "Trying", tag=None).encode(),
            answer(invite, 180, "Ringing").encode(),
            answer(invite, 200, "OK", extra=contact, body=SDP).encode(),
        ]
        began = clock()
        for text in answers:
            ua.receive(text, trunk, now)
            ua.drain()
        ua.hangup(f"c{i}", now)
        [(data, _)], _ = ua.drain()
        spent += clock() - began
        bye = parse(data)
        assert isinstance(bye, Request)
        ok = answer(bye, 200, "OK").encode()
        now += 0.05
        began = clock()
        ua.receive(ok, trunk, now)
        ua.tick(now)
        ua.drain()
        spent += clock() - began
    return 1e6 * spent / calls


def parser_cost() -> dict[str, float]:
    """µs per parse() of a carrier's INVITE with SDP and of a 200 OK with SDP, best of 5."""
    from tests.sip.fuzzing import CORPUS

    out = {}
    for name, data in (("INVITE", CORPUS[0]), ("200 OK", CORPUS[3]), ("OPTIONS", CORPUS[9])):
        parse(data)
        runs = timeit.repeat(lambda d=data: parse(d), number=2000, repeat=5)  # type: ignore[misc]
        out[name] = min(runs) / 2000 * 1e6
        out[f"{name} bytes"] = len(data)
    return out


async def part_b(work: Path, opts: argparse.Namespace) -> dict[str, Any]:
    peer = start_sipp(work / "b-uas", answer_and_echo(), pause_ms=opts.b_pause)
    ours: list[dict[str, Any]] = []
    base: list[dict[str, Any]] = []
    try:
        for _ in range(opts.b_runs):
            ours.append(await b_ours(peer, opts.b_calls, opts.b_rate))
            base.append(await b_baseline(opts.b_calls, opts.b_rate, 4))
    finally:
        peer.stop()
    return {
        "ours": ours,
        "baseline": base,
        "ms_per_call": med([r["ms_per_call"] for r in ours]),
        "loop_ms_per_call": med([r["loop_ms_per_call"] for r in ours]),
        "base_ms_per_call": med([r["ms_per_call"] for r in base]),
        "base_loop_ms_per_call": med([r["loop_ms_per_call"] for r in base]),
        "parser_us": parser_cost(),
        "core_us": statistics.median(core_cost(opts.b_calls) for _ in range(3)),
    }


def print_b(out: dict[str, Any], opts: argparse.Namespace) -> None:
    print(
        f"\nb. CPU per completed call ({opts.b_calls} calls at {opts.b_rate:g}/s: INVITE 100 180"
        f" 200 ACK BYE 200), median of {opts.b_runs} runs"
    )
    print(f"   {'':34} {'process ms/call':>15} {'loop thread ms/call':>20}   runs (process)")
    runs = ", ".join(f"{r['ms_per_call']:.3f}" for r in out["ours"])
    print(
        f"   {'our trunk':34} {out['ms_per_call']:15.3f} {out['loop_ms_per_call']:20.3f}   {runs}"
    )
    runs = ", ".join(f"{r['ms_per_call']:.3f}" for r in out["baseline"])
    print(
        f"   {'baseline: raw UDP echo, 4 dgrams':34} {out['base_ms_per_call']:15.3f}"
        f" {out['base_loop_ms_per_call']:20.3f}   {runs}"
    )
    print(
        f"   ours minus baseline: {out['ms_per_call'] - out['base_ms_per_call']:.3f} ms/call"
        f" (process), {out['loop_ms_per_call'] - out['base_loop_ms_per_call']:.3f} (loop thread)"
    )
    done = ", ".join(
        f"{r['completed']}/{opts.b_calls} (BYE 200s {r['bye_200']})" for r in out["ours"]
    )
    print(f"   completed per run: {done}")
    setups = ", ".join(
        f"{r['setup_ms']['p50']:.0f}/{r['setup_ms']['max']:.0f}" for r in out["ours"]
    )
    print(
        f"   originate to CallAnswered per run, p50/max ms (sipp rings {opts.b_pause} ms): {setups}"
    )
    print(
        f"   the sans-io core alone for the same call (UserAgent, no socket, no asyncio):"
        f" {out['core_us']:.0f} µs/call"
    )
    echoes = ", ".join(f"{r['echoed']}/{r['peer_got']}" for r in out["baseline"])
    print(f"   baseline datagrams echoed/received back per run: {echoes}")
    p = out["parser_us"]
    print(
        "   parse(): "
        + ", ".join(
            f"{k} {p[k]:.1f} µs ({p[k + ' bytes']} B)" for k in ("INVITE", "200 OK", "OPTIONS")
        )
    )


# -- c. OPTIONS over a long life -------------------------------------------------------------------


async def part_c(work: Path, opts: argparse.Namespace) -> dict[str, Any]:
    trunk = VoipTrunk(trunk_config(free_port(), rtp_ports=8))
    trunk.set_listener(Recorder(trunk))
    await trunk.start()
    protocol = protocol_of(trunk)
    if not opts.c_shipped_limits:
        budget = max(BUDGETS["options"][0], 2 * opts.c_rate)
        protocol.limiter.budgets = {**BUDGETS, "options": (budget, budget)}
    assert trunk.ua is not None
    port = trunk._local[1]
    pump = await child(OPTIONS_PUMP, HOST, str(port), "c")
    traced = max(1, int(opts.c_block * opts.c_traced))
    plain = opts.c_block - traced
    blocks: list[dict[str, Any]] = []
    health0 = trunk.health()
    try:
        for b in range(opts.c_messages // opts.c_block):
            h0 = trunk.health()
            kernel0 = socket_drops(port)
            gc.collect()
            rss0, cpu0 = rss_bytes(), time.process_time()
            line = f"send {plain} {opts.c_rate} {opts.c_burst} {opts.c_grace}"
            first = await ask(pump, line, plain / opts.c_rate + 60)
            cpu = time.process_time() - cpu0
            gc.collect()
            rss = rss_bytes() - rss0
            tracemalloc.start()
            line = f"send {traced} {opts.c_rate} {opts.c_burst} {opts.c_grace}"
            second = await ask(pump, line, traced / opts.c_rate + 60)
            gc.collect()
            held, _peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            h1 = trunk.health()
            sent = first["sent"] + second["sent"]
            answered = first["answered"] + second["answered"]
            blocks.append(
                {
                    "block": b + 1,
                    "sent": sent,
                    "answered": answered,
                    "answered_pct": 100 * answered / max(1, sent),
                    "late": first["late"] + second["late"],
                    "us_per_msg": 1e6 * cpu / max(1, plain),
                    "rss_b_per_msg": rss / max(1, plain),
                    "traced_b_per_msg": held / traced,
                    "traced_bytes": held,
                    "received": h1["received"] - h0["received"],
                    "flood_dropped": h1["flood_dropped"] - h0["flood_dropped"],
                    "malformed": h1["malformed"] - h0["malformed"],
                    "kernel_dropped": socket_drops(port) - kernel0,
                    "transactions": len(trunk.ua.transactions),
                    "timers": len(trunk.ua.timers),
                    "rss_mb": rss_bytes() / 2**20,
                    "pace_s": first["seconds"] + second["seconds"],
                }
            )
    finally:
        if pump.stdin is not None:
            pump.stdin.close()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(pump.wait(), 5)
        if pump.returncode is None:
            pump.kill()
    health = trunk.health()
    await trunk.stop()
    return {
        "blocks": blocks,
        "options_budget": protocol.limiter.budgets["options"],
        "flood_dropped": health["flood_dropped"] - health0["flood_dropped"],
    }


def print_c(out: dict[str, Any], opts: argparse.Namespace) -> None:
    budget = out["options_budget"]
    print(
        f"\nc. {opts.c_messages:,} OPTIONS (distinct Call-IDs) at {opts.c_rate:g}/s in bursts of"
        f" {opts.c_burst}, from the trunk's address; OPTIONS budget {budget[0]:g}/s"
        f"{' (shipped)' if opts.c_shipped_limits else ' (raised for this part; shipped 200/s)'}"
    )
    print(
        f"   {'block':>5} {'answered':>9} {'CPU µs/msg':>11} {'RSS B/msg':>10} {'traced B/msg':>13}"
        f" {'(bytes)':>8} {'RSS MB':>7} {'delivered':>10} {'limited':>8} {'tx':>4}"
        f" {'timers':>6} {'late':>5} {'kernel':>6}"
    )
    for b in out["blocks"]:
        print(
            f"   {b['block']:>5} {b['answered_pct']:8.2f}% {b['us_per_msg']:11.1f}"
            f" {b['rss_b_per_msg']:10.2f} {b['traced_b_per_msg']:13.2f}"
            f" {b['traced_bytes']:>8} {b['rss_mb']:7.1f}"
            f" {b['received']:>10} {b['flood_dropped']:>8} {b['transactions']:>4}"
            f" {b['timers']:>6} {b['late']:>5} {b['kernel_dropped']:>6}"
        )
    print(
        f"   (CPU and RSS over the first {100 - 100 * opts.c_traced:.0f} % of each block;"
        f" tracemalloc over the last {100 * opts.c_traced:.0f} %, what is still held after"
        f" gc (a fixed ~2 KB of asyncio's own is in it); tx/timers: live transactions and"
        f" timers in the core after the block; late: 200s that came after the grace;"
        f" kernel: datagrams the kernel dropped for our socket, its buffer full)"
    )


# -- d. a flood during a bridged call -------------------------------------------------------------


def tone(path: Path, hz: float, seconds: float) -> None:
    frames = int(media.RATE * seconds)
    samples = [int(8000 * math.sin(2 * math.pi * hz * n / media.RATE)) for n in range(frames)]
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(media.RATE)
        wav.writeframes(struct.pack(f"<{frames}h", *samples))


async def echoed_tone(trunk: VoipTrunk, call_id: str, work: Path, name: str) -> int:
    """Play 1.5 s of 1 kHz into the call, record what comes back: loud 20 ms frames heard."""
    wav_in, wav_out = work / "tone.wav", work / f"{name}.wav"
    if not wav_in.exists():
        tone(wav_in, 1000, 1.5)
    trunk.record(f"r-{name}", wav_out, call_id, call_id)
    trunk.play(call_id, wav_in)
    await asyncio.sleep(2.0)
    trunk.stop_recording(f"r-{name}")
    await asyncio.sleep(0.3)
    with wave.open(str(wav_out)) as wav:
        raw = wav.readframes(wav.getnframes())
    left = list(struct.unpack(f"<{len(raw) // 2}h", raw))[0::2]
    frames = [left[i : i + 160] for i in range(0, len(left) - 160, 160)]
    return sum(media.rms(struct.pack("<160h", *f)) > 2000 for f in frames)


async def part_d(work: Path, opts: argparse.Namespace) -> dict[str, Any]:
    keys = {"expires": str(opts.d_expires)}
    peer = start_sipp(work / "d-trunk", answer_and_echo(), pause_ms=100, echo=True, keys=keys)
    trunk = VoipTrunk(trunk_config(peer.port, register=True, expires=opts.d_expires))
    rec = Recorder(trunk)
    trunk.set_listener(rec)
    registered: list[float] = []
    failed: list[str] = []
    handle = trunk._handle

    def counting(event: sip.SipEvent) -> None:
        if isinstance(event, sip.Registered):
            registered.append(time.perf_counter())
        elif isinstance(event, sip.RegistrationFailed):
            failed.append(event.reason)
        handle(event)

    trunk._handle = counting  # type: ignore[method-assign]
    out: dict[str, Any] = {}
    try:
        await trunk.start()
        tap = WireTap(trunk)
        if not await rec.until(lambda: trunk.state is TrunkState.UP, 10):
            raise RuntimeError(f"the trunk did not register: {trunk.state} {trunk.detail}")
        key = "d-1"
        trunk.originate(key, "+48601234567", caller_id="", ring_timeout=30)
        if not await rec.until(lambda: key in rec.answered, 10):
            raise RuntimeError("the call was not answered")
        await asyncio.sleep(1.0)
        out["tone_before"] = await echoed_tone(trunk, key, work, "before")
        stats0 = trunk.media.leg_stats(key)
        await asyncio.sleep(1.0)
        stats1 = trunk.media.leg_stats(key)
        health0 = trunk.health()
        kernel0 = udp_rcvbuf_errors()
        ours0 = socket_drops(trunk._local[1])
        cpu0 = time.process_time()
        flood_start = time.perf_counter()
        reg_before = len(registered)
        flood = await child(
            FLOOD,
            HOST,
            str(trunk._local[1]),
            str(opts.d_rate),
            str(opts.d_seconds),
            opts.d_mix,
        )
        not_up = 0
        samples = 0
        per_second: list[tuple[float, float]] = []
        last = trunk.media.leg_stats(key)
        last_at = time.perf_counter()

        async def watch() -> None:
            nonlocal not_up, samples, last, last_at
            tick = 0
            while True:
                await asyncio.sleep(0.02)
                samples += 1
                not_up += trunk.state is not TrunkState.UP
                tick += 1
                if tick % 50 == 0:
                    now, at = trunk.media.leg_stats(key), time.perf_counter()
                    if now is not None and last is not None:
                        took = at - last_at
                        per_second.append(((now[0] - last[0]) / took, (now[1] - last[1]) / took))
                    last, last_at = now, at

        watcher = asyncio.create_task(watch())
        await asyncio.sleep(min(opts.d_seconds / 2, 8.0))
        out["tone_during"] = await echoed_tone(trunk, key, work, "during")
        assert flood.stdout is not None
        line = await asyncio.wait_for(flood.stdout.readline(), opts.d_seconds + 30)
        await flood.wait()
        watcher.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await watcher
        flood_wall = time.perf_counter() - flood_start
        flood_cpu = time.process_time() - cpu0
        kernel = udp_rcvbuf_errors() - kernel0
        ours_dropped = socket_drops(trunk._local[1]) - ours0
        health1 = trunk.health()
        out["flooder"] = json.loads(line) if line else {}
        stats2 = trunk.media.leg_stats(key)
        await asyncio.sleep(1.0)
        stats3 = trunk.media.leg_stats(key)
        out["tone_after"] = await echoed_tone(trunk, key, work, "after")
        during_regs = [t for t in registered[reg_before:] if t <= flood_start + flood_wall]
        gaps = [b - a for a, b in itertools.pairwise(registered)]
        trunk.hangup(key)
        ended = await rec.until(lambda: key in rec.ended, 10)
        await rec.until(lambda: tap.responses("BYE", 200) >= 1, 5)
        out.update(
            registrations=len(registered),
            registrations_during_flood=len(during_regs),
            longest_gap_s=max(gaps, default=math.nan),
            registration_failures=failed,
            state_changes=[f"{e.state.value}: {e.detail}" for _, e in rec.states],
            samples_not_up=not_up,
            samples=samples,
            flood_wall_s=flood_wall,
            cpu_pct=100 * flood_cpu / flood_wall,
            kernel_dropped=kernel,
            socket_dropped=ours_dropped,
            received=health1["received"] - health0["received"],
            flood_dropped=health1["flood_dropped"] - health0["flood_dropped"],
            malformed=health1["malformed"] - health0["malformed"],
            strangers=health1["from_strangers"] - health0["from_strangers"],
            rebinds=health1["rebinds"],
            inbound_refused=rec.inbound,
            rtp_before=_rate(stats0, stats1, 1.0),
            rtp_after=_rate(stats2, stats3, 1.0),
            rtp_during=per_second,
            call_ended=ended,
            call_outcome=rec.ended[key][1].outcome.value if key in rec.ended else None,
            call_cause=rec.ended[key][1].cause if key in rec.ended else None,
            bye_200=tap.responses("BYE", 200),
            final_state=trunk.state.value,
        )
    finally:
        await trunk.stop()
        peer.stop()
    return out


def _rate(
    a: tuple[int, int, int] | None, b: tuple[int, int, int] | None, seconds: float
) -> tuple[float, float] | None:
    if a is None or b is None:
        return None
    return ((b[0] - a[0]) / seconds, (b[1] - a[1]) / seconds)


def print_d(out: dict[str, Any], opts: argparse.Namespace) -> None:
    f = out["flooder"]
    sent = f.get("sent", {})
    total = sum(sent.values())
    print(
        f"\nd. flood of {opts.d_rate:g} datagrams/s for {opts.d_seconds:g} s from the trunk's"
        f" address ({', '.join(f'{k} {v}' for k, v in sent.items())}) during an answered call;"
        f" registrar grants {opts.d_expires} s"
    )
    up = (
        "never left up"
        if not out["samples_not_up"] and len(out["state_changes"]) <= 2
        else (f"NOT up in {out['samples_not_up']} of {out['samples']} samples")
    )
    print(
        f"   registration: {out['registrations']} granted in all,"
        f" {out['registrations_during_flood']} during the flood, longest gap"
        f" {out['longest_gap_s']:.1f} s (lapse if > {opts.d_expires} s), failures"
        f" {len(out['registration_failures'])}; state {up}; state changes {out['state_changes']}"
    )
    print(
        f"   our socket: {total} sent by the flooder in {f.get('seconds', 0):.1f} s,"
        f" {out['received']} passed the limiter to the core, {out['flood_dropped']} dropped by it"
        f" ({100 * out['flood_dropped'] / max(1, total):.1f} %), {out['malformed']} malformed;"
        f" inbound INVITEs refused {out['inbound_refused']}; rebinds {out['rebinds']};"
        f" kernel receive-buffer drops: our socket {out['socket_dropped']}, all sockets"
        f" {out['kernel_dropped']}; our process CPU"
        f" {out['cpu_pct']:.0f} % of one core (flood and tone)"
    )
    print(
        f"   the flooder got back {f.get('replies', 0)} datagrams ({f.get('codes', {})}):"
        f" OPTIONS answered {f.get('options_answered', 0)} of {sent.get('options', 0)},"
        f" INVITEs answered {f.get('invites_answered', 0)} of {sent.get('invite', 0)}"
    )
    during = out["rtp_during"]
    ins = [p[0] for p in during]
    outs = [p[1] for p in during]
    print(
        f"   RTP packets/s in/out: before {_pair(out['rtp_before'])}, during (per second) in"
        f" min {min(ins, default=0):.0f} median {med(ins):.0f}, out min"
        f" {min(outs, default=0):.0f} median {med(outs):.0f},"
        f" after {_pair(out['rtp_after'])}"
    )
    print(
        f"   1 kHz tone echoed back (loud 20 ms frames of ~75 played): before"
        f" {out['tone_before']}, during {out['tone_during']}, after {out['tone_after']}"
    )
    print(
        f"   hang-up after the flood: call ended {out['call_ended']} ({out['call_outcome']},"
        f" {out['call_cause']!r}), sipp's 200 to our BYE {out['bye_200']}; trunk"
        f" {out['final_state']}"
    )


def _pair(p: tuple[float, float] | None) -> str:
    return "-" if p is None else f"{p[0]:.0f}/{p[1]:.0f}"


# -- main -----------------------------------------------------------------------------------------


PARTS: dict[
    str,
    tuple[
        Callable[[Path, argparse.Namespace], Coroutine[Any, Any, dict[str, Any]]],
        Callable[[dict[str, Any], argparse.Namespace], None],
    ],
] = {
    "a": (part_a, print_a),
    "b": (part_b, print_b),
    "c": (part_c, print_c),
    "d": (part_d, print_d),
}


@dataclass
class Run:
    results: dict[str, Any] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    logs: dict[str, Any] = field(default_factory=dict)
    exceptions: dict[str, list[str]] = field(default_factory=dict)


async def main_async(opts: argparse.Namespace) -> Run:
    run = Run()
    caught = loop_exceptions(asyncio.get_running_loop())
    parts = "abcd" if opts.part == "all" else opts.part
    with tempfile.TemporaryDirectory(prefix="ccterm-sipsig-") as tmp:
        for name in parts:
            began = time.monotonic()
            fn, show = PARTS[name]
            result = await fn(Path(tmp), opts)
            run.seconds[name] = time.monotonic() - began
            run.results[name] = result
            run.logs[name] = LOGS.take()
            run.exceptions[name] = list(caught)
            caught.clear()
            if not opts.json:
                show(result, opts)
                logs = run.logs[name]
                print(
                    f"   [{run.seconds[name]:.0f} s; log records {logs['levels'] or 'none'};"
                    f" loop exceptions {len(run.exceptions[name])}]"
                )
                for text in logs["errors"] + run.exceptions[name]:
                    print(f"     {text}")
                sys.stdout.flush()
    return run


def _plain(value: Any) -> Any:
    if isinstance(value, float):
        return None if math.isnan(value) else round(value, 4)
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def options() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--part", choices=["a", "b", "c", "d", "all"], default="all")
    parser.add_argument("--json", action="store_true", help="one JSON object on stdout")
    add = parser.add_argument
    add("--a-calls", type=int, default=100)
    add("--a-silent-every", type=int, default=5, help="every Nth call goes to the silent callee")
    add("--a-silence", type=float, default=10.0, help="seconds the silent callee says nothing")
    add("--a-normal-pause", type=int, default=500, help="ms the normal callee rings before 486")
    add("--a-rounds", type=int, default=2, help="rounds of (loaded, baseline)")
    add("--b-calls", type=int, default=200)
    add("--b-rate", type=float, default=20.0, help="calls per second")
    add("--b-runs", type=int, default=3)
    add("--b-pause", type=int, default=100, help="ms sipp rings before answering")
    add("--c-messages", type=int, default=80_000)
    add("--c-block", type=int, default=20_000)
    add("--c-rate", type=float, default=2000.0, help="OPTIONS per second")
    add("--c-burst", type=int, default=50, help="OPTIONS sent back to back")
    add("--c-grace", type=float, default=0.5, help="seconds to wait for the last 200s")
    add("--c-traced", type=float, default=0.1, help="share of each block under tracemalloc")
    add("--c-shipped-limits", action="store_true", help="keep the 200/s OPTIONS flood budget")
    add("--d-rate", type=float, default=2000.0, help="flood datagrams per second")
    add("--d-seconds", type=float, default=20.0)
    add("--d-expires", type=int, default=10, help="what the sipp registrar grants")
    add("--d-mix", default="0.4,0.4,0.2", help="shares of OPTIONS, INVITE, garbage")
    return parser.parse_args()


def main() -> None:
    opts = options()
    logging.getLogger().addHandler(LOGS)
    logging.getLogger().setLevel(logging.INFO)
    began = time.monotonic()
    run = asyncio.run(main_async(opts))
    total = time.monotonic() - began
    if opts.json:
        print(
            json.dumps(
                _plain(
                    {
                        "results": run.results,
                        "seconds": run.seconds,
                        "logs": run.logs,
                        "loop_exceptions": run.exceptions,
                        "total_seconds": total,
                        "cpus": os.cpu_count(),
                    }
                )
            )
        )
    else:
        parts = ", ".join(f"{k} {v:.0f} s" for k, v in run.seconds.items())
        print(f"\ntotal {total:.0f} s ({parts}); {os.cpu_count()} CPUs, shared")


if __name__ == "__main__":
    main()
