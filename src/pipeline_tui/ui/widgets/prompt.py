"""A one-line prompt at the bottom of the screen: the only "form" the app has.

The caller validates what was typed; a bad value keeps the prompt open with the reason
beside it, and nothing is written.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from rich.highlighter import Highlighter
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widget import Widget
from textual.widgets import Footer, Input, Label, Static

from ...display import clean, display_text

# Returns an error message to show, or None when the value was accepted.
Submit = Callable[[str], str | None]


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
        Binding("escape", "cancel", "Cancel", id="prompt.cancel")
    ]

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.display = False  # until something is asked
        self._submit: Submit | None = None
        self._on_close: Callable[[], None] | None = None

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
        self.query_one("#prompt-label", Label).update(Text(label))
        field = self.query_one("#prompt-input", Input)
        # A value offered for editing is data (a search, a path): shown cleaned.
        field.value, field.placeholder = clean(value), placeholder
        field.cursor_position = len(field.value)
        self.query_one("#prompt-error", Static).update(Text())
        self.display = True
        field.focus()

    @property
    def is_open(self) -> bool:
        return bool(self.display)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if self._submit is None:
            return
        error = self._submit(event.value)
        if error:
            # Errors quote what was typed: shown literally, never as markup.
            self.query_one("#prompt-error", Static).update(display_text(error))
            return
        self.close()

    def action_cancel(self) -> None:
        self.close()

    def close(self) -> None:
        self.display = False
        self._submit = None
        callback, self._on_close = self._on_close, None
        if callback is not None:
            callback()


def prompt_status_footer() -> ComposeResult:
    """The foot of every screen that asks and answers: the (hidden) prompt, the status
    line and the key footer."""
    yield Prompt(id="prompt")
    yield Static(id="status")
    yield Footer()
