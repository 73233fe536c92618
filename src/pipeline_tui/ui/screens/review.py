"""The walk: one deal at a time, what changed since the last review, decisions in a key.

The banner shows the forecast at the start of the meeting beside the forecast now, so the
room sees what each decision did. Time is kept per deal and for the meeting; leaving the
screen (or quitting) keeps the review, and `r` on the board resumes it.
"""

from __future__ import annotations

import contextlib
import itertools
import time
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import ActiveBinding, Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Static

from ...display import clean, display_text
from ...errors import ConflictError, PipelineError, user_message
from ...forecast.metrics import unconverted_text
from ...labels import category_label, date_text
from ...models import next_category
from ...money import format_money
from ...parsing import ParseError, parse_amount, parse_date
from ...periods import quarter_containing
from ...reviews import (
    FieldDiff,
    ReviewedDeal,
    ReviewForecast,
    ReviewState,
    ReviewSummary,
)
from ...services.deals import DealCard
from ...services.edit_types import SetCloseDate
from ...services.workspace import EditResult, Workspace
from ..live import mark_changed
from ..messages import DataChanged, KeepReviewTime, LoadFailed
from ..widgets.deal_view import deal_fields, notes_text
from ..widgets.paging import PagedCursor
from ..widgets.prompt import Prompt, prompt_status_footer
from .editing import DealEditor, screen_keys_first, status_line
from .review_banner import money_change, ratio_change
from .review_calls import ReviewCalls
from .review_summary import ReviewSummaryScreen

CATEGORY_WORDS = {
    "c": "commit", "commit": "commit",
    "b": "best_case", "best": "best_case", "best_case": "best_case", "bestcase": "best_case",
    "p": "pipeline", "pipeline": "pipeline",
    "o": "omitted", "omit": "omitted", "omitted": "omitted",
}  # fmt: skip


class ReviewLoaded(Message):
    """`live`: read again because someone else changed something, not after a step here."""

    def __init__(
        self,
        state: ReviewState,
        deal: ReviewedDeal,
        forecast: ReviewForecast,
        seq: int,
        *,
        live: bool = False,
    ) -> None:
        super().__init__()
        self.state, self.deal, self.forecast, self.seq = state, deal, forecast, seq
        self.live = live


class WalkLanded(Message):
    """A step of the walk has finished (or failed): the next key in the queue may go."""


class ReviewEnded(Message):
    def __init__(self, summary: ReviewSummary) -> None:
        super().__init__()
        self.summary = summary


def parse_judgment(text: str) -> tuple[str, Decimal | None, str | None]:
    """`commit 450k strong champion` -> (category, amount, note); amount and note optional."""
    words = text.split()
    if not words or words[0].lower() not in CATEGORY_WORDS:
        raise ValueError(
            "Start with the category you believe: commit, best, pipeline or omit "
            "(c/b/p/o), then an amount if it differs, then a note"
        )
    category = CATEGORY_WORDS[words[0].lower()]
    amount = None
    rest = words[1:]
    if rest:
        try:
            amount = parse_amount(rest[0])
            rest = rest[1:]
        except ParseError:
            amount = None
    return category, amount, " ".join(rest) or None


def diff_table(title: str, diffs: tuple[FieldDiff, ...], empty: str, currency: str) -> Table:
    table = Table(
        title=title,
        title_justify="left",
        title_style="bold",
        show_edge=False,
        box=None,
        padding=(0, 1),
        expand=True,
    )
    table.add_column(style="dim", no_wrap=True)
    table.add_column(style="red")
    table.add_column(style="dim")
    table.add_column(style="green")
    if not diffs:
        table.add_row(Text(empty, style="dim"), Text(), Text(), Text())
    for diff in diffs:
        table.add_row(
            display_text(diff.label),
            display_text(diff.before_text(currency)),
            Text("→"),
            display_text(diff.after_text(currency)),
        )
    return table


class ReviewScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("space,right", "next", "Next", key_display="space", id="review.next"),
        Binding("left", "previous", "Previous", show=False, id="review.previous"),
        Binding("s", "skip", "Skip", id="review.skip"),
        Binding("M", "cycle_judgment", "Mgr category", show=False, id="review.cycle_judgment"),
        Binding("m", "judgment", "Judgment", id="review.judgment"),
        Binding("f", "action_item", "Action", id="review.action_item"),
        Binding("p", "push", "Push a quarter", show=False, id="review.push"),
        Binding("F", "call", "Rep's call", show=False, id="review.call"),
        Binding("e", "end", "End review", id="review.end"),
        Binding("escape", "leave", "Pause", id="review.leave"),
        # Over the app's quit: a meeting is not ended by a stray key.
        Binding("q", "quit_review", "Quit", show=False, id="review.quit"),
    ]

    def __init__(
        self,
        workspace: Workspace,
        state: ReviewState,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(id="review")
        self.workspace = workspace
        self.editor = DealEditor(workspace, self)
        self.calls = ReviewCalls(workspace, self)
        self.state = state
        self.reviewed: ReviewedDeal | None = None
        self.clock = clock
        self._deal_started = clock()
        # Loads run side by side (a move, a reload after an edit, someone else's change);
        # only a newer one than what is shown may replace it. `next` on a count is safe
        # from worker threads.
        self._loads = itertools.count(1)
        self._shown = 0
        # Someone else changed something while another screen was on top: read it again.
        self._stale = False

    @property
    def active_bindings(self) -> dict[str, ActiveBinding]:
        return screen_keys_first(self, super().active_bindings)

    def compose(self) -> ComposeResult:
        yield Static(id="review-banner")
        yield Static(id="review-progress")
        yield Static(id="review-title")
        with self.editor, Horizontal(id="review-body"):
            with VerticalScroll(id="review-deal", classes="pane"):
                yield Static(id="review-fields")
                yield Static(id="review-notes")
            with VerticalScroll(id="review-side", classes="pane"):
                yield Static(id="review-call")
                yield Static(id="review-diffs")
                yield Static(id="review-judgment")
                yield Static(id="review-actions")
        yield from prompt_status_footer()
        yield self.calls

    def on_mount(self) -> None:
        self.query_one("#review-deal").focus()
        self.set_interval(1, self._tick)
        # Keys typed before the first deal shows wait for it, like those behind a move.
        self.editor.hold("Opening the review", lambda: self._load(None, walk=True))

    # Loading ------------------------------------------------------------------------
    @work(thread=True, group="review")
    def _load(self, step: tuple[int, str | None, int, int] | None, *, walk: bool = False) -> None:
        """Optionally move first (to index, mark, seconds spent, from the index shown),
        then load the deal. `walk`: a step of the walk's queue, which waits for it."""
        try:
            self._read(step)
        finally:
            if walk:
                self.post_message(WalkLanded())

    def _read(self, step: tuple[int, str | None, int, int] | None) -> None:
        ws, review_id = self.workspace, self.state.id
        try:
            if step is None:
                # Numbered just before reading, so a higher number never shows older data;
                # the walk's position is read too, since a move may have landed meanwhile.
                seq = next(self._loads)
                state = ws.get_review(review_id)
            else:
                to_index, mark, seconds, shown = step
                try:
                    state = ws.move_review(
                        review_id,
                        to_index,
                        mark=mark,
                        seconds_spent=seconds,
                        from_index=shown,
                    )
                except ConflictError as exc:  # someone moved the review on: go where it is
                    self.post_message(LoadFailed(user_message(exc, ws.secrets)))
                    state = ws.get_review(review_id)  # where the review is now
                seq = next(self._loads)
            deal = ws.review_deal(review_id)
            forecast = ws.review_forecast(review_id)
        except PipelineError as exc:
            self.post_message(LoadFailed(user_message(exc, ws.secrets)))
            return
        self.post_message(ReviewLoaded(state, deal, forecast, seq))

    def on_load_failed(self, message: LoadFailed) -> None:
        self.show_status(message.error, error=True)

    def on_walk_landed(self, message: WalkLanded) -> None:
        self.editor.release()

    # Live updates -------------------------------------------------------------------
    def on_data_changed(self, _message: DataChanged) -> None:
        if not self.is_current:
            self._stale = True
        else:
            self._live_load()

    def on_screen_resume(self) -> None:
        if self._stale:
            self._stale = False
            self.on_data_changed(DataChanged(0))

    @work(thread=True, group="review")
    def _live_load(self) -> None:
        """The review, its deal and the banner as they are now; numbered like every load,
        so a step's own load read after it wins and one read before it is dropped."""
        ws, review_id = self.workspace, self.state.id
        try:
            seq = next(self._loads)
            state = ws.get_review(review_id)
            deal = ws.review_deal(review_id)
            forecast = ws.review_forecast(review_id)
        except PipelineError as exc:
            self.post_message(LoadFailed(user_message(exc, ws.secrets)))
            return
        self.post_message(ReviewLoaded(state, deal, forecast, seq, live=True))

    def on_review_loaded(self, message: ReviewLoaded) -> None:
        if message.seq < self._shown:  # read before a load already shown: older news
            return
        self._shown = message.seq
        seen = self.reviewed.deal if self.reviewed is not None else None
        moved = self.reviewed is None or message.deal.deal.id != self.reviewed.deal.id
        self.state, self.reviewed = message.state, message.deal
        if moved:
            self._deal_started = self.clock()
        ws = self.workspace
        r = message.deal
        title = Text(no_wrap=True, overflow="ellipsis")
        title.append(f" {clean(r.deal.name)} ", style="bold reverse")
        title.append(f"  {clean(r.deal.account or 'no account')} · {clean(r.deal.owner_name)}")
        if r.item.status != "pending":
            title.append(f"  ({r.item.status})", style="dim")
        self.query_one("#review-title", Static).update(title)
        self.query_one("#review-fields", Static).update(
            deal_fields(r.deal, ws.settings.currency, ws.today())
        )
        self.query_one("#review-notes", Static).update(notes_text(r.deal))
        side = Table.grid(expand=True)
        side.add_row(
            diff_table(
                "Changed since the last review",
                r.changes_since_last_review,
                "nothing" if r.baseline_at else "first review of this deal",
                ws.settings.currency,
            )
        )
        side.add_row(Text())
        side.add_row(
            diff_table(
                "Changed in this meeting", r.changes_in_review, "nothing yet", ws.settings.currency
            )
        )
        self.query_one("#review-diffs", Static).update(side)
        self.query_one("#review-judgment", Static).update(self._judgment_text(r))
        self.query_one("#review-actions", Static).update(self._actions_text(r))
        self._show_banner(message.forecast)
        self.calls.show(r.deal.owner_id)  # read again too: the rep may call from elsewhere
        self._tick()
        if seen is not None and not moved and ws.changed_by_others(seen, r.deal):
            mark_changed(self.query_one("#review-fields"))

    def _show_banner(self, forecast: ReviewForecast) -> None:
        currency = self.workspace.settings.currency
        now = forecast.now.figures
        start = forecast.start.figures if forecast.start else None
        text = Text(no_wrap=True, overflow="ellipsis")
        text.append(" Forecast ", style="bold reverse")

        def figure(label: str, before: Decimal | None, after: Decimal) -> None:
            text.append(f"  {label} ")
            text.append_text(money_change(before, after, currency))

        figure("Commit", start.commit if start else None, now.commit)
        figure("Best case", start.best_case if start else None, now.best_case)
        figure("Weighted", start.weighted if start else None, now.weighted)
        text.append("  Coverage ")
        text.append_text(ratio_change(start.coverage if start else None, now.coverage))
        if now.all_pipelines:  # quotas are per person: coverage counts every pipeline
            text.append(" (all pipelines)", style="dim")
        left_out = unconverted_text(now)
        if left_out:
            text.append(f"  {left_out}", style="bold yellow")
        self.query_one("#review-banner", Static).update(text)

    def _tick(self) -> None:
        if not self.state.items:
            self.query_one("#review-progress", Static).update(Text("This review has no deals."))
            return
        spent = int(self.clock() - self._deal_started)
        current = self.state.current
        deal_seconds = (current.seconds_spent if current else 0) + spent
        meeting = self.state.elapsed_seconds + spent
        text = Text(no_wrap=True, overflow="ellipsis")
        text.append(f" {clean(self.state.progress().text)} ", style="bold")  # a stage name
        text.append(f" · deal {_clock(deal_seconds)} · meeting {_clock(meeting)}", style="dim")
        text.append(f" · {clean(self.state.scope_label)}, {self.state.period.label}", style="dim")
        self.query_one("#review-progress", Static).update(text)

    def _judgment_text(self, r: ReviewedDeal) -> Text:
        # A judged amount is in the deal's own currency, like the rep's.
        currency = r.deal.currency or self.workspace.settings.currency
        text = Text("\nManager's call\n", style="bold")
        j = r.judgment
        rep = f"{category_label(r.deal.forecast_category)} {format_money(r.deal.amount, currency)}"
        text.append(f"  Rep: {rep}\n")
        if j is None:
            text.append(
                "  none yet: M cycles a category, m sets category, amount, note\n", style="dim"
            )
            return text
        text.append(f"  {clean(j.manager_name)}: ", style="bold")
        text.append(
            f"{category_label(j.manager_category)} {format_money(j.manager_amount, currency)}"
        )
        if j.note:
            text.append(f" — {clean(j.note)}", style="italic")
        text.append("\n")
        return text

    def _actions_text(self, r: ReviewedDeal) -> Text:
        text = Text("\nAction items\n", style="bold")
        if not r.action_items:
            text.append("  none: f adds one (text @owner due:fri)\n", style="dim")
        for item in r.action_items:
            mark = "✓" if item.done else "•"
            due = f" due {date_text(item.due_date)}" if item.due_date else ""
            text.append(f"  {mark} {clean(item.text)}")
            text.append(f" ({clean(item.owner_name or 'unassigned')}{due})\n", style="dim")
        return text

    # What the editor is given -------------------------------------------------------
    def selected_deal(self) -> DealCard | None:
        return self.reviewed.deal if self.reviewed else None

    def show_status(self, text: str, *, error: bool = False) -> None:
        status_line(self, text, error=error)

    def prompt(self) -> Prompt:
        return self.query_one(Prompt)

    def cursor_waiting(self) -> PagedCursor | None:
        return None  # the walk's moves are holds of their own

    def after_edit(self, result: EditResult | None, *, follow: bool = False) -> None:
        self._load(None)  # not a hold: the next key need not wait for the redraw

    # The walk -----------------------------------------------------------------------
    def _seconds_here(self) -> int:
        return max(0, int(self.clock() - self._deal_started))

    def _walk(self, label: str, where: Callable[[int], tuple[int, str | None] | None]) -> None:
        """Queues a move behind the saves and moves typed before it. `where` is asked when
        its turn comes, from the index shown then, so `space space` moves two deals."""

        def start() -> None:
            target = where(self.state.current_index) if self.reviewed is not None else None
            if target is None:
                self.editor.release()
                return
            to_index, mark = target
            step = (to_index, mark, self._seconds_here(), self.state.current_index)
            self._load(step, walk=True)

        self.editor.hold(label, start)

    # Forecast calls (`review_calls`) -------------------------------------------------
    def show_call(self, text: Text) -> None:
        self.query_one("#review-call", Static).update(text)

    def current_owner(self) -> int | None:
        return self.reviewed.deal.owner_id if self.reviewed is not None else None

    def action_call(self) -> None:
        owner = self.current_owner()
        if owner is not None:
            self.calls.ask(owner)

    def action_next(self) -> None:
        # Leaving a rep's last deal ends their part of the meeting: ask for their call.
        closing = self.calls.closing_owner(self.state.current_index)
        if closing is not None and not self.prompt().is_open:
            self.calls.ask(closing, closing=True)

        def where(index: int) -> tuple[int, str | None]:
            if index + 1 >= self.state.total:
                self.show_status("That was the last deal: e ends the review and shows the summary")
                return index, "reviewed"
            return index + 1, "reviewed"

        self._walk("Next deal", where)

    def action_previous(self) -> None:
        def where(index: int) -> tuple[int, str | None] | None:
            if index == 0:
                self.show_status("This is the first deal", error=True)
                return None
            return index - 1, None

        self._walk("Previous deal", where)

    def action_skip(self) -> None:
        self._walk("Skip", lambda index: (min(index + 1, self.state.total - 1), "skipped"))

    def action_push(self) -> None:
        """The most common forecast call, "it slips", in one key: close at the end of the
        following quarter."""
        r = self.reviewed
        if r is None:
            return
        ws = self.workspace
        fy = ws.settings.fiscal_year_start_month
        quarter = quarter_containing(r.deal.close_date or ws.today(), fy).shift(1)
        assert quarter.end is not None
        self.editor.edit(SetCloseDate(quarter.end, fy))

    def action_cycle_judgment(self) -> None:
        # Cycled from the call shown when its turn comes, so `M M` steps twice.
        def start() -> None:
            r = self.reviewed
            if r is None:
                self.editor.release()
                return
            current = r.judgment.manager_category if r.judgment else r.deal.forecast_category
            self._judge(r, next_category(current, backwards=True), None, None)

        self.editor.hold("Manager's category", start)

    def action_judgment(self) -> None:
        r = self.reviewed
        if r is None:
            return

        def submit(text: str) -> str | None:
            try:
                category, amount, note = parse_judgment(text)
            except ValueError as exc:
                return str(exc)
            self.editor.hold("Manager's call", lambda: self._judge(r, category, amount, note))
            return None

        self.prompt().ask("Your call:", submit, placeholder="commit 450k champion signed off")

    @work(thread=True, group="edit")
    def _judge(
        self, seen: ReviewedDeal, category: str, amount: Decimal | None, note: str | None
    ) -> None:
        """Records the call made on `seen`, the deal and judgment as shown when it was made;
        a step of the walk's queue."""
        try:
            self._record_judgment(seen, category, amount, note)
        finally:
            self.post_message(WalkLanded())

    def _record_judgment(
        self, seen: ReviewedDeal, category: str, amount: Decimal | None, note: str | None
    ) -> None:
        ws = self.workspace
        try:
            ws.record_judgment(
                self.state.id,
                seen.deal,
                category,
                amount,
                note,
                expected_judgment_id=seen.judgment.id if seen.judgment else None,
            )
        except ConflictError as exc:  # someone else decided first: show what they did
            self.post_message(LoadFailed(user_message(exc, ws.secrets)))
            self._read(None)  # show what the other person did
            return
        except PipelineError as exc:
            self.post_message(LoadFailed(user_message(exc, ws.secrets)))
            return
        self._read(None)

    def action_action_item(self) -> None:
        r = self.reviewed
        if r is None:
            return
        ws = self.workspace

        def submit(text: str) -> str | None:
            words, owner, due = [], r.deal.owner_id, None
            for word in text.split():
                if word.startswith("@") and len(word) > 1:
                    person = ws.org.by_login(word[1:])
                    if person is None:
                        return f"No one has the login '{word[1:]}'"
                    owner = person.id
                elif word.lower().startswith("due:"):
                    try:
                        due = parse_date(
                            word[4:],
                            today=ws.today(),
                            fiscal_year_start_month=ws.settings.fiscal_year_start_month,
                        )
                    except ParseError as exc:
                        return str(exc)
                else:
                    words.append(word)
            if not words:
                return "Say what has to happen (then @owner and due:DATE if needed)"
            self._add_action(r.deal, " ".join(words), owner, due)
            return None

        self.prompt().ask("Action:", submit, placeholder="Send the MSA @alex.kim due:fri")

    @work(thread=True, group="edit")
    def _add_action(self, deal: DealCard, text: str, owner: int, due: date | None) -> None:
        ws = self.workspace
        try:
            ws.add_action_item(self.state.id, deal, text, owner, due)
        except ConflictError as exc:  # someone else decided first: show what they did
            self.post_message(LoadFailed(user_message(exc, ws.secrets)))
            self._read(None)
            return
        except PipelineError as exc:
            self.post_message(LoadFailed(user_message(exc, ws.secrets)))
            return
        self._read(None)

    def action_end(self) -> None:
        # After the saves and moves typed before it: the summary counts them.
        self.editor.hold("End the review", lambda: self._end(self._seconds_here()))

    @work(thread=True, group="review")
    def _end(self, seconds: int) -> None:
        ws = self.workspace
        try:
            summary = ws.end_review(self.state.id, seconds_spent=seconds)
        except PipelineError as exc:
            self.post_message(LoadFailed(user_message(exc, ws.secrets)))
            self.post_message(WalkLanded())
            return
        self.post_message(ReviewEnded(summary))

    def on_review_ended(self, message: ReviewEnded) -> None:
        self.app.switch_screen(ReviewSummaryScreen(message.summary))

    def action_leave(self) -> None:
        if self.prompt().is_open:
            self.prompt().close()
            return
        # After the moves typed before it, so the time is kept on the deal they reached.
        self.editor.hold("Pause the review", self._leave)

    def _leave(self) -> None:
        # The app keeps the time on this deal: this screen's own workers end with it.
        self.app.post_message(
            KeepReviewTime(self.state.id, self.state.current_index, self._seconds_here())
        )
        self.dismiss(None)

    def action_quit_review(self) -> None:
        if self.prompt().is_open:
            return

        def submit(text: str) -> str | None:
            answer = text.strip().casefold()
            if answer in ("y", "yes"):
                self.editor.hold("Quit", self._quit)
            elif answer in ("", "n", "no"):
                self.show_status("Still in the review (it is kept either way)")
            else:
                return "y quits (the review is kept: r resumes it), n stays"
            return None

        self.prompt().ask(
            "Quit? The review is kept (r resumes it). y/n:",
            submit,
            placeholder="y quits, n or escape stays",
        )

    def _quit(self) -> None:
        self._keep_time_then_quit(self.state.id, self.state.current_index, self._seconds_here())

    @work(thread=True, group="review")
    def _keep_time_then_quit(self, review_id: int, index: int, seconds: int) -> None:
        # Kept before the app goes: its workers end with it.
        ws = self.workspace
        # On failure the review itself is kept; only this deal's last seconds are lost.
        with contextlib.suppress(PipelineError):
            ws.move_review(review_id, index, seconds_spent=seconds)
        self.app.call_from_thread(self.app.exit)


def _clock(seconds: int) -> str:
    minutes, seconds = divmod(max(0, seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes:02d}:{seconds:02d}"
