"""A one-line prompt at the bottom of the screen: the only "form" the app has.

The caller validates what was typed; a bad value keeps the prompt open with the reason
beside it, and nothing is written. A caller asking several things in a row (a new deal's
fields) uses `ask_in_turn` and asks the next from its `submit`: the prompt then stays open
on the next question, and tab takes the completion offered, if any, and moves on like enter.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from rich.highlighter import Highlighter
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.suggester import Suggester
from textual.widget import Widget
from textual.widgets import Footer, Input, Label, Static

from ...display import clean, display_text

# Returns an error message to show, or None when the value was accepted.
Submit = Callable[[str], str | None]
# The completion of what has been typed, or None; answered at once (no database).
Complete = Callable[[str], str | None]


class _Completing(Suggester):
    """Shows what tab would take, from the same `Complete` tab uses: cleaned, since a
    name from the database is data (tab itself takes the name as it is stored)."""

    def __init__(self, complete: Complete) -> None:
        super().__init__(use_cache=False, case_sensitive=True)
        self._complete = complete

    async def get_suggestion(self, value: str) -> str | None:
        offered = self._complete(value)
        return None if offered is None else "".join(clean(char) for char in offered)


def refocus(widget: Widget | None) -> None:
    """Gives focus back to where it was before a prompt, if that widget is still there."""
    if widget is not None and widget.is_attached:
        widget.focus()


class ShownLiterally(Highlighter):
    """Shows what was typed or pasted with its control characters as visible stand-ins.

    Character for character, so the cursor stays where it is; the value itself is left as
    typed (whoever takes it decides what is acceptable).
    """

    def __call__(self, text: str | Text) -> Text:
        plain = text if isinstance(text, str) else text.plain
        shown = "".join(clean(char) for char in plain)
        return Text(shown, no_wrap=True, overflow="ignore", end="")

    def highlight(self, text: Text) -> None:
        """Unused: `__call__` builds the shown text itself."""


class Prompt(Vertical):
    DEFAULT_CSS = """
    Prompt {
        height: auto;
        background: $panel;
        padding: 0 1;
    }
    Prompt > .prompt-row {
        height: auto;
    }
    Prompt > .prompt-row > Label {
        padding: 1 1 0 0;
        text-style: bold;
    }
    Prompt > .prompt-row > Input {
        width: 1fr;
    }
    Prompt > .prompt-error {
        color: $error;
        height: auto;
    }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="prompt.cancel"),
        Binding("tab", "move_on", "Next", id="prompt.move_on"),
        # Otherwise tab (or shift+tab) moves the focus out of the open prompt: it stays
        # open with no key reaching it, and escape clears the board's filters instead.
        Binding("tab,shift+tab", "stay", "Stay in the prompt", show=False, id="prompt.stay"),
    ]

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.display = False  # until something is asked
        self._submit: Submit | None = None
        self._on_close: Callable[[], None] | None = None
        self._tab_moves_on = False
        self._complete: Complete | None = None
        self._asked = 0  # how many questions so far: a submit that asks the next keeps it open

    def compose(self) -> ComposeResult:
        with Horizontal(classes="prompt-row"):
            yield Label(id="prompt-label")
            yield Input(id="prompt-input", highlighter=ShownLiterally())
        yield Static(id="prompt-error", classes="prompt-error")

    def ask(
        self,
        label: str,
        submit: Submit,
        *,
        value: str = "",
        placeholder: str = "",
        on_close: Callable[[], None] | None = None,
    ) -> None:
        self._submit, self._on_close = submit, on_close
        self._tab_moves_on, self._complete, self._asked = False, None, self._asked + 1
        self.query_one("#prompt-label", Label).update(Text(label))
        field = self.query_one("#prompt-input", Input)
        field.suggester = None
        # A value offered for editing is data (a search, a path): shown cleaned.
        field.value, field.placeholder = clean(value), placeholder
        field.cursor_position = len(field.value)
        self.query_one("#prompt-error", Static).update(Text())
        self.display = True
        field.focus()

    def ask_in_turn(
        self,
        label: str,
        submit: Submit,
        *,
        placeholder: str = "",
        on_close: Callable[[], None] | None = None,
        complete: Complete | None = None,
    ) -> None:
        """One of several questions asked in a row: tab moves on like enter, taking what
        `complete` offers for the text typed (shown greyed after it as it is typed)."""
        self.ask(label, submit, placeholder=placeholder, on_close=on_close)
        self._tab_moves_on, self._complete = True, complete
        suggester = None if complete is None else _Completing(complete)
        self.query_one("#prompt-input", Input).suggester = suggester

    @property
    def is_open(self) -> bool:
        return bool(self.display)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self._answer(event.value, self._typed_after(event.value))

    def _typed_after(self, value: str) -> str:
        """What was typed after enter, before the answer was taken: keys reach the field
        at once, the answer is taken a moment later (longer on a busy machine). It is the
        start of the next answer, not part of this one."""
        now = self.query_one("#prompt-input", Input).value
        return now[len(value) :] if now.startswith(value) else ""

    def _answer(self, value: str, ahead: str = "") -> None:
        if self._submit is None:
            return
        asked = self._asked
        error = self._submit(value)
        if error:
            # Errors quote what was typed: shown literally, never as markup.
            self.query_one("#prompt-error", Static).update(display_text(error))
            return
        if self._asked == asked:  # nothing more to ask
            self.close()
        elif ahead:
            field = self.query_one("#prompt-input", Input)
            field.value, field.cursor_position = ahead, len(ahead)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # In a prompt of one question tab has nowhere to move on to: `stay` takes it.
        return self._tab_moves_on if action == "move_on" else True

    def action_move_on(self) -> None:
        """Tab: the completion offered for what is typed, then on like enter."""
        field = self.query_one("#prompt-input", Input)
        value = field.value
        offered = self._complete(value) if self._complete is not None and value else None
        self._answer(offered or value, self._typed_after(value))

    def action_stay(self) -> None:
        """The focus stays in the line being answered."""

    def action_cancel(self) -> None:
        self.close()

    def close(self) -> None:
        self.display = False
        self._submit, self._tab_moves_on, self._complete = None, False, None
        self.query_one("#prompt-input", Input).suggester = None
        callback, self._on_close = self._on_close, None
        if callback is not None:
            callback()


def prompt_status_footer() -> ComposeResult:
    """The foot of every screen that asks and answers: the (hidden) prompt, the status
    line and the key footer."""
    yield Prompt(id="prompt")
    yield Static(id="status")
    yield Footer()
