"""A call we place: INVITE, its answers, CANCEL, ACK, BYE, PRACK and digest retries — sans-io.

The rules a dialer lives by, from RFC 3261 and what carriers do:

- CANCEL only after a provisional answer (§9.1); asked earlier, it waits for
  the first 1xx, and if none comes the INVITE times out.
- A 2xx that crosses our CANCEL is acknowledged and at once ended with a BYE:
  nobody is left off-hook, and the call still counts as not answered.
- Forked 2xx answers from other branches are acknowledged and sent a BYE.
- A 401/407 is answered once with credentials (a new INVITE, CSeq + 1).
- A reliable provisional (Require: 100rel) gets its PRACK (RFC 3262).
- 422 (session interval too small) is retried once with the asked Min-SE.
"""

from __future__ import annotations

import contextlib

from ccterm.sip import sdp
from ccterm.sip.calls import Call
from ccterm.sip.dialog import ALLOW, SUPPORTED, Dialog, uac_dialog
from ccterm.sip.events import Answered, Ended, Progress
from ccterm.sip.host import Host, credentials
from ccterm.sip.message import Headers, Request, Response
from ccterm.sip.transaction import TIMEOUT, Addr, ClientTransaction, Timer


class OutboundCall(Call):
    def __init__(
        self,
        ua: Host,
        key: str,
        *,
        uri: str,
        dest: Addr,
        media: Addr,
        caller_id: str,
        now: float,
    ) -> None:
        super().__init__(ua, key, dest, media, now)
        self.call_id = ua.token()
        self.from_tag = ua.token()
        self.uri = uri
        self.caller_id = caller_id
        self.cseq = 1
        self.invite_tx: ClientTransaction | None = None
        self.provisional = False
        self.cancel_wanted = False
        self.cancel_sent = False
        self.auth_tried: set[str] = set()
        self.min_se = 0
        self._ack: bytes | None = None
        self._cancel_guard: Timer | None = None
        self._prack_seen: set[int] = set()
        self.early: sdp.Description | None = None  # an SDP answer in a provisional
        self._send_invite(now)

    # -- the INVITE ----------------------------------------------------------------------

    def _send_invite(self, now: float, auth: tuple[str, str] | None = None) -> None:
        ua = self.ua
        shown = f'"{self.caller_id}" ' if self.caller_id else ""
        headers = Headers()
        headers.add("Via", ua.via())
        headers.add("Max-Forwards", "70")
        headers.add("From", f"{shown}<sip:{ua.config.username or 'ccterm'}@{ua.domain}>")
        headers.set("From", f"{headers.get('From')};tag={self.from_tag}")
        headers.add("To", f"<{self.uri}>")
        headers.add("Call-ID", self.call_id)
        headers.add("CSeq", f"{self.cseq} INVITE")
        headers.add("Contact", ua.contact)
        if self.caller_id:
            headers.add("P-Asserted-Identity", f"<sip:{self.caller_id}@{ua.domain}>")
        headers.add("Allow", ALLOW)
        headers.add("Supported", SUPPORTED)
        if self.min_se:
            headers.add("Min-SE", str(self.min_se))
        if auth is not None:
            headers.add(*auth)
        headers.add("User-Agent", "ccterm")
        headers.add("Content-Type", "application/sdp")
        body = self.versioned(
            sdp.offer(*self.media, session_id=self.session_id, version=self.sdp_version)
        )
        self.invite = Request("INVITE", self.uri, headers, body)
        self.invite_tx = ua.start_client(self.invite, self.dest, self, now)

    # -- answers ---------------------------------------------------------------------------

    def on_response(self, tx: ClientTransaction, response: Response, now: float) -> None:
        if tx is not self.invite_tx:  # a PRACK, BYE or session refresh of ours
            super().on_response(tx, response, now)
            return
        code = response.status
        if code < 200:
            self._provisional(response, now)
        elif code < 300:
            self._success(response, now)
        else:
            self._failure(response, now)

    def _provisional(self, response: Response, now: float) -> None:
        if self.ended:
            return
        self.ua.emit(Progress(self.key, response.status))
        self.provisional = True
        if response.body and self.early is None:  # the answer may come in a 183 (RFC 3262)
            with contextlib.suppress(sdp.SdpError):
                self.early = sdp.parse(response.body)
        if self.cancel_wanted and not self.cancel_sent:
            self._send_cancel(now)
            return
        require = (response.headers.get("Require") or "").lower()
        rseq = response.headers.get("RSeq")
        if "100rel" in require and rseq and rseq.strip().isdigit() and response.to.tag:
            self._prack(response, int(rseq), now)

    def _prack(self, response: Response, rseq: int, now: float) -> None:
        if rseq in self._prack_seen:
            return  # a retransmitted reliable 1xx: its PRACK transaction is already running
        self._prack_seen.add(rseq)
        early = uac_dialog(self.invite, response)
        early.local_cseq = self.cseq
        self.cseq += 1
        prack = early.request("PRACK", self.ua.via(), self.ua.contact, self.cseq)
        prack.headers.add("RAck", f"{rseq} {self.invite.cseq.number} INVITE")
        self.ua.start_client(prack, self.dest, self, now)

    def _success(self, response: Response, now: float) -> None:
        tag = response.to.tag or ""
        if self.dialog is not None and tag == self.dialog.remote_tag:
            if self._ack is not None:
                self.ua.send(self._ack, self.dest)  # the 2xx again: our ACK was lost
            return
        if self.dialog is not None or self.ended:
            self._ack_and_bye(uac_dialog(self.invite, response), now)  # another fork, or late
            return
        self.dialog = uac_dialog(self.invite, response)
        self.ua.bind_dialog(self)
        ack = self.dialog.request("ACK", self.ua.via(), self.ua.contact, self.invite.cseq.number)
        self.dialog.local_cseq = max(self.dialog.local_cseq, self.cseq)
        self._ack = ack.to_bytes()
        self.ua.send(self._ack, self.dest)
        self.ua.emit(Progress(self.key, response.status))
        if self.cancel_wanted:  # it answered as we cancelled: hang up at once
            self.send_bye(now)
            self.finish(Ended(self.key, "cancelled", None, "answered as we cancelled: hung up"))
            return
        remote = self.early
        if response.body:
            try:
                remote = sdp.parse(response.body)
            except sdp.SdpError:
                remote = self.early
        self.remote = remote
        if self._cancel_guard is not None:
            self._cancel_guard.cancel()
        self.session_from_answer(response, now)
        self.ua.emit(Answered(self.key, remote))

    def _ack_and_bye(self, dialog: Dialog, now: float) -> None:
        ack = dialog.request("ACK", self.ua.via(), self.ua.contact, self.invite.cseq.number)
        self.ua.send(ack.to_bytes(), self.dest)
        bye = dialog.request("BYE", self.ua.via(), self.ua.contact)
        self.ua.start_client(bye, self.dest, None, now)

    def _failure(self, response: Response, now: float) -> None:
        code = response.status
        if self.ended:
            return
        self.ua.emit(Progress(self.key, code))
        if code in (401, 407) and not self.cancel_wanted and self._retry_with_auth(response, now):
            return
        if code == 422 and not self.min_se and not self.cancel_wanted:
            asked = (response.headers.get("Min-SE") or "").split(";")[0].strip()
            if asked.isdigit() and 0 < int(asked) <= 86400:
                self.min_se = int(asked)
                self.cseq += 1
                self._send_invite(now)
                return
        how = "cancelled" if self.cancel_wanted else "final"
        self.finish(Ended(self.key, how, code, f"SIP {code} {response.reason}".strip()))

    def _retry_with_auth(self, response: Response, now: float) -> bool:
        auth = credentials(self.ua, response, method="INVITE", uri=self.uri, tried=self.auth_tried)
        if auth is None:
            return False
        self.cseq += 1
        self._send_invite(now, auth)
        return True

    def on_timeout(self, tx: ClientTransaction, now: float) -> None:
        if tx is self.invite_tx and not self.ended:
            how = "cancelled" if self.cancel_wanted else "timeout"
            self.finish(Ended(self.key, how, None, "no answer from the far end"))
        else:
            super().on_timeout(tx, now)

    # -- ending ----------------------------------------------------------------------------

    def hangup(self, now: float, detail: str = "we hung up") -> None:
        if self.ended:
            return
        if self.dialog is not None:
            self.send_bye(now)
            self.finish(Ended(self.key, "local_bye", None, detail))
            return
        self.cancel_wanted = True
        if self.provisional and not self.cancel_sent:
            self._send_cancel(now)
        if self._cancel_guard is None:  # no 487 in 64*T1: it is over anyway
            self._cancel_guard = self.ua.timers.at(now + TIMEOUT, self._cancel_gave_up)

    def _send_cancel(self, now: float) -> None:
        self.cancel_sent = True
        headers = Headers()
        headers.add("Via", self.invite.headers.values("Via")[0])
        headers.add("Max-Forwards", "70")
        headers.add("From", self.invite.headers.get("From") or "")
        headers.add("To", self.invite.headers.get("To") or "")
        headers.add("Call-ID", self.call_id)
        headers.add("CSeq", f"{self.invite.cseq.number} CANCEL")
        headers.add("User-Agent", "ccterm")
        self.ua.start_client(Request("CANCEL", self.uri, headers), self.dest, None, now)

    def _cancel_gave_up(self, now: float) -> None:
        if not self.ended:
            self.finish(Ended(self.key, "cancelled", None, "cancelled; no final answer came"))

    def finish(self, event: Ended) -> None:
        if self._cancel_guard is not None:
            self._cancel_guard.cancel()
        super().finish(event)
