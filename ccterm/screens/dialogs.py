"""Pop-ups over the agent's screen: the contact card, the callback time, messages, help, choices."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, ClassVar

from rich.markup import escape
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from ccterm.clock import Clock, format_local, local
from ccterm.screens import leadview


class ContactCard(ModalScreen[None]):
    """Fields, script, history and notes of one contact.

    The desk's keys work here too (dial, hang up, the dispositions, pause), for
    this contact; `n` starts a note, Enter saves it, Esc leaves the note box.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Close"),
        Binding("n", "note", "Note"),
        Binding("d", "desk('dial')", "Dial", show=False),
        Binding("h", "desk('hangup')", "Hang up", show=False),
        Binding("p", "desk('toggle_pause')", "Pause", show=False),
        Binding("x", "desk('do_not_call')", "Do not call", show=False),
        Binding("q", "desk('quit')", "Quit", show=False),
        *[Binding(str(n), f"dispose({n})", "", show=False) for n in range(1, 8)],
    ]

    DEFAULT_CSS = """
    ContactCard { align: center middle; }
    ContactCard > Vertical {
        width: 96%; max-width: 110; height: 92%; border: round $accent; background: $panel;
        padding: 0 1;
    }
    ContactCard #card-body { height: 1fr; }
    ContactCard .section { text-style: bold; margin-top: 1; color: $accent; }
    ContactCard Input { margin-top: 1; }
    """

    def __init__(self, card: dict[str, Any], clock: Clock, desk: Any = None) -> None:
        super().__init__()
        self.card = card
        self.clock = clock
        self.desk = desk  # the AgentScreen whose actions the keys run

    @property
    def lead_id(self) -> int:
        return int(self.card["lead"]["id"])

    def compose(self) -> ComposeResult:
        lead = self.card["lead"]
        fields = self.card.get("fields", {})
        values = {"name": lead["name"], "e164": lead["e164"], "phone": lead["e164"], **fields}
        now = self.clock.now()
        with Vertical():
            yield Label(
                f"[b]{escape(lead['name'] or '—')}[/b]  {leadview.phone_text(lead['e164'])}"
                f"   campaign {escape(self.card.get('campaign', ''))}"
            )
            yield Label("[dim]1-7 disposition  d dial  h hang up  n note  Esc close[/dim]")
            with VerticalScroll(id="card-body"):
                status = leadview.status_text(leadview.LeadItem.from_dict(lead), now)
                zones = lead.get("timezone") or ""
                yield Static(
                    f"status: {status}   tries: {lead['attempts']}   priority: {lead['priority']}"
                    + (f"   time zone: {zones.replace('|', ', ')}" if zones else "")
                )
                if fields:
                    yield Static("Fields", classes="section")
                    yield Static(
                        "\n".join(f"{escape(str(k))}: {escape(str(v))}" for k, v in fields.items())
                    )
                script = self.card.get("script") or ""
                if script:
                    yield Static("Script", classes="section")
                    yield Static(escape(leadview.fill_script(script, values)), id="script")
                yield Static("History", classes="section")
                yield Static(self._history(), id="history")
                yield Static("Notes", classes="section")
                yield Static(self._notes(), id="notes")
            yield Input(placeholder="n: write a note, Enter saves it", id="note")

    def _history(self) -> str:
        lines = []
        for attempt in self.card.get("attempts", []):
            talk = ""
            if attempt.get("answered_at") and attempt.get("ended_at"):
                seconds = int(attempt["ended_at"] - attempt["answered_at"])
                talk = f", talked {seconds // 60}:{seconds % 60:02d}"
            outcome = attempt.get("outcome") or "in progress"
            by = attempt.get("agent") or "dialer"
            lines.append(
                f"{format_local(attempt['started_at'])}  {outcome}{talk}"
                f"  -> {attempt.get('disposition') or '-'}  ({by})"
            )
        for d in self.card.get("dispositions", []):
            lines.append(f"{format_local(d['at'])}  set {d['code']} by {d['agent']}")
        return escape("\n".join(lines)) if lines else "no calls yet"

    def _notes(self) -> str:
        notes = self.card.get("notes", [])
        if not notes:
            return "none"
        return escape(
            "\n".join(f"{format_local(n['at'])} {n['author']}: {n['text']}" for n in notes)
        )

    def on_mount(self) -> None:
        self.query_one("#card-body").focus()

    def action_note(self) -> None:
        self.query_one("#note", Input).focus()

    def action_close(self) -> None:
        if isinstance(self.focused, Input):
            self.query_one("#card-body").focus()  # Esc leaves the note box first
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
        text = event.value.strip()
        if text:
            self.run_worker(self._save(text), exclusive=True, group="note")

    async def _save(self, text: str) -> None:
        request = self.app.request  # type: ignore[attr-defined]
        try:
            await request("lead.note", {"lead_id": self.lead_id, "text": text})
        except Exception as exc:  # shown, not raised: the card stays open
            self.notify(str(exc), severity="error")
            return
        self.card.setdefault("notes", []).insert(
            0, {"at": self.clock.now(), "author": "you", "text": text}
        )
        self.query_one("#notes", Static).update(self._notes())
        self.query_one("#note", Input).value = ""
        self.notify("Note saved")


def quick_times(now: float) -> list[tuple[str, float]]:
    """The choices offered for a new contact's next call."""
    moment = local(now)
    tomorrow = (moment + timedelta(days=1)).replace(hour=10, minute=0, second=0, microsecond=0)
    return [
        ("in 1 hour", now + 3600),
        ("in 2 hours", now + 7200),
        (f"tomorrow 10:00 ({tomorrow:%a %d %b})", tomorrow.timestamp()),
    ]


def parse_time(text: str, now: float) -> float | None:
    """'14:30' (today, or tomorrow if past), '2026-12-01 09:00', '+90m', '+2h', '+1d'."""
    value = text.strip().lower()
    if not value:
        return None
    if value.startswith("+") and value[-1:] in "mhd" and value[1:-1].isdigit():
        return now + int(value[1:-1]) * {"m": 60, "h": 3600, "d": 86400}[value[-1]]
    base = local(now)
    for fmt in ("%H:%M", "%Y-%m-%d %H:%M", "%d.%m %H:%M", "%d.%m.%Y %H:%M"):
        try:
            parsed = datetime.strptime(value, fmt)  # noqa: DTZ007 - local wall time, zoned below
        except ValueError:
            continue
        if fmt == "%H:%M":
            moment = base.replace(hour=parsed.hour, minute=parsed.minute, second=0, microsecond=0)
            if moment.timestamp() <= now:
                moment += timedelta(days=1)
            return moment.timestamp()
        if fmt == "%d.%m %H:%M":
            parsed = parsed.replace(year=base.year)
        return parsed.replace(tzinfo=base.tzinfo).timestamp()
    return None


class CallbackDialog(ModalScreen[float | None]):
    """When to call again: a quick choice, or a typed time."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]

    DEFAULT_CSS = """
    CallbackDialog { align: center middle; }
    CallbackDialog > Vertical {
        width: 60; height: auto; border: round $accent; background: $panel; padding: 0 1;
    }
    CallbackDialog OptionList { height: auto; max-height: 6; }
    """

    def __init__(self, clock: Clock, who: str) -> None:
        super().__init__()
        self.clock = clock
        self.who = who
        self.choices = quick_times(clock.now())

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(f"New contact with {escape(self.who)}: when is the next call?")
            yield OptionList(
                *[
                    Option(f"{n + 1}  {label}", id=str(n))
                    for n, (label, _) in enumerate(self.choices)
                ],
                id="quick",
            )
            yield Input(placeholder="or type: 14:30, 2026-12-01 09:00, +90m", id="when")
            yield Label("Enter chooses, Esc cancels", classes="hint")

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()

    def on_key(self, event: Any) -> None:
        if event.character in ("1", "2", "3") and not isinstance(self.focused, Input):
            event.stop()
            self.dismiss(self.choices[int(event.character) - 1][1])

    @on(OptionList.OptionSelected, "#quick")
    def chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(self.choices[int(event.option.id or 0)][1])

    @on(Input.Submitted, "#when")
    def typed(self, event: Input.Submitted) -> None:
        at = parse_time(event.value, self.clock.now())
        if at is None:
            self.notify("Not a time I understand: try 14:30 or 2026-12-01 09:00", severity="error")
            return
        self.dismiss(at)

    def action_cancel(self) -> None:
        self.dismiss(None)


class MessagePopup(ModalScreen[None]):
    """A supervisor's message: stays until the agent dismisses it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,enter,space", "dismiss", "Dismiss"),
    ]

    DEFAULT_CSS = """
    MessagePopup { align: center middle; }
    MessagePopup > Vertical {
        width: 70; height: auto; border: double $warning; background: $panel; padding: 1 2;
    }
    """

    def __init__(self, message: dict[str, Any]) -> None:
        super().__init__()
        self.message = message

    def compose(self) -> ComposeResult:
        m = self.message
        with Vertical():
            yield Label(
                f"[b]Message from {escape(str(m.get('from', '?')))}[/b]"
                f"  {format_local(m.get('at'))}"
            )
            yield Static(escape(str(m.get("text", ""))), id="message-text")
            yield Label("[dim]Enter or Esc to dismiss[/dim]")

    def action_dismiss(self) -> None:  # type: ignore[override]
        self.dismiss(None)


HELP = """\
[b]Moving[/b]      ↑/↓ or j/k, PgUp/PgDn, g/G (first/last), / find, Esc clears the find
[b]Contact[/b]     Enter opens the card (fields, script, history, notes)
[b]Calling[/b]     d dials the selected contact, h hangs up
[b]You[/b]         p toggles Ready / Paused, r calls your phone again, c changes campaign, q quits
[b]Disposition[/b] one key, for the call in wrap-up or else the selected contact:
  1 done (never called again here)     2 new contact (asks when)
  3 no answer   4 voicemail   5 busy   (tried again later)
  6 wrong number   7 fax   (never dialled again, in any campaign)
[b]Do not call[/b] x puts the number on the do-not-call list (asks first)
[b]Colours[/b]     a red row marked ! is a callback whose time has come; @ is a booked
            callback; x is a number that is never dialled
"""


class HelpScreen(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,q,question_mark", "dismiss", "Close")]

    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > Vertical { width: 84; height: auto; border: round $accent; background: $panel;
                            padding: 0 1; }
    """

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(HELP)
            yield Label("[dim]Esc closes[/dim]")

    def action_dismiss(self) -> None:  # type: ignore[override]
        self.dismiss(None)


class PickCampaign(ModalScreen[str | None]):
    """Which campaign to work."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]

    DEFAULT_CSS = """
    PickCampaign { align: center middle; }
    PickCampaign > Vertical { width: 64; height: auto; border: round $accent; background: $panel;
                              padding: 0 1; }
    PickCampaign OptionList { height: auto; max-height: 14; }
    """

    def __init__(self, campaigns: list[dict[str, Any]]) -> None:
        super().__init__()
        self.campaigns = campaigns

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("Which campaign do you work?")
            yield OptionList(
                *[
                    Option(f"{c['name']}  ({c['settings']['mode']}, {c['status']})", id=c["name"])
                    for c in self.campaigns
                ]
            )

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()

    @on(OptionList.OptionSelected)
    def chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)


class Confirm(ModalScreen[bool]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "answer(True)", "Yes"),
        Binding("n,escape", "answer(False)", "No"),
    ]

    DEFAULT_CSS = """
    Confirm { align: center middle; }
    Confirm > Vertical { width: 64; height: auto; border: round $warning; background: $panel;
                         padding: 0 1; }
    """

    def __init__(self, question: str) -> None:
        super().__init__()
        self.question = question

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(escape(self.question))
            yield Label("[b]y[/b] yes   [b]n[/b] no")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)
