"""An inbound call's record, written as the floor decides (store/inbound.py): the row at
arrival, its path step by step, its queue, its agent, its end, and the callbacks that keep a
caller's place. Each write is committed before the runner goes on (the floor's Commits).

The floor hands over the whole path each time; what is new since the last write is
appended, so the row holds every menu, key and route even if the daemon dies mid-call.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import cast

from ccterm.daemon.floor.effects import (
    Commit,
    InboundAnswered,
    InboundArrived,
    InboundEnded,
    InboundQueued,
    QueueCallback,
)
from ccterm.store import inbound
from ccterm.store.db import Store

log = logging.getLogger(__name__)


@dataclass
class _Row:
    id: int
    written: int = 0  # path steps already in the row
    voicemail: str | None = None


class InboundRecord:
    def __init__(self, store: Store, expires: Callable[[str], float]) -> None:
        self.store = store
        self.expires = expires  # a queue's callbacks are dropped this long after booking
        self.rows: dict[str, _Row] = {}  # call id -> its row, while the call lasts
        self.e164: dict[str, str | None] = {}

    def handles(self, write: object) -> bool:
        return isinstance(
            write, InboundArrived | InboundQueued | InboundAnswered | InboundEnded | QueueCallback
        )

    def number(self, write: QueueCallback) -> str:
        """The number a callback dials: the caller's, as E.164 when it reads as one."""
        return self.e164.get(write.call_id) or write.caller

    async def commit(self, write: Commit) -> int | None:
        """The write; a callback's row id for QueueCallback."""
        if isinstance(write, InboundArrived):
            e164 = write.e164 or self.e164.get(write.call_id)
            row_id = await inbound.arrived(
                self.store,
                write.call_id,
                write.did,
                write.client,
                write.caller,
                e164,
                None,
                write.at,
            )
            self.rows[write.call_id] = _Row(row_id)
            return None
        row = self.rows.get(getattr(write, "call_id", ""))
        if row is None:
            log.error("no inbound record for %r", write)
            return None
        if isinstance(write, InboundQueued):
            new = list(write.path[row.written :])
            if new and new[-1] == f"queue:{write.queue}":
                new.pop()  # `entered` writes that step itself
            await inbound.path_add(self.store, row.id, *new)
            await inbound.entered(self.store, row.id, write.queue, write.entered_at)
            row.written = len(write.path)
        elif isinstance(write, InboundAnswered):
            await inbound.offered(self.store, row.id, write.at)
            await inbound.answered(self.store, row.id, write.agent, write.at)
        elif isinstance(write, InboundEnded):
            await inbound.path_add(self.store, row.id, *write.path[row.written :])
            outcome = cast(inbound.Outcome, write.outcome)
            hung_up_by = cast(inbound.HungUpBy, write.hung_up_by)
            await inbound.ended(self.store, row.id, write.at, hung_up_by, outcome, row.voicemail)
            del self.rows[write.call_id]
            self.e164.pop(write.call_id, None)
        elif isinstance(write, QueueCallback):
            return await inbound.callback_add(
                self.store,
                row.id,
                write.queue,
                self.number(write),
                write.entered_at,
                write.at,
                write.at + self.expires(write.queue),
                voicemail=row.voicemail if write.voicemail else None,
                language=write.language,
            )
        return None

    async def recording(self, call_id: str, path: str) -> None:
        """A bridged call's recording, written as it starts."""
        row = self.rows.get(call_id)
        if row is not None:
            await inbound.set_recording(self.store, row.id, path)

    def voicemail(self, call_id: str, path: str | None) -> None:
        """The caller's message is being recorded here (its callback task names it)."""
        row = self.rows.get(call_id)
        if row is not None:
            row.voicemail = path
