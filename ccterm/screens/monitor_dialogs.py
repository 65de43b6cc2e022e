"""The wallboard's questions: a line of text (a pause reason, a ratio), a message and to
whom, and every key. They sit on the desk's Dialog, so they look and wrap the same."""

from __future__ import annotations

from typing import ClassVar

from rich.markup import escape
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from ccterm.screens.dialogs import Dialog


class AskText(Dialog):
    """One line of text; Enter gives it (empty allowed when `empty_ok`), Esc gives None."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, question: str, value: str = "", hint: str = "", empty_ok: bool = True):
        super().__init__()
        self.question = question
        self.value = value
        self.hint = hint
        self.empty_ok = empty_ok

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(escape(self.question), classes="title")
            yield Input(value=self.value, id="answer")
            yield Static(escape(self.hint or "Enter gives it, Esc cancels"), classes="hint")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    @on(Input.Submitted, "#answer")
    def given(self, event: Input.Submitted) -> None:
        if not event.value.strip() and not self.empty_ok:
            self.notify("Type something, or Esc", severity="warning")
            return
        self.dismiss(event.value.strip())

    def action_cancel(self) -> None:
        self.dismiss(None)


class MessageDialog(Dialog):
    """A popup message for agents: to whom (the selected, the tagged, the whole group),
    then the text. Dismisses with (target id, text) or None."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]

    DEFAULT_CSS = """
    MessageDialog OptionList { height: auto; max-height: 5; }
    """

    def __init__(self, targets: list[tuple[str, str]]) -> None:
        super().__init__()
        self.targets = targets  # (id, label)

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static("Message to:", classes="title")
            yield OptionList(*[Option(escape(label), id=tid) for tid, label in self.targets])
            yield Input(
                placeholder="the message; it stays on their desk until dismissed", id="text"
            )
            yield Static("↑/↓ chooses who, Enter sends, Esc cancels", classes="hint")

    def on_mount(self) -> None:
        self.query_one(OptionList).highlighted = 0
        self.query_one(Input).focus()

    def on_key(self, event: object) -> None:
        key = getattr(event, "key", "")
        if key in ("up", "down"):  # the text box has the focus: arrows choose the target
            options = self.query_one(OptionList)
            now = options.highlighted or 0
            step = 1 if key == "down" else -1
            options.highlighted = max(0, min(len(self.targets) - 1, now + step))

    @on(OptionList.OptionSelected)
    def chosen(self, event: OptionList.OptionSelected) -> None:
        self.query_one(Input).focus()

    @on(Input.Submitted, "#text")
    def send(self, event: Input.Submitted) -> None:
        text = event.value.strip()
        if not text:
            self.notify("Type the message first", severity="warning")
            return
        index = self.query_one(OptionList).highlighted or 0
        self.dismiss((self.targets[index][0], text))

    def action_cancel(self) -> None:
        self.dismiss(None)


HELP = """[b]Moving[/b]   Tab / Shift+Tab: the next table (agents, calls, queues, campaigns)
         ↑/↓ PgUp/PgDn within it; / filters every table (Esc clears)
[b]Agents[/b]   on the selected agent (your phone hears one call at a time):
  l listen   w whisper   b barge in (asks)   s stop listening
             (on your own phone: phone = ... for you in [[users]])
         on every agent tagged with Space, else the selected one:
  m message: a popup on their desk until dismissed (selected, tagged or group)
  p pause, with a reason (on a call: after the call and its wrap-up)
  o log out (asks; never one with a customer: pause them first)
[b]Campaigns[/b] on the selected campaign:
  s start   p pause   x stop (asks)   r ratio (power: lines per agent;
  predictive: 0 automatic, 1-10 fixed)   c abandon cap in percent
[b]Time[/b]     time in a state turns green at 10 s, yellow at 60 s, red at 5 min;
         ! !! !!! say the same without colour
[b]Marks[/b]    * tagged; DESK GONE: the agent's desk left with a customer on the line
[b]Charts[/b]   g: today per quarter hour: dials, connects, abandons; occupancy; queue SL
[b]Reports[/b]  v: the selected agent's, campaign's or queue's report; e in it saves a CSV
q quits (and stops your listening)
"""


class MonitorHelp(Dialog):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,question_mark", "dismiss", "Close"),
    ]

    DEFAULT_CSS = """
    MonitorHelp > Vertical { max-width: 90; }
    MonitorHelp VerticalScroll { height: auto; max-height: 100%; }
    """

    def compose(self) -> ComposeResult:
        with Vertical(), VerticalScroll():
            yield Static(HELP)
            yield Static("Esc closes", classes="hint")

    def action_dismiss(self) -> None:  # type: ignore[override]
        self.dismiss(None)
