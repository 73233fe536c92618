"""Starting, resuming and ending reviews from the board (`r` and the command palette)."""

from __future__ import annotations

from typing import Any

from textual import work
from textual.message import Message

from ...reviews import ReviewError, ReviewScope, ReviewState, end_review, open_review, start_review
from .editing import DealEditing
from .review_setup import ReviewOptions, ReviewSetupScreen


class ReviewFound(Message):
    def __init__(self, state: ReviewState | None, intent: str) -> None:
        super().__init__()
        self.state, self.intent = state, intent


class ReviewReady(Message):
    def __init__(self, state: ReviewState) -> None:
        super().__init__()
        self.state = state


class ReviewFlow(DealEditing):
    """Mixed into the main screen; expects `state` (the board's ViewState) and `reload`."""

    state: Any

    def action_review(self) -> None:
        self.find_review("resume_or_start")

    @work(thread=True, group="review")
    def find_review(self, intent: str) -> None:
        ws = self.pipeline_app.workspace
        self.post_message(ReviewFound(open_review(ws.engine, ws.me.id), intent))

    def on_review_found(self, message: ReviewFound) -> None:
        state, intent = message.state, message.intent
        if intent == "notice":
            if state is not None and state.current is not None:
                self.show_status(
                    f"Your review of {state.scope_label} stopped at "
                    f"{state.progress().text}: r resumes it"
                )
            return
        if intent == "end":
            if state is None:
                self.show_status("No review is open", error=True)
            else:
                self._end(state.id)
            return
        if state is not None and intent in ("resume", "resume_or_start"):
            self._open_walk(state)
        elif state is not None:
            self.show_status(
                "A review is still open: resume it (r) or end it (palette: End review) first",
                error=True,
            )
        elif intent == "resume":
            self.show_status("There is no unfinished review to resume", error=True)
        else:
            self._ask_options()

    def _ask_options(self) -> None:
        ws = self.pipeline_app.workspace
        stages = [(c.stage.stage_id, c.stage.name) for c in self.query_stage_columns()]
        setup = ReviewSetupScreen(ws, self.state.period, stages)
        self.app.push_screen(setup, callback=self._options_chosen)

    def _failed(self, error: str) -> None:
        self.show_status(error, error=True)

    def query_stage_columns(self) -> list[Any]:
        raise NotImplementedError

    def _options_chosen(self, options: ReviewOptions | None) -> None:
        if options is not None:
            self._start(options)

    @work(thread=True, group="review")
    def _start(self, options: ReviewOptions) -> None:
        ws = self.pipeline_app.workspace
        scope = ReviewScope(options.owner_id, options.subtree, self.state.pipeline_id)
        try:
            state = start_review(
                ws.engine,
                started_by=ws.me.id,
                scope=scope,
                period=options.period,
                today=ws.today(),
                stage_ids=options.stage_ids,
                min_amount=options.min_amount,
                changed_only=options.changed_only,
                latest_stage_first=options.latest_stage_first,
            )
        except (ReviewError, LookupError) as exc:
            self.app.call_from_thread(self._failed, str(exc))
            return
        self.post_message(ReviewReady(state))

    def on_review_ready(self, message: ReviewReady) -> None:
        if not message.state.items:
            self.show_status("No deals match that review; nothing to walk", error=True)
            self._end(message.state.id)
            return
        self._open_walk(message.state)

    def _open_walk(self, state: ReviewState) -> None:
        from .review import ReviewScreen

        screen = ReviewScreen(state, self.pipeline_app.clock)
        self.app.push_screen(screen, callback=lambda _: self.reload())

    @work(thread=True, group="review")
    def _end(self, review_id: int) -> None:
        from .review import ReviewEnded

        ws = self.pipeline_app.workspace
        try:
            summary = end_review(ws.engine, review_id, today=ws.today())
        except (ReviewError, LookupError) as exc:
            self.app.call_from_thread(self._failed, str(exc))
            return
        self.post_message(ReviewEnded(summary))

    def on_review_ended(self, message: Any) -> None:
        from .review_summary import ReviewSummaryScreen

        if message.summary.review.total:
            self.app.push_screen(
                ReviewSummaryScreen(message.summary), callback=lambda _: self.reload()
            )

    def reload(self, *, keep_deal: int | None = None) -> None:
        raise NotImplementedError
