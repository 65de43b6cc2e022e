"""A campaign's status over its life: what a supervisor's action or the clock does to it (pure)."""

from __future__ import annotations

from ccterm.errors import Conflict, UsageError
from ccterm.model import CampaignStatus
from ccterm.typos import suggest


def transition(
    status: CampaignStatus, action: str, *, start_at: float, end_at: float | None, now: float
) -> CampaignStatus:
    """The status after a supervisor's start/pause/stop, or a Conflict saying why not."""
    if status is CampaignStatus.FINISHED:
        raise Conflict(
            "the campaign is finished and stays finished",
            "copy it to run it again: ccterm campaign copy NAME NEW_NAME",
        )
    if action == "start":
        if end_at is not None and end_at <= now:
            raise Conflict(
                "its end time has passed", "move it: ccterm campaign edit NAME --end ..."
            )
        return CampaignStatus.RUNNING
    if action == "pause":
        if status is CampaignStatus.STOPPED:
            raise Conflict("the campaign is stopped", "start it first")
        return CampaignStatus.PAUSED
    if action == "stop":
        return CampaignStatus.STOPPED
    raise UsageError(
        f"unknown campaign action '{action}'{suggest(action, ['start', 'pause', 'stop'])}"
    )


def scheduled_status(
    status: CampaignStatus, *, start_at: float, end_at: float | None, now: float
) -> CampaignStatus:
    """What the clock alone does: Scheduled -> Running at start, any -> Finished at end."""
    if status is not CampaignStatus.FINISHED and end_at is not None and end_at <= now:
        return CampaignStatus.FINISHED
    if status is CampaignStatus.SCHEDULED and start_at <= now:
        return CampaignStatus.RUNNING
    return status
