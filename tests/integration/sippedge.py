"""sipp scenarios for SIP transaction edge cases, and a reader for sipp's message trace.

Each scenario is a trunk (sipprig.trunk_scenario: a registrar that challenges
REGISTER, and one call per Call-ID from the top) whose INVITE part does
something a plain carrier does not: a reliable 183 that wants a PRACK, a 407
on the INVITE, a session-refresh re-INVITE of its own, or silence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from tests.integration.sipprig import trunk_scenario

REALM = "carrier.test"
NONCE = "5b3c0e7f9a1d4e2b8c6f0a3d5e7b9c1d"
SILENT_MS = 10_000  # how long the silent trunk sends nothing at all

_SDP = """v=0
o=sipp 53655765 2353687637 IN IP[local_ip_type] [local_ip]
s=-
c=IN IP[media_ip_type] [media_ip]
t=0 0
m=audio [media_port] RTP/AVP 0 101
a=rtpmap:0 PCMU/8000
a=rtpmap:101 telephone-event/8000
a=fmtp:101 0-15
"""

_RECV_INVITE = """
  <recv request="INVITE" rrs="true">
    <action>
      <ereg regexp="([0-9]+)" search_in="hdr" header="CSeq:" assign_to="whole,invcseq"/>
    </action>
  </recv>
"""

_RECV_INVITE_VIA = _RECV_INVITE.replace(
    "    </action>",
    '      <ereg regexp=".*" search_in="hdr" header="Via:" assign_to="invvia"/>\n    </action>',
)

_TRYING = """  <send><![CDATA[
SIP/2.0 100 Trying
[last_Via:]
[last_From:]
[last_To:]
[last_Call-ID:]
[last_CSeq:]
Content-Length: 0
]]></send>
"""

_RINGING = """  <send><![CDATA[
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

_BYE_OK = """  <recv request="BYE"/>
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


def _final(code: int, reason: str) -> str:
    return f"""  <send><![CDATA[
SIP/2.0 {code} {reason}
[last_Via:]
[last_From:]
[last_To:];tag=[pid]SIPpTag01[call_number]
[last_Call-ID:]
[last_CSeq:]
Content-Length: 0
]]></send>
  <recv request="ACK"/>
"""


def _scenario(invite_part: str, variables: tuple[str, ...] = ()) -> str:
    """A trunk scenario; `variables` it assigns besides sipprig's own (sipp wants each used)."""
    text = trunk_scenario(invite_part)
    if variables:
        used = f'  <Reference variables="{",".join(variables)}"/>\n</scenario>'
        text = text.replace("</scenario>", used)
    return text


def reliable_progress(*, answer_in_183: bool = False, resend_183: bool = False) -> str:
    """183 with Require: 100rel and RSeq 1; the PRACK gets 200; then 200 OK to the INVITE.

    By default the SDP answer rides on the 200 OK. With `answer_in_183` it rides on
    the reliable 183 and the 200 OK has no body (RFC 3262 §5: the offer/answer is
    done; IMS carriers do this). With `resend_183` the 183 is retransmitted (as a
    UAS does until the PRACK's 200) after our PRACK came: no second PRACK may follow.
    """
    if answer_in_183:
        progress_body = f"Content-Type: application/sdp\nContent-Length: [len]\n\n{_SDP}"
        ok_body = "Content-Length: 0\n"
    else:
        progress_body = "Content-Length: 0\n"
        ok_body = f"Content-Type: application/sdp\nContent-Length: [len]\n\n{_SDP}"
    progress = f"""  <send><![CDATA[
SIP/2.0 183 Session Progress
[last_Via:]
[last_From:]
[last_To:];tag=[pid]SIPpTag01[call_number]
[last_Call-ID:]
[last_CSeq:]
Contact: <sip:[local_ip]:[local_port];transport=[transport]>
Require: 100rel
RSeq: 1
{progress_body}]]></send>
"""
    # the 183 again after our PRACK came (it crossed): a second PRACK would be unexpected
    again = f"""  <send><![CDATA[
SIP/2.0 183 Session Progress
Via: [$invvia]
[last_From:]
[last_To:]
[last_Call-ID:]
CSeq: [$invcseq] INVITE
Contact: <sip:[local_ip]:[local_port];transport=[transport]>
Require: 100rel
RSeq: 1
{progress_body}]]></send>
"""
    part = f"""{_RECV_INVITE_VIA}{_TRYING}{progress}  <recv request="PRACK">
    <action>
      <ereg regexp="^ *1 [0-9]+ INVITE *$" search_in="hdr" header="RAck:" check_it="true"
            assign_to="rack"/>
    </action>
  </recv>
{again if resend_183 else ""}  <send><![CDATA[
SIP/2.0 200 OK
[last_Via:]
[last_From:]
[last_To:]
[last_Call-ID:]
[last_CSeq:]
Content-Length: 0
]]></send>
  <pause milliseconds="200"/>
  <send><![CDATA[
SIP/2.0 200 OK
Via: [$invvia]
[last_From:]
[last_To:]
[last_Call-ID:]
CSeq: [$invcseq] INVITE
Contact: <sip:[local_ip]:[local_port];transport=[transport]>
{ok_body}]]></send>
  <recv request="ACK"/>
{_BYE_OK}"""
    return _scenario(part, ("invvia", "rack"))


def proxy_challenge(code: int = 486, *, qop: bool = False) -> str:
    """407 to the first INVITE; a retry with a Proxy-Authorization on our nonce gets 100, 180
    and `code`, one without gets 403.

    sipp's <verifyauth> reads only an Authorization header (on Proxy-Authorization
    it logs "authentication must be digest"), so the scenario checks the header is
    there and answers our nonce; the test checks the digest itself.
    """
    qop_param = ', qop="auth", opaque="c0ffee"' if qop else ""
    challenge = f"""  <send><![CDATA[
SIP/2.0 407 Proxy Authentication Required
[last_Via:]
[last_From:]
[last_To:];tag=[pid]SIPpTag01[call_number]
[last_Call-ID:]
[last_CSeq:]
Proxy-Authenticate: Digest realm="{REALM}", nonce="{NONCE}", algorithm=MD5{qop_param}
Content-Length: 0
]]></send>
  <recv request="ACK"/>
  <recv request="INVITE">
    <action>
      <ereg regexp="^ *Digest .*nonce=.{NONCE}." search_in="hdr" header="Proxy-Authorization:"
            assign_to="authok"/>
    </action>
  </recv>
  <nop hide="true" test="authok" next="authed"/>
{_final(403, "Forbidden")}  <nop next="done"/>
  <label id="authed"/>
{_TRYING}{_RINGING}  <pause milliseconds="200"/>
{_final(code, "Busy Here" if code == 486 else "Final")}"""
    return _scenario(_RECV_INVITE + challenge, ("authok",))


def refreshing_answer(reoffer: str = _SDP) -> str:
    """200 OK with Session-Expires (refresher=uas); a second later, a re-INVITE of its own
    offering `reoffer` (by default the same media again: a pure session refresh)."""
    part = f"""{_RECV_INVITE}{_TRYING}{_RINGING}  <send><![CDATA[
SIP/2.0 200 OK
[last_Via:]
[last_From:]
[last_To:];tag=[pid]SIPpTag01[call_number]
[last_Call-ID:]
[last_CSeq:]
Contact: <sip:[local_ip]:[local_port];transport=[transport]>
Session-Expires: 90;refresher=uas
Require: timer
Supported: timer
Content-Type: application/sdp
Content-Length: [len]

{_SDP}]]></send>
  <recv request="ACK">
    <action>
      <ereg regexp=".*" search_in="hdr" header="From:" assign_to="caller"/>
      <ereg regexp=".*" search_in="hdr" header="To:" assign_to="callee"/>
    </action>
  </recv>
  <pause milliseconds="1000"/>
  <send retrans="500"><![CDATA[
INVITE [next_url] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: [$callee]
To: [$caller]
Call-ID: [call_id]
CSeq: 2 INVITE
Contact: <sip:[local_ip]:[local_port];transport=[transport]>
Max-Forwards: 70
Session-Expires: 90;refresher=uas
Supported: timer
Content-Type: application/sdp
Content-Length: [len]

{reoffer}]]></send>
  <recv response="100" optional="true"/>
  <recv response="200">
    <action>
      <ereg regexp="^ *90 *;.*refresher=uas" search_in="hdr" header="Session-Expires:"
            check_it="true" assign_to="se"/>
      <ereg regexp="m=audio [0-9]+ RTP/AVP" search_in="body" check_it="true" assign_to="mline"/>
    </action>
  </recv>
  <send><![CDATA[
ACK [next_url] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: [$callee]
To: [$caller]
Call-ID: [call_id]
CSeq: 2 ACK
Max-Forwards: 70
Content-Length: 0
]]></send>
{_BYE_OK}"""
    return _scenario(part, ("caller", "callee", "se", "mline"))


# The far end moves its media to [rtpsink] (-key rtpsink PORT) and wants PCMA only now,
# as a carrier does when it re-anchors a call on another media gateway.
PCMA_ELSEWHERE = """v=0
o=sipp 53655765 2353687638 IN IP[local_ip_type] [local_ip]
s=-
c=IN IP[media_ip_type] [media_ip]
t=0 0
m=audio [rtpsink] RTP/AVP 8 101
a=rtpmap:8 PCMA/8000
a=rtpmap:101 telephone-event/8000
a=fmtp:101 0-15
"""


def silent_then_busy(silent_ms: int = SILENT_MS) -> str:
    """Not even a 100 Trying for `silent_ms`; then 100, 180 and 486."""
    part = f"""{_RECV_INVITE}  <pause milliseconds="{silent_ms}"/>
{_TRYING}{_RINGING}{_final(486, "Busy Here")}"""
    return _scenario(part)


def busy_at_once() -> str:
    """A desk phone that rings and is busy: 100, 180, 486 with no pause."""
    return _scenario(_RECV_INVITE + _TRYING + _RINGING + _final(486, "Busy Here"))


# -- the trace ---------------------------------------------------------------------------

_HEADER = re.compile(r"^-{5,} .*$\n(UDP message (sent|received)[^\n]*)\n", re.MULTILINE)


@dataclass(frozen=True, slots=True)
class Message:
    sent: bool  # sent by sipp (so received by us)
    text: str

    @property
    def first_line(self) -> str:
        return self.text.split("\n", 1)[0].strip()

    @property
    def is_request(self) -> bool:
        return not self.text.startswith("SIP/2.0 ")

    def header(self, name: str) -> str | None:
        """The first value of header `name` (case-insensitive), or None."""
        head = self.text.split("\n\n", 1)[0]
        for line in head.split("\n")[1:]:
            key, sep, value = line.partition(":")
            if sep and key.strip().lower() == name.lower():
                return value.strip()
        return None

    @property
    def body(self) -> str:
        return self.text.split("\n\n", 1)[1] if "\n\n" in self.text else ""

    @property
    def method(self) -> str:
        """The request's method, or the method in a response's CSeq."""
        if self.is_request:
            return self.first_line.split(" ", 1)[0]
        return (self.header("CSeq") or " ").split()[-1]


def messages(trace: str) -> list[Message]:
    """sipp's `-trace_msg` log as messages, in order, line ends as \\n."""
    trace = trace.replace("\r\n", "\n")
    found: list[Message] = []
    marks = list(_HEADER.finditer(trace))
    for mark, after in zip(marks, [*marks[1:], None], strict=True):
        end = after.start() if after is not None else len(trace)
        text = trace[mark.end() : end].strip("\n") + "\n"
        found.append(Message(mark.group(2) == "sent", text))
    return found
