"""The contact card: one contact's fields, script, history and notes, kept live.

The card is a window over the desk, not a copy of it: the desk's status line
(state, call timer, wrap-up countdown) runs along its top, and the desk pushes
each change of the contact or of the call into it (`live`, `replace`), so what
it says is never older than the list behind it.
"""

from __future__ import annotations

from typing import Any, ClassVar

from rich.markup import escape
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.css.query import NoMatches
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from ccterm.clock import Clock, format_local
from ccterm.errors import CctermError
from ccterm.screens import leadview


class ContactCard(ModalScreen[None]):
    """Fields, script, history and notes of one contact.

    The desk's keys work here too (dial, hang up, the dispositions, tags, pause), for
    this contact; `n` starts a note, Enter saves it and hands the keys back, Esc
    leaves the note box.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Close"),
        Binding("n", "note", "Note"),
        Binding("d", "desk('dial')", "Dial", show=False),
        Binding("h", "desk('hangup')", "Hang up", show=False),
        Binding("p", "desk('toggle_pause')", "Pause", show=False),
        Binding("x", "desk('do_not_call')", "Do not call", show=False),
        Binding("t", "desk('tags')", "Tags", show=False),
        Binding("q", "desk('quit')", "Quit", show=False),
        *[Binding(str(n), f"dispose({n})", "", show=False) for n in range(1, 8)],
    ]

    DEFAULT_CSS = """
    ContactCard { align: center top; background: $background 0%; }
    ContactCard > Vertical {
        width: 100%; max-width: 110; height: 1fr; border: round $accent; background: $panel;
        padding: 0 1;
    }
    ContactCard #card-bar {
        height: auto; max-height: 2; background: $boost; text-wrap: nowrap; text-overflow: ellipsis;
    }
    ContactCard #card-body { height: 1fr; }
    ContactCard .section { text-style: bold; margin-top: 1; color: $accent; }
    ContactCard Input { margin-top: 0; }
    """

    def __init__(self, card: dict[str, Any], clock: Clock, desk: Any = None) -> None:
        super().__init__()
        self.card = card
        self.clock = clock
        self.desk = desk  # the AgentScreen whose actions the keys run and which feeds `live`

    @property
    def lead_id(self) -> int:
        return int(self.card["lead"]["id"])

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(id="card-bar")
            yield Static(id="card-title")
            yield Static(
                "[dim]1-7 disposition  t tags  d dial  h hang up  n note  x do not call"
                "  Esc close[/dim]"
            )
            with VerticalScroll(id="card-body"):
                yield Static(id="card-status")
                yield Static("Fields", classes="section", id="fields-title")
                yield Static(id="fields")
                yield Static("Script", classes="section", id="script-title")
                yield Static(id="script")
                yield Static("History", classes="section")
                yield Static(id="history")
                yield Static("Notes", classes="section")
                yield Static(id="notes")
            yield Input(placeholder="n: write a note, Enter saves it, Esc leaves", id="note")

    def on_mount(self) -> None:
        self.query_one("#card-body").focus()
        self.show()

    # -- what it shows ---------------------------------------------------------------------

    def replace(self, card: dict[str, Any]) -> None:
        """A fresh read of the same contact (the call moved on, a disposition landed)."""
        if int(card["lead"]["id"]) == self.lead_id:
            self.card = card
            if self.is_current:
                self.show()

    def show(self) -> None:
        lead = self.card["lead"]
        fields = self.card.get("fields", {})
        self.query_one("#card-title", Static).update(
            f"[b]{escape(lead['name'] or '—')}[/b]  {leadview.phone_text(lead['e164'])}"
            f"   campaign {escape(self.card.get('campaign', ''))}"
        )
        self.query_one("#fields", Static).update(
            "\n".join(f"{escape(str(k))}: {escape(str(v))}" for k, v in fields.items())
        )
        for part in ("fields", "fields-title"):
            self.query_one(f"#{part}").display = bool(fields)
        script = self.card.get("script") or ""
        values = {"name": lead["name"], "e164": lead["e164"], "phone": lead["e164"], **fields}
        self.query_one("#script", Static).update(escape(leadview.fill_script(script, values)))
        for part in ("script", "script-title"):
            self.query_one(f"#{part}").display = bool(script)
        self.query_one("#history", Static).update(self._history())
        self.query_one("#notes", Static).update(self._notes())
        if self.desk is not None:
            self.desk.feed_card(self)

    def live(self, bar: Text, status: str) -> None:
        """The desk's status line and this contact's state, as of now (twice a second), with
        the funnel tags picked for its call (here they wrap; the status line may cut them)."""
        if not self.is_mounted:  # pushed a moment ago: on_mount draws it in full
            return
        tags = self.desk.tags_of(self.lead_id) if self.desk is not None else ()
        if tags:
            status += f"   tags: {', '.join(tags)}"
        try:
            self.query_one("#card-bar", Static).update(bar)
            self.query_one("#card-status", Static).update(escape(status))
        except NoMatches:  # closing: its parts are gone while it is still on top
            return

    def status_line(self, state: str) -> str:
        lead = self.card["lead"]
        zones = (lead.get("timezone") or "").replace("|", ", ")
        return f"status: {state}   tries: {lead['attempts']}   priority: {lead['priority']}" + (
            f"   time zone: {zones}" if zones else ""
        )

    def _history(self) -> str:
        lines = []
        on_line = self.desk is not None and self.desk.call_lead() == self.lead_id
        for n, attempt in enumerate(self.card.get("attempts", [])):
            talk = ""
            if attempt.get("answered_at") and attempt.get("ended_at"):
                seconds = int(attempt["ended_at"] - attempt["answered_at"])
                talk = f", talked {seconds // 60}:{seconds % 60:02d}"
            outcome = attempt.get("outcome")
            if outcome is None:
                outcome = "this call" if on_line and n == 0 else "no outcome recorded"
            by = attempt.get("agent") or "dialer"
            code = attempt.get("disposition")
            lines.append(
                f"{format_local(attempt['started_at'])}  {outcome}{talk}"
                f"  -> {leadview.label(code) if code else '-'}  ({by})"
            )
        for d in self.card.get("dispositions", []):
            what = leadview.label(d["code"])
            tagged = f" [{', '.join(d['tags'])}]" if d.get("tags") else ""
            lines.append(f"{format_local(d['at'])}  {what}{tagged} by {d['agent']}")
        return escape("\n".join(lines)) if lines else "no calls yet"

    def _notes(self) -> str:
        notes = self.card.get("notes", [])
        if not notes:
            return "none"
        return escape(
            "\n".join(f"{format_local(n['at'])} {n['author']}: {n['text']}" for n in notes)
        )

    # -- keys ------------------------------------------------------------------------------

    def action_note(self) -> None:
        self.query_one("#note", Input).focus()

    def leave_note_box(self) -> None:
        self.query_one("#card-body").focus()

    def action_close(self) -> None:
        if isinstance(self.focused, Input):
            self.leave_note_box()  # Esc leaves the note box first
        else:
            self.dismiss(None)

    def action_desk(self, action: str) -> None:
        if self.desk is None:
            return
        if action in ("dial", "do_not_call"):
            getattr(self.desk, f"action_{action}")(self.lead_id)
        else:
            getattr(self.desk, f"action_{action}")()

    def action_dispose(self, number: int) -> None:
        if self.desk is not None:
            self.desk.dispose_key(number, self.lead_id)

    @on(Input.Submitted, "#note")
    def save_note(self, event: Input.Submitted) -> None:
        """Enter saves and hands the keys back to the card, so the next key acts."""
        text = event.value.strip()
        self.leave_note_box()
        if text:
            self.run_worker(self._save(text), exclusive=True, group="note")

    async def _save(self, text: str) -> None:
        note = self.query_one("#note", Input)
        request = self.app.request  # type: ignore[attr-defined]
        try:
            await request("lead.note", {"lead_id": self.lead_id, "text": text})
        except CctermError as exc:  # shown, not raised: the card stays open, the text too
            self.notify(exc.message, severity="error")
            return
        self.card.setdefault("notes", []).insert(
            0, {"at": self.clock.now(), "author": "you", "text": text}
        )
        self.query_one("#notes", Static).update(self._notes())
        if note.value.strip() == text:
            note.value = ""
        self.notify("Note saved")
