"""sipp as the far end: scenario text built from parts, a process per peer, its wire trace.

The trunk is one sipp UAS that answers REGISTER (with a digest challenge) and
INVITE on one port, as the daemon sends both to its registrar (SIP-NOTES.md).
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.conftest import needs_tool

SIPP = shutil.which("sipp")
PCAPS = Path("/usr/share/sip-tester")
USER, PASSWORD = "ccterm", "s3cret-pass"

needs_sipp = needs_tool("sipp", "sip-tester")

_REGISTRAR = """
  <label id="reg"/>
  <send><![CDATA[
SIP/2.0 401 Unauthorized
[last_Via:]
[last_From:]
[last_To:];tag=[pid]SIPpTag01[call_number]
[last_Call-ID:]
[last_CSeq:]
WWW-Authenticate: Digest realm="ccterm.test", nonce="47ebe028cda119c35d4877b383027d28da013815"
Content-Length: 0
]]></send>
  <recv request="REGISTER">
    <action><verifyauth assign_to="authok" username="[user]" password="[pass]"/></action>
  </recv>
  <nop hide="true" test="authok" next="regok"/>
  <send><![CDATA[
SIP/2.0 403 Forbidden
[last_Via:]
[last_From:]
[last_To:];tag=[pid]SIPpTag01[call_number]
[last_Call-ID:]
[last_CSeq:]
Content-Length: 0
]]></send>
  <nop next="done"/>
  <label id="regok"/>
  <send><![CDATA[
SIP/2.0 200 OK
[last_Via:]
[last_From:]
[last_To:];tag=[pid]SIPpTag01[call_number]
[last_Call-ID:]
[last_CSeq:]
[last_Contact:]
Expires: [expires]
Content-Length: 0
]]></send>
  <recv request="REGISTER" next="reg"/>
"""

_TRYING_RINGING = """
  <recv request="INVITE" rrs="true">
    <action><ereg regexp="([0-9]+)" search_in="hdr" header="CSeq:" assign_to="whole,invcseq"/></action>
  </recv>
  <send><![CDATA[
SIP/2.0 100 Trying
[last_Via:]
[last_From:]
[last_To:]
[last_Call-ID:]
[last_CSeq:]
Content-Length: 0
]]></send>
  <send><![CDATA[
SIP/2.0 180 Ringing
[last_Via:]
[last_From:]
[last_To:];tag=[pid]SIPpTag01[call_number]
[last_Call-ID:]
[last_CSeq:]
Contact: <sip:[local_ip]:[local_port];transport=[transport]>
Content-Length: 0
]]></send>
"""

_FINAL = """
  <pause/>
  <send><![CDATA[
SIP/2.0 {code} Final
[last_Via:]
[last_From:]
[last_To:];tag=[pid]SIPpTag01[call_number]
[last_Call-ID:]
[last_CSeq:]
Content-Length: 0
]]></send>
  <recv request="ACK"/>
"""

_RING_FOREVER = """
  <recv request="CANCEL"/>
  <send><![CDATA[
SIP/2.0 200 OK
[last_Via:]
[last_From:]
[last_To:];tag=[pid]SIPpTag01[call_number]
[last_Call-ID:]
[last_CSeq:]
Content-Length: 0
]]></send>
  <send><![CDATA[
SIP/2.0 487 Request Terminated
[last_Via:]
[last_From:]
[last_To:];tag=[pid]SIPpTag01[call_number]
[last_Call-ID:]
CSeq: [$invcseq] INVITE
Content-Length: 0
]]></send>
  <recv request="ACK"/>
"""

_ANSWER = """
  <pause/>
  <send><![CDATA[
SIP/2.0 200 OK
[last_Via:]
[last_From:]
[last_To:];tag=[pid]SIPpTag01[call_number]
[last_Call-ID:]
[last_CSeq:]
Contact: <sip:[local_ip]:[local_port];transport=[transport]>
Content-Type: application/sdp
Content-Length: [len]

v=0
o=sipp 53655765 2353687637 IN IP[local_ip_type] [local_ip]
s=-
c=IN IP[media_ip_type] [media_ip]
t=0 0
m=audio [media_port] RTP/AVP [law] 101
a=rtpmap:[law] [lawname]/8000
a=rtpmap:101 telephone-event/8000
a=fmtp:101 0-15
]]></send>
  <recv request="ACK"/>
  <recv request="BYE"/>
  <send><![CDATA[
SIP/2.0 200 OK
[last_Via:]
[last_From:]
[last_To:]
[last_Call-ID:]
[last_CSeq:]
Content-Length: 0
]]></send>
"""


def _answer_then(after_ack: str) -> str:
    return _ANSWER.replace('  <recv request="ACK"/>\n', '  <recv request="ACK"/>\n' + after_ack, 1)


def trunk_scenario(invite_part: str) -> str:
    """A UAS that is a registrar and answers each INVITE with `invite_part`."""
    return f"""<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="ccterm trunk">
  <recv request="REGISTER" optional="true" next="reg"/>
{invite_part}
  <nop next="done"/>
{_REGISTRAR}
  <label id="done"/>
  <Reference variables="whole,invcseq"/>
</scenario>
"""


def final_answer(code: int = 486) -> str:
    return trunk_scenario(_TRYING_RINGING + _FINAL.replace("{code}", str(code)))


def ring_forever() -> str:
    return trunk_scenario(_TRYING_RINGING + _RING_FOREVER)


def answer_as_cancelled() -> str:
    """A callee who picks up just as we CANCEL: the 200 OK crosses the CANCEL."""
    answer = _ANSWER.replace("  <pause/>\n", "", 1).replace(
        "[last_CSeq:]\nContact", "CSeq: [$invcseq] INVITE\nContact", 1
    )
    cancel_ok = """  <send><![CDATA[
SIP/2.0 200 OK
[last_Via:]
[last_From:]
[last_To:];tag=[pid]SIPpTag01[call_number]
[last_Call-ID:]
CSeq: [$invcseq] CANCEL
Content-Length: 0
]]></send>
"""
    first, rest = answer.split('  <recv request="ACK"/>\n', 1)
    part = '  <recv request="CANCEL"/>\n' + first + cancel_ok + '  <recv request="ACK"/>\n' + rest
    return trunk_scenario(_TRYING_RINGING + part)


def answer_and_echo() -> str:
    return trunk_scenario(_TRYING_RINGING + _ANSWER)


def answer_and_talk(pcap: Path = PCAPS / "g711a.pcap") -> str:
    """A customer who answers and speaks (sipp's G.711 A-law capture, or `pcap`) until we hang up."""
    talk = f'  <nop><action><exec play_pcap_audio="{pcap}"/></action></nop>\n'
    return trunk_scenario(_TRYING_RINGING + _answer_then(talk))


def answer_then_hang_up(after_ms: int) -> str:
    """A phone that answers, stays up `after_ms`, then hangs up (sends BYE itself)."""
    bye = f"""  <recv request="ACK">
    <action>
      <ereg regexp=".*" search_in="hdr" header="From:" assign_to="caller"/>
      <ereg regexp=".*" search_in="hdr" header="To:" assign_to="callee"/>
    </action>
  </recv>
  <pause milliseconds="{after_ms}"/>
  <send retrans="500"><![CDATA[
BYE [next_url] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: [$callee]
To: [$caller]
Call-ID: [call_id]
CSeq: 1 BYE
Max-Forwards: 70
Content-Length: 0
]]></send>
  <recv response="200"/>
"""
    answer = _ANSWER.split('  <recv request="ACK"/>\n')[0]
    return trunk_scenario(_TRYING_RINGING + answer + bye).replace(
        '<Reference variables="whole,invcseq"/>',
        '<Reference variables="whole,invcseq,caller,callee"/>',
    )


_CALLER_INVITE = """  <send retrans="500"><![CDATA[
INVITE sip:[service]@[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: "Caller" <sip:+48601000111@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
To: <sip:[service]@[remote_ip]:[remote_port]>
Call-ID: [call_id]
CSeq: 1 INVITE
Contact: <sip:+48601000111@[local_ip]:[local_port]>
Max-Forwards: 70
Content-Type: application/sdp
Content-Length: [len]

v=0
o=sipp 53655765 2353687637 IN IP[local_ip_type] [local_ip]
s=-
c=IN IP[media_ip_type] [media_ip]
t=0 0
m=audio [media_port] RTP/AVP 0 101
a=rtpmap:0 PCMU/8000
a=rtpmap:101 telephone-event/8000
a=fmtp:101 0-15
]]></send>
"""


def caller_with_digits(digits: str, hold_ms: int = 1500) -> str:
    """A UAC that calls, waits for the answer, sends RFC 2833 digits, then hangs up."""
    names = {"#": "pound", "*": "star"}
    plays = "\n".join(
        f'  <nop><action><exec play_pcap_audio="{PCAPS}/dtmf_2833_{names.get(d, d)}.pcap"/>'
        f'</action></nop>\n  <pause milliseconds="400"/>'
        for d in digits
    )
    return f"""<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="ccterm caller">
{_CALLER_INVITE}  <recv response="100" optional="true"/>
  <recv response="180" optional="true"/>
  <recv response="200" rtd="true"/>
  <send><![CDATA[
ACK sip:[service]@[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: "Caller" <sip:+48601000111@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
To: <sip:[service]@[remote_ip]:[remote_port]>[peer_tag_param]
Call-ID: [call_id]
CSeq: 1 ACK
Contact: <sip:+48601000111@[local_ip]:[local_port]>
Max-Forwards: 70
Content-Length: 0
]]></send>
  <pause milliseconds="300"/>
{plays}
  <pause milliseconds="{hold_ms}"/>
  <send retrans="500"><![CDATA[
BYE sip:[service]@[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: "Caller" <sip:+48601000111@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
To: <sip:[service]@[remote_ip]:[remote_port]>[peer_tag_param]
Call-ID: [call_id]
CSeq: 2 BYE
Max-Forwards: 70
Content-Length: 0
]]></send>
  <recv response="200" crlf="true"/>
</scenario>
"""


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def free_media_port(host: str = "127.0.0.1") -> int:
    """An even port with the next three free too (sipp binds media port and port + 2)."""
    for _ in range(200):
        port = free_port(host) & ~3
        if port < 1024:
            continue
        try:
            socks = []
            for p in range(port, port + 4):
                s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                socks.append(s)
                s.bind((host, p))
            return port
        except OSError:
            continue
        finally:
            for s in socks:
                s.close()
    raise RuntimeError("no free media ports")


class Sipp:
    """One sipp process; `trace` is its message log (what crossed the wire)."""

    def __init__(self, proc: subprocess.Popen[bytes], workdir: Path, port: int) -> None:
        self.proc, self.workdir, self.port = proc, workdir, port

    @property
    def trace(self) -> str:
        path = self.workdir / "messages.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def wait(self, timeout: float) -> int:
        return self.proc.wait(timeout)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)


@contextmanager
def sipp(
    workdir: Path,
    scenario: str,
    *,
    ip: str = "127.0.0.1",
    port: int | None = None,
    target: str | None = None,
    media_port: int | None = None,
    echo: bool = False,
    pause_ms: int = 300,
    keys: dict[str, str] | None = None,
    calls: int | None = None,
    service: str = "ccterm",
) -> Iterator[Sipp]:
    """Run sipp with this scenario; as a UAS unless `target` (host:port) is given."""
    assert SIPP is not None
    workdir.mkdir(parents=True, exist_ok=True)
    port = port or free_port(ip)
    media_port = media_port or free_media_port(ip)
    (workdir / "scenario.xml").write_text(scenario)
    values = {
        "user": USER,
        "pass": PASSWORD,
        "expires": "60",
        "law": "0",
        "lawname": "PCMU",
        **(keys or {}),
    }
    args = [
        SIPP,
        "-sf",
        "scenario.xml",
        "-i",
        ip,
        "-p",
        str(port),
        "-mi",
        ip,
        "-mp",
        str(media_port),
        "-nostdin",
        "-trace_msg",
        "-message_file",
        "messages.log",
        "-d",
        str(pause_ms),
        "-s",
        service,
    ]
    for key, value in values.items():
        args += ["-key", key, value]
    if echo:
        args.append("-rtp_echo")
    if target:
        args += ["-m", str(calls or 1), target]
    proc = subprocess.Popen(
        args, cwd=workdir, stdout=subprocess.DEVNULL, stderr=(workdir / "stderr.log").open("wb")
    )
    runner = Sipp(proc, workdir, port)
    if not target:
        wait_bound(ip, port, proc)
    try:
        yield runner
    finally:
        runner.stop()


def wait_bound(ip: str, port: int, proc: subprocess.Popen[bytes]) -> None:
    """Until sipp holds its port (it exits or 5 s pass: RuntimeError)."""
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"sipp exited at start ({proc.returncode})")
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            try:
                probe.bind((ip, port))
            except OSError:
                return  # sipp holds it
        time.sleep(0.05)
    raise RuntimeError("sipp did not bind its port")


def caller_refused(code: int) -> str:
    """A UAC that calls and expects the call refused with `code` (then ACKs it)."""
    return f"""<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="ccterm refused caller">
{_CALLER_INVITE}  <recv response="100" optional="true"/>
  <recv response="180" optional="true"/>
  <recv response="{code}"/>
  <send><![CDATA[
ACK sip:[service]@[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: "Caller" <sip:+48601000111@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
To: <sip:[service]@[remote_ip]:[remote_port]>[peer_tag_param]
Call-ID: [call_id]
CSeq: 1 ACK
Max-Forwards: 70
Content-Length: 0
]]></send>
</scenario>
"""


DIGIT_PCAP = {d: PCAPS / f"dtmf_2833_{d}.pcap" for d in "0123456789"} | {
    "#": PCAPS / "dtmf_2833_pound.pcap",
    "*": PCAPS / "dtmf_2833_star.pcap",
}


def inbound_caller(
    keys: list[tuple[int, str]],
    *,
    talk: Path | None = None,
    hang_up_after_ms: int | None = None,
    wait_ms: int = 30_000,
    spread_ms: int = 0,
    late_offer: bool = False,
) -> str:
    """A caller who calls in (PCMU, telephone-event at pt 101, as sipp's DTMF captures are),
    presses `keys` — (ms after the ACK, digit) — with sipp's RFC 2833 captures, then talks
    (`talk`, a pcap) and hangs up after `hang_up_after_ms`, unless the daemon sends BYE
    first. With `hang_up_after_ms` None the caller waits for the daemon's BYE (`wait_ms`,
    then the scenario fails): the call must be ended by the other side. `spread_ms`: a
    random wait (uniform, up to that) before the first key, so that many callers differ.
    `late_offer`: an INVITE without SDP (a delayed offer); the caller's answer is in the ACK."""
    steps = []
    if spread_ms:
        steps.append(f'  <pause distribution="uniform" min="0" max="{spread_ms}"/>')
    at = 0
    for when, digit in sorted(keys):
        if when > at:
            steps.append(f'  <pause milliseconds="{when - at}"/>')
            at = when
        steps.append(f'  <nop><action><exec play_pcap_audio="{DIGIT_PCAP[digit]}"/></action></nop>')
    if talk is not None:
        steps.append(
            f'  <pause milliseconds="200"/>\n'
            f'  <nop><action><exec play_pcap_audio="{talk}"/></action></nop>'
        )
    if hang_up_after_ms is None:
        ending = f'  <recv request="BYE" timeout="{wait_ms}"/>\n'
    else:
        ending = f'  <recv request="BYE" timeout="{max(1, hang_up_after_ms - at)}" ontimeout="hangup"/>\n'
    ending += """  <send><![CDATA[
SIP/2.0 200 OK
[last_Via:]
[last_From:]
[last_To:]
[last_Call-ID:]
[last_CSeq:]
Content-Length: 0
]]></send>
  <nop next="end"/>
  <label id="hangup"/>
  <send retrans="500"><![CDATA[
BYE sip:[service]@[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: "Caller" <sip:+48601000111@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
To: <sip:[service]@[remote_ip]:[remote_port]>[peer_tag_param]
Call-ID: [call_id]
CSeq: 2 BYE
Max-Forwards: 70
Content-Length: 0
]]></send>
  <recv response="200" crlf="true"/>
  <label id="end"/>
"""
    body = "\n".join(steps)
    invite, ack_body = _CALLER_INVITE, "Content-Length: 0\n"
    if late_offer:
        head, sdp = _CALLER_INVITE.split("Content-Type: application/sdp\n", 1)
        invite = head + "Content-Length: 0\n" + sdp[sdp.index("]]></send>") :]
        ack_body = "Content-Type: application/sdp\n" + sdp[: sdp.index("]]></send>")]
    return f"""<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="ccterm inbound caller">
{invite}  <recv response="100" optional="true"/>
  <recv response="180" optional="true"/>
  <recv response="200" rtd="true"/>
  <send><![CDATA[
ACK sip:[service]@[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: "Caller" <sip:+48601000111@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
To: <sip:[service]@[remote_ip]:[remote_port]>[peer_tag_param]
Call-ID: [call_id]
CSeq: 1 ACK
Contact: <sip:+48601000111@[local_ip]:[local_port]>
Max-Forwards: 70
{ack_body}]]></send>
{body}
{ending}</scenario>
"""
