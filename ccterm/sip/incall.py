"""A call the trunk offers us: 100 and 180 at once, then our answer or refusal — sans-io.

Our 200 OK is resent (timer G) until the caller's ACK; with no ACK in 64*T1 the
call is ended with a BYE (§13.3.1.4). A CANCEL from the caller gets 200, and
the INVITE 487.
"""

from __future__ import annotations

from ccterm.sip import sdp
from ccterm.sip.calls import Call
from ccterm.sip.dialog import ALLOW, SUPPORTED, reply, uas_dialog
from ccterm.sip.events import Answered, Ended, Offered
from ccterm.sip.host import Host
from ccterm.sip.message import Request
from ccterm.sip.transaction import Addr, ServerTransaction

REASONS = {
    404: "Not Found",
    480: "Temporarily Unavailable",
    486: "Busy Here",
    488: "Not Acceptable Here",
    500: "Server Internal Error",
    503: "Service Unavailable",
    603: "Decline",
}


class InboundCall(Call):
    def __init__(
        self,
        ua: Host,
        key: str,
        invite: Request,
        stx: ServerTransaction,
        source: Addr,
        now: float,
    ) -> None:
        super().__init__(ua, key, source, ("0.0.0.0", 0), now)
        self.invite, self.stx = invite, stx
        self.call_id = invite.call_id
        self.local_tag = ua.token()
        self.answered = False
        self.late_offer = False  # our 200 carried the offer: the caller answers in the ACK
        try:
            self.offer: sdp.Description | None = sdp.parse(invite.body) if invite.body else None
        except sdp.SdpError:
            self.offer = None
        stx.respond(reply(invite, 100, "Trying"), now)
        stx.respond(reply(invite, 180, "Ringing", to_tag=self.local_tag), now)
        did = invite.uri.partition(":")[2].partition("@")[0].partition(";")[0]
        caller = invite.from_.uri.user or ""
        ua.emit(Offered(key, did=did, caller=caller.partition(";")[0], remote=self.offer))

    def answer(self, media: Addr, now: float) -> bool:
        """Pick up with our SDP answer; False if the offer is unusable (we answer 488)."""
        if self.ended or self.answered:
            return False
        self.media = media
        if self.offer is None:
            body = sdp.offer(*media, session_id=self.session_id, version=self.sdp_version)
            self.late_offer = True
        else:
            try:
                body, _ = sdp.answer(
                    self.offer, *media, session_id=self.session_id, version=self.sdp_version
                )
            except sdp.SdpError:
                self.reject(488, now)
                return False
        body = self.versioned(body)
        self.answered = True
        self.remote = self.offer
        self.dialog = uas_dialog(self.invite, self.local_tag)
        self.ua.bind_dialog(self)
        extra = [
            ("Contact", self.ua.contact),
            ("Allow", ALLOW),
            ("Supported", SUPPORTED),
            ("Content-Type", "application/sdp"),
        ]
        extra += self._session_headers(self.invite, now)
        ok = reply(self.invite, 200, "OK", to_tag=self.local_tag, extra=extra, body=body)
        self.stx.on_no_ack = self._never_acked
        self.stx.respond(ok, now)
        if not self.late_offer:
            self.ua.emit(Answered(self.key, self.offer))
        return True

    def _never_acked(self, now: float) -> None:
        if not self.ended:
            self.send_bye(now)
            self.finish(Ended(self.key, "timeout", None, "the caller never acknowledged"))

    def on_ack(self, request: Request, now: float) -> None:
        if self.stx.state.value == "accepted":
            self.stx.acked(now)
            if self.late_offer:
                self._late_answer(request, now)
            return
        super().on_ack(request, now)

    def _late_answer(self, ack: Request, now: float) -> None:
        """The caller's SDP answer to our offer, in its ACK (RFC 3264 §5, a delayed offer):
        the call is up, with media to send to, only now. No usable answer: no media ever,
        so we hang up rather than leave the caller in silence."""
        self.late_offer = False
        try:
            remote = sdp.parse(ack.body) if ack.body else None
        except sdp.SdpError:
            remote = None
        if remote is None:
            self.send_bye(now)
            self.finish(Ended(self.key, "error", None, "the caller's ACK had no SDP answer"))
            return
        self.remote = remote
        self.ua.emit(Answered(self.key, remote))

    def reject(self, code: int, now: float) -> None:
        if self.ended or self.answered:
            return
        refusal = reply(self.invite, code, REASONS.get(code, "Refused"), to_tag=self.local_tag)
        self.stx.respond(refusal, now)
        self.finish(Ended(self.key, "rejected", code, f"refused with {code}"))

    def cancelled(self, now: float) -> None:
        """The caller gave up before we answered."""
        if self.answered or self.ended:
            return
        terminated = reply(self.invite, 487, "Request Terminated", to_tag=self.local_tag)
        self.stx.respond(terminated, now)
        self.finish(Ended(self.key, "remote_cancel", 487, "the caller hung up"))

    def hangup(self, now: float, detail: str = "we hung up") -> None:
        if self.ended:
            return
        if not self.answered:
            self.reject(486, now)
            return
        self.send_bye(now)
        self.finish(Ended(self.key, "local_bye", None, detail))
