"""Cursor keys pressed while a list waits for its neighbouring page.

A list holds one page; moving past its end asks for the next one, which arrives some frames
later. Keys pressed meanwhile (a held `j`, a burst of them) wait here and are made, in
order, when the page arrives, instead of each asking again for the same page.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable


class PagedCursor:
    def __init__(self) -> None:
        self.loading = False
        self._waiting: deque[Callable[[], None]] = deque()
        self._then: list[Callable[[], None]] = []

    def waits(self, move: Callable[[], None]) -> bool:
        """True if a page is loading: `move` is made when it has arrived."""
        if self.loading:
            self._waiting.append(move)
        return self.loading

    def arrived(self) -> None:
        """The page is shown: make the waiting moves, until one needs a page again."""
        self.loading = False
        while self._waiting and not self.loading:
            self._waiting.popleft()()
        if not self.loading:
            self._settled()

    def then(self, callback: Callable[[], None]) -> None:
        """Calls `callback` once the cursor has stopped waiting (now, if it is not)."""
        self._then.append(callback)
        if not self.loading:
            self._settled()

    def _settled(self) -> None:
        callbacks, self._then = self._then, []
        for callback in callbacks:
            callback()

    def cancel(self) -> None:
        """The page could not be loaded (the screen said why): the waiting moves go."""
        self.loading = False
        self._waiting.clear()
        self._settled()
