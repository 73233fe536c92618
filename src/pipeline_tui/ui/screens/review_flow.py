"""Starting, resuming and ending reviews from the board (`r` and the command palette).

The board owns a `ReviewLauncher` (a hidden widget) and gives it a `ReviewHost`: what
it shows, its stage columns, its status line and how to reload.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

from textual import work
from textual.message import Message
from textual.widget import Widget

from ...errors import PipelineError, user_message
from ...reviews import ReviewScope, ReviewState
from ...services.workspace import Workspace
from ..state import ViewState

# The review screens are imported when a review opens: the board's first frame waits for
# this module (the summary screen alone brings in a Markdown parser).
if TYPE_CHECKING:
    from .review import ReviewEnded
    from .review_setup import ReviewOptions


class ReviewFound(Message):
    def __init__(self, state: ReviewState | None, intent: str) -> None:
        super().__init__()
        self.state, self.intent = state, intent


class ReviewReady(Message):
    def __init__(self, state: ReviewState) -> None:
        super().__init__()
        self.state = state


class ReviewFailed(Message):
    def __init__(self, error: str) -> None:
        super().__init__()
        self.error = error


class ReviewHost(Protocol):
    """What the board gives its `ReviewLauncher`."""

    state: ViewState  # the period and pipeline on the board

    def stage_choices(self) -> list[tuple[int, str]]: ...

    def show_status(self, text: str, *, error: bool = False) -> None: ...

    def reload(self, *, keep_deal: int | None = None) -> None: ...


class ReviewLauncher(Widget):
    def __init__(self, workspace: Workspace, host: ReviewHost, clock: Callable[[], float]) -> None:
        super().__init__(id="review-launcher")
        self.display = False
        self.workspace, self.host, self.clock = workspace, host, clock

    @work(thread=True, group="review")
    def find_review(self, intent: str) -> None:
        ws = self.workspace
        self.post_message(ReviewFound(ws.open_review(), intent))

    def on_review_found(self, message: ReviewFound) -> None:
        state, intent, host = message.state, message.intent, self.host
        if intent == "notice":
            if state is not None and state.current is not None:
                host.show_status(
                    f"Your review of {state.scope_label} stopped at "
                    f"{state.progress().text}: r resumes it"
                )
            return
        if intent == "end":
            if state is None:
                host.show_status("No review is open", error=True)
            else:
                self._end(state.id)
            return
        if state is not None and intent in ("resume", "resume_or_start"):
            self._open_walk(state)
        elif state is not None:
            host.show_status(
                "A review is still open: resume it (r) or end it (palette: End review) first",
                error=True,
            )
        elif intent == "resume":
            host.show_status("There is no unfinished review to resume", error=True)
        else:
            self._ask_options()

    def on_review_failed(self, message: ReviewFailed) -> None:
        self.host.show_status(message.error, error=True)

    def _ask_options(self) -> None:
        from .review_setup import ReviewSetupScreen

        state = self.host.state
        owner = (state.owner.person_id, state.owner.subtree)
        setup = ReviewSetupScreen(self.workspace, state.period, self.host.stage_choices(), owner)
        self.app.push_screen(setup, callback=self._options_chosen)

    def _options_chosen(self, options: ReviewOptions | None) -> None:
        if options is not None:
            self._start(options)

    @work(thread=True, group="review")
    def _start(self, options: ReviewOptions) -> None:
        ws = self.workspace
        scope = ReviewScope(options.owner_id, options.subtree, self.host.state.pipeline_id)
        try:
            state = ws.start_review(
                scope,
                options.period,
                stage_ids=options.stage_ids,
                min_amount=options.min_amount,
                changed_only=options.changed_only,
                latest_stage_first=options.latest_stage_first,
            )
        except PipelineError as exc:
            self.post_message(ReviewFailed(user_message(exc, ws.secrets)))
            return
        self.post_message(ReviewReady(state))

    def on_review_ready(self, message: ReviewReady) -> None:
        if not message.state.items:
            self.host.show_status("No deals match that review; nothing to walk", error=True)
            self._end(message.state.id)
            return
        self._open_walk(message.state)

    def _open_walk(self, state: ReviewState) -> None:
        from .review import ReviewScreen

        screen = ReviewScreen(self.workspace, state, self.clock)
        self.app.push_screen(screen, callback=self._paused)

    def _paused(self, _result: None) -> None:
        """The walk was left with escape (ending it goes to the summary instead)."""
        self.host.reload()
        self.host.show_status("Review paused: r resumes")

    @work(thread=True, group="review")
    def _end(self, review_id: int) -> None:
        ws = self.workspace
        try:
            summary = ws.end_review(review_id)
        except PipelineError as exc:
            self.post_message(ReviewFailed(user_message(exc, ws.secrets)))
            return
        from .review import ReviewEnded

        self.post_message(ReviewEnded(summary))

    def on_review_ended(self, message: ReviewEnded) -> None:
        from .review_summary import ReviewSummaryScreen

        message.stop()
        if message.summary.review.total:
            self.app.push_screen(
                ReviewSummaryScreen(message.summary), callback=lambda _: self.host.reload()
            )
