"""The Textual application: opens the workspace off the UI thread, then shows the board."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from datetime import date
from typing import Any, ClassVar

from textual import work
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.screen import Screen
from textual.theme import Theme
from textual.widgets import Static

from ..config import ConfigError, UserConfig
from ..display import clean, display_text
from ..services.workspace import Workspace, WorkspaceError


class WorkspaceOpened(Message):
    def __init__(self, workspace: Workspace) -> None:
        super().__init__()
        self.workspace = workspace


class PipelineApp(App[int]):
    TITLE = "pipeline-tui"
    CSS_PATH = "app.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q", "quit", "Quit", id="app.quit"),
        Binding("question_mark,f1", "help", "Help", key_display="?", id="app.help"),
        # Some terminals and multiplexers take ctrl+p for themselves; ":" always gets through.
        Binding(
            "ctrl+p,colon", "command_palette", "Commands", show=False, id="app.command_palette"
        ),
    ]

    def __init__(
        self,
        url: str,
        *,
        user: str | None = None,
        config: UserConfig | None = None,
        today: Callable[[], date] = date.today,
        clock: Callable[[], float] = time.monotonic,
        save_config: bool = True,
    ) -> None:
        super().__init__()
        self.url, self.user, self.today_fn, self.clock = url, user, today, clock
        self.config = config or UserConfig()
        self.save_config = save_config
        self._workspace: Workspace | None = None
        if self.config.theme and self.config.theme in self.available_themes:
            self.theme = self.config.theme

    @property
    def workspace(self) -> Workspace:
        if self._workspace is None:
            raise RuntimeError("the workspace is not open yet")
        return self._workspace

    def compose(self) -> ComposeResult:
        yield Static("Opening the pipeline…", id="splash")

    def on_mount(self) -> None:
        if self.config.keymap:
            self.set_keymap(self.config.keymap)
        self.theme_changed_signal.subscribe(self, self._remember_theme)
        self._open_workspace()

    @work(thread=True, exclusive=True, group="open")
    def _open_workspace(self) -> None:
        try:
            workspace = Workspace.open(self.url, self.user, today=self.today_fn)
        except WorkspaceError as exc:
            self.call_from_thread(self.exit, 2, 2, display_text(exc))
            return
        except Exception as exc:  # a database that can't be reached, say
            self.call_from_thread(self.exit, 2, 2, display_text(f"Can't open the pipeline: {exc}"))
            return
        self.post_message(WorkspaceOpened(workspace))

    def on_workspace_opened(self, message: WorkspaceOpened) -> None:
        from .screens.main import MainScreen

        self._workspace = message.workspace
        ws = message.workspace
        self.sub_title = clean(f"{ws.me.display_name} · {ws.display_url}")
        self.push_screen(MainScreen())

    @work(thread=True, group="review-time")
    def keep_review_time(self, review_id: int, index: int, seconds: int) -> None:
        """Records the time spent on a deal when its review is paused."""
        from ..reviews import ReviewError, move

        try:
            move(self.workspace.engine, review_id, index, seconds_spent=seconds)
        except (ReviewError, LookupError) as exc:
            self.call_from_thread(
                self.notify, clean(f"Couldn't keep the review time: {exc}"), markup=False
            )

    def _remember_theme(self, theme: Theme) -> None:
        if not self.save_config or self.config.theme == theme.name:
            return
        self.config.theme = theme.name
        try:
            self.config.save()
        except (OSError, ConfigError) as exc:
            self.notify(clean(f"Couldn't save the theme: {exc}"), severity="warning", markup=False)

    def action_help(self) -> None:
        from .screens.help import HelpScreen

        if isinstance(self.screen, HelpScreen):
            self.screen.dismiss(None)
            return
        self.push_screen(HelpScreen(self.screen))

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        """The palette offers what makes sense on the screen it was opened from."""
        from .commands import commands_for

        yield from commands_for(self, screen)
        yield from super().get_system_commands(screen)


def run(url: str, *, user: str | None, config: UserConfig) -> int:
    app = PipelineApp(url, user=user, config=config)
    result = app.run()
    return result if isinstance(result, int) else (app.return_code or 0)


__all__ = ["PipelineApp", "run"]
