"""Registration with the trunk: digest REGISTER, refreshed by what was granted — sans-io.

Refresh at 80 % of the granted expiry; on failure retry with backoff
(2, 4, 8 … 60 s) for ever, and say why. One REGISTER may take
`REGISTER_TIMEOUT` seconds: a registrar that stays silent is a failure to
report well before the transaction's own 32 s.
"""

from __future__ import annotations

import re

from ccterm.sip.events import Registered, RegistrationFailed, Unregistered
from ccterm.sip.host import Host, credentials
from ccterm.sip.message import Headers, Request, Response
from ccterm.sip.transaction import ClientTransaction, Timer

REGISTER_TIMEOUT = 8.0
MAX_BACKOFF = 60.0
_EXPIRES_PARAM = re.compile(r";\s*expires\s*=\s*(\d{1,9})", re.IGNORECASE)


class Registration:
    def __init__(self, ua: Host) -> None:
        self.ua = ua
        self.call_id = ua.token()
        self.tag = ua.token()
        self.cseq = 0
        self.failures = 0
        self.granted: int | None = None
        self.active = False  # between start() and stop()
        self.stopping = False
        self._tx: ClientTransaction | None = None
        self._deadline: Timer | None = None
        self._next: Timer | None = None
        self._tried: set[str] = set()
        self._expires = ua.config.expires

    @property
    def uri(self) -> str:
        return f"sip:{self.ua.domain}"

    def start(self, now: float) -> None:
        self.active, self.stopping = True, False
        self._send(now, self._expires)

    def stop(self, now: float) -> None:
        """Unregister (Expires: 0), once; the shell waits a little for the answer."""
        self.active = False
        self.stopping = True
        for timer in (self._next, self._deadline):
            if timer is not None:
                timer.cancel()
        self._tried.clear()
        self._send(now, 0)

    def _send(self, now: float, expires: int, auth: tuple[str, str] | None = None) -> None:
        ua = self.ua
        self.cseq += 1
        aor = f"<sip:{ua.config.username}@{ua.domain}>"
        headers = Headers()
        headers.add("Via", ua.via())
        headers.add("Max-Forwards", "70")
        headers.add("From", f"{aor};tag={self.tag}")
        headers.add("To", aor)
        headers.add("Call-ID", self.call_id)
        headers.add("CSeq", f"{self.cseq} REGISTER")
        headers.add("Contact", ua.contact)
        headers.add("Expires", str(expires))
        headers.add("Allow", "INVITE, ACK, CANCEL, BYE, OPTIONS, INFO, UPDATE, PRACK")
        if auth is not None:
            headers.add(*auth)
        headers.add("User-Agent", "ccterm")
        self._asked = expires
        self._tx = ua.start_client(
            Request("REGISTER", self.uri, headers), ua.config.trunk, self, now
        )
        if self._deadline is not None:
            self._deadline.cancel()
        if not self.stopping:
            self._deadline = ua.timers.at(now + REGISTER_TIMEOUT, self._silent)

    def on_response(self, tx: ClientTransaction, response: Response, now: float) -> None:
        if tx is not self._tx or response.status < 200:
            return
        code = response.status
        if code in (401, 407) and self._authenticate(response, now):
            return
        if self.stopping:
            self.stopping = False
            self.ua.emit(Unregistered())
            return
        if self._deadline is not None:
            self._deadline.cancel()
        if 200 <= code < 300:
            self._tried.clear()
            self.failures = 0
            self.granted = granted_expiry(response, self.ua.contact, self._asked)
            self.ua.emit(Registered(self.granted))
            self._next = self.ua.timers.at(now + max(1, int(self.granted * 0.8)), self._refresh)
        elif code == 423:  # interval too brief: ask for what it wants
            wanted = (response.headers.get("Min-Expires") or "").strip()
            if wanted.isdigit() and 0 < int(wanted) <= 86400 and int(wanted) != self._expires:
                self._expires = int(wanted)
                self._send(now, self._expires)
                return
            self._failed(now, "the registrar refused every expiry we asked")
        elif code in (401, 403, 407):
            self._failed(now, "the trunk refused our username or password")
        else:
            self._failed(now, f"the registrar answered {code} {response.reason}".strip())

    def _authenticate(self, response: Response, now: float) -> bool:
        auth = credentials(self.ua, response, method="REGISTER", uri=self.uri, tried=self._tried)
        if auth is None:
            return False
        self._send(now, self._asked, auth)
        return True

    def on_timeout(self, tx: ClientTransaction, now: float) -> None:
        if tx is self._tx and self.stopping:
            self.stopping = False
            self.ua.emit(Unregistered())

    def _silent(self, now: float) -> None:
        if self.active:
            self._tx = None  # whatever it says later is too late
            self._failed(now, "the registrar did not answer", timed_out=True)

    def _failed(self, now: float, reason: str, *, timed_out: bool = False) -> None:
        self._tried.clear()
        self.failures += 1
        self.granted = None
        delay = float(min(MAX_BACKOFF, 2 ** min(self.failures, 6)))
        self.ua.emit(RegistrationFailed(reason, delay, timed_out))
        if self.active:
            self._next = self.ua.timers.at(now + delay, self._refresh)

    def _refresh(self, now: float) -> None:
        if self.active:
            self._send(now, self._expires)


def granted_expiry(response: Response, contact: str, asked: int) -> int:
    """What the registrar granted: our Contact's expires, else the Expires header."""
    ours = contact.strip("<>").split(";")[0]
    for value in response.headers.values("Contact"):
        if ours in value or len(response.headers.values("Contact")) == 1:
            found = _EXPIRES_PARAM.search(value.rpartition(">")[2] or value)
            if found:
                return max(1, int(found.group(1)))
    header = (response.headers.get("Expires") or "").strip()
    if header.isdigit():
        return max(1, min(int(header), 2**31 - 1))
    return asked
