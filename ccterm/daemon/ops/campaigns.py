"""Campaigns: list, show, create, edit, start, pause, stop, copy, archive, restore, delete."""

from __future__ import annotations

from typing import Any

from ccterm.daemon.floor.dialing import SHOWN
from ccterm.daemon.messages import abandon_message, message_seconds
from ccterm.daemon.ops.base import Ops, arg_bool, arg_dict, arg_str, arg_time, check_groups, op
from ccterm.daemon.server import Session, campaign_audience
from ccterm.errors import Conflict, UsageError
from ccterm.model import Role
from ccterm.settings import CampaignSettings, outbound_mode
from ccterm.sip.media import AudioFileError
from ccterm.store import campaigns, reports


@op("campaign.list", Role.AGENT, "listing campaigns")
async def campaign_list(ops: Ops, session: Session, args: dict[str, Any]) -> dict[str, Any]:
    """The campaigns one may see; archived ones only when asked (`archived`: true)."""
    who = session.identity
    with_archived = arg_bool(args, "archived")
    items, hidden = [], 0
    for c in await campaigns.list_all(ops.store):
        if not c.visible_to(who.role, who.user, who.group):
            continue
        if c.archived_at is not None and not with_archived:
            hidden += 1
        else:
            items.append(c.to_wire())
    return {"campaigns": items, "archived_hidden": hidden}


@op("campaign.show", Role.AGENT, "showing a campaign")
async def campaign_show(ops: Ops, session: Session, args: dict[str, Any]) -> dict[str, Any]:
    """Settings, progress, and for dialling campaigns the pacing and abandon-rate windows."""
    campaign = await ops.visible_campaign(session.identity, arg_str(args, "name"))
    report = await reports.campaign_report(ops.store, campaign)
    out: dict[str, Any] = {"campaign": campaign.to_wire(), "progress": report["progress"]}
    if campaign.settings.mode in SHOWN:
        shown = ops.center.pacing(campaign)
        out["pacing"], out["abandons"] = shown["pacing"], shown["abandons"]
        out["warnings"] = _message_warnings(ops, campaign.settings)
    return out


def _message_warnings(ops: Ops, settings: CampaignSettings) -> list[str]:
    """What a campaign that can abandon calls lacks: the law expects a recorded message."""
    path = abandon_message(ops.config, settings)
    if path is None:
        return [
            "no abandon message: the law expects a recorded message for a person who answers"
            " when no agent is free (set one: ccterm campaign edit NAME --abandon-message FILE.wav)"
        ]
    try:
        message_seconds(path)
    except AudioFileError as exc:
        return [f"the abandon message cannot be played: {exc}"]
    return []


def _check_message(ops: Ops, settings: CampaignSettings, changes: dict[str, Any]) -> None:
    """An abandon message given now must be a WAV the daemon can play."""
    if not changes.get("abandon_message"):
        return
    path = abandon_message(ops.config, settings)
    assert path is not None
    try:
        message_seconds(path)
    except AudioFileError as exc:
        raise UsageError(
            f"abandon_message: cannot play {exc}",
            "a WAV file the daemon can read (PCM or G.711); a relative path is"
            f" relative to {ops.config.path.resolve().parent}",
        ) from None


@op("campaign.create", Role.SUPERVISOR, "creating a campaign")
async def campaign_create(ops: Ops, session: Session, args: dict[str, Any]) -> dict[str, Any]:
    who = session.identity
    name = campaign_name(arg_str(args, "name", limit=200))
    changes = _settings_changes(args)
    settings = check_groups(who, CampaignSettings().merged(changes))
    _check_message(ops, settings, changes)
    start_at = arg_time(args, "start_at") or ops.clock.now()
    end_at = arg_time(args, "end_at")
    if end_at is not None and end_at <= start_at:
        raise UsageError("the end must come after the start")
    campaign = await campaigns.create(
        ops.store, name=name, settings=settings, start_at=start_at, end_at=end_at, actor=who.user
    )
    ops.campaign_changed(campaign)
    return {"campaign": campaign.to_wire()}


def _settings_changes(args: dict[str, Any]) -> dict[str, Any]:
    """The settings a create or edit asks for; a mode must be one that exists today."""
    changes = arg_dict(args, "settings")
    if "mode" in changes:
        outbound_mode(changes["mode"])
    return changes


def campaign_name(name: str) -> str:
    name = name.strip()
    if not name:
        raise UsageError("a campaign needs a name")
    if any(ch in name for ch in "\n\r\t"):
        raise UsageError("a campaign name is one line of text")
    return name


@op("campaign.edit", Role.SUPERVISOR, "editing a campaign")
async def campaign_edit(ops: Ops, session: Session, args: dict[str, Any]) -> dict[str, Any]:
    who = session.identity
    current = await ops.managed_campaign(who, arg_str(args, "name"))
    changes = _settings_changes(args)
    if "groups" in changes:
        check_groups(who, current.settings.merged({"groups": changes["groups"]}))
    _check_message(ops, current.settings.merged(changes), changes)
    rename = args.get("rename")
    campaign = await campaigns.edit(
        ops.store,
        current.name,
        changes=changes,
        start_at=arg_time(args, "start_at"),
        end_at=arg_time(args, "end_at"),
        clear_end=bool(args.get("clear_end", False)),
        rename=campaign_name(arg_str(args, "rename", limit=200)) if rename is not None else None,
        actor=who.user,
    )
    ops.campaign_changed(campaign)
    return {"campaign": campaign.to_wire()}


async def _act(ops: Ops, session: Session, args: dict[str, Any], action: str) -> dict[str, Any]:
    current = await ops.managed_campaign(session.identity, arg_str(args, "name"))
    campaign = await campaigns.act(ops.store, current.name, action, actor=session.identity.user)
    ops.campaign_changed(campaign)
    return {"campaign": campaign.to_wire(), "was": str(current.status)}


@op("campaign.start", Role.SUPERVISOR, "starting a campaign")
async def campaign_start(ops: Ops, session: Session, args: dict[str, Any]) -> dict[str, Any]:
    return await _act(ops, session, args, "start")


@op("campaign.pause", Role.SUPERVISOR, "pausing a campaign")
async def campaign_pause(ops: Ops, session: Session, args: dict[str, Any]) -> dict[str, Any]:
    return await _act(ops, session, args, "pause")


@op("campaign.stop", Role.SUPERVISOR, "stopping a campaign")
async def campaign_stop(ops: Ops, session: Session, args: dict[str, Any]) -> dict[str, Any]:
    return await _act(ops, session, args, "stop")


@op("campaign.copy", Role.SUPERVISOR, "copying a campaign")
async def campaign_copy(ops: Ops, session: Session, args: dict[str, Any]) -> dict[str, Any]:
    source = await ops.managed_campaign(session.identity, arg_str(args, "name"))
    new_name = campaign_name(arg_str(args, "new_name", limit=200))
    campaign = await campaigns.copy(ops.store, source.name, new_name, actor=session.identity.user)
    ops.campaign_changed(campaign)
    return {"campaign": campaign.to_wire()}


@op("campaign.archive", Role.SUPERVISOR, "archiving a campaign")
async def campaign_archive(ops: Ops, session: Session, args: dict[str, Any]) -> dict[str, Any]:
    """Stop it and put it away: its history stays for reports; agents and the dialer no
    longer see it. Agents working it now hear it stopped (the audience of before)."""
    who = session.identity
    current = await ops.managed_campaign(who, arg_str(args, "name"))
    campaign, already = await campaigns.archive(ops.store, current.name, actor=who.user)
    if not already:
        ops.publish("campaign.changed", campaign.to_wire(), campaign_audience(current))
    return {"campaign": campaign.to_wire(), "already": already, "was": str(current.status)}


@op("campaign.restore", Role.SUPERVISOR, "restoring a campaign")
async def campaign_restore(ops: Ops, session: Session, args: dict[str, Any]) -> dict[str, Any]:
    who = session.identity
    current = await ops.managed_campaign(who, arg_str(args, "name"))
    campaign, restored = await campaigns.restore(ops.store, current.name, actor=who.user)
    if restored:
        ops.campaign_changed(campaign)
    return {"campaign": campaign.to_wire(), "already": not restored}


@op("campaign.delete", Role.SUPERVISOR, "deleting a campaign")
async def campaign_delete(ops: Ops, session: Session, args: dict[str, Any]) -> dict[str, Any]:
    """Only a campaign without history (calls, dispositions, notes) nobody is logged in to."""
    who = session.identity
    current = await ops.managed_campaign(who, arg_str(args, "name"))
    working = ops.center.working_on(current)
    if working:
        raise Conflict(
            f"{', '.join(working)} {'is' if len(working) == 1 else 'are'} logged in to"
            f" '{current.name}'",
            "they switch campaign (c) or log out first; or archive it now",
        )
    deleted = await campaigns.delete(ops.store, current.name, actor=who.user)
    ops.publish(
        "campaign.deleted", {"id": current.id, "name": current.name}, campaign_audience(current)
    )
    return {"campaign": current.name, "leads": deleted.leads, "contacts": deleted.contacts}
