"""`ccterm agent`: the agent's desk — the list, the call in hand, one key per disposition.

Handlers own the state: the agent's snapshot comes from the daemon (hello,
agent.changed), the list from leads.list pages plus lead.changed events.
Requests run in workers; a disposition is confirmed on screen only after the
daemon has committed it and replied.
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import Input, Static

from ccterm.app import Banner, CctermApp, Connected, DaemonEvent, Disconnected, Refused
from ccterm.clock import Clock
from ccterm.errors import CctermError
from ccterm.screens.dialogs import (
    CallbackDialog,
    Confirm,
    ContactCard,
    HelpScreen,
    MessagePopup,
    PickCampaign,
)
from ccterm.screens.leadview import LeadItem, phone_text
from ccterm.screens.widgets import KEYS_TEXT, LeadList, ListHeader, agent_line

DISPOSITION_KEYS: dict[str, tuple[str, str]] = {
    "1": ("done", "Done"),
    "2": ("callback", "New contact"),
    "3": ("no_answer", "No answer"),
    "4": ("voicemail", "Voicemail"),
    "5": ("busy", "Busy"),
    "6": ("wrong_number", "Wrong number"),
    "7": ("fax", "Fax"),
}
PAGE = 5000


class AgentScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("d", "dial", "Dial"),
        Binding("h", "hangup", "Hang up"),
        Binding("p", "toggle_pause", "Ready/Pause"),
        Binding("slash", "find", "Find"),
        Binding("escape", "clear_find", "Clear", show=False),
        Binding("c", "campaign", "Campaign"),
        Binding("x", "do_not_call", "Do not call", show=False),
        Binding("r", "ring_phone", "Call my phone", show=False),
        Binding("question_mark", "help", "Keys"),
        Binding("q", "quit", "Quit"),
        *[
            Binding(key, f"dispose('{code}')", label, show=False)
            for key, (code, label) in DISPOSITION_KEYS.items()
        ],
    ]

    DEFAULT_CSS = """
    AgentScreen #bar { height: 2; background: $panel; }
    AgentScreen #find { dock: bottom; display: none; height: 3; }
    AgentScreen #find.shown { display: block; }
    AgentScreen #keys { dock: bottom; height: 2; background: $panel; }
    AgentScreen #empty { height: 1; color: $text-muted; }
    """

    def __init__(self, clock: Clock, preferred: str | None) -> None:
        super().__init__()
        self.clock = clock
        self.preferred = preferred
        self.agent: dict[str, Any] | None = None
        self.user = ""
        self.campaign: str | None = None
        self.campaigns: list[dict[str, Any]] = []
        self.dirty = False
        self.popped_call: str | None = None

    def compose(self) -> ComposeResult:
        yield Banner(id="banner")
        yield Static(id="bar")
        yield ListHeader(id="header")
        yield Static("", id="empty")
        yield LeadList(self.clock, id="leads")
        yield Input(placeholder="find a name or number; Enter keeps it, Esc clears", id="find")
        yield Static(KEYS_TEXT, id="keys", markup=True)

    @property
    def leads(self) -> LeadList:
        return self.query_one(LeadList)

    @property
    def app_(self) -> CctermApp:
        app = self.app
        assert isinstance(app, CctermApp)
        return app

    def on_mount(self) -> None:
        self.leads.focus()
        self.set_interval(0.5, self.tick)
        self.show_bar()

    def tick(self) -> None:
        """Twice a second: callbacks falling due, coalesced re-sorts, the call's clock."""
        moved = self.leads.tick()
        if self.dirty and not moved:
            self.leads.reorder()
        self.dirty = False
        self.show_bar()

    def show_bar(self) -> None:
        self.query_one("#bar", Static).update(agent_line(self.agent, self.user, self.clock.now()))
        empty = self.query_one("#empty", Static)
        if self.campaign and not self.leads.items:
            empty.update(" No contacts in this campaign yet.")
        elif not self.campaign:
            empty.update(" Not logged in to a campaign (c to choose).")
        else:
            empty.update(
                f" {len(self.leads.view):,} of {len(self.leads.items):,} contacts"
                + (f" matching '{self.leads.needle}'" if self.leads.needle else "")
            )

    # -- the connection --------------------------------------------------------------------

    def banner(self, text: str | None) -> None:
        banner = self.query_one(Banner)
        if text:
            banner.update(text)
            banner.add_class("shown")
        else:
            banner.remove_class("shown")

    async def connected(self, message: Connected) -> None:
        hello = message.hello
        self.user = hello["user"]
        self.leads.owner = self.user
        self.campaigns = hello["snapshot"]["campaigns"]
        self.agent = hello["snapshot"].get("agent")
        self.banner(None)
        if message.reconnect:
            self.notify("Reconnected to the daemon")
        name = self.campaign or self.preferred
        if name is None and self.agent and self.agent.get("campaign"):
            name = self.agent["campaign"]["name"]
        if name is None:
            usable = [c for c in self.campaigns if c["status"] != "finished"]
            if len(usable) == 1:
                name = usable[0]["name"]
        if name is None:
            self.pick_campaign()
        else:
            self.login(name)
        self.show_bar()

    def disconnected(self, message: Disconnected) -> None:
        self.banner(f" Lost the daemon ({message.reason}) — reconnecting by itself...")

    @work(exclusive=True, group="login")
    async def login(self, name: str) -> None:
        try:
            self.agent = await self.app_.request("agent.login", {"campaign": name})
        except CctermError as exc:
            self.notify(f"{exc.message}", severity="error", timeout=8)
            self.campaign = None
            self.show_bar()
            return
        self.campaign = name
        self.show_bar()
        await self.load_leads(name)
        self.pop_card_for_call()

    async def load_leads(self, name: str) -> None:
        items: list[LeadItem] = []
        after = 0
        while True:
            page = await self.app_.request(
                "leads.list", {"campaign": name, "after_id": after, "limit": PAGE}
            )
            fields = page["fields"]
            items.extend(LeadItem.from_row(fields, row) for row in page["rows"])
            if not page["more"] or not page["rows"]:
                break
            after = page["rows"][-1][0]
        if name == self.campaign:
            self.leads.load(items)
            self.show_bar()

    def event(self, message: DaemonEvent) -> None:
        data = message.data
        if message.name == "agent.changed" and data.get("name") == self.user:
            before = self.agent
            self.agent = data
            self.show_bar()
            if before is None or (before.get("call") or {}).get("id") != (
                data.get("call") or {}
            ).get("id"):
                self.pop_card_for_call()
        elif message.name == "lead.changed":
            campaign = (self.agent or {}).get("campaign") or {}
            if data.get("campaign_id") == campaign.get("id") and self.leads.change(data["lead"]):
                self.dirty = True
        elif message.name == "campaign.changed":
            self.campaigns = [c for c in self.campaigns if c["id"] != data["id"]] + [data]
            if self.agent and (self.agent.get("campaign") or {}).get("id") == data["id"]:
                self.agent["campaign"] = {
                    "id": data["id"],
                    "name": data["name"],
                    "mode": data["settings"]["mode"],
                    "status": data["status"],
                }
                self.campaign = data["name"]
                self.show_bar()
        elif message.name == "import.finished" and data.get("campaign") == self.campaign:
            self.reload()
        elif message.name == "message.received":
            self.app.push_screen(MessagePopup(data))
        elif message.name == "daemon.stopping":
            self.banner(" The daemon is stopping — reconnecting when it is back...")

    @work(exclusive=True, group="reload")
    async def reload(self) -> None:
        if self.campaign:
            await self.load_leads(self.campaign)

    def pop_card_for_call(self) -> None:
        """Power mode pops the card of the contact being dialled; so does dialling by hand."""
        call = (self.agent or {}).get("call")
        if not call or call["id"] == self.popped_call:
            return
        if (self.agent or {}).get("status") not in ("dialing", "on_call"):
            return
        self.popped_call = call["id"]
        self.open_card(int(call["lead_id"]), over_dialogs=False)

    # -- actions ---------------------------------------------------------------------------

    @work(group="card")
    async def open_card(self, lead_id: int, over_dialogs: bool = True) -> None:
        """Show the card; a card the dialer pops never covers a question the agent was asked."""
        try:
            card = await self.app_.request("lead.show", {"lead_id": lead_id})
        except CctermError as exc:
            self.notify(exc.message, severity="error")
            return
        top = self.app.screen
        if not over_dialogs and top is not self and not isinstance(top, ContactCard):
            name = card["lead"]["name"] or phone_text(card["lead"]["e164"])
            self.notify(f"On the line: {name} (Enter opens the card)")
            return
        if isinstance(self.app.screen, ContactCard):
            self.app.pop_screen()
        self.app.push_screen(ContactCard(card, self.clock, desk=self))

    @on(LeadList.Selected)
    def selected(self, event: LeadList.Selected) -> None:
        self.open_card(event.item.id)

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
        status = (self.agent or {}).get("status")
        op = "agent.ready" if status == "paused" else "agent.pause"
        agent = await self._ask(op, {} if op == "agent.ready" else {"reason": "paused"})
        if agent is not None:
            self.agent = agent
            self.show_bar()

    @work(exclusive=True, group="phone")
    async def action_ring_phone(self) -> None:
        """Have the daemon call my phone again (it hung up, or never answered)."""
        agent = await self._ask("agent.phone")
        if agent is not None:
            self.agent = agent
            self.show_bar()
            self.notify("Calling your phone: answer it to start")

    def target(self, lead_id: int | None = None) -> tuple[int, str] | None:
        """The call in wrap-up, else the contact asked for (a card's), else the selected one."""
        agent = self.agent or {}
        call = agent.get("call")
        if call and agent.get("status") == "wrapup":
            return int(call["lead_id"]), call["name"] or call["e164"]
        if call and agent.get("status") == "on_call":
            self.notify("Hang up first (h), then choose the disposition", severity="warning")
            return None
        item = self.leads.items.get(lead_id) if lead_id is not None else self.leads.current
        if item is None:
            return None
        return item.id, item.name or item.e164

    def dispose_key(self, number: int, lead_id: int | None = None) -> None:
        code, _label_text = DISPOSITION_KEYS[str(number)]
        self.action_dispose(code, lead_id)

    @work(group="dispose")
    async def action_dispose(self, code: str, lead_id: int | None = None) -> None:
        target = self.target(lead_id)
        if target is None:
            return
        lead_id, who = target
        args: dict[str, Any] = {"lead_id": lead_id, "code": code}
        if code == "callback":
            at = await self.app.push_screen_wait(CallbackDialog(self.clock, who))
            if at is None:
                return
            args["callback_at"] = at
        result = await self._ask("disposition.set", args)
        if result is None:
            return
        self.leads.change(result["lead"])
        self.leads.reorder()
        self.notify(f"{_label(code)}: {who} — saved")
        screen = self.app.screen
        if isinstance(screen, ContactCard) and screen.lead_id == lead_id:
            screen.dismiss(None)  # this contact is handled; the next call pops its own card

    def action_find(self) -> None:
        find = self.query_one("#find", Input)
        find.add_class("shown")
        find.focus()

    def action_clear_find(self) -> None:
        find = self.query_one("#find", Input)
        find.value = ""
        find.remove_class("shown")
        self.leads.filter("")
        self.leads.focus()
        self.show_bar()

    @on(Input.Changed, "#find")
    def finding(self, event: Input.Changed) -> None:
        self.leads.filter(event.value)
        self.show_bar()

    @on(Input.Submitted, "#find")
    def found(self, event: Input.Submitted) -> None:
        self.leads.focus()

    def action_campaign(self) -> None:
        self.pick_campaign()

    @work(group="pick")
    async def pick_campaign(self) -> None:
        if not self.campaigns:
            self.notify("No campaign is open to you yet; ask your supervisor.", severity="warning")
            return
        name = await self.app.push_screen_wait(PickCampaign(self.campaigns))
        if name:
            self.campaign = None
            self.leads.load([])
            self.login(name)

    @work(group="dnc")
    async def action_do_not_call(self, lead_id: int | None = None) -> None:
        target = self.target(lead_id)
        if target is None:
            return
        lead_id, who = target
        item = self.leads.items.get(lead_id)
        number = item.e164 if item else None
        if number is None:
            return
        if not await self.app.push_screen_wait(
            Confirm(f"Put {who} ({number}) on the do-not-call list?")
        ):
            return
        if (
            await self._ask("dnc.add", {"numbers": [number], "reason": "customer asked"})
            is not None
        ):
            self.notify(f"{number} will not be called again")

    def action_help(self) -> None:
        self.app.push_screen(HelpScreen())

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


def _label(code: str) -> str:
    for key_code, label in DISPOSITION_KEYS.values():
        if key_code == code:
            return label
    return code


class AgentApp(CctermApp):
    """The agent's TUI: the shell's connection plus the desk screen."""

    TITLE = "ccterm agent"

    def __init__(
        self,
        socket: Path | str,
        *,
        clock: Clock | None = None,
        act_as: str | None = None,
        campaign: str | None = None,
        welcome: str | None = None,
    ) -> None:
        super().__init__(socket, clock=clock, act_as=act_as, client_name="agent")
        self.preferred = campaign
        self.welcome = welcome
        self.desk = AgentScreen(self.clock, campaign)
        self.error_text = ""

    def on_mount(self) -> None:
        self.push_screen(self.desk)
        super().on_mount()

    async def on_connected(self, message: Connected) -> None:
        await self.desk.connected(message)
        if self.welcome:
            self.notify(self.welcome, title="ccterm demo", timeout=20)
            self.welcome = None
        if self.welcome:
            self.notify(self.welcome, title="ccterm demo", timeout=20)
            self.welcome = None

    def on_disconnected(self, message: Disconnected) -> None:
        self.desk.disconnected(message)

    def on_daemon_event(self, message: DaemonEvent) -> None:
        self.desk.event(message)

    def on_refused(self, message: Refused) -> None:
        self.error_text = message.error.message + (
            f"\n  hint: {message.error.hint}" if message.error.hint else ""
        )
        self.exit(77, return_code=77)
