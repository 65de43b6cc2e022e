"""The desk's keys: dial, hang up, pause, the dispositions, funnel tags, do-not-call,
campaign, quit.

A base of the agent's screen (agent.py), kept apart so each file has one job:
this one turns keys into requests and asks first where a key would overwrite
something the agent did not mean to. Funnel tags are held here, for one call, until
its disposition carries them to the daemon (the only place they are stored).
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING, Any, ClassVar

from textual import work
from textual.binding import Binding, BindingType
from textual.screen import Screen

from ccterm.errors import CctermError
from ccterm.screens import leadview
from ccterm.screens.card import ContactCard
from ccterm.screens.dialogs import CallbackDialog, Confirm, DoNotCall, PickCampaign, TagPicker
from ccterm.screens.pop import ScreenPop

if TYPE_CHECKING:
    from ccterm.app import CctermApp
    from ccterm.clock import Clock
    from ccterm.screens.widgets import LeadList

DISPOSITION_KEYS: dict[str, tuple[str, str]] = {
    "1": ("done", "Done"),
    "2": ("callback", "New contact"),
    "3": ("no_answer", "No answer"),
    "4": ("voicemail", "Voicemail"),
    "5": ("busy", "Busy"),
    "6": ("wrong_number", "Wrong number"),
    "7": ("fax", "Fax"),
}
CALL_OUTCOMES = ("no_answer", "voicemail", "busy", "wrong_number", "fax")  # say a call happened


def label_of(code: str) -> str:
    for key_code, label in DISPOSITION_KEYS.values():
        if key_code == code:
            return label
    return code


def second_thoughts(item: leadview.LeadItem, code: str, now: float) -> str | None:
    """The question to ask before a key changes this contact, or None to go ahead: a
    finished contact would be reopened or overwritten; a call outcome on a contact never
    called would record a call that did not happen."""
    who = item.name or leadview.phone_text(item.e164)
    if leadview.is_finished(item):
        state = leadview.status_text(item, now)
        return f"{who} is finished here ({state}). Set '{label_of(code)}' anyway?"
    if code in CALL_OUTCOMES and item.attempts == 0:
        return f"{who} was never called. Mark '{label_of(code)}' anyway?"
    return None


class DeskKeys(Screen[None]):
    """The actions behind the desk's keys; the screen (agent.py) supplies the state."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("d", "dial", "Dial"),
        Binding("h", "hangup", "Hang up"),
        Binding("p", "toggle_pause", "Ready/Pause"),
        Binding("slash", "find", "Find"),
        Binding("escape", "clear_find", "Clear", show=False),
        Binding("c", "campaign", "Campaign"),
        Binding("x", "do_not_call", "Do not call"),
        Binding("t", "tags", "Tags"),
        Binding("r", "ring_phone", "Call my phone", show=False),
        Binding("question_mark", "help", "Keys"),
        Binding("q", "quit", "Quit"),
        *[
            Binding(key, f"dispose('{code}')", label, show=False)
            for key, (code, label) in DISPOSITION_KEYS.items()
        ],
    ]

    # (call id, lead id, tags): what `t` picked for that call, until its disposition is saved
    tagged: tuple[str, int, tuple[str, ...]] | None = None

    if TYPE_CHECKING:  # supplied by AgentScreen
        clock: Clock
        agent: dict[str, Any] | None
        campaign: str | None
        campaigns: list[dict[str, Any]]

        @property
        def leads(self) -> LeadList: ...

        @property
        def app_(self) -> CctermApp: ...

        def show_bar(self) -> None: ...

        def call_lead(self) -> int | None: ...

        def login(self, name: str) -> Any: ...

    async def _ask(self, op: str, args: dict[str, Any] | None = None) -> Any:
        try:
            return await self.app_.request(op, args)
        except CctermError as exc:
            text = exc.message + (f" — {exc.hint}" if exc.hint else "")
            self.notify(text, severity="error", timeout=6)
            return None

    @work(group="act")
    async def action_dial(self, lead_id: int | None = None) -> None:
        item = self.leads.items.get(lead_id) if lead_id is not None else self.leads.current
        if item is None:
            return
        if await self._ask("call.dial", {"lead_id": item.id}) is not None:
            self.notify(f"Dialling {item.name or item.e164}")

    @work(group="act")
    async def action_hangup(self) -> None:
        await self._ask("call.hangup")

    @work(group="act")
    async def action_toggle_pause(self) -> None:
        agent = self.agent or {}
        status = agent.get("status")
        in_call = status in ("dialing", "on_call", "wrapup")
        if status == "paused" or (in_call and agent.get("pause_after_call")):
            op, args = "agent.ready", {}
        else:
            op, args = "agent.pause", {"reason": ""}
        result = await self._ask(op, args)
        if result is None:
            return
        self.agent = result
        self.show_bar()
        if in_call:
            self.notify(
                "You will pause after this call"
                if op == "agent.pause"
                else "You stay ready after this call"
            )

    @work(exclusive=True, group="phone")
    async def action_ring_phone(self) -> None:
        """Have the daemon call my phone again (it hung up, or never answered)."""
        agent = await self._ask("agent.phone")
        if agent is not None:
            self.agent = agent
            self.show_bar()
            self.notify("Calling your phone: answer it to start")

    def target(self, lead_id: int | None = None) -> tuple[int, str, bool] | None:
        """(lead, who, is the call in wrap-up): the call in wrap-up, else the contact asked
        for (a card's), else the selected one."""
        agent = self.agent or {}
        call = agent.get("call")
        if call and call.get("lead_id") is None:
            call = None  # an inbound caller is no contact of the list: the keys act there
        if call and agent.get("status") == "wrapup":
            return int(call["lead_id"]), call["name"] or call["e164"], True
        if call and agent.get("status") == "on_call":
            self.notify("Hang up first (h), then choose the disposition", severity="warning")
            return None
        item = self.leads.items.get(lead_id) if lead_id is not None else self.leads.current
        if item is None:
            return None
        return item.id, item.name or item.e164, False

    def dispose_key(self, number: int, lead_id: int | None = None) -> None:
        code, _label_text = DISPOSITION_KEYS[str(number)]
        self.action_dispose(code, lead_id)

    def inbound_in_hand(self) -> dict[str, Any] | None:
        """The inbound call on the line or in wrap-up: the disposition keys act on it."""
        agent = self.agent or {}
        call = agent.get("call")
        if (
            call
            and call.get("direction") == "inbound"
            and agent.get("status")
            in (
                "on_call",
                "wrapup",
            )
        ):
            return dict(call)
        return None

    async def dispose_inbound(self, call: dict[str, Any], code: str) -> None:
        if (self.agent or {}).get("status") == "on_call":
            self.notify("Hang up first (h), then choose the disposition", severity="warning")
            return
        inbound = call.get("inbound") or {}
        who = f"{inbound.get('client') or 'inbound'} caller {leadview.phone_text(call['e164'])}"
        args: dict[str, Any] = {"call_id": call["id"], "code": code}
        if code == "callback":
            at = await self.app.push_screen_wait(CallbackDialog(self.clock, who))
            if at is None:
                return
            args["callback_at"] = at
        result = await self._ask("disposition.set", args)
        if result is None:
            return
        if result.get("lead"):
            self.leads.change(result["lead"])
        self.notify(f"{label_of(code)}: {who} — saved")
        if isinstance(self.app.screen, ScreenPop):
            self.app.screen.dismiss(None)  # handled; the next caller pops their own

    @work(group="dispose")
    async def action_dispose(self, code: str, lead_id: int | None = None) -> None:
        inbound = self.inbound_in_hand() if lead_id is None else None
        if inbound is not None:
            await self.dispose_inbound(inbound, code)
            return
        target = self.target(lead_id)
        if target is None:
            return
        lead_id, who, wrapping_up = target
        item = self.leads.items.get(lead_id)
        if not wrapping_up and item is not None:
            question = second_thoughts(item, code, self.clock.now())
            if question and not await self.app.push_screen_wait(Confirm(question)):
                return
        args: dict[str, Any] = {"lead_id": lead_id, "code": code}
        tags = self.tags_of(lead_id)
        if tags:
            args["tags"] = list(tags)
        if code == "callback":
            at = await self.app.push_screen_wait(CallbackDialog(self.clock, who))
            if at is None:
                return
            args["callback_at"] = at
        result = await self._ask("disposition.set", args)
        if result is None:
            return
        self.leads.change(result["lead"])
        if tags and self.tagged is not None and self.tagged[1] == lead_id:
            self.tagged = None  # saved with this call: the next starts with none
            self.show_bar()
        self.notify(
            f"{label_of(code)}: {who} — saved" + (f", tags {', '.join(tags)}" if tags else "")
        )
        screen = self.app.screen
        if isinstance(screen, ContactCard) and screen.lead_id == lead_id:
            screen.dismiss(None)  # this contact is handled; the next call pops its own card

    def campaign_tags(self) -> list[str]:
        """The funnel tags of the campaign the agent works, as the daemon last said."""
        working = ((self.agent or {}).get("campaign") or {}).get("id")
        for campaign in self.campaigns:
            if campaign["id"] == working:
                return list(campaign["settings"].get("tags") or [])
        return []

    def tags_of(self, lead_id: int | None = None) -> tuple[str, ...]:
        """The tags picked for the call in hand, or for `lead_id`'s last call: still theirs
        after the call (wrap-up ran out, 1-7 on the contact later), not a newer call's."""
        if self.tagged is None:
            return ()
        call_id, tagged_lead, tags = self.tagged
        call = (self.agent or {}).get("call") or {}
        if lead_id is None:
            return tags if call.get("id") == call_id else ()
        newer = call.get("lead_id") == lead_id and call.get("id") != call_id
        return tags if lead_id == tagged_lead and not newer else ()

    @work(group="tags")
    async def action_tags(self) -> None:
        """Tick the campaign's funnel tags for the call in hand; its disposition sends them."""
        agent = self.agent or {}
        call = agent.get("call")
        if self.inbound_in_hand() is not None:
            self.notify(
                "An inbound call has no funnel tags: they are a campaign's", severity="warning"
            )
            return
        if (
            not call
            or call.get("lead_id") is None
            or agent.get("status") not in ("on_call", "wrapup")
        ):
            self.notify(
                "Tags are for the call in hand: t works on a call or in wrap-up", severity="warning"
            )
            return
        tags = self.campaign_tags()
        if not tags:
            name = (agent.get("campaign") or {}).get("name", "")
            self.notify(
                f"Campaign '{name}' has no funnel tags; your supervisor can add them",
                severity="warning",
            )
            return
        who = call["name"] or leadview.phone_text(call["e164"])
        picked = await self.app.push_screen_wait(TagPicker(tags, self.tags_of(), who))
        if picked is None:
            return
        self.tagged = (call["id"], int(call["lead_id"]), tuple(picked))
        self.show_bar()
        shown = ", ".join(picked) if picked else "none"
        self.notify(f"Tags for {who}: {shown} (saved with the disposition)")

    def action_campaign(self) -> None:
        self.pick_campaign()

    @work(group="pick")
    async def pick_campaign(self) -> None:
        if not self.campaigns:
            self.notify("No campaign is open to you yet; ask your supervisor.", severity="warning")
            return
        name = await self.app.push_screen_wait(PickCampaign(self.campaigns, self.campaign))
        if name and name != self.campaign:
            self.campaign = None
            self.leads.load([])
            self.login(name)

    @work(group="dnc")
    async def action_do_not_call(self, lead_id: int | None = None) -> None:
        inbound = self.inbound_in_hand() if lead_id is None else None
        if inbound is not None:  # the caller in hand, not the list's selection
            if not (inbound.get("inbound") or {}).get("e164"):
                self.notify("The caller's number is withheld: nothing to block", severity="warning")
                return
            number = leadview.phone_text(inbound["e164"])
            client = (inbound.get("inbound") or {}).get("client") or "inbound"
            reason = await self.app.push_screen_wait(DoNotCall(f"{client} caller", number))
            if reason is not None and await self._ask(
                "dnc.add", {"numbers": [inbound["e164"]], "reason": reason}
            ):
                self.notify(f"{number} will not be called again")
            return
        target = self.target(lead_id)
        if target is None:
            return
        lead_id, who, _ = target
        item = self.leads.items.get(lead_id)
        if item is None:
            return
        number = leadview.phone_text(item.e164)
        reason = await self.app.push_screen_wait(DoNotCall(who, number))
        if reason is None:
            return
        if await self._ask("dnc.add", {"numbers": [item.e164], "reason": reason}) is not None:
            self.notify(f"{number} will not be called again")

    @work(group="quit")
    async def action_quit(self) -> None:
        busy = (self.agent or {}).get("status") in ("on_call", "wrapup", "dialing")
        if busy and not await self.app.push_screen_wait(
            Confirm("You have a call in hand. Quit anyway?")
        ):
            return
        if not busy and self.app_.connected:
            # Leaving on purpose: off the dialer now, not after the grace for lost terminals.
            with contextlib.suppress(CctermError):
                await self.app_.request("agent.logout")
        self.app.exit(0)
