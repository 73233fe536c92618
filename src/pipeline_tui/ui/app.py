"""The Textual application: opens the workspace off the UI thread, then shows the board."""

from __future__ import annotations

import gc
import time
from collections.abc import Callable, Iterable
from datetime import date
from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual import work
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.screen import Screen
from textual.theme import Theme
from textual.widgets import Static
from textual.worker import WorkerFailed, get_current_worker

from ..config import ConfigError, UserConfig
from ..display import clean
from ..errors import PipelineError, user_message
from .messages import CheckConnection, DatabaseWaiting, DataChanged, KeepReviewTime
from .widgets.forecast_bar import ForecastBar

if TYPE_CHECKING:
    from ..services.workspace import Workspace
    from .config_check import ConfigCheck

# The session, the database layer and every screen are imported by the worker that opens
# the session, after the first frame: the layout shows at once, the figures as they come.

WAITING_NOTICE_SECONDS = 3.0
# How long the change watcher blocks before looking whether the app is closing.
LIVE_WAIT_SECONDS = 0.5


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
        live: bool = False,
        freeze_heap: bool = False,
    ) -> None:
        """`live`: show others' changes as they happen. `run` turns it on; tests and the
        pictures leave it off unless they test it, so that nothing depends on when a
        poll lands and their workers all finish. `freeze_heap`: once the session is open,
        keep what is in memory by then (modules, the database layer, the screens: some
        240,000 objects) out of the garbage collector's full passes, each of which
        otherwise stopped the screen for 0.25 s while a held key scrolled the table.
        `run` turns it on; tests, which start many apps in one process, leave it off."""
        super().__init__()
        self.url, self.user, self.today_fn, self.clock = url, user, today, clock
        self.live, self.freeze_heap = live, freeze_heap
        self.config = config or UserConfig()
        self.save_config = save_config
        self._workspace: Workspace | None = None
        self._waiting_shown = -WAITING_NOTICE_SECONDS
        if self.config.theme and self.config.theme in self.available_themes:
            self.theme = self.config.theme

    @property
    def workspace(self) -> Workspace:
        if self._workspace is None:
            raise RuntimeError("the workspace is not open yet")
        return self._workspace

    def compose(self) -> ComposeResult:
        # The main screen's layout before anything is read (its forecast bar's labels, its
        # place for the board), so the first frame is there at once; it is swapped for the
        # main screen, laid out the same, when the session is open.
        with Vertical(id="top"):
            yield Static(Text(" Opening the pipeline…", style="dim"), id="context")
            yield ForecastBar(id="forecast")
        yield Static(id="splash")

    def on_mount(self) -> None:
        self.theme_changed_signal.subscribe(self, self._remember_theme)
        self._open_workspace()

    def _apply_config(self, check: ConfigCheck) -> None:
        # What in the config can't be used is said at start; the rest still applies.
        if check.keymap:
            self.set_keymap(check.keymap)
        for problem in check.problems:
            self.notify(problem, severity="warning", timeout=15, markup=False)

    @work(thread=True, exclusive=True, group="open")
    def _open_workspace(self) -> None:
        from ..services.workspace import Workspace, WorkspaceError
        from ..storage.faults import as_pipeline_error
        from ..storage.opening import url_secrets
        from .config_check import check_config
        from .screens import main  # noqa: F401  (imported here, off the UI thread)

        # The check reads every screen's bindings: here, after the first frame, and before
        # the board so that the keymap applies to it.
        check = check_config(self.config, self.available_themes, type(self))
        self.call_from_thread(self._apply_config, check)
        secrets = url_secrets(self.url)
        try:
            workspace = Workspace.open(
                self.url, self.user, today=self.today_fn, on_wait=self._database_waiting
            )
        except WorkspaceError as exc:
            self.call_from_thread(self.exit, 2, 2, Text(user_message(exc, secrets)))
            return
        except Exception as exc:  # a database that can't be reached, say
            problem = as_pipeline_error(exc, secrets) or exc
            message = f"Can't open the pipeline: {user_message(problem, secrets)}"
            self.call_from_thread(self.exit, 2, 2, Text(message))
            return
        self.post_message(WorkspaceOpened(workspace))

    def on_workspace_opened(self, message: WorkspaceOpened) -> None:
        from .screens.main import MainScreen

        ws = self._workspace = message.workspace
        self.sub_title = clean(f"{ws.me.display_name} · {ws.display_url}")
        if ws.read_only is not None:
            self.sub_title += " · read-only"
            self.notify(
                clean(f"Opened read-only ({ws.read_only}): nothing can be changed"),
                severity="warning",
                timeout=10,
                markup=False,
            )
        self.push_screen(MainScreen(ws, self.clock))
        if self.freeze_heap:
            gc.freeze()  # no collection first: it would cost the first frame as much
        if self.live:
            self._watch_changes()

    # Live updates -------------------------------------------------------------------
    @work(thread=True, exclusive=True, group="live")
    def _watch_changes(self) -> None:
        """Waits for someone else's changes for as long as the app runs, and tells the
        screens (`DataChanged`); each reads what it shows again."""
        from ..storage.faults import as_pipeline_error

        ws, worker = self.workspace, get_current_worker()
        try:
            watcher = ws.watch()
        except Exception as exc:  # the app works without: each edit still checks versions
            problem = as_pipeline_error(exc, ws.secrets) or exc
            text = f"Live updates are off: {user_message(problem, ws.secrets)}"
            self.call_from_thread(self.notify, text, severity="warning", markup=False)
            return
        try:
            while not worker.is_cancelled:
                token = watcher.wait(LIVE_WAIT_SECONDS)
                if token is not None and not worker.is_cancelled:
                    self.post_message(DataChanged(token))
        finally:
            watcher.close()

    def on_data_changed(self, message: DataChanged) -> None:
        for screen in self.screen_stack:
            # Not to the app's own first screen (the splash, under the main one): it reads
            # nothing, and a message to it repaints the whole screen above it (Textual
            # passes a background screen's repaint up), which cost every live change, the
            # session's own writes included, a whole-screen frame.
            if type(screen) is not Screen:
                screen.post_message(DataChanged(message.token))

    # Faults -------------------------------------------------------------------------
    def _database_waiting(self) -> None:
        """Called from a worker's thread when the database is locked."""
        self.post_message(DatabaseWaiting())

    def on_database_waiting(self, _message: DatabaseWaiting) -> None:
        # Several workers can meet the same lock; one notice at a time is enough.
        now = time.monotonic()
        if now - self._waiting_shown < WAITING_NOTICE_SECONDS:
            return
        self._waiting_shown = now
        self.notify(
            "Waiting for the database… another program is writing to it",
            severity="warning",
            timeout=WAITING_NOTICE_SECONDS,
            markup=False,
        )

    def on_check_connection(self, _message: CheckConnection) -> None:
        self.check_connection()

    @work(thread=True, exclusive=True, group="reconnect")
    def check_connection(self) -> None:
        """After a lost connection: connects afresh and says whether that worked."""
        ws = self.workspace
        try:
            ws.ping()
        except PipelineError as exc:
            text = f"Still can't reach the database: {user_message(exc, ws.secrets)}"
            self.call_from_thread(self.notify, text, severity="error", markup=False)
            return
        self.call_from_thread(
            self.notify,
            "Reconnected to the database; unsaved edits can be made again",
            markup=False,
        )

    def _handle_exception(self, error: Exception) -> None:
        """A worker that met a database fault (or any of our errors) the screen that
        started it did not expect: say so in one line and keep running, because the
        default (exit with a traceback and its local variables) could print the URL."""
        from ..storage.faults import ConnectionLost, as_pipeline_error
        from ..storage.opening import url_secrets

        failure = error.error if isinstance(error, WorkerFailed) else None
        secrets = url_secrets(self.url)
        problem = as_pipeline_error(failure, secrets) if failure is not None else None
        if problem is None:
            super()._handle_exception(error)
            return
        self.notify(user_message(problem, secrets), severity="error", timeout=10, markup=False)
        if isinstance(problem, ConnectionLost) and self._workspace is not None:
            self.check_connection()

    def on_keep_review_time(self, message: KeepReviewTime) -> None:
        self.keep_review_time(message.review_id, message.index, message.seconds)

    @work(thread=True, group="review-time")
    def keep_review_time(self, review_id: int, index: int, seconds: int) -> None:
        """Records the time spent on a deal when its review is paused: the review screen
        has closed by then, and its own workers with it."""
        ws = self.workspace
        try:
            ws.move_review(review_id, index, seconds_spent=seconds)
        except PipelineError as exc:
            text = f"Couldn't keep the review time: {user_message(exc, ws.secrets)}"
            self.call_from_thread(self.notify, text, markup=False)

    def _remember_theme(self, theme: Theme) -> None:
        if not self.save_config or self.config.theme == theme.name:
            return
        self.config.theme = theme.name
        try:
            self.config.save()
        except (OSError, ConfigError) as exc:
            self.notify(clean(f"Couldn't save the theme: {exc}"), severity="warning", markup=False)

    def action_command_palette(self) -> None:
        """Textual's palette, made steady under bursts of keys (`palette.py`)."""
        from textual.command import CommandPalette

        from .palette import SteadyPalette

        if self.use_command_palette and not CommandPalette.is_open(self):  # type: ignore[arg-type]
            self.push_screen(SteadyPalette(id="--command-palette"))

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
    app = PipelineApp(url, user=user, config=config, live=True, freeze_heap=True)
    result = app.run()
    return result if isinstance(result, int) else (app.return_code or 0)


__all__ = ["PipelineApp", "run"]
