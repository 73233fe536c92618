"""The one-line legend of the marks on a card, under the board; `L` shows and hides it."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.widgets import Static

from ...marks import CATEGORY_MARKS, FLAGS, OTHER_MARKS, SHORT_WORDS, legend_entries
from ...services.people import SettingsView
from .board import CATEGORY_BADGES, FLAG_STYLE, PUSH_STYLE

# The board's styles by mark, so the legend draws each mark as a card does.
CATEGORY_STYLES = dict(CATEGORY_BADGES.values())


def legend_text(settings: SettingsView) -> Text:
    """Every mark in one line (160 columns); help (`?`) says each in full."""
    groups: list[list[tuple[str, str, str]]] = [
        [(mark, CATEGORY_STYLES[mark], words) for mark, words in CATEGORY_MARKS[:4]],
        [
            (
                flag.mark,
                FLAG_STYLE,
                SHORT_WORDS[flag.key].format(
                    push=settings.flag_push_count, stale=settings.stale_days
                ),
            )
            for flag in FLAGS
        ],
        [("↻N", PUSH_STYLE, "pushes"), ("…", "", "cut")],
    ]
    text = Text(no_wrap=True, overflow="ellipsis")
    for g, group in enumerate(groups):
        if g:
            text.append(" │ ", style="dim")
        for e, (mark, style, words) in enumerate(group):
            text.append(("  " if e else "") + mark, style=style)
            text.append(f" {words}")
    return text


class MarksLegend(Static):
    DEFAULT_CSS = """
    MarksLegend {
        height: 1;
        padding: 0 1;
        background: $panel;
        display: none;
    }
    """

    def __init__(self, settings: SettingsView) -> None:
        super().__init__(legend_text(settings), id="legend")


def marks_table(settings: SettingsView) -> Table:
    """Every mark on a card or a table row and what it means, for help (`?`)."""
    table = Table.grid(padding=(0, 2))
    table.add_column(no_wrap=True)
    table.add_column()
    table.add_row(
        Text("Marks on a card", style="bold underline"),
        Text("L shows a one-line legend under the board; F shows flagged deals only", style="dim"),
    )
    table.add_row(Text(), Text())
    styles = CATEGORY_STYLES | {f.mark: FLAG_STYLE for f in FLAGS} | {"↻3": PUSH_STYLE}
    flag_marks = {f.mark for f in FLAGS}
    entries = legend_entries(push=settings.flag_push_count, stale=settings.stale_days)
    for mark, words in entries:
        if mark in flag_marks and mark == FLAGS[0].mark:
            table.add_row(Text(), Text())
            table.add_row(
                Text("Flags", style="bold"),
                Text("what a review asks about; flagged deals come first in a review", style="dim"),
            )
        if mark == OTHER_MARKS[0][0]:
            table.add_row(Text(), Text())
        table.add_row(Text(mark, style=styles.get(mark, "bold")), Text(words))
    return table
