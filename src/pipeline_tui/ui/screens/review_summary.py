"""The end of a review: what was decided, as the Markdown everyone gets afterwards."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from markdown_it import MarkdownIt
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Markdown, Static

from ...config import reviews_dir
from ...display import display_text
from ...reviews import ReviewSummary, summary_markdown
from ..widgets.prompt import Prompt, prompt_status_footer


def _no_autolinks() -> MarkdownIt:
    return MarkdownIt("gfm-like").disable("linkify")


class ReviewSummaryScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("w", "write", "Save as Markdown", id="summary.write"),
        Binding("y", "copy", "Copy", id="summary.copy"),
        Binding("escape,enter", "close", "Back to the board", id="summary.close"),
    ]

    def __init__(self, summary: ReviewSummary) -> None:
        super().__init__(id="review-summary")
        self.summary = summary
        self.markdown = summary_markdown(summary)

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="summary-body"):
            # Data in the summary is escaped, bare URLs in it stay text, and no link is
            # ever followed.
            yield Markdown(
                self.markdown,
                id="summary-markdown",
                open_links=False,
                parser_factory=_no_autolinks,
            )
        yield from prompt_status_footer()

    def on_mount(self) -> None:
        self.query_one("#summary-body").focus()

    def show_status(self, text: str, *, error: bool = False) -> None:
        self.query_one("#status", Static).update(display_text(text, "bold red" if error else ""))

    def action_copy(self) -> None:
        # OSC 52: the terminal puts it on the clipboard, over ssh and tmux too.
        self.app.copy_to_clipboard(self.markdown)
        self.show_status("The summary is on the clipboard (if your terminal allows OSC 52)")

    def action_write(self) -> None:
        folder = reviews_dir()
        default = folder / f"review-{self.summary.review.id}.md"

        def submit(text: str) -> str | None:
            try:
                path = Path(text.strip() or default).expanduser().resolve()
            except (OSError, RuntimeError, ValueError) as exc:  # a NUL byte, a loop
                return f"Can't save there: {exc}"
            if path.is_dir():
                return f"{path} is a folder: give a file name"
            # The data folder's own reviews/ is made on first use; any other folder must be.
            if not path.parent.exists() and path.parent != folder.resolve():
                return f"There is no folder {path.parent}"
            self._write(path)
            return None

        self.query_one(Prompt).ask("Save to:", submit, value=str(default))

    @work(thread=True, group="write")
    def _write(self, path: Path) -> None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(self.markdown, encoding="utf-8")
        except OSError as exc:
            self.app.call_from_thread(self.show_status, f"Couldn't save: {exc}", error=True)
            return
        self.app.call_from_thread(self.show_status, f"Saved the summary to {path}")

    def action_close(self) -> None:
        if self.query_one(Prompt).is_open:
            return
        self.dismiss(None)
