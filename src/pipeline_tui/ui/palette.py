"""Textual's command palette, steady under a burst of keys.

Two keys typed faster than the palette settles stopped the app (found by the key fuzz):
`pageup`/`pagedown` before its list had been laid out raised `KeyError` in `OptionList`
(as `widgets/option_list.py` guards for the app's own lists), and a second `enter` before
the first had closed it dismissed it twice (`ScreenStackError`) and would have run the
chosen command twice. Once the palette is closing it takes no more choices. (The page
keys' case came from one fuzz run and was not reproduced on its own; the guard is the one
`widgets/option_list.py` has, where a test holds it.)
"""

from __future__ import annotations

from typing import Any

from textual.await_complete import AwaitComplete
from textual.command import CommandList, CommandPalette
from textual.message import Message
from textual.widgets import Button, Input, OptionList

# What can choose a command or close the palette again.
_CHOOSING = (Input.Submitted, Button.Pressed, OptionList.OptionSelected)


class SteadyPalette(CommandPalette):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._leaving = False

    def dismiss(self, result: Any = None) -> AwaitComplete:
        if self._leaving:  # already on its way out
            return AwaitComplete()
        self._leaving = True
        return super().dismiss(result)

    async def _on_message(self, message: Message) -> None:
        if self._leaving and isinstance(message, _CHOOSING):
            message.stop()
            return
        await super()._on_message(message)

    def _action_escape(self) -> None:
        if not self._leaving:
            super()._action_escape()

    def _action_command_list(self, action: str) -> None:
        paging = action in ("page_up", "page_down")
        if paging and not self.query_one(CommandList).scrollable_content_region:
            return  # not laid out yet: no page to move by
        super()._action_command_list(action)
