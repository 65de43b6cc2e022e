"""An inbound caller's way through the IVR, kept beside its Call by the floor."""

from __future__ import annotations

from dataclasses import dataclass, field

from ccterm.inbound_plan import InboundPlan, InboundRoute
from ccterm.ivr import menu as ivr


@dataclass
class Leg:
    """One inbound caller's way through the IVR (beside its Call)."""

    route: InboundRoute | None
    plan: InboundPlan | None = None  # the plan it arrived under: a reload never strands it
    language: str = "en"
    menu: ivr.MenuRun | None = None
    token: int = 0  # the prompt playing now; 0: none
    then: str = ""  # after that prompt: "menu", "hold", "hangup", "record"
    path: list[str] = field(default_factory=list)
    outcome: str = ""  # decided before the end (closed, callback, voicemail, ...)
    hung_up_by: str = "caller"
    offered_callback: bool = False
