"""`ccterm agent`: the agent's desk — the list, the call in hand, one key per disposition.

Handlers own the state: the agent's snapshot comes from the daemon (hello,
agent.changed), the list from leads.list pages plus lead.changed / leads.changed
events. Requests run in workers; a disposition is confirmed on screen only after
the daemon has committed it and replied. The keys' actions live in desk_keys.py.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Input, Static

from ccterm.app import Banner, CctermApp, Connected, DaemonEvent, Disconnected, Refused
from ccterm.clock import Clock
from ccterm.errors import CctermError
from ccterm.screens import leadview
from ccterm.screens.card import ContactCard
from ccterm.screens.desk_keys import DeskKeys
from ccterm.screens.dialogs import HelpScreen, MessagePopup, Welcome
from ccterm.screens.leadview import LeadItem, phone_text
from ccterm.screens.pop import ScreenPop
from ccterm.screens.widgets import KEYS_TEXT, LeadList, ListHeader, agent_line, queue_text

PAGE = 10_000  # the most leads.list gives at once (ops.LEADS_PAGE_MAX)
BUSY = ("dialing", "on_call", "wrapup")


class AgentScreen(DeskKeys, Screen[None]):
    DEFAULT_CSS = """
    AgentScreen #bar {
        height: 2; background: $panel; text-wrap: nowrap; text-overflow: ellipsis;
    }
    AgentScreen #bottom { dock: bottom; height: auto; }
    AgentScreen #find { display: none; height: 3; }
    AgentScreen #find.shown { display: block; }
    AgentScreen #keys { height: 2; background: $panel; }
    AgentScreen #empty { height: 1; color: $text-muted; }
    """

    def __init__(self, clock: Clock, preferred: str | None, help_extra: str = "") -> None:
        super().__init__()
        self.clock = clock
        self.preferred = preferred  # "": inbound only
        self.queue_states: dict[str, dict[str, Any]] = {}  # queue.state, by queue
        self.help_extra = help_extra
        self.help_copy = ""
        self.agent: dict[str, Any] | None = None
        self.user = ""
        self.campaign: str | None = None
        self.campaigns: list[dict[str, Any]] = []
        self.popped_call: str | None = None
        self.online = False
        self.arriving: tuple[int, int] | None = None  # (loaded, total) while a list arrives
        self.page = PAGE

    def compose(self) -> ComposeResult:
        yield Banner(id="banner")
        yield Static(id="bar")
        yield ListHeader(id="header")
        yield Static("", id="empty")
        yield LeadList(self.clock, id="leads")
        with Vertical(id="bottom"):
            yield Input(
                placeholder="find: name, number or any field; Enter keeps it, Esc clears", id="find"
            )
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
        """Twice a second: callbacks falling due, the call's clock."""
        fresh = self.leads.tick()
        for item in fresh[:3]:
            self.notify(
                f"Callback due now: {item.name or phone_text(item.e164)}",
                title="Callback",
                severity="warning",
                timeout=10,
            )
        if len(fresh) > 3:
            self.notify(f"and {len(fresh) - 3} more callbacks due now", severity="warning")
        self.show_bar()

    def show_bar(self) -> None:
        now = self.clock.now()
        queues = queue_text(self.queue_states, (self.agent or {}).get("queues") or [])
        bar = agent_line(
            self.agent, self.user, now, connected=self.online, queues=queues, tags=self.tags_of()
        )
        self.query_one("#bar", Static).update(bar)
        empty = self.query_one("#empty", Static)
        if self.arriving is not None:
            done, total = self.arriving
            empty.update(f" Loading {total:,} contacts… {done:,} so far")
        elif self.campaign and not self.leads.items:
            empty.update(" No contacts in this campaign yet.")
        elif not self.campaign and self.preferred == "":
            empty.update(" Inbound only: your queues' callers come to you while you are ready.")
        elif not self.campaign:
            empty.update(" Not logged in to a campaign (c to choose).")
        else:
            needle = self.leads.needle.text
            total = len(self.leads.items)
            if needle:
                empty.update(f" {len(self.leads.view):,} of {total:,} contacts matching '{needle}'")
            else:
                split = leadview.counts_text(self.leads.counts)
                empty.update(f" {total:,} contacts: {split}")
        card = self.app.screen
        if isinstance(card, ContactCard):
            card.live(bar, card.status_line(self.card_state(card.lead_id, now)))
        elif isinstance(card, ScreenPop):
            card.live(bar)

    # -- the call in hand ------------------------------------------------------------------

    def call_lead(self) -> int | None:
        """The contact on the line (dialling, talking or in wrap-up), if any."""
        agent = self.agent or {}
        call = agent.get("call")
        if call and call.get("lead_id") is not None and agent.get("status") in BUSY:
            return int(call["lead_id"])
        return None

    def inbound_call(self) -> dict[str, Any] | None:
        """The inbound call in hand (on the line or in wrap-up), if any."""
        agent = self.agent or {}
        call = agent.get("call")
        busy = agent.get("status") in BUSY
        return call if call and busy and call.get("direction") == "inbound" else None

    def card_state(self, lead_id: int, now: float) -> str:
        """A contact's state as the card shows it: the live call first, else the list's."""
        agent = self.agent or {}
        call = agent.get("call")
        if call and self.call_lead() == lead_id:
            if agent["status"] == "wrapup":
                left = agent.get("wrapup_until")
                return "wrap-up: choose 1-7" + (
                    f" ({max(0, int(left - now))} s left)" if left else ""
                )
            if call["state"] == "connected":
                talk = int(now - (call.get("answered_at") or now))
                return f"on the line {talk // 60:02d}:{talk % 60:02d}"
            return f"{call['state']}…"
        item = self.leads.items.get(lead_id)
        return leadview.status_text(item, now) if item is not None else "not in this list"

    def feed_pop(self, pop: ScreenPop) -> None:
        pop.live(agent_line(self.agent, self.user, self.clock.now(), connected=self.online))

    def feed_card(self, card: ContactCard) -> None:
        """A card (re)drawn: give it the live line at once, not at the next tick."""
        now = self.clock.now()
        card.live(
            agent_line(self.agent, self.user, now, connected=self.online, tags=self.tags_of()),
            card.status_line(self.card_state(card.lead_id, now)),
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
        self.online = True
        self.user = hello["user"]
        self.leads.owner = self.user
        snapshot = hello["snapshot"]
        self.campaigns = snapshot["campaigns"]
        self.agent = snapshot.get("agent")
        dialer = snapshot.get("dialer")
        if dialer:
            start, end = dialer["calling_hours"]
            self.leads.hours = leadview.Hours(start, end, dialer["region"])
        self.banner(None)
        if message.reconnect:
            self.notify("Reconnected to the daemon")
        if self.preferred == "":  # --inbound: the group's queues, no campaign
            self.login("")
            self.show_bar()
            return
        name = self.campaign or self.preferred
        if name is None and self.agent and self.agent.get("campaign"):
            name = self.agent["campaign"]["name"]
        usable = [c for c in self.campaigns if c["status"] != "finished"]
        if name is None and len(usable) == 1:
            name = usable[0]["name"]
        if name is None and not usable:  # no campaign to work: the group's queues, if any
            self.preferred = ""
            self.login("")
            self.show_bar()
            return
        if name is None:
            self.pick_campaign()
        else:
            self.login(name)
        self.show_bar()

    def disconnected(self, message: Disconnected) -> None:
        self.online = False
        self.banner(f" No daemon: {message.reason}. Reconnecting by itself…")
        self.show_bar()

    @work(exclusive=True, group="login")
    async def login(self, name: str) -> None:
        try:
            self.agent = await self.app_.request("agent.login", {"campaign": name})
        except CctermError as exc:
            self.notify(f"{exc.message}", severity="error", timeout=8)
            self.campaign = None
            self.show_bar()
            return
        self.campaign = name or None
        self.show_bar()
        if name:
            await self.load_leads(name)
        self.pop_card_for_call()

    async def load_leads(self, name: str) -> None:
        items: list[LeadItem] = []
        after = 0
        try:
            while True:
                page = await self.app_.request(
                    "leads.list", {"campaign": name, "after_id": after, "limit": self.page}
                )
                fields = page["fields"]
                items.extend(LeadItem.from_rows(fields, page["rows"]))
                total = int(page.get("total", len(items)))
                if not page["more"] or not page["rows"]:
                    break
                self.arriving = (len(items), max(total, len(items)))
                self.show_bar()
                after = page["rows"][-1][0]
        finally:
            self.arriving = None
        if name == self.campaign:
            self.leads.load(items)
            self.show_bar()

    def event(self, message: DaemonEvent) -> None:
        data = message.data
        if message.name == "agent.changed" and data.get("name") == self.user:
            self.agent_changed(data)
        elif message.name == "lead.changed":
            self.leads_changed(data.get("campaign_id"), [data["lead"]])
        elif message.name == "leads.changed":
            self.leads_changed(data.get("campaign_id"), data.get("leads", []))
        elif message.name == "campaign.changed":
            self.campaign_changed(data)
        elif message.name == "import.finished" and data.get("campaign") == self.campaign:
            self.reload()
        elif message.name == "queue.state":
            self.queue_states[data["queue"]] = data
            self.show_bar()
        elif message.name == "message.received":
            self.app.push_screen(MessagePopup(data))
        elif message.name == "daemon.stopping":
            self.banner(" The daemon is stopping — reconnecting when it is back…")

    def agent_changed(self, data: dict[str, Any]) -> None:
        before = self.agent or {}
        self.agent = data
        self.show_bar()
        old_call = (before.get("call") or {}).get("id")
        new_call = (data.get("call") or {}).get("id")
        if old_call != new_call:
            self.pop_card_for_call()
        reason = data.get("pause_reason") or ""
        if (
            before.get("status") == "wrapup"
            and data.get("status") == "paused"
            and reason.startswith("wrap-up ran out")
        ):
            self.notify(
                f"{reason[0].upper()}{reason[1:]}: your supervisor sees it, and 1-7 on the"
                " contact still sets it. You are paused: p when ready.",
                title="Wrap-up ran out",
                severity="warning",
                timeout=30,
            )
        if (before.get("call") or {}).get("state") != (data.get("call") or {}).get("state") or (
            before.get("status") != data.get("status")
        ):
            lead = (data.get("call") or before.get("call") or {}).get("lead_id")
            if lead is not None:
                self.refresh_card(int(lead))

    def leads_changed(self, campaign_id: Any, leads: list[dict[str, Any]]) -> None:
        campaign = (self.agent or {}).get("campaign") or {}
        if campaign_id != campaign.get("id"):
            return
        card = self.app.screen
        for item in self.leads.apply(leads):
            if isinstance(card, ContactCard) and card.lead_id == item.id:
                self.refresh_card(card.lead_id)

    def campaign_changed(self, data: dict[str, Any]) -> None:
        ids = [c["id"] for c in self.campaigns]
        if data["id"] in ids:
            self.campaigns[ids.index(data["id"])] = data  # in place: the picker keeps its order
        else:
            self.campaigns.append(data)
        if self.agent and (self.agent.get("campaign") or {}).get("id") == data["id"]:
            self.agent["campaign"] = {
                "id": data["id"],
                "name": data["name"],
                "mode": data["settings"]["mode"],
                "status": data["status"],
            }
            self.campaign = data["name"]
            self.show_bar()

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
        if call.get("direction") == "inbound":
            if self.open_pop(call, over_dialogs=False):
                self.popped_call = call["id"]  # else it pops once the question is answered
        else:
            self.popped_call = call["id"]
            self.open_card(int(call["lead_id"]), over_dialogs=False)

    def open_pop(self, call: dict[str, Any], over_dialogs: bool = True) -> bool:
        """The inbound caller's screen pop; like a card, it never covers a question (then
        it comes when the question is answered). Whether it is shown."""
        top = self.app.screen
        if not over_dialogs and top is not self and not isinstance(top, ContactCard | ScreenPop):
            self.notify("Inbound call: it shows when you close this (or press Enter)")
            return False
        if isinstance(top, ContactCard | ScreenPop):
            self.app.pop_screen()
        self.app.push_screen(ScreenPop(call, desk=self))
        return True

    # -- the card --------------------------------------------------------------------------

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

    @work(exclusive=True, group="card-refresh")
    async def refresh_card(self, lead_id: int) -> None:
        """The open card of `lead_id`, read again: its status, history and notes move on."""
        shown = self.app.screen
        if not isinstance(shown, ContactCard) or shown.lead_id != lead_id:
            return
        try:
            card = await self.app_.request("lead.show", {"lead_id": lead_id})
        except CctermError:
            return  # the next change tries again; the live line keeps running meanwhile
        if shown.is_current:  # not closed while the daemon answered
            shown.replace(card)

    @on(LeadList.Selected)
    def selected(self, event: LeadList.Selected) -> None:
        """Enter: the selected contact's card — during a call, always the call's contact, so
        a note never lands on the wrong person."""
        inbound = self.inbound_call()
        if inbound is not None:
            self.open_pop(inbound)  # the caller in hand, not the list's contact
            return
        on_line = self.call_lead()
        if on_line is not None and on_line != event.item.id:
            self.notify("During a call, Enter opens the card of the contact on the line")
        self.open_card(on_line if on_line is not None else event.item.id)

    def action_help(self) -> None:
        self.app.push_screen(HelpScreen(self.help_extra, self.help_copy))

    def welcome(self, text: str, command: str) -> None:
        self.help_extra, self.help_copy = text, command
        self.app.push_screen(Welcome(text, command), lambda _: self.pop_card_for_call())

    # -- find ------------------------------------------------------------------------------

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
        second_agent: str = "",
    ) -> None:
        super().__init__(socket, clock=clock, act_as=act_as, client_name="agent")
        self.preferred = campaign
        self.welcome = welcome
        self.second_agent = second_agent
        self.desk = AgentScreen(self.clock, campaign)
        self.error_text = ""

    def on_mount(self) -> None:
        self.push_screen(self.desk)
        super().on_mount()

    async def on_connected(self, message: Connected) -> None:
        await self.desk.connected(message)
        if self.welcome:
            self.desk.welcome(self.welcome, self.second_agent)
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
