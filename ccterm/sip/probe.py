"""One test call through a trunk, timed: what `ccterm trunk test` reports.

Used by the daemon (through its running trunk) and by the CLI when no daemon
runs (through a trunk of its own); both feed it the trunk's events.
"""

from __future__ import annotations

import asyncio
import functools
from typing import Any

from ccterm.clock import later, monotonic
from ccterm.sip.trunk import CallAnswered, CallEnded, CallRinging, Trunk, TrunkEvent

TALK_SECONDS = 1.0  # how long an answered test call stays up before we hang up


async def probe_call(
    trunk: Trunk,
    events: asyncio.Queue[TrunkEvent],
    call_id: str,
    number: str,
    *,
    caller_id: str,
    ring_timeout: float,
) -> dict[str, Any]:
    """Place the call, follow it to its end, and say what happened and when."""
    began = monotonic()
    ring_s: float | None = None
    answered_s: float | None = None
    trunk.originate(call_id, number, caller_id=caller_id, ring_timeout=ring_timeout)
    async with asyncio.timeout(ring_timeout + 60):
        while True:
            event = await events.get()
            if getattr(event, "call_id", None) != call_id:
                continue
            now = round(monotonic() - began, 2)
            if isinstance(event, CallRinging) and ring_s is None:
                ring_s = now
            elif isinstance(event, CallAnswered):
                answered_s = now
                later(TALK_SECONDS, functools.partial(trunk.hangup, call_id))
            elif isinstance(event, CallEnded):
                return {
                    "number": number,
                    "outcome": str(event.outcome),
                    "code": event.code,
                    "ring_s": ring_s,
                    "answered_s": answered_s,
                    "responses": list(event.responses),
                    "cause": event.cause,
                }
