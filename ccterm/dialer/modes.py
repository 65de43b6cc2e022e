"""Power dialing: how many lines to dial now, and for whom; pure inputs in, Dial commands out.

Manual (preview) campaigns dial only when an agent asks. Power campaigns give
each free agent K lines reserved to them (K = the campaign's ratio, 1 by
default), longest-idle agent first, within the trunk's line limit. Predictive
and precise campaigns are paced per campaign instead (pacing.py), their lines
reserved to nobody.
"""

from __future__ import annotations

from dataclasses import dataclass

from ccterm.model import AgentStatus
from ccterm.settings import DialMode


@dataclass(frozen=True, slots=True)
class CampaignView:
    id: int
    mode: DialMode
    ratio: float
    running: bool


@dataclass(frozen=True, slots=True)
class AgentView:
    name: str
    campaign_id: int | None
    status: AgentStatus
    lines: int  # calls ringing for this agent now
    idle_since: float


@dataclass(frozen=True, slots=True)
class Dial:
    """Dial the campaign's next lead for this agent."""

    campaign_id: int
    agent: str


def lines_per_agent(ratio: float) -> int:
    return max(1, round(ratio))


def decide(
    campaigns: list[CampaignView],
    agents: list[AgentView],
    *,
    lines_in_use: int,
    max_lines: int,
    trunk_up: bool,
) -> list[Dial]:
    if not trunk_up:
        return []
    by_id = {c.id: c for c in campaigns}
    free = max_lines - lines_in_use
    commands: list[Dial] = []
    for agent in sorted(agents, key=lambda a: a.idle_since):
        if free <= 0:
            break
        campaign = by_id.get(agent.campaign_id) if agent.campaign_id is not None else None
        if campaign is None or not campaign.running or campaign.mode is not DialMode.POWER:
            continue
        if agent.status not in (AgentStatus.READY, AgentStatus.DIALING):
            continue
        want = lines_per_agent(campaign.ratio) - agent.lines
        for _ in range(min(want, free)):
            commands.append(Dial(campaign.id, agent.name))
            free -= 1
    return commands
