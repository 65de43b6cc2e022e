"""The screen pop: who is calling in, found by their number anywhere in the base.

When the daemon puts an inbound caller through, the desk pushes this over the list:
the client and number called about, the contact the number belongs to with its
fields and whole history (our calls to them and theirs to us, newest first), and
the client's script filled in from the contact. An unknown caller gets a form for
a new contact with the number already in it, saved with contact.save and then
shown like any other. Looked up with contact.find by the call's id, so the daemon
checks the agent is on that call.
"""

from __future__ import annotations

import re
from typing import Any, ClassVar

from rich.markup import escape
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Input, Static, TextArea

from ccterm.clock import format_local
from ccterm.errors import CctermError
from ccterm.screens import leadview

_FIELD = re.compile(r"\{([^{}]+)\}")


def fill(script: str, values: dict[str, Any]) -> str:
    """{field} replaced by its value; anything else (unknown names, stray braces) as written."""
    return _FIELD.sub(
        lambda m: str(values[m[1]]) if values.get(m[1]) not in (None, "") else m[0], script
    )


def parse_fields(text: str) -> tuple[dict[str, str], list[str]]:
    """key=value lines as the form takes them: (the fields, the lines that are not such)."""
    fields: dict[str, str] = {}
    wrong: list[str] = []
    for line in text.splitlines():
        if not line.strip():
            continue
        key, sep, value = line.partition("=")
        if not sep or not key.strip():
            wrong.append(line.strip())
        elif value.strip():
            fields[key.strip()] = value.strip()
    return fields, wrong


def history_lines(history: list[dict[str, Any]]) -> list[str]:
    """Each call and disposition in a line, newest first: our calls out, theirs in."""
    lines = []
    for entry in reversed(history):
        when = format_local(entry["at"])
        who = entry.get("agent") or "-"
        if entry["kind"] == "inbound":
            queue = f", queue {entry['queue']}" if entry.get("queue") else ""
            what = (entry.get("outcome") or "in progress").replace("_", " ")
            lines.append(f"{when}  in   {entry.get('client') or '-'}{queue}: {what} ({who})")
            continue
        code = entry.get("disposition")
        if entry["kind"] == "disposition":
            line = f"{when}  set  {entry['campaign']}: {leadview.label(code)} ({who})"
        else:
            outcome = (entry.get("outcome") or "no outcome").replace("_", " ")
            result = f" -> {leadview.label(code)}" if code else ""
            line = f"{when}  out  {entry['campaign']}: {outcome}{result} ({who})"
        lines.append(line + (f"  «{entry['note']}»" if entry.get("note") else ""))
    return lines


class ScreenPop(ModalScreen[None]):
    """The inbound caller's card. `e` fills in an unknown caller, Ctrl+S saves them; h, p
    and q work as on the desk; Esc leaves the form, then closes (Enter on the desk brings
    it back while the call lasts)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Close"),
        Binding("e", "edit", "New contact"),
        Binding("ctrl+s", "save", "Save", priority=True),
        Binding("h", "desk('hangup')", "Hang up", show=False),
        Binding("p", "desk('toggle_pause')", "Pause", show=False),
        Binding("q", "desk('quit')", "Quit", show=False),
        *(Binding(str(n), f"dispose({n})", show=False) for n in range(1, 8)),
    ]

    DEFAULT_CSS = """
    ScreenPop { align: center top; background: $background 0%; }
    ScreenPop > Vertical {
        width: 100%; max-width: 110; height: 1fr; border: round $warning; background: $panel;
        padding: 0 1;
    }
    ScreenPop #pop-bar {
        height: auto; max-height: 2; background: $boost; text-wrap: nowrap; text-overflow: ellipsis;
    }
    ScreenPop #pop-title { text-style: bold; text-wrap: nowrap; text-overflow: ellipsis; }
    ScreenPop #pop-body { height: 1fr; }
    ScreenPop .section { text-style: bold; margin-top: 1; color: $accent; }
    ScreenPop #pop-form { height: auto; display: none; }
    ScreenPop #pop-form.shown { display: block; }
    ScreenPop #pop-extra { height: 5; }
    """

    def __init__(self, call: dict[str, Any], desk: Any = None) -> None:
        super().__init__()
        self.call = call
        self.inbound: dict[str, Any] = call.get("inbound") or {}
        self.desk = desk  # the AgentScreen: its keys, and the status line it feeds in
        self.found: dict[str, Any] | None = None  # contact.find's answer, once it came
        self.problem = ""

    @property
    def call_id(self) -> str:
        return str(self.call["id"])

    @property
    def e164(self) -> str | None:
        e164: str | None = self.inbound.get("e164")
        return e164

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(id="pop-bar")
            yield Static(self.title_text(), id="pop-title")
            yield Static(id="pop-hint")
            with VerticalScroll(id="pop-body"):
                yield Static(id="pop-contact")
                with Vertical(id="pop-form"):
                    yield Static(id="pop-number")
                    yield Input(placeholder="name", id="pop-name")
                    yield Static("[dim]Fields, one a line as key=value (Tab from the name):[/dim]")
                    yield TextArea(id="pop-extra", placeholder="city=Gdańsk", compact=True)
                yield Static("Script", classes="section", id="pop-script-title")
                yield Static(id="pop-script")
                yield Static("History", classes="section")
                yield Static(id="pop-history")
                yield Static("Notes", classes="section")
                yield Static(id="pop-notes")

    def title_text(self) -> str:
        client = self.inbound.get("client") or self.inbound.get("did") or "?"
        queue = self.inbound.get("queue")
        waited = int(self.inbound.get("waited") or 0)
        tail = (f"   queue {queue}" if queue else "") + (
            f", waited {waited // 60}:{waited % 60:02d}" if waited else ""
        )
        return escape(f"Inbound · {client} · {self.caller_text()}{tail}")

    def caller_text(self) -> str:
        return leadview.phone_text(self.e164) if self.e164 else self.inbound.get("caller") or "?"

    def on_mount(self) -> None:
        self.query_one("#pop-body").focus()
        self.show()
        self.look_up()

    # -- what it shows ---------------------------------------------------------------------

    @property
    def unknown(self) -> bool:
        """Looked up and not in the base, with a number a contact can be saved under."""
        return self.found is not None and self.found["contact"] is None and bool(self.e164)

    def show(self) -> None:
        contact = (self.found or {}).get("contact")
        fields: dict[str, Any] = (contact or {}).get("fields") or {}
        self.query_one("#pop-contact", Static).update(self.contact_text(contact, fields))
        form = self.query_one("#pop-form")
        form.set_class(self.unknown, "shown")
        if self.unknown:
            self.query_one("#pop-number", Static).update(
                f"New contact for [b]{escape(self.caller_text())}[/b] (the caller's number):"
            )
        hint = "h hang up  1-7 disposition after the call  p pause  Esc close"
        if self.unknown:
            hint = "e fill in the new contact  Ctrl+S save  " + hint
        self.query_one("#pop-hint", Static).update(f"[dim]{hint}[/dim]")
        script = self.inbound.get("script") or ""
        values: dict[str, Any] = {"client": self.inbound.get("client")}
        if self.e164:
            values.update(e164=self.e164, phone=self.e164)
        if contact:
            values["name"] = contact["name"]
        self.query_one("#pop-script", Static).update(escape(fill(script, {**values, **fields})))
        for part in ("#pop-script", "#pop-script-title"):
            self.query_one(part).display = bool(script)
        history = history_lines((self.found or {}).get("history", []))
        self.query_one("#pop-history", Static).update(
            escape("\n".join(history)) if history else "none"
        )
        notes = [
            f"{format_local(n['at'])} {n['author']}: {n['text']}"
            for n in reversed((self.found or {}).get("notes", []))
        ]
        self.query_one("#pop-notes", Static).update(escape("\n".join(notes)) if notes else "none")
        if self.desk is not None:
            self.desk.feed_pop(self)

    def contact_text(self, contact: dict[str, Any] | None, fields: dict[str, Any]) -> str:
        if self.problem:
            return f"[red]{escape(self.problem)}[/red]"
        if self.found is None:
            return f"Looking up {escape(self.caller_text())}…"
        if contact is None:
            if not self.e164:
                return "Number withheld: nobody to look up."
            return f"[b]Unknown caller[/b] {escape(self.caller_text())}: not in the contact base."
        head = f"[b]{escape(contact['name'] or '—')}[/b]  {leadview.phone_text(contact['e164'])}"
        lines = [f"{escape(str(k))}: {escape(str(v))}" for k, v in fields.items()]
        return "\n".join([head, *lines])

    def live(self, bar: Text) -> None:
        """The desk's status line, as of now (twice a second)."""
        if self.is_mounted:
            self.query_one("#pop-bar", Static).update(bar)

    # -- asking the daemon -----------------------------------------------------------------

    @work(exclusive=True, group="pop-find")
    async def look_up(self) -> None:
        request = self.app.request  # type: ignore[attr-defined]
        try:
            self.found = await request("contact.find", {"call_id": self.call_id})
        except CctermError as exc:
            self.problem = f"Could not look up the caller: {exc.message}"
        if self.is_current:
            self.show()

    def action_save(self) -> None:
        if self.unknown:
            self.save()

    @work(exclusive=True, group="pop-save")
    async def save(self) -> None:
        name = self.query_one("#pop-name", Input).value.strip()
        fields, wrong = parse_fields(self.query_one("#pop-extra", TextArea).text)
        if wrong:
            self.notify(f"Not key=value: {wrong[0]}", severity="error")
            return
        request = self.app.request  # type: ignore[attr-defined]
        args = {"e164": self.e164, "name": name, "fields": fields}
        try:
            self.found = await request("contact.save", args)
        except CctermError as exc:
            self.notify(exc.message + (f" — {exc.hint}" if exc.hint else ""), severity="error")
            return
        self.notify(f"Saved: {name or self.caller_text()}")
        self.query_one("#pop-body").focus()
        self.show()

    # -- keys ------------------------------------------------------------------------------

    def action_edit(self) -> None:
        if self.unknown:
            self.query_one("#pop-name", Input).focus()

    def action_close(self) -> None:
        if isinstance(self.focused, Input | TextArea):
            self.query_one("#pop-body").focus()  # Esc leaves the form first
        else:
            self.dismiss(None)

    def action_dispose(self, number: int) -> None:
        """1-7 as on the desk: in wrap-up, the disposition of this call."""
        if self.desk is not None:
            self.desk.dispose_key(number)

    def action_desk(self, action: str) -> None:
        if self.desk is not None:
            getattr(self.desk, f"action_{action}")()
