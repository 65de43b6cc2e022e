"""What every call does inside its dialog, whoever placed it: sans-io.

Both kinds of call (outcall.py: we dialled; incall.py: the trunk offered it)
answer the same in-dialog requests the same way: BYE ends the call; a
re-INVITE or UPDATE (hold, unhold, a moved media address, a session refresh)
gets our SDP answer and keeps the session timer alive; INFO carries digits;
OPTIONS and PRACK get 200. Session timers (RFC 4028): whoever refreshes, a
session nobody refreshed in time is ended with a BYE.
"""

from __future__ import annotations

import contextlib
import re

from ccterm.sip import sdp
from ccterm.sip.dialog import ALLOW, SUPPORTED, Dialog, reply
from ccterm.sip.events import Digit, Ended, MediaChanged
from ccterm.sip.host import Host
from ccterm.sip.message import Request, Response
from ccterm.sip.transaction import (
    TIMEOUT,
    Addr,
    ClientTransaction,
    ServerTransaction,
    Timer,
)

MIN_SE = 90  # RFC 4028's smallest session interval
_INFO_DIGIT = re.compile(rb"(?im)^\s*signal\s*=\s*([0-9A-D*#])|^\s*([0-9A-D*#])\s*$")
_SESSION_EXPIRES = re.compile(r"^\s*(\d{1,9})\s*(?:;(.*))?$")


class Call:
    """One call's dialog-level life: what both directions share."""

    def __init__(self, ua: Host, key: str, dest: Addr, media: Addr, now: float) -> None:
        self.ua, self.key, self.dest, self.media = ua, key, dest, media
        self.dialog: Dialog | None = None
        self.ended = False
        self.remote: sdp.Description | None = None
        self.session_id = int(ua.token()[:8], 16)
        self.sdp_version = 1
        self.refresher_is_us = False
        self.session_interval = 0
        self._session_timer: Timer | None = None
        self._reinvite: ServerTransaction | None = None  # its 2xx waits for an ACK
        self._refresh: ClientTransaction | None = None
        self._sent_sdp: bytes | None = None  # our last SDP without its o= line
        self.began = now

    # -- in-dialog requests ------------------------------------------------------------

    def on_request(self, request: Request, stx: ServerTransaction, now: float) -> None:
        method = request.method
        if self.dialog is not None:
            cseq = request.cseq.number
            if self.dialog.remote_cseq is not None and cseq < self.dialog.remote_cseq:
                stx.respond(reply(request, 500, "Server Internal Error"), now)  # out of order
                return
            self.dialog.remote_cseq = cseq
        if method == "BYE":
            stx.respond(reply(request, 200, "OK"), now)
            self.finish(Ended(self.key, "remote_bye", None, "the other side hung up"))
        elif method in ("INVITE", "UPDATE"):
            self._refreshed(request, stx, now)
        elif method == "INFO":
            digit = _info_digit(request)
            stx.respond(reply(request, 200, "OK"), now)
            if digit is not None:
                self.ua.emit(Digit(self.key, digit))
        elif method in ("OPTIONS", "PRACK", "NOTIFY"):
            stx.respond(reply(request, 200, "OK"), now)
        else:
            stx.respond(reply(request, 405, "Method Not Allowed", extra=[("Allow", ALLOW)]), now)

    def on_ack(self, request: Request, now: float) -> None:
        """The ACK of our 2xx to a re-INVITE (an offer-less re-INVITE's answer rides on it)."""
        if self._reinvite is not None:
            self._reinvite.acked(now)
            self._reinvite = None
        if request.body:
            self._take_remote(request.body)

    def _refreshed(self, request: Request, stx: ServerTransaction, now: float) -> None:
        """A re-INVITE or UPDATE: answer with our SDP; follow the far end's media."""
        if self.ended:
            stx.respond(reply(request, 481, "Call/Transaction Does Not Exist"), now)
            return
        if request.method == "INVITE" and self._reinvite is not None:
            stx.respond(reply(request, 491, "Request Pending"), now)
            return
        body = b""
        if request.body:
            try:
                remote = sdp.parse(request.body)
                body, _ = sdp.answer(
                    remote, *self.media, session_id=self.session_id, version=self.sdp_version
                )
                body = self.versioned(body)
            except sdp.SdpError:
                stx.respond(reply(request, 488, "Not Acceptable Here"), now)
                return
            self._apply_remote(remote)
        elif request.method == "INVITE":  # an offer-less re-INVITE: we offer, the ACK answers
            body = self.versioned(
                sdp.offer(*self.media, session_id=self.session_id, version=self.sdp_version)
            )
        extra = [("Contact", self.ua.contact), ("Allow", ALLOW), ("Supported", SUPPORTED)]
        extra += self._session_headers(request, now)
        if body:
            extra.append(("Content-Type", "application/sdp"))
        stx.respond(reply(request, 200, "OK", extra=extra, body=body), now)
        if request.method == "INVITE":
            self._reinvite = stx
            stx.on_ack = lambda _n: None
            stx.on_no_ack = lambda n: self._no_ack(n)

    def versioned(self, body: bytes) -> bytes:
        """Our SDP with its o= version: the same as last time only if nothing else changed
        (RFC 3264 §8: a peer may ignore an SDP whose version did not move)."""
        lines = body.split(b"\r\n")
        rest = b"\r\n".join(line for line in lines if not line.startswith(b"o="))
        if self._sent_sdp is not None and rest != self._sent_sdp:
            self.sdp_version += 1
        self._sent_sdp = rest
        marker = f" {self.session_id} ".encode()
        out = []
        for line in lines:
            if line.startswith(b"o=") and marker in line:
                head, _, tail = line.partition(marker)
                line = head + marker + str(self.sdp_version).encode() + tail[tail.find(b" ") :]
            out.append(line)
        return b"\r\n".join(out)

    def _take_remote(self, body: bytes) -> None:
        with contextlib.suppress(sdp.SdpError):
            self._apply_remote(sdp.parse(body))

    def _apply_remote(self, remote: sdp.Description) -> None:
        before = self.remote
        self.remote = remote
        if before is not None and _media_of(remote) != _media_of(before):
            self.ua.emit(MediaChanged(self.key, remote))

    def _no_ack(self, now: float) -> None:
        self._reinvite = None
        self.hangup(now)

    # -- session timers (RFC 4028) ------------------------------------------------------

    def _session_headers(self, request: Request, now: float) -> list[tuple[str, str]]:
        """Echo the asked session interval; the asker refreshes; restart our watch."""
        asked = _session_expires(request.headers.get("Session-Expires"))
        if asked is None:
            if self.session_interval:
                self._watch(now)
            return []
        interval, refresher = asked
        self.session_interval = max(interval, MIN_SE)
        # the far end sent this request (its UAC): refresher=uas makes us the refresher
        self.refresher_is_us = refresher == "uas"
        side = refresher or "uac"
        self._watch(now)
        out = [("Session-Expires", f"{self.session_interval};refresher={side}")]
        if "timer" in (request.headers.get("Supported") or "").replace(" ", "").split(","):
            out.append(("Require", "timer"))
        return out

    def session_from_answer(self, response: Response, now: float) -> None:
        """Our INVITE's 2xx may set a session timer; refresher=uac means we keep it alive."""
        asked = _session_expires(response.headers.get("Session-Expires"))
        if asked is None:
            return
        self.session_interval = max(asked[0], MIN_SE)
        self.refresher_is_us = asked[1] in ("uac", "")
        self._watch(now)

    def _watch(self, now: float) -> None:
        if self._session_timer is not None:
            self._session_timer.cancel()
        if not self.session_interval or self.ended:
            return
        if self.refresher_is_us:
            self._session_timer = self.ua.timers.at(
                now + self.session_interval / 2, self._send_refresh
            )
        else:
            grace = min(32, self.session_interval / 3)
            self._session_timer = self.ua.timers.at(
                now + self.session_interval - grace, self._session_expired
            )

    def _send_refresh(self, now: float) -> None:
        if self.ended or self.dialog is None:
            return
        request = self.dialog.request("INVITE", self.ua.via(), self.ua.contact)
        body = self.versioned(
            sdp.offer(*self.media, session_id=self.session_id, version=self.sdp_version)
        )
        request.headers.add("Session-Expires", f"{self.session_interval};refresher=uac")
        request.headers.add("Supported", SUPPORTED)
        request.headers.add("Content-Type", "application/sdp")
        request.body = body
        self._refresh = self.ua.start_client(request, self.dest, self, now)
        self._watch(now)

    def _session_expired(self, now: float) -> None:
        if not self.ended:
            self.hangup(now, detail="the session timer ran out: nobody refreshed it")

    def refresh_answered(self, tx: ClientTransaction, response: Response, now: float) -> None:
        """Our session refresh's answer: ACK a 2xx; a 481 or 408 means the call is gone."""
        if self.dialog is None:
            return
        if 200 <= response.status < 300:
            ack = self.dialog.request("ACK", self.ua.via(), self.ua.contact, tx.request.cseq.number)
            self.ua.send(ack.to_bytes(), self.dest)
        elif response.status in (408, 481):
            self.finish(Ended(self.key, "remote_bye", response.status, "the call was lost"))

    # -- ending ------------------------------------------------------------------------

    def hangup(self, now: float, detail: str = "we hung up") -> None:
        raise NotImplementedError

    def send_bye(self, now: float) -> None:
        if self.dialog is not None:
            bye = self.dialog.request("BYE", self.ua.via(), self.ua.contact)
            self.ua.start_client(bye, self.dest, self, now)

    def finish(self, event: Ended) -> None:
        """Tell the shell once, and stop every timer of the call."""
        if self.ended:
            return
        self.ended = True
        if self._session_timer is not None:
            self._session_timer.cancel()
        self.ua.emit(event)
        self.ua.ended(self)

    # ClientUser: answers to our in-dialog requests (BYE, refresh, PRACK)
    def on_response(self, tx: ClientTransaction, response: Response, now: float) -> None:
        if tx is self._refresh and response.status >= 200:
            self.refresh_answered(tx, response, now)

    def on_timeout(self, tx: ClientTransaction, now: float) -> None:
        if tx is self._refresh:
            self.finish(Ended(self.key, "timeout", 408, "the session refresh was not answered"))


def _media_of(remote: sdp.Description) -> tuple[object, ...]:
    """What the media loop must follow: address, port, hold, codec and digit payload."""
    try:
        choice: object = sdp.choose(remote)
    except sdp.SdpError:
        choice = None
    return (remote.address, remote.port, remote.on_hold, choice)


def _info_digit(request: Request) -> str | None:
    """A digit from SIP INFO: application/dtmf-relay ("Signal=5") or application/dtmf ("5")."""
    kind = (request.headers.get("Content-Type") or "").split(";")[0].strip().lower()
    if kind not in ("application/dtmf-relay", "application/dtmf"):
        return None
    found = _INFO_DIGIT.search(request.body[:512])
    if found is None:
        return None
    return (found.group(1) or found.group(2) or b"").decode("ascii").upper() or None


def _session_expires(value: str | None) -> tuple[int, str] | None:
    if not value:
        return None
    found = _SESSION_EXPIRES.match(value)
    if found is None:
        return None
    refresher = ""
    for param in (found.group(2) or "").split(";"):
        name, _, val = param.partition("=")
        if name.strip().lower() == "refresher":
            refresher = val.strip().lower()
    return int(found.group(1)), refresher


__all__ = ["TIMEOUT", "Call"]
