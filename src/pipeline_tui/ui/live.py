"""Live updates on screen: a deal someone else changed is marked for a moment."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual.widget import Widget
from textual.widgets import DataTable

# Long enough to catch the eye, short enough not to be mistaken for a state.
MARK_SECONDS = 2.0
MARK_CLASS = "live-changed"
CHANGED_STYLE = "on dark_goldenrod"


def mark_changed(widget: Widget, seconds: float = MARK_SECONDS) -> None:
    """Gives `widget` the `live-changed` class (app.tcss) for `seconds`."""
    widget.add_class(MARK_CLASS)
    widget.set_timer(seconds, lambda: widget.remove_class(MARK_CLASS))


def keep_place(table: DataTable[Any]) -> Callable[[], None]:
    """Call before refilling `table`; what it returns, after: the cursor goes back to its
    row and the table to where it was scrolled (a refill starts at the top otherwise)."""
    row, scrolled = table.cursor_row, table.scroll_offset

    def restore() -> None:
        if table.row_count:
            table.move_cursor(row=min(row, table.row_count - 1), animate=False, scroll=False)
        table.scroll_to(scrolled.x, scrolled.y, animate=False, immediate=True)

    return restore


class DealMark:
    """The deal a list shows in the changed style, for a moment. The list knows how to
    restyle one of its deals (`restyle(deal_id, style)`: False when it doesn't show it)."""

    def __init__(self, owner: Widget, restyle: Callable[[int, str | None], bool]) -> None:
        self._owner, self._restyle = owner, restyle
        self.deal_id: int | None = None

    def show(self, deal_id: int) -> None:
        if self._restyle(deal_id, CHANGED_STYLE):
            self.deal_id = deal_id
            self._owner.set_timer(MARK_SECONDS, lambda: self._clear(deal_id))

    def forget(self) -> None:
        """The list was redrawn: nothing on it is marked any more."""
        self.deal_id = None

    def _clear(self, deal_id: int) -> None:
        if self.deal_id == deal_id:
            self.deal_id = None
            self._restyle(deal_id, None)
