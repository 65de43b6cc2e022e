"""The wallboard's keys: listen, whisper, barge, message, pause, log out, tag; and on a
campaign start, pause, stop, the ratio and the abandon cap.

A base of the monitor's screen (monitor.py). Keys act on the tagged agents when
there are any, else on the one under the cursor; a key that would cut in on a call
or end someone's session asks first. The daemon checks every right again.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual import work
from textual.screen import Screen

from ccterm.errors import CctermError
from ccterm.screens.dialogs import Confirm
from ccterm.screens.monitor_charts import ChartsScreen
from ccterm.screens.monitor_dialogs import AskText, MessageDialog, MonitorHelp
from ccterm.screens.monitor_model import BUSY
from ccterm.screens.monitor_reports import PRINTERS, ReportScreen
from ccterm.textout import STOPPED_LISTENING, monitoring

if TYPE_CHECKING:
    from textual.widgets import DataTable

    from ccterm.app import CctermApp
    from ccterm.screens.monitor_model import Floor


def plural(names: list[str]) -> str:
    return names[0] if len(names) == 1 else f"{len(names)} agents ({', '.join(names)})"


class MonitorKeys(Screen[None]):
    """The actions behind the keys; the screen (monitor.py) supplies the state."""

    if TYPE_CHECKING:  # supplied by MonitorScreen
        floor: Floor
        current: str
        tagged: set[str]
        dirty: bool
        user: str
        group: str
        role: str
        listening: str | None

        def selected(self, name: str | None = None) -> str | None: ...

        def table(self, name: str | None = None) -> DataTable[Any]: ...

    @property
    def app_(self) -> CctermApp:
        from ccterm.app import CctermApp

        app = self.app
        assert isinstance(app, CctermApp)
        return app

    async def _ask(self, op: str, args: dict[str, Any] | None = None) -> Any:
        """A request; its refusal shown as the daemon words it (None then)."""
        try:
            return await self.app_.request(op, args)
        except CctermError as exc:
            text = exc.message + (f" — {exc.hint}" if exc.hint else "")
            self.notify(text, severity="error", timeout=8)
            return None

    def targets(self) -> list[str]:
        """The tagged agents, else the one under the cursor; none outside the agents table."""
        if self.current != "agents":
            self.notify("Select an agent first (Tab to the agents table)", severity="warning")
            return []
        if self.tagged:
            return sorted(self.tagged)
        one = self.selected("agents")
        if one is None:
            self.notify("No agent selected", severity="warning")
            return []
        return [one]

    # -- listening ------------------------------------------------------------------------

    def no_phone(self) -> bool:
        """Listening rings the supervisor's own phone: say so when config.toml has none."""
        me = self.floor.users.get(self.user)
        if me is not None and not me.get("phone"):
            self.notify(
                f'You have no phone: listening rings yours. Set phone = "sip:..." for {self.user}'
                " in [[users]] of config.toml",
                severity="error",
                timeout=10,
            )
            return True
        return False

    def listen_target(self) -> str | None:
        if self.current != "agents":
            self.notify("Select an agent first (Tab to the agents table)", severity="warning")
            return None
        return self.selected("agents")

    @work(group="act")
    async def action_monitor(self, mode: str) -> None:
        agent = self.listen_target()
        if agent is None or self.no_phone():
            return
        await self.monitor(agent, mode)

    @work(group="act")
    async def action_barge(self) -> None:
        agent = self.listen_target()
        if agent is None or self.no_phone():
            return
        if await self.app.push_screen_wait(
            Confirm(f"Barge in on {agent}'s call? The customer hears you too.")
        ):
            await self.monitor(agent, "barge")

    async def monitor(self, agent: str, mode: str) -> None:
        answer = await self._ask("call.monitor", {"agent": agent, "mode": mode})
        if answer is not None:
            self.listening = f"{agent} ({mode})"
            ringing = " Your phone rings: answer it." if answer.get("phone") == "ringing" else ""
            self.notify(monitoring(agent, mode) + ringing)
            self.dirty = True

    async def stop_listening(self) -> None:
        if await self._ask("call.monitor.stop") is not None:
            self.notify(STOPPED_LISTENING)
        self.listening = None
        self.dirty = True

    @work(group="act")
    async def action_s_key(self) -> None:
        """s: stop listening on the agents; start the campaign on the campaigns."""
        if self.current == "campaigns":
            await self.campaign_act("start")
        else:
            await self.stop_listening()

    # -- messages, pause, log out ---------------------------------------------------------

    @work(group="act")
    async def action_message(self) -> None:
        if self.current != "agents":
            self.notify("Select an agent first (Tab to the agents table)", severity="warning")
            return
        one = self.selected("agents")
        choices: list[tuple[str, str]] = []
        if one is not None:
            choices.append(("one", f"{one} (selected)"))
        if self.tagged:
            choices.append(("tagged", f"tagged: {', '.join(sorted(self.tagged))}"))
        group = self.floor.agents.get(one or "", {}).get("group") or self.group or None
        everyone = self.floor.group_agents(group)
        if everyone:
            choices.append(("group", f"group {group or '(all)'}: {len(everyone)} agents"))
        if not choices:
            self.notify("No agent to write to", severity="warning")
            return
        if self.tagged:  # the tagged first: tagging says who is meant
            choices.sort(key=lambda c: c[0] != "tagged")
        answer = await self.app.push_screen_wait(MessageDialog(choices))
        if answer is None:
            return
        target, text = answer
        names: list[str] = {
            "one": [one] if one else [],
            "tagged": sorted(self.tagged),
            "group": everyone,
        }[target]
        sent: list[str] = []
        away: list[str] = []
        for name in names:
            reply = await self._ask("message.send", {"to": name, "text": text})
            if reply is not None:
                (sent if reply.get("online") else away).append(name)
        if sent:
            self.notify(f"Message sent to {plural(sent)}")
        if away:
            self.notify(
                f"Not connected, so not shown: {', '.join(away)}", severity="warning", timeout=8
            )

    @work(group="act")
    async def action_pause(self) -> None:
        if self.current == "campaigns":
            await self.campaign_act("pause")
            return
        names = self.targets()
        if not names:
            return
        reason = await self.app.push_screen_wait(
            AskText(
                f"Pause {plural(names)}: why? (on a call: after the call)",
                value=f"by {self.user}",
            )
        )
        if reason is None:
            return
        done = []
        for name in names:
            if await self._ask("agent.pause_other", {"agent": name, "reason": reason}):
                done.append(name)
        if done:
            self.notify(f"Paused {plural(done)}")

    @work(group="act")
    async def action_logout(self) -> None:
        names = self.targets()
        if not names:
            return
        busy = [n for n in names if self.floor.agents.get(n, {}).get("status") in BUSY]
        for name in busy:
            self.notify(
                f"{name} has a customer: not logged out — pause them (p), then log out",
                severity="error",
                timeout=8,
            )
        names = [n for n in names if n not in busy]
        if not names:
            return
        if not await self.app.push_screen_wait(Confirm(f"Log out {plural(names)}?")):
            return
        done = []
        for name in names:
            if await self._ask("agent.logout_other", {"agent": name}) is not None:
                done.append(name)
        if done:
            self.notify(f"Logged out {plural(done)}")

    def action_tag(self) -> None:
        if self.current != "agents":
            return
        one = self.selected("agents")
        if one is None:
            return
        self.tagged.symmetric_difference_update({one})
        self.dirty = True
        table = self.table("agents")
        if table.cursor_row < table.row_count - 1:
            table.move_cursor(row=table.cursor_row + 1)

    # -- campaigns ------------------------------------------------------------------------

    def campaign(self) -> dict[str, Any] | None:
        if self.current != "campaigns":
            return None
        key = self.selected("campaigns")
        return self.floor.campaigns.get(int(key)) if key is not None else None

    async def campaign_act(self, action: str) -> None:
        campaign = self.campaign()
        if campaign is None:
            return
        if await self._ask(f"campaign.{action}", {"name": campaign["name"]}) is not None:
            self.notify(f"{campaign['name']}: {action}")

    @work(group="act")
    async def action_stop_campaign(self) -> None:
        campaign = self.campaign()
        if campaign is None:
            return
        question = f"Stop {campaign['name']}? Its lines stop; it can be started again."
        if await self.app.push_screen_wait(Confirm(question)):
            await self.campaign_act("stop")

    @work(group="act")
    async def action_ratio(self) -> None:
        campaign = self.campaign()
        if campaign is None:
            return
        settings = campaign.get("settings") or {}
        power = settings.get("mode") == "power"
        key = "dial_ratio" if power else "ratio_override"
        hint = "lines per free agent, 1-10" if power else "0 automatic, or 1-10 fixed"
        text = await self.app.push_screen_wait(
            AskText(f"{campaign['name']}: ratio ({hint})", f"{settings.get(key, 0):g}", hint)
        )
        value = number(text)
        if value is None:
            if text:
                self.notify(f"'{text}' is not a number", severity="error")
            return
        await self.edit(campaign, {key: value})

    @work(group="act")
    async def action_cap(self) -> None:
        campaign = self.campaign()
        if campaign is None:
            return
        cap = float((campaign.get("settings") or {}).get("abandon_cap", 0.03)) * 100
        text = await self.app.push_screen_wait(
            AskText(
                f"{campaign['name']}: abandon cap in percent (at most 3)",
                f"{cap:g}",
                "of answered calls, e.g. 2.5",
            )
        )
        value = number(text.rstrip("% ") if text is not None else None)
        if value is None:
            if text:
                self.notify(f"'{text}' is not a number", severity="error")
            return
        await self.edit(campaign, {"abandon_cap": value / 100})

    async def edit(self, campaign: dict[str, Any], settings: dict[str, Any]) -> None:
        reply = await self._ask("campaign.edit", {"name": campaign["name"], "settings": settings})
        if reply is not None:
            changed = ", ".join(f"{k} {v:g}" for k, v in settings.items())
            self.notify(f"{campaign['name']}: {changed}")

    # -- the rest -------------------------------------------------------------------------

    def action_help(self) -> None:
        self.app.push_screen(MonitorHelp())

    def action_charts(self) -> None:
        self.app.push_screen(ChartsScreen(self.app_.request))

    def action_report(self) -> None:
        """The selected agent's, campaign's or queue's report (today), as on the command line."""
        table = self.current
        key = self.selected(table) if table in PRINTERS else None
        if key is None:
            self.notify("v: the report of the selected agent, campaign or queue")
            return
        name = str(self.floor.campaigns[int(key)]["name"]) if table == "campaigns" else key
        self.app.push_screen(ReportScreen(table, name, self.app_.request, Path.cwd()))

    @work(group="act")
    async def action_quit_monitor(self) -> None:
        if self.listening:
            await self.stop_listening()
        self.app.exit(0)


def number(text: str | None) -> float | None:
    """A typed number ("2,5" too); None when cancelled or not a number."""
    if text is None:
        return None
    try:
        return float(text.replace(",", "."))
    except ValueError:
        return None
