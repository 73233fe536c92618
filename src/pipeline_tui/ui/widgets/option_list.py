"""An OptionList whose page keys wait for its first layout.

Textual's `OptionList` pages by the lines it has measured, and it measures only once it has
a size: `pageup`/`pagedown` landing after its options and highlight were set but before
the next layout (a key in a burst, right after a screen opened or a board column was
mounted) raised `KeyError` out of `_move_page` and stopped the app.
"""

from __future__ import annotations

from textual.widgets import OptionList


class PagedOptionList(OptionList):
    def action_page_up(self) -> None:
        if self.scrollable_content_region:  # not laid out yet: no page to move by
            super().action_page_up()  # type: ignore[no-untyped-call]

    def action_page_down(self) -> None:
        if self.scrollable_content_region:
            super().action_page_down()  # type: ignore[no-untyped-call]
