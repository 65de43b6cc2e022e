"""Pop-ups over the agent's screen: the callback time, messages, help, choices, tags, questions.

Every dialog leaves the desk behind it as it is (no dimming: on a 16-colour
terminal a dimmed status line turns grey on grey) and wraps its text to the
terminal's width rather than cutting it.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, ClassVar

from rich.markup import escape
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, SelectionList, Static
from textual.widgets.option_list import Option
from textual.widgets.selection_list import Selection

from ccterm.clock import Clock, format_local, local


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


def typed_example(now: float) -> str:
    """What the time box suggests: forms that are all in the future from `now`."""
    tomorrow = local(now) + timedelta(days=1)
    return f"or type: 14:30, {tomorrow:%Y-%m-%d} 09:00, +90m"


class Dialog(ModalScreen[Any]):
    """A box in the middle of the screen, as wide as the terminal allows up to `width`."""

    DEFAULT_CSS = """
    Dialog { align: center middle; background: $background 0%; }
    Dialog > Vertical {
        width: 100%; max-width: 72; height: auto; max-height: 100%;
        border: round $accent; background: $panel; padding: 0 1;
    }
    Dialog .title { text-style: bold; }
    Dialog .hint { color: $text-muted; }
    Dialog .error { color: $error; }
    """


class CallbackDialog(Dialog):
    """When to call again: a quick choice, or a typed time (kept when it cannot be used)."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]

    DEFAULT_CSS = """
    CallbackDialog OptionList { height: auto; max-height: 6; }
    """

    def __init__(self, clock: Clock, who: str) -> None:
        super().__init__()
        self.clock = clock
        self.who = who
        self.choices = quick_times(clock.now())

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(
                f"New contact with {escape(self.who)}: when is the next call?", classes="title"
            )
            yield OptionList(
                *[
                    Option(f"{n + 1}  {label}", id=str(n))
                    for n, (label, _) in enumerate(self.choices)
                ],
                id="quick",
            )
            yield Input(placeholder=typed_example(self.clock.now()), id="when")
            yield Static("", classes="error", id="error")
            yield Static("Enter chooses, Tab moves to the time box, Esc cancels", classes="hint")

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
        now = self.clock.now()
        at = parse_time(event.value, now)
        error = self.query_one("#error", Static)
        if at is None:
            error.update(f"'{escape(event.value)}' is not a time I understand: try 14:30, +2h")
            return
        if at <= now:
            error.update(f"{format_local(at)} has passed: give a time from now on")
            return
        self.dismiss(at)

    def action_cancel(self) -> None:
        self.dismiss(None)


class MessagePopup(Dialog):
    """A supervisor's message: stays until the agent dismisses it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,enter,space", "dismiss", "Dismiss"),
    ]

    DEFAULT_CSS = """
    MessagePopup > Vertical { border: double $warning; padding: 1 2; }
    """

    def __init__(self, message: dict[str, Any]) -> None:
        super().__init__()
        self.message = message

    def compose(self) -> ComposeResult:
        m = self.message
        with Vertical():
            yield Static(
                f"[b]Message from {escape(str(m.get('from', '?')))}[/b]"
                f"  {format_local(m.get('at'))}"
            )
            yield Static(escape(str(m.get("text", ""))), id="message-text")
            yield Static("Enter or Esc to dismiss", classes="hint")

    def action_dismiss(self) -> None:  # type: ignore[override]
        self.dismiss(None)


HELP = """[b]Moving[/b]   ↑/↓ or j/k, PgUp/PgDn, g/G first/last; / finds a name, number or
         any field (a city), accents optional; Esc clears the find
[b]Contact[/b]  Enter opens the card (fields, script, history, notes); during a
         call, Enter opens the call's card; n writes a note there
[b]Calling[/b]  d dials the selected contact, h hangs up
[b]You[/b]      p Ready / Paused (during a call: pause after it), r calls your
         phone again, c changes campaign, q quits
[b]Results[/b]  one key, for the call in wrap-up, else the selected contact:
  1 done (not called again here)   2 new contact (asks when)
  3 no answer  4 voicemail  5 busy (tried again later)
  6 wrong number  7 fax (never dialled again, in any campaign)
  On a contact never called, or finished, the key asks first.
  t tags the call in hand (on the line or in wrap-up) with the campaign's
  funnel tags: space, Enter or 1-9 ticks one, Esc keeps the ticks; they
  show on the status line and go with the call's disposition.
[b]Inbound[/b]  a caller put through to you pops up: client, number, the contact
         found by the number (fields, every call both ways, notes) and the
         script; an unknown caller gets a new contact: e fills it in, Ctrl+S
         saves; Esc closes it, Enter brings it back during the call
[b]Do not call[/b] x puts the number on the list (asks why)
[b]Marks[/b]    ! red: a callback due now   @ a booked callback
         ~ outside its calling hours
         x never dialled: do not call, wrong number or fax
"""


class HelpScreen(Dialog):
    """All the keys; `extra` adds what this desk is for (the demo's second agent)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,question_mark", "dismiss", "Close"),
        Binding("y", "copy", "Copy", show=False),
    ]

    DEFAULT_CSS = """
    HelpScreen > Vertical { max-width: 120; }
    HelpScreen VerticalScroll { height: auto; max-height: 100%; }
    """

    def __init__(self, extra: str = "", copy: str = "") -> None:
        super().__init__()
        self.extra = extra
        self.copy = copy

    def compose(self) -> ComposeResult:
        with Vertical(), VerticalScroll():
            if self.extra:  # first: the help outgrew a short terminal, and this is what to copy
                yield Static(self.extra + "\n", id="extra")
            yield Static(HELP)
            tail = "  y copies the command" if self.copy else ""
            yield Static(f"Esc closes{tail}", classes="hint")

    def action_copy(self) -> None:
        if self.copy:
            self.app.copy_to_clipboard(self.copy)
            self.notify("Copied (in terminals that allow it); or select it with the mouse")

    def action_dismiss(self) -> None:  # type: ignore[override]
        self.dismiss(None)


class Welcome(HelpScreen):
    """The demo's first screen: what to try, and the second agent's command to copy."""

    DEFAULT_CSS = """
    Welcome > Vertical { max-width: 120; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,enter,space,q", "dismiss", "Close"),
        Binding("y", "copy", "Copy", show=False),
    ]

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(self.extra, id="extra")
            yield Static(
                "Enter or Esc starts  y copies the command  ? shows it again", classes="hint"
            )


class PickCampaign(Dialog):
    """Which campaign to work: in a steady order (by name), the current one marked."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]

    DEFAULT_CSS = """
    PickCampaign OptionList { height: auto; max-height: 14; }
    """

    def __init__(self, campaigns: list[dict[str, Any]], current: str | None = None) -> None:
        super().__init__()
        self.campaigns = sorted(campaigns, key=lambda c: str(c["name"]).casefold())
        self.current = current

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static("Which campaign do you work?", classes="title")
            yield OptionList(
                *[
                    Option(
                        f"{'▸' if c['name'] == self.current else ' '} {escape(c['name'])}"
                        f"  ({c['settings']['mode']}, {c['status']})"
                        + ("  — yours now" if c["name"] == self.current else ""),
                        id=c["name"],
                    )
                    for c in self.campaigns
                ]
            )

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        options.focus()
        names = [c["name"] for c in self.campaigns]
        if self.current in names:
            options.highlighted = names.index(self.current)

    @on(OptionList.OptionSelected)
    def chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)


class TagPicker(Dialog):
    """The campaign's funnel tags for the call in hand, ticked on and off; closing keeps the
    ticks (nothing is sent until the disposition, so there is nothing to cancel)."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,t", "done", "Done")]

    DEFAULT_CSS = """
    TagPicker SelectionList { height: auto; max-height: 12; }
    """

    def __init__(self, tags: list[str], chosen: tuple[str, ...], who: str) -> None:
        super().__init__()
        self.tags = tags
        self.chosen = chosen
        self.who = who

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(f"Funnel tags for the call with {escape(self.who)}", classes="title")
            yield SelectionList[str](
                *[
                    Selection(f"{n + 1 if n < 9 else ' '}  {escape(tag)}", tag, tag in self.chosen)
                    for n, tag in enumerate(self.tags)
                ]
            )
            yield Static(self.ticked_text(self.chosen), id="ticked")
            yield Static(
                "Space, Enter or 1-9 ticks a tag; Esc or t keeps the ticks", classes="hint"
            )

    def ticked_text(self, ticked: tuple[str, ...] | list[str]) -> str:
        """The ticks in words too: the list marks them by colour only."""
        return "ticked: " + (escape(", ".join(t for t in self.tags if t in ticked)) or "none")

    def on_mount(self) -> None:
        self.query_one(SelectionList).focus()

    def on_selection_list_selected_changed(self, event: SelectionList.SelectedChanged[str]) -> None:
        self.query_one("#ticked", Static).update(self.ticked_text(event.selection_list.selected))

    def on_key(self, event: Any) -> None:
        if event.character and event.character in "123456789":
            event.stop()
            index = int(event.character) - 1
            if index < len(self.tags):
                self.query_one(SelectionList).toggle(self.tags[index])

    def action_done(self) -> None:
        ticked = set(self.query_one(SelectionList).selected)
        self.dismiss(tuple(tag for tag in self.tags if tag in ticked))


class Confirm(Dialog):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "answer(True)", "Yes"),
        Binding("n,escape", "answer(False)", "No"),
    ]

    DEFAULT_CSS = """
    Confirm > Vertical { border: round $warning; }
    """

    def __init__(self, question: str) -> None:
        super().__init__()
        self.question = question

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(escape(self.question), classes="title")
            yield Static("[b]y[/b] yes   [b]n[/b] no")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)


class DoNotCall(Dialog):
    """Put a number on the do-not-call list: asks, with the reason to store (editable)."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]

    DEFAULT_CSS = """
    DoNotCall > Vertical { border: round $warning; }
    """

    def __init__(self, who: str, number: str) -> None:
        super().__init__()
        self.who = who
        self.number = number

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(
                f"Put {escape(self.who)} ({escape(self.number)}) on the do-not-call list?"
                " It is never dialled again, in any campaign.",
                classes="title",
            )
            yield Static("Why (kept with the entry):")
            yield Input(value="customer asked", id="reason")
            yield Static("Enter puts it on the list, Esc cancels", classes="hint")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    @on(Input.Submitted, "#reason")
    def confirmed(self, event: Input.Submitted) -> None:
        reason = event.value.strip()
        if not reason:
            self.notify("Say why, in a few words", severity="warning")
            return
        self.dismiss(reason)

    def action_cancel(self) -> None:
        self.dismiss(None)
