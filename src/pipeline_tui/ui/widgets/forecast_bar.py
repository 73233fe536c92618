"""The live forecast across the top: the numbers a forecast meeting argues about."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Grid
from textual.widgets import Static

from ...money import format_money
from .steady import show_fixed

if TYPE_CHECKING:  # the app's first frame shows this bar before the domain is imported
    from ...forecast.metrics import ForecastFigures


class Tile(Static):
    """One figure: a dim label over a bold value."""

    DEFAULT_CSS = """
    Tile {
        height: 2;
    }
    """

    def show(self, label: str, value: str, style: str = "") -> None:
        text = Text(no_wrap=True, overflow="ellipsis")
        text.append(label + "\n", style="dim")
        text.append(value, style=f"bold {style}".strip())
        show_fixed(self, text)  # two lines, as wide as the grid makes it


class ForecastBar(Grid):
    """The headline figures side by side, two lines high."""

    DEFAULT_CSS = """
    ForecastBar {
        grid-size: 8 1;
        grid-columns: 1fr;
        grid-gutter: 0 1;
        height: 2;
        padding: 0 1;
    }
    """
    TILES = ("quota", "won", "commit", "best", "weighted", "coverage", "win", "gap")
    # The labels the figures come with, shown over the placeholders too: the first frame
    # does not shift when they arrive.
    LABELS: ClassVar[dict[str, str]] = {"best": "Best case", "win": "Win rate"}

    def compose(self) -> ComposeResult:
        for name in self.TILES:
            yield Tile(id=f"tile-{name}")

    def on_mount(self) -> None:
        for name in self.TILES:
            self.query_one(f"#tile-{name}", Tile).show(self.LABELS.get(name, name.title()), "…")

    def show(
        self,
        f: ForecastFigures,
        *,
        currency: str,
        coverage_target: float,
        win_rate_target: float,
    ) -> None:
        def money(value: Decimal | None) -> str:
            return format_money(value, currency, compact=True)

        def tile(name: str, label: str, value: str, style: str = "") -> None:
            self.query_one(f"#tile-{name}", Tile).show(label, value, style)

        tile("quota", "Quota", money(f.quota))
        tile("won", "Won", money(f.closed_won), "green" if f.closed_won else "")
        tile("commit", "Commit", money(f.commit))
        tile("best", "Best case", money(f.best_case))
        tile("weighted", "Weighted", money(f.weighted))
        # A coverage target below what the team's own win rate needs is not a target.
        needed = max(coverage_target, f.needed_coverage or 0.0)
        tile("coverage", "Coverage", *_against(f.coverage, needed, "{:.1f}x"))
        tile("win", "Win rate", *_against(f.win_rate, win_rate_target, "{:.0%}"))
        gap = f.gap
        if gap is None:
            tile("gap", "Gap", "—")
        elif gap > 0:
            tile("gap", "Gap", money(gap), "red")
        else:
            tile("gap", "Ahead", money(-gap), "green")


def _against(value: float | None, target: float, layout: str) -> tuple[str, str]:
    """`value/target` and its style: red below the target, green at or above it."""
    shown = "—" if value is None else layout.format(value)
    style = "" if value is None else ("red" if value < target else "green")
    return f"{shown}/{layout.format(target)}", style
