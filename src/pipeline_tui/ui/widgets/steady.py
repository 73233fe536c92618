"""Showing text in a widget without redrawing what has not changed.

A screen update in Textual costs what it touches: `Static.update` asks for a layout of the
whole screen by default, and a layout re-measures every widget and repaints the scroll bar
of every list on the board (each `OptionList` keeps a taller virtual size than the one the
layout hands it, so each layout looks like a resize to it). On a board of six columns that
made every keystroke repaint the whole screen two to four times (the edit shown at once,
the write landing, the deals read again, the session's own write coming back as a live
change), each key waiting behind the last one's frames. The header, the status line and
the column titles never change size with what they say, so they never need a layout, and
showing the same text again needs nothing at all.
"""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static


def same_text(a: object, b: Text) -> bool:
    """Whether `a` is a `Text` that draws exactly as `b` (Rich's `==` leaves out the base
    style)."""
    return (
        isinstance(a, Text)
        and a == b
        and a.style == b.style
        and (a.no_wrap, a.overflow, a.justify, a.end) == (b.no_wrap, b.overflow, b.justify, b.end)
    )


def show_fixed(widget: Static, text: Text) -> bool:
    """Shows `text` in `widget`, whose size is set by its styles and container, never by
    what it shows. Nothing is drawn when it already shows that; otherwise only the widget
    is repainted, without a layout. True when it changed."""
    if same_text(widget.content, text):
        return False
    widget.update(text, layout=False)
    return True
