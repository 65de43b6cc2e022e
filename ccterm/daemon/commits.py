"""The floor's store writes, executed: each effect is one committed write (or one
transaction), awaited by the runner before the effects after it."""

from __future__ import annotations

from typing import Any

from ccterm.daemon.floor.effects import (
    Commit,
    Dispose,
    FinishAttempt,
    MarkAbandoned,
    MarkAnswered,
    MarkConnected,
)
from ccterm.dialer.dispositions import LeadUpdate, effect
from ccterm.model import Campaign
from ccterm.store import dialing
from ccterm.store.db import Store


async def commit(store: Store, write: Commit, campaign: Campaign | None) -> dict[str, Any] | None:
    """Write one effect; a disposition returns the lead as it now is."""
    if isinstance(write, MarkAnswered):
        await dialing.mark_answered(store, write.attempt_id, write.at)
    elif isinstance(write, MarkConnected):
        await dialing.mark_connected(
            store, write.attempt_id, write.at, write.agent, answered_at=write.answered_at
        )
    elif isinstance(write, MarkAbandoned):
        await dialing.mark_abandoned(store, write.attempt_id, write.at)
    elif isinstance(write, FinishAttempt):
        await dialing.finish_attempt(
            store,
            write.attempt_id,
            outcome=str(write.outcome),
            code=write.code,
            answered_at=write.answered_at,
            ended_at=write.ended_at,
        )
    elif isinstance(write, Dispose):
        assert campaign is not None, "a disposition needs its campaign"
        return await dispose(store, write, campaign)
    return None


async def dispose(store: Store, write: Dispose, campaign: Campaign) -> dict[str, Any]:
    """The disposition under the campaign's settings of now (DispositionError if it cannot be)."""
    callback_at, callback_agent = write.callback_at, write.callback_agent
    if write.keep_callback:
        callback_at, callback_agent = await dialing.callback_of(store, write.lead_id)
    update: LeadUpdate = effect(
        write.code,
        attempts=write.attempts,
        settings=campaign.settings,
        now=write.at,
        callback_at=callback_at,
        agent=callback_agent,
    )
    return await dialing.dispose(
        store,
        lead_id=write.lead_id,
        campaign=campaign,
        code=write.code,
        update=update,
        actor=write.actor,
        attempt_id=write.attempt_id,
        note=write.note,
        tags=write.tags,
    )
