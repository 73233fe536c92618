"""The deal screen's status line and history, read off the screen after real edits."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from textual.widgets import Static

from pipeline_tui.ui.screens.deal import DealScreen

from ..ui_support import copy_db, demo_template, make_app, open_board, settle

SIZE = (160, 48)
RAW = ("forecast_category", "close_date", "push_count", "best_case", "_")
RAW_DECIMAL = re.compile(r"(?<![\d,])\d{4,}\.\d\d\b")


def shown(screen: DealScreen, selector: str) -> str:
    return str(screen.query_one(selector, Static).render())


async def test_edits_and_history_are_told_in_words(
    tmp_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    app = make_app(copy_db(demo_template(tmp_path_factory), tmp_path / "pipeline.db"))
    async with app.run_test(size=SIZE) as pilot:
        await open_board(pilot)
        await pilot.press("l", "enter")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, DealScreen)
        statuses = []
        for keys in (
            ["c"],
            ["a", "ctrl+u", *"18900.50", "enter"],
            ["d", "ctrl+u", *"+3m", "enter"],
        ):
            await pilot.press(*keys)
            await settle(pilot)
            statuses.append(shown(screen, "#status"))
        history = shown(screen, "#history")
    assert "Forecast category: Pipeline → Best case" in statuses[0]
    assert re.search(r"Amount: \$[\d,]+ → \$18,900\.50", statuses[1])
    assert re.search(r"Close date: \d{4}-\d\d-\d\d → \d{4}-\d\d-\d\d; Pushes: 0 → 1", statuses[2])
    assert "Forecast category: Pipeline → Best case" in history
    assert "→ $18,900.50" in history and "Pushes: 0 → 1" in history
    for text in [*statuses, history]:
        assert not any(raw in text for raw in RAW), text
        assert not RAW_DECIMAL.search(text), text
