"""Results coming back from thread workers to the screen that asked for them."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.message import Message

if TYPE_CHECKING:  # only named here: the app's first frame needs none of the session
    from ..errors import StorageError
    from ..forecast.metrics import ForecastFigures
    from ..services.deals import DealCard
    from ..services.detail import DealDetail
    from ..services.workspace import (
        BoardPatch,
        BoardSnapshot,
        ChangeMark,
        ColumnPage,
        EditResult,
    )


class BoardLoaded(Message):
    """`top`: each column starts at its first card, scrolled to the top (a new sort)."""

    def __init__(
        self, snapshot: BoardSnapshot, keep: dict[int, int], generation: int, *, top: bool = False
    ) -> None:
        super().__init__()
        self.snapshot, self.keep, self.generation, self.top = snapshot, keep, generation, top


class ColumnLoaded(Message):
    def __init__(self, page: ColumnPage, highlight: int, generation: int) -> None:
        super().__init__()
        self.page, self.highlight, self.generation = page, highlight, generation


class TableLoaded(Message):
    def __init__(
        self,
        figures: ForecastFigures | None,
        cards: list[DealCard],
        offset: int,
        total: int,
        keep_deal: int | None,
        highlight: int | None,
        generation: int,
    ) -> None:
        super().__init__()
        self.figures, self.cards, self.offset, self.total = figures, cards, offset, total
        self.keep_deal, self.highlight, self.generation = keep_deal, highlight, generation


class TablePrefetched(Message):
    """The table's next page, read ahead of the cursor; `cards` None if the read failed."""

    def __init__(self, cards: list[DealCard] | None, offset: int, generation: int) -> None:
        super().__init__()
        self.cards, self.offset, self.generation = cards, offset, generation


class EditDone(Message):
    """`follow`: the cursor goes to the deal changed (an undo's, say), wherever it was."""

    def __init__(self, result: EditResult | None, summary: str, *, follow: bool = False) -> None:
        super().__init__()
        self.result, self.summary, self.follow = result, summary, follow


class EditFailed(Message):
    """`fault`: the database failed (locked, full, read-only, connection lost), so the
    edit running then was not saved."""

    def __init__(
        self, error: str, *, reload: bool = False, fault: StorageError | None = None
    ) -> None:
        super().__init__()
        self.error, self.reload, self.fault = error, reload, fault


class DatabaseWaiting(Message):
    """A worker found the database locked and is waiting for it (posted from its thread)."""


class DealLoaded(Message):
    def __init__(self, detail: DealDetail) -> None:
        super().__init__()
        self.detail = detail


class LoadFailed(Message):
    def __init__(self, error: str) -> None:
        super().__init__()
        self.error = error


class CheckConnection(Message):
    """To the app: an edit found the connection lost; try it again and say how it went."""


class KeepReviewTime(Message):
    """To the app: the time spent on a review's deal, kept after its screen has closed."""

    def __init__(self, review_id: int, index: int, seconds: int) -> None:
        super().__init__()
        self.review_id, self.index, self.seconds = review_id, index, seconds


class DataChanged(Message, bubble=False):
    """Someone else changed the database: every open screen reads what it shows again.

    The app sends one to each screen; it never bubbles back up to the app (which would
    send it to every screen again)."""

    def __init__(self, token: int) -> None:
        super().__init__()
        self.token = token


class BoardPatched(Message):
    """Part of the board read again: after this session's edits (`writes`: how many had
    landed when the read began) or, with `mark`, someone else's changes."""

    def __init__(
        self,
        patch: BoardPatch,
        pages: list[ColumnPage],
        deal_ids: frozenset[int],
        *,
        reorder: bool,
        writes: int,
        generation: int,
        mark: ChangeMark | None = None,
        stale_columns: bool = False,
    ) -> None:
        super().__init__()
        self.patch, self.pages, self.deal_ids, self.reorder = patch, pages, deal_ids, reorder
        self.writes, self.generation, self.mark = writes, generation, mark
        # A stage read is no longer a column (a retired stage emptied): read it all again.
        self.stale_columns = stale_columns


class ChangesUnknown(Message):
    """What someone else changed can't be told deal by deal: read everything again."""
